"""A PostgreSQL connection that speaks the warehouse's portable SQL the way a DuckDB connection
does, so a source load runs in the server with the one implementation of the history, quarantine
and load-log SQL (``stages/history/``, ``warehouse/writes.py``).

The seam is small on purpose: the shared SQL is written to run on both engines (no QUALIFY, no
GROUP BY ALL, explicit CASTs, temp tables dropped and created), and this class only translates
what has to differ: placeholders (``?`` and ``$name`` → psycopg's, bound client-side with
psycopg's own quoting), schema names (``main.`` → ``public.``, ``temp.`` → ``pg_temp.``), a
registered DataFrame (a temp table filled by COPY), and the DDL of new business columns (its own
short transaction on a second connection, so the load never holds an exclusive lock on
source_history). The caller's ``BEGIN``/``COMMIT``/``ROLLBACK`` are sent as they are: the load is
one server transaction; a kill before COMMIT leaves the server as it was.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence

import duckdb
import pandas as pd
import psycopg
from psycopg import sql

from etl_assets.warehouse import ddl
from etl_assets.warehouse.postgres import server as postgres

_NAMED = re.compile(r"\$([A-Za-z_]\w*)")
_SCHEMAS = ((re.compile(r"(?<![\w.\"])main\."), "public."), (re.compile(r"(?<![\w.\"])temp\."), "pg_temp."))

DIALECT = "postgres"
LOAD_WORK_MEM = "128MB"


def translate(query: str, params) -> tuple[str, object]:
    """The query in psycopg's placeholders and PostgreSQL's schema names (our own SQL only)."""
    for pattern, replacement in _SCHEMAS:
        query = pattern.sub(replacement, query)
    if not params:
        return query, None
    query = query.replace("%", "%%")
    if isinstance(params, Mapping):
        return _NAMED.sub(lambda m: f"%({m.group(1)})s", query), dict(params)
    return query.replace("?", "%s"), list(params)


class ServerConnection:
    """``execute(sql, params)`` → self (``fetchall``/``fetchone``/``fetch_df``), like DuckDB's."""

    dialect = DIALECT

    def __init__(self, pg: psycopg.Connection, url: str, password: str | None):
        self.pg = pg
        self._url, self._password = url, password
        self._cur: psycopg.ClientCursor | None = None
        self._frames: dict[str, str] = {}

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
        self._frames[name] = name

    def unregister(self, name: str) -> None:
        if self._frames.pop(name, None):
            self.pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(name)))

    def close(self) -> None:
        self.pg.close()


def is_server(con) -> bool:
    return getattr(con, "dialect", None) == DIALECT


def stage(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, select: str, name: str,
          types: Mapping[str, str]) -> None:
    """The rows of a DuckDB query in a new PostgreSQL temp table ``name`` (COPY, CSV)."""
    body = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(ddl.pg_type(t)))
                              for c, t in types.items())
    pg.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(name)))
    pg.execute(sql.SQL("CREATE TEMP TABLE {} ({})").format(sql.Identifier(name), body))
    postgres.copy_query_to(pg, mem, select, sql.Identifier(name), list(types))
    pg.execute(sql.SQL("ANALYZE pg_temp.{}").format(sql.Identifier(name)))  # the planner needs its row count


@contextlib.contextmanager
def session(url: str, name: str, lock: str | None, *, password: str | None = None,
            lock_timeout_seconds: float = 300.0) -> Iterator[ServerConnection]:
    """A connection to the server holding the scope's advisory lock (session-level: dropped with
    the connection, also when this process dies); closed at the end (an open transaction is
    rolled back by the server)."""
    pg = postgres.connect(url, password)
    where = f"warehouse postgresql://{postgres.describe(url)}: {name}"
    try:
        try:
            pg.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout_seconds * 1000)}ms")))
            # the diff's joins and the snapshot's latest-row-per-key sort over a big delivery: in memory
            # rather than spilled in 4 MB runs (PostgreSQL's default), one load per source at a time
            pg.execute(sql.SQL("SET work_mem = {}").format(sql.Literal(LOAD_WORK_MEM)))
            postgres.ensure_tables(pg)
            if lock:
                postgres.lock(pg, lock, session=True)
        except psycopg.Error as exc:
            raise postgres.WarehouseUnavailableError(f"{where}: {type(exc).__name__}: {exc}") from None
        con = ServerConnection(pg, url, password)
        try:
            yield con
        except psycopg.Error as exc:
            raise postgres.WarehouseWriteError(f"{where}: nothing written ({type(exc).__name__}: {exc})") from None
    finally:
        pg.close()
