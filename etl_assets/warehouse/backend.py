"""The DuckDB side: identifiers, transactions, registered frames and the few statement shapes
every writer shares. SQL that depends on the engine lives here, so another backend (PostgreSQL)
has one place to differ.

Every write runs in one transaction (``transaction``): a failed or killed run leaves the file as
it was (DuckDB's write-ahead log is replayed or discarded on the next open). Values always go
through parameters or registered DataFrames and identifiers through ``quote_ident``: nothing read
from a delivery is ever spliced into SQL text.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping

import duckdb
import pandas as pd

from etl_assets.warehouse.ddl import add_column_sql, quote_ident  # noqa: F401 (quote_ident: re-exported)

_names = itertools.count()


def is_server(con) -> bool:
    """A PostgreSQL connection running the shared SQL in the server (``postgres/connection.py``), not
    a DuckDB connection: the seam where the few engine-specific calls below differ."""
    return getattr(con, "dialect", None) == "postgres"


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any exception (the exception propagates). A read-only server
    session is already inside its one snapshot's transaction."""
    if is_server(con) and con.read_only:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> Iterator[str]:
    """Expose a DataFrame to SQL under a fresh name for the duration of the block."""
    name = f"_frame_{next(_names)}"
    con.register(name, frame)
    try:
        yield name
    finally:
        with contextlib.suppress(duckdb.Error):  # in an aborted transaction the view goes with the connection
            con.unregister(name)


def columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name → type of a table or view (empty when it does not exist)."""
    if is_server(con):
        return con.columns(table)
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    if is_server(con):
        return bool(con.columns(table))
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchall()
    return bool(rows[0][0])


def create_view(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    if is_server(con):
        return  # the server's views are (re)created with its tables and columns (postgres/server.py)
    con.execute(f"CREATE OR REPLACE VIEW {table} AS {select}")


def add_columns(con: duckdb.DuckDBPyConnection, table: str, new: Mapping[str, str]) -> None:
    """ALTER TABLE … ADD COLUMN for the columns the table lacks."""
    if is_server(con):
        con.add_columns(table, new)
        return
    existing = columns(con, table)
    for name, sql_type in new.items():
        if name not in existing:
            con.execute(add_column_sql(table, name, sql_type))


def delete_delivery(con: duckdb.DuckDBPyConnection, table: str, source: str, delivery_key: str) -> None:
    """Remove one delivery's rows (before they are written again)."""
    con.execute(f"DELETE FROM {table} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])


def insert_row(con: duckdb.DuckDBPyConnection, table: str, row: Mapping[str, object]) -> None:
    placeholders = ", ".join("?" for _ in row)
    con.execute(f"INSERT INTO {table} ({', '.join(map(quote_ident, row))}) VALUES ({placeholders})", list(row.values()))


def upsert_row(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...], row: Mapping[str, object]) -> None:
    """Insert a row, or set the given columns of the row with the same key."""
    if is_server(con):  # PostgreSQL checks NOT NULL before ON CONFLICT: a partial row is an UPDATE
        sets = ", ".join(f"{quote_ident(c)} = ?" for c in row if c not in key)
        where = " AND ".join(f"{quote_ident(c)} = ?" for c in key)
        con.execute(f"UPDATE {table} SET {sets} WHERE {where}",
                    [v for c, v in row.items() if c not in key] + [row[c] for c in key])
        if con.rowcount:
            return
        insert_row(con, table, row)
        return
    placeholders = ", ".join("?" for _ in row)
    cols_sql = ", ".join(f"{quote_ident(c)} = excluded.{quote_ident(c)}" for c in row if c not in key)
    con.execute(
        f"INSERT INTO {table} ({', '.join(map(quote_ident, row))}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(map(quote_ident, key))}) DO UPDATE SET {cols_sql}",
        list(row.values()),
    )
