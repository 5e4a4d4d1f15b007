"""Frames written into declared tables, conformed to the declaration: columns in declared order,
cast to the declared types, a declared column the frame lacks written as NULL. A frame column the
table does not declare is an error naming table and column, never a silent new column (a new
column is one line in ``tables.py``)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from etl_assets.warehouse import backend, ddl
from etl_assets.warehouse.backend import quote_ident
from etl_assets.warehouse.tables import TABLES


class UndeclaredColumnError(ValueError):
    """A frame holds a column its table does not declare."""


def declared_types(table: str) -> dict[str, str]:
    """Column → type (without NOT NULL) as declared, in order."""
    return {c: ddl.base_type(t) for c, t in TABLES[table].columns.items()}


def conforms(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """The table exists with exactly its declared columns and types (a warehouse written before a
    declaration changed may hold another shape until its writer replaces it)."""
    return backend.columns(con, table) == declared_types(table)


def _select(table: str, name: str, frame_columns, dialect: str = ddl.DUCKDB) -> tuple[str, str]:
    """(column list, SELECT list) writing the frame's rows in the table's declared layout (the casts
    in the engine's type names)."""
    declared = {c: ddl.column_type(t, dialect) for c, t in declared_types(table).items()}
    undeclared = [str(c) for c in frame_columns if c not in declared]
    if undeclared:
        raise UndeclaredColumnError(
            f"{table}: column {undeclared[0]!r} is not declared (declare it in etl_assets/warehouse/tables.py); "
            f"undeclared: {undeclared}")
    present = set(frame_columns)
    select = ", ".join(f"CAST({quote_ident(c) if c in present else 'NULL'} AS {t})" for c, t in declared.items())
    return ", ".join(map(quote_ident, declared)), f"SELECT {select} FROM {name}"


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append a frame's rows to a declared table."""
    with backend.registered(con, frame) as name:
        cols_sql, select = _select(table, name, list(frame.columns), _dialect(con))
        con.execute(f"INSERT INTO {table} ({cols_sql}) {select}")


def _dialect(con) -> str:
    return ddl.POSTGRES if backend.is_server(con) else ddl.DUCKDB


def insert_parquet(con: duckdb.DuckDBPyConnection, table: str, path: str | Path, frame_columns) -> None:
    """Append the rows of a Parquet file (written from a frame with ``frame_columns``) to a declared
    table. Why a file: rows appended from a registered pandas or Arrow frame inside a transaction
    keep ~0.9 KB of RSS per row (outside DuckDB's memory limit) until the commit, a million leads
    0.9 GiB; read by DuckDB's own Parquet reader they stay within the limit."""
    literal = "'" + str(path).replace("'", "''") + "'"
    cols_sql, select = _select(table, f"read_parquet({literal})", list(frame_columns))
    con.execute(f"INSERT INTO {table} ({cols_sql}) {select}")


def create_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """A declared table created anew from its declaration (dropped first), whatever shape an older warehouse gave it."""
    declared = TABLES[table]
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(ddl.create_table_sql(table, declared.columns, declared.key))


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """A declared table's rows replaced by a frame's (inside the caller's transaction); the table is
    created anew from its declaration, whatever shape an older warehouse gave it."""
    declared = TABLES[table]
    with backend.registered(con, frame) as name:
        cols_sql, select = _select(table, name, list(frame.columns), _dialect(con))
        if backend.is_server(con):  # emptied in place when already declared (the views on it stay)
            con.reset_table(table)
        else:
            con.execute(f"DROP TABLE IF EXISTS {table}")
            con.execute(ddl.create_table_sql(table, declared.columns, declared.key))
        con.execute(f"INSERT INTO {table} ({cols_sql}) {select}")
