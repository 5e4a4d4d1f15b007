"""The history's temp tables (names prefixed ``_history_``), alike on DuckDB and in the
PostgreSQL server: DuckDB's ``CREATE OR REPLACE TEMP TABLE`` is spelled DROP + CREATE. On DuckDB
a temp view may stand for one (rows read where they are, not copied)."""

from __future__ import annotations

import contextlib

import duckdb
import psycopg

from etl_assets.warehouse import backend

ERRORS = (duckdb.Error, psycopg.Error)


def create_temp(con, name: str, select: str, params=None) -> None:
    """Temp table ``name`` holding the rows of ``select`` (replacing one of that name)."""
    con.execute(f"DROP TABLE IF EXISTS temp.{name}")
    con.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
    analyze(con, name)


def analyze(con, name: str) -> None:
    """PostgreSQL never analyzes a temp table by itself: without row counts its planner joins
    two big ones by nested loop. DuckDB keeps its statistics as it writes."""
    if backend.is_server(con):
        con.execute(f"ANALYZE temp.{name}")


def drop_temp(con, *names: str) -> None:
    """Drop these temp tables; in an aborted transaction they go with the caller's rollback."""
    for name in names:
        with contextlib.suppress(*ERRORS):
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def create_temp_view(con, name: str, select: str) -> None:
    """Temp view ``name`` over ``select`` (DuckDB: the statements that read it read its source)."""
    con.execute(f"CREATE TEMP VIEW {name} AS {select}")


def drop_temp_view(con, name: str) -> None:
    """Drop the temp view; in an aborted transaction it goes with the caller's rollback."""
    with contextlib.suppress(*ERRORS):
        con.execute(f"DROP VIEW IF EXISTS temp.{name}")
