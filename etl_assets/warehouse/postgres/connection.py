"""A PostgreSQL connection that speaks the warehouse's portable SQL the way a DuckDB connection
does, so a unit of work runs in the server with the one implementation of its SQL: a source load
(``stages/history/``, ``warehouse/writes.py``) in one transaction, and the read-only scopes (the
checks' ``queries.py``, the export's ``exports.py``, the analyst views) in one snapshot.

The seam is small on purpose: the shared SQL is written to run on both engines (no QUALIFY, no
GROUP BY ALL, explicit CASTs, temp tables dropped and created), and this class only translates
what has to differ: placeholders (``?`` and ``$name`` → psycopg's, bound client-side with
psycopg's own quoting; never inside a string literal or a quoted name), table names (the declared
tables' and ``main.`` → ``public.``, ``temp.`` → ``pg_temp.``), a registered DataFrame (a temp
table filled by COPY), and the DDL of new business columns (its own short transaction on a second
connection, so the load never holds an exclusive lock on source_history). A writing session sends
the caller's ``BEGIN``/``COMMIT``/``ROLLBACK`` as they are: a kill before COMMIT leaves the server
as it was. A read-only session's reads all see one REPEATABLE READ snapshot, begun by its first
statement and rolled back at the end; it writes nothing outside ``pg_temp``.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence

import duckdb
import pandas as pd
import psycopg
from psycopg import sql

from etl_assets.warehouse import ddl
from etl_assets.warehouse.postgres import server as postgres
from etl_assets.warehouse.tables import TABLES

# a string literal or a quoted identifier (kept), a placeholder, or a percent sign
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\?|\$([A-Za-z_][A-Za-z0-9_]*)|%""")
_TEMP = re.compile(r"(?<![\w.\"])temp\.")
_cursors = itertools.count()

DIALECT = "postgres"
LOAD_WORK_MEM = "128MB"


def translate(query: str, params) -> tuple[str, object]:
    """The query in the server's names and psycopg's placeholders (our own SQL only), and its params."""
    bound = bool(params)

    def one(m: re.Match) -> str:
        text = m.group(0)
        if text[0] in "'\"":
            return text.replace("%", "%%") if bound else text
        if text == "?":
            return "%s"
        if text == "%":
            return "%%" if bound else "%"
        return f"%({m.group(1)})s"

    query = _TOKENS.sub(one, _TEMP.sub("pg_temp.", postgres.server_sql(query)))
    if not bound:
        return query, None
    return query, dict(params) if isinstance(params, Mapping) else list(params)


class ServerConnection:
    """``execute(sql, params)`` → self (``fetchall``/``fetchone``/``fetch_df``), like DuckDB's;
    ``sql(...).to_arrow_reader(n)`` streams a result in batches."""

    dialect = DIALECT

    def __init__(self, pg: psycopg.Connection, url: str, password: str | None, *, read_only: bool = False):
        self.pg, self.read_only = pg, read_only
        self._url, self._password = url, password
        self._cur: psycopg.ClientCursor | None = None
        self._frames: set[str] = set()

    def execute(self, query: str, params=None) -> ServerConnection:
        query, bound = translate(query, params)
        cur = psycopg.ClientCursor(self.pg)
        cur.execute(query, bound)
        self._cur = cur
        return self

    def executemany(self, query: str, rows: Sequence) -> ServerConnection:
        query, _ = translate(query, [None])
        cur = psycopg.ClientCursor(self.pg)
        cur.executemany(query, [list(r) for r in rows])
        self._cur = cur
        return self

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()

    def fetchone(self):
        return self._cur.fetchone()

    def fetch_df(self) -> pd.DataFrame:
        rows = self._cur.fetchall()
        return pd.DataFrame(rows, columns=[d.name for d in self._cur.description])

    def sql(self, query: str, params=None) -> Streamed:
        return Streamed(self.pg, query, params)

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def description(self):
        return self._cur.description

    # -- the engine-specific operations the shared code asks for (warehouse/backend.py)

    def columns(self, table: str) -> dict[str, str]:
        """Column → DuckDB type, as ``backend.columns`` gives them on DuckDB (temp tables too)."""
        if table.startswith("temp."):
            return postgres.temp_columns(self.pg, table.split(".", 1)[1])
        return postgres.columns(self.pg, table)

    def add_columns(self, table: str, new: Mapping[str, str]) -> None:
        """New business columns in their own short transaction, under the DDL lock."""
        have = postgres.columns(self.pg, table)
        new = {c: t for c, t in new.items() if c not in have}
        if not new:
            return
        with postgres.connect(self._url, self._password) as ddl_pg, ddl_pg.transaction():
            postgres.lock(ddl_pg, "ddl")
            postgres.add_columns(ddl_pg, table, new)
            postgres.create_views(ddl_pg)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """A DataFrame as a temp table of that name (types as DuckDB reads the frame)."""
        with duckdb.connect(":memory:") as mem:
            mem.register("_frame", frame)
            types = {r[0]: r[1] for r in mem.execute("DESCRIBE _frame").fetchall()}
            stage(self.pg, mem, "SELECT * FROM _frame", name, types)
        self._frames.add(name)

    def stage(self, name: str, mem: duckdb.DuckDBPyConnection, select: str, types: Mapping[str, str]) -> None:
        """The rows of a local DuckDB query in a temp table ``pg_temp.<name>`` (column → DuckDB type),
        gone when the session ends (a preview's incoming hashes, compared on the server)."""
        stage(self.pg, mem, select, name, types)

    def reset_table(self, table: str) -> None:
        """A declared table emptied in its declared shape: DELETE when the server's shape is the
        declared one (no DDL, the views reading it stay), else DROP … CASCADE and CREATE as declared."""
        if postgres.has_declared_shape(self.pg, table):
            self.pg.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(*postgres.pg_name(table).split("."))))
            return
        postgres.lock(self.pg, "ddl")
        postgres.recreate_table(self.pg, table)

    def unregister(self, name: str) -> None:
        if name in self._frames:
            self._frames.discard(name)
            self.pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(name)))

    def close(self) -> None:
        self.pg.close()


class Streamed:
    """A statement's rows fetched ``batch_rows`` at a time through a server-side cursor (never all
    in memory), each batch with ``to_pandas()``, as DuckDB's ``sql(...).to_arrow_reader(n)``."""

    def __init__(self, pg: psycopg.Connection, query: str, params):
        self._pg, self._query, self._params = pg, query, params

    def to_arrow_reader(self, batch_rows: int) -> Iterator[Batch]:
        query, bound = translate(self._query, self._params)
        text = psycopg.ClientCursor(self._pg).mogrify(query, bound)
        with self._pg.cursor(name=f"etl_read_{next(_cursors)}") as cur:
            cur.itersize = batch_rows
            cur.execute(text)
            names = [d.name for d in cur.description]
            while rows := cur.fetchmany(batch_rows):
                yield Batch(rows, names)


    def to_arrow_table(self):
        """All the rows as DuckDB's ``to_arrow_table`` gives them: COPYed as CSV into a local DuckDB
        with the result's types (the mirror's exact path), in the statement's order."""
        query, bound = translate(self._query, self._params)
        text = psycopg.ClientCursor(self._pg).mogrify(query, bound)
        with duckdb.connect(":memory:") as mem:
            return mem.sql(postgres.copy_query_into_duckdb(self._pg, mem, text)).to_arrow_table()


class Batch:
    def __init__(self, rows: list[tuple], names: list[str]):
        self._rows, self._names = rows, names

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=self._names)


def stage(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, select: str, name: str,
          types: Mapping[str, str]) -> None:
    """The rows of a DuckDB query in a new PostgreSQL temp table ``name`` (COPY, CSV)."""
    body = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(ddl.pg_type(t)))
                              for c, t in types.items())
    pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(name)))
    pg.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(sql.Identifier(name), body))
    postgres.copy_query_to(pg, mem, select, sql.Identifier(name), list(types))
    pg.execute(sql.SQL("ANALYZE pg_temp.{}").format(sql.Identifier(name)))  # the planner needs its row count


def _tables_missing(pg: psycopg.Connection) -> bool:
    names = [postgres.pg_name(t).split(".")[1] for t in TABLES]
    (found,) = pg.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
                          [postgres.PG_SCHEMA, names]).fetchone()
    return found < len(names)


@contextlib.contextmanager
def session(url: str, name: str, lock: str | None, *, read_only: bool = False, snapshot: bool = False,
            password: str | None = None, lock_timeout_seconds: float = 300.0) -> Iterator[ServerConnection]:
    """A connection to the server, closed at the end (an open transaction is rolled back by the
    server). Writing: the declared tables created when missing and the scope's advisory lock held
    (session-level: dropped with the connection, also when this process dies); with ``snapshot``
    everything runs in one REPEATABLE READ transaction begun after the lock and committed when the
    block ends without an exception (the leads refresh: its reads of every source see one state).
    Read-only: one REPEATABLE READ snapshot, and no DDL at all when the tables exist (an analyst's
    SELECT-only role can read)."""
    pg = postgres.connect(url, password)
    where = f"warehouse postgresql://{postgres.describe(url)}: {name}"
    try:
        try:
            pg.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout_seconds * 1000)}ms")))
            if not read_only:
                # the diff's joins and the snapshot's latest-row-per-key sort over a big delivery: in memory
                # rather than spilled in 4 MB runs (PostgreSQL's default), one load per source at a time
                pg.execute(sql.SQL("SET work_mem = {}").format(sql.Literal(LOAD_WORK_MEM)))
            if not read_only or _tables_missing(pg):
                postgres.ensure_tables(pg)
            if lock:
                postgres.lock(pg, lock, session=True)
            if read_only:
                pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                pg.autocommit = False  # the first statement begins the one transaction; rolled back at the end
        except psycopg.Error as exc:
            raise postgres.WarehouseUnavailableError(f"{where}: {type(exc).__name__}: {exc}") from None
        con = ServerConnection(pg, url, password, read_only=read_only)
        try:
            if snapshot and not read_only:  # the caller's BEGIN/COMMIT then run inside it (BEGIN: a warning)
                pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            yield con
            if snapshot and not read_only and pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                pg.execute("COMMIT")
        except psycopg.Error as exc:
            if read_only:
                raise postgres.WarehouseUnavailableError(f"{where}: {type(exc).__name__}: {exc}") from None
            raise postgres.WarehouseWriteError(f"{where}: nothing written ({type(exc).__name__}: {exc})") from None
    finally:
        if read_only:
            with contextlib.suppress(psycopg.Error):
                pg.rollback()
        pg.close()
