"""The PostgreSQL warehouse as the stages see it: an in-memory DuckDB holding exactly the rows a
scope reads (``scopes.py``), on which the one implementation of the history, quarantine and
leads SQL runs; on success the scope's rows are written back to PostgreSQL in one transaction.

Order of a session (why: no deadlocks, no half state visible):
1. the scope's advisory lock (session-level: held across the steps below, dropped by the server
   if this process dies);
2. read the scope's rows in one REPEATABLE READ transaction (a consistent snapshot);
3. the caller's work on the mirror;
4. new business columns: DDL in its own short transaction (nullable columns only, harmless if
   step 5 then fails: a NULL column changes no row hash);
5. DELETE the scope's rows (or, for a table a refresh replaced whole in another shape than the
   server's, DROP and CREATE it as declared) + COPY the mirror's rows, one transaction: readers
   see the rows before or after it, never between. A failure or kill before COMMIT leaves PostgreSQL as it was.

``within`` is steps 2-5 inside a server session's own transaction (``connection.py``): a unit of
work running in the server hands one part of its work to DuckDB on a mirror (the leads refresh's
full re-resolve), read in its snapshot and written back before its COMMIT.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import psycopg
from psycopg import sql

from etl_assets.warehouse import backend
from etl_assets.warehouse.postgres import connection
from etl_assets.warehouse.postgres import server as postgres
from etl_assets.warehouse import spill
from etl_assets.warehouse.scopes import BY_SOURCE, Scope
from etl_assets.warehouse.tables import TABLES, create_current_view, ensure_warehouse


def _predicate(where: str | None, scope: Scope) -> sql.Composable | None:
    if where is None:
        return None
    return sql.SQL(where).format(source=sql.Literal(scope.source))


def _only_scope_rows(mem: duckdb.DuckDBPyConnection, table: str, where: str | None, scope: Scope) -> None:
    """A source scope writes back only its source's rows (the mirror read no others)."""
    if where != BY_SOURCE:
        return
    others = mem.execute(f"SELECT count(*) FROM {table} WHERE _source IS DISTINCT FROM ?", [scope.source]).fetchone()[0]
    if others:
        raise ValueError(f"{scope.name}: {others} row(s) of {table} belong to another source; nothing written")


def _read(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    for table, where in scope.reads:
        types = postgres.columns(pg, table)
        if not types:
            continue
        if TABLES[table].grows:
            backend.add_columns(mem, table, types)  # the business columns PostgreSQL has and the mirror lacks
        elif types != backend.columns(mem, table):  # an older shape (its writer replaces it with the declared one)
            body = ", ".join(f"{backend.quote_ident(c)} {t}" for c, t in types.items())
            mem.execute(f"CREATE OR REPLACE TABLE {table} ({body})")
        postgres.copy_into_duckdb(pg, mem, table, types, _predicate(where, scope))
    create_current_view(mem)


def _reshape(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    """Step 4: give PostgreSQL the mirror's business columns where it lacks them."""
    targets = [t for t, _ in scope.replaces] + list(scope.appends)
    changes = {}
    for table in targets:
        if TABLES[table].grows and backend.columns(mem, table):
            have = postgres.columns(pg, table)
            new = {c: t for c, t in backend.columns(mem, table).items() if c not in have}
            if new:
                changes[table] = new
    if changes:
        with pg.transaction():
            postgres.lock(pg, "ddl")
            for table, new in changes.items():
                postgres.add_columns(pg, table, new)
            postgres.create_views(pg)


def _other_shape(pg: psycopg.Connection, table: str, cols: dict[str, str]) -> bool:
    """A fixed-shape table whose server copy has other columns or types than the mirror's."""
    have = postgres.columns(pg, table)
    return not TABLES[table].grows and ([(c, postgres.pg_type(t)) for c, t in have.items()]
                                        != [(c, postgres.pg_type(t)) for c, t in cols.items()])


def _write(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    with pg.transaction():
        for table, where in scope.replaces:
            cols = backend.columns(mem, table)
            if not cols:
                continue
            if where is None and _other_shape(pg, table, cols):
                postgres.lock(pg, "ddl")
                postgres.recreate_table(pg, table)  # transactional DDL: undone with the rows on failure
            delete = sql.SQL("DELETE FROM {}").format(sql.Identifier(*postgres.pg_name(table).split(".")))
            predicate = _predicate(where, scope)
            _only_scope_rows(mem, table, where, scope)
            pg.execute(delete if predicate is None else sql.SQL("{} WHERE {}").format(delete, predicate))
            postgres.copy_from_duckdb(pg, mem, table, cols)
        for table in scope.appends:
            cols = backend.columns(mem, table)
            if cols:
                postgres.copy_from_duckdb(pg, mem, table, cols)


@contextlib.contextmanager
def within(con: connection.ServerConnection, scope: Scope) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB holding the scope's rows, read through the server session ``con`` and, when
    the block ends without an exception, written back through it: in the session's transaction (its
    lock, its snapshot), so its COMMIT or ROLLBACK covers these rows too."""
    with spill.temp_directory() as tmp, duckdb.connect(":memory:", config=spill.config(tmp)) as mem:
        ensure_warehouse(mem)
        _read(con.pg, mem, scope)
        yield mem
        _reshape(con.pg, mem, scope)
        _write(con.pg, mem, scope)
        for table, _ in scope.replaces:  # the next unit of work plans on its new rows, not autovacuum's
            con.pg.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(*postgres.pg_name(table).split("."))))


@contextlib.contextmanager
def session(url: str, scope: Scope, *, password: str | None = None,
            lock_timeout_seconds: float = 300.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a DuckDB connection holding the scope's rows; write the scope's rows back to
    PostgreSQL when the block ends without an exception (nothing is written otherwise). A scope
    ``in_server`` yields a connection to the server instead (``connection.py``)."""
    if scope.in_server:
        with connection.session(url, scope.name, scope.lock, read_only=scope.read_only, snapshot=scope.snapshot,
                                password=password, lock_timeout_seconds=lock_timeout_seconds) as con:
            yield con
        return
    pg = postgres.connect(url, password)
    spill_files = contextlib.ExitStack()  # the mirror's own spill directory, removed at the end
    # no ICU extension: TIMESTAMPTZ is read and written in UTC
    mem = duckdb.connect(":memory:", config=spill.config(spill_files.enter_context(spill.temp_directory())))
    where = f"warehouse postgresql://{postgres.describe(url)}: {scope.name}"
    try:
        try:
            pg.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{int(lock_timeout_seconds * 1000)}ms")))
            postgres.ensure_tables(pg)
            if scope.lock:
                postgres.lock(pg, scope.lock, session=True)
            ensure_warehouse(mem)
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with pg.transaction():
                _read(pg, mem, scope)
            pg.isolation_level = None
        except psycopg.Error as exc:
            raise postgres.WarehouseUnavailableError(f"{where}: {type(exc).__name__}: {exc}") from None
        yield mem
        if scope.replaces or scope.appends:
            try:
                _reshape(pg, mem, scope)
                _write(pg, mem, scope)
            except psycopg.Error as exc:
                raise postgres.WarehouseWriteError(f"{where}: nothing written ({type(exc).__name__}: {exc})") from None
    finally:
        mem.close()
        pg.close()  # also ends the session's advisory lock
        spill_files.close()
