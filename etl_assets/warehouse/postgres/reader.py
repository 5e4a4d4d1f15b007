"""Reads that run on the PostgreSQL server: the one portable SQL text of a query (``queries.py``,
``exports.py``, the analyst views) executed there, so a check or an export fetches its answer
(a load-log row, counts, the leads it streams) instead of a copy of the tables.

``ServerReader`` speaks the part of DuckDB's connection API those queries use (``execute(...)
.fetchone() / .fetchall() / .fetch_df()``, ``sql(...).to_arrow_reader(n)`` as batches with
``to_pandas()``); ``backend.columns`` / ``table_exists`` ask it for the server's catalog. The SQL
is translated, not rewritten: declared table names to ``public``, ``?`` and ``$name`` placeholders
to psycopg's. Values are bound client-side by psycopg (quoted as literals: a bare ``$x IS NULL``
needs no type) and never spliced by us. All of one session's reads see one REPEATABLE READ
snapshot, begun by its first statement; the session writes nothing outside ``pg_temp``.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence

import pandas as pd
import psycopg
from psycopg import sql

from etl_assets.warehouse.postgres import server as postgres
from etl_assets.warehouse.tables import TABLES

# a string literal or a quoted identifier (kept), a placeholder, or a percent sign
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\?|\$([A-Za-z_][A-Za-z0-9_]*)|%""")
_cursors = itertools.count()


def translate(query: str, params: Sequence | Mapping | None) -> str:
    """DuckDB-side SQL → the server's: table names, placeholders, ``%`` escaped when bound."""
    bound = params is not None

    def one(m: re.Match) -> str:
        text = m.group(0)
        if text[0] in "'\"":
            return text.replace("%", "%%") if bound else text
        if text == "?":
            return "%s"
        if text == "%":
            return "%%" if bound else "%"
        return f"%({m.group(1)})s"

    return _TOKENS.sub(one, postgres.server_sql(query))


class Result:
    """The rows of one statement, fetched as DuckDB's result would give them."""

    def __init__(self, reader: "ServerReader", query: str, params):
        self._reader, self._query, self._params = reader, query, params
        self._cursor: psycopg.Cursor | None = None

    def _run(self) -> psycopg.Cursor:
        if self._cursor is None:
            self._cursor = self._reader.client_cursor()
            self._cursor.execute(translate(self._query, self._params), self._params)
        return self._cursor

    def fetchone(self):
        return self._run().fetchone()

    def fetchall(self) -> list[tuple]:
        return self._run().fetchall()

    def fetch_df(self) -> pd.DataFrame:
        cur = self._run()
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def to_arrow_reader(self, batch_rows: int) -> Iterator["Batch"]:
        """The rows ``batch_rows`` at a time through a server-side cursor (never all in memory)."""
        text = self._reader.client_cursor().mogrify(translate(self._query, self._params), self._params)
        with self._reader.pg.cursor(name=f"etl_read_{next(_cursors)}") as cur:
            cur.itersize = batch_rows
            cur.execute(text)
            names = [d.name for d in cur.description]
            while rows := cur.fetchmany(batch_rows):
                yield Batch(rows, names)


class Batch:
    def __init__(self, rows: list[tuple], names: list[str]):
        self._rows, self._names = rows, names

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=self._names)


class ServerReader:
    """A session's connection to the server (see the module docstring)."""

    on_server = True

    def __init__(self, pg: psycopg.Connection, where: str):
        self.pg, self.where = pg, where

    def client_cursor(self) -> psycopg.ClientCursor:
        return psycopg.ClientCursor(self.pg)

    def execute(self, query: str, params: Sequence | Mapping | None = None) -> Result:
        return Result(self, query, params)

    def sql(self, query: str, params: Sequence | Mapping | None = None) -> Result:
        return Result(self, query, params)

    def server_columns(self, table: str) -> dict[str, str]:
        """Column → DuckDB type of a declared table or view on the server (empty when missing)."""
        return postgres.columns(self.pg, table)

    def copy_rows(self, target: str, columns: Mapping[str, str], rows: Iterator[bytes]) -> None:
        """A temp table ``pg_temp.<target>`` (column → PostgreSQL type) holding CSV ``rows``; gone
        when the session ends (a preview's incoming hashes, compared on the server)."""
        ident = sql.Identifier("pg_temp", target)
        body = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns.items())
        self.pg.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
        self.pg.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(ident, body))
        copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(ident, sql.SQL(", ").join(map(sql.Identifier, columns)))
        with self.pg.cursor().copy(copy) as cp:
            for chunk in rows:
                cp.write(chunk)


def _tables_missing(pg: psycopg.Connection) -> bool:
    names = [postgres.pg_name(t).split(".")[1] for t in TABLES]
    (found,) = pg.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
                          [postgres.PG_SCHEMA, names]).fetchone()
    return found < len(names)


@contextlib.contextmanager
def session(url: str, scope_name: str, *, password: str | None = None,
            lock_timeout_seconds: float = 300.0) -> Iterator[ServerReader]:
    """A reader over the server's warehouse (its tables created when missing); one snapshot."""
    pg = postgres.connect(url, password)
    where = f"warehouse postgresql://{postgres.describe(url)}: {scope_name}"
    try:
        try:
            pg.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout_seconds * 1000)}ms")))
            if _tables_missing(pg):  # else no DDL at all: an analyst's read-only role can read
                postgres.ensure_tables(pg)
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            pg.autocommit = False  # the first statement begins the one transaction; rolled back at the end
        except psycopg.Error as exc:
            raise postgres.WarehouseUnavailableError(f"{where}: {type(exc).__name__}: {exc}") from None
        try:
            yield ServerReader(pg, where)
        except psycopg.Error as exc:
            raise postgres.WarehouseUnavailableError(f"{where}: {type(exc).__name__}: {exc}") from None
    finally:
        with contextlib.suppress(psycopg.Error):
            pg.rollback()
        pg.close()
