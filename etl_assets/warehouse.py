"""The DuckDB side: the warehouse file, its tables, and all-or-nothing writes.

Every write to the warehouse runs in one transaction (``transaction``): a failed or killed run
leaves the file as it was (DuckDB's write-ahead log is replayed or discarded on the next open).
Values always go through parameters or registered DataFrames and identifiers through
``quote_ident``: nothing read from a delivery is ever spliced into SQL text.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import duckdb
import pandas as pd

SCHEMA = "main"  # the default schema: analysts write `FROM leads`; a schema named like the file (warehouse.duckdb) would be ambiguous in DuckDB
DELIVERIES = f"{SCHEMA}.deliveries"
QUARANTINE = f"{SCHEMA}.quarantine"
LEADS = f"{SCHEMA}.leads"
LEAD_SOURCES = f"{SCHEMA}.lead_sources"
LEAD_EVENTS = f"{SCHEMA}.lead_events"

_names = itertools.count()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any exception (the exception propagates)."""
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


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {DELIVERIES} (
            _source VARCHAR NOT NULL, _delivery_key VARCHAR NOT NULL, _etag VARCHAR,
            delivery_date DATE, rows_read BIGINT, rows_quarantined BIGINT, rows_written BIGINT,
            rows_collapsed BIGINT, dagster_run_id VARCHAR, loaded_at TIMESTAMPTZ,
            PRIMARY KEY (_source, _delivery_key))"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {QUARANTINE} (
            _source VARCHAR NOT NULL, _delivery_key VARCHAR NOT NULL, _etag VARCHAR,
            _row_number BIGINT NOT NULL, _line_number BIGINT, reason VARCHAR NOT NULL,
            raw_record VARCHAR, _ingested_at TIMESTAMPTZ)"""
    )


def replace_quarantine(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, rows: pd.DataFrame) -> None:
    """The delivery's quarantined rows replace whatever an earlier load of it left."""
    con.execute(f"DELETE FROM {QUARANTINE} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])
    if len(rows) == 0:
        return
    frame = rows[["_source", "_delivery_key", "_etag", "_row_number", "_line_number", "_quarantine_reason", "_raw_record", "_ingested_at"]]
    with registered(con, frame) as name:
        con.execute(
            f"""INSERT INTO {QUARANTINE} SELECT _source, _delivery_key, _etag, _row_number, _line_number,
                _quarantine_reason, _raw_record, _ingested_at FROM {name}"""
        )


def record_delivery(con: duckdb.DuckDBPyConnection, **values) -> None:
    """Upsert the load log row of one delivery."""
    columns = list(values)
    placeholders = ", ".join("?" for _ in columns)
    con.execute(
        f"INSERT OR REPLACE INTO {DELIVERIES} ({', '.join(map(quote_ident, columns))}) VALUES ({placeholders})",
        list(values.values()),
    )


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Replace a whole table with a DataFrame's rows (inside the caller's transaction)."""
    with registered(con, frame) as name:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {name}")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchall()
    return bool(rows[0][0])


def previous_crosswalk(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The crosswalk of the last leads refresh: lead ids are kept stable against it."""
    if not table_exists(con, LEAD_SOURCES):
        return None
    return con.execute(f"SELECT _source, _record_key, lead_id FROM {LEAD_SOURCES}").fetch_df()


def append_lead_events(con: duckdb.DuckDBPyConnection, events: pd.DataFrame, run_id: str) -> None:
    """Merges, splits and retirements are history: appended, never replaced."""
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {LEAD_EVENTS} (event_type VARCHAR, lead_id VARCHAR,
            related_lead_ids VARCHAR, record_count BIGINT, detail VARCHAR, dagster_run_id VARCHAR,
            recorded_at TIMESTAMPTZ)"""
    )
    if len(events) == 0:
        return
    frame = events[["event_type", "lead_id", "related_lead_ids", "record_count", "detail"]].assign(
        dagster_run_id=run_id, recorded_at=pd.Timestamp.now(tz="UTC")
    )
    with registered(con, frame) as name:
        con.execute(f"INSERT INTO {LEAD_EVENTS} SELECT * FROM {name}")


# --- data-quality history and alerts (read by the asset checks, written by the warehouse asset) ---

COLUMN_PROFILES = f"{SCHEMA}.column_profiles"
ALERTS = f"{SCHEMA}.alerts"


def null_rates(frame: pd.DataFrame, columns) -> dict[str, float]:
    """Share of null values per column (a column the frame lacks counts as all null)."""
    n = len(frame)
    if not n:
        return {c: 0.0 for c in columns}
    return {c: float(frame[c].isna().sum()) / n if c in frame.columns else 1.0 for c in columns}


def replace_column_profiles(
    con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, delivery_date, rows: int, rates: dict[str, float]
) -> None:
    """The delivery's per-column null rates replace an earlier load's (inside the caller's transaction)."""
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {COLUMN_PROFILES} (
            _source VARCHAR NOT NULL, _delivery_key VARCHAR NOT NULL, delivery_date DATE,
            column_name VARCHAR NOT NULL, null_rate DOUBLE, rows BIGINT,
            PRIMARY KEY (_source, _delivery_key, column_name))"""
    )
    con.execute(f"DELETE FROM {COLUMN_PROFILES} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])
    con.executemany(
        f"INSERT INTO {COLUMN_PROFILES} VALUES (?, ?, ?, ?, ?, ?)",
        [[source, delivery_key, delivery_date, column, rate, rows] for column, rate in rates.items()],
    )


def previous_delivery(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, delivery_date) -> dict | None:
    """The source's latest loaded delivery dated before this one (another key), from the load log."""
    if not table_exists(con, DELIVERIES):
        return None
    row = con.execute(
        f"""SELECT _delivery_key, delivery_date, rows_read FROM {DELIVERIES}
            WHERE _source = ? AND _delivery_key <> ? AND delivery_date < ?
            ORDER BY delivery_date DESC, loaded_at DESC LIMIT 1""",
        [source, delivery_key, delivery_date],
    ).fetchone()
    return None if row is None else {"delivery_key": row[0], "delivery_date": row[1], "rows_read": int(row[2] or 0)}


def column_profile(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str) -> dict[str, float]:
    if not table_exists(con, COLUMN_PROFILES):
        return {}
    rows = con.execute(
        f"SELECT column_name, null_rate FROM {COLUMN_PROFILES} WHERE _source = ? AND _delivery_key = ?",
        [source, delivery_key],
    ).fetchall()
    return {c: float(r) for c, r in rows}


def newest_delivery_dates(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Per source, the newest delivery date in the load log."""
    if not table_exists(con, DELIVERIES):
        return {}
    return dict(con.execute(f"SELECT _source, max(delivery_date) FROM {DELIVERIES} GROUP BY 1").fetchall())


def append_alert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """One alert row, in its own short transaction."""
    with transaction(con):
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {ALERTS} (
                alert_id VARCHAR, raised_at TIMESTAMPTZ, kind VARCHAR, severity VARCHAR, source VARCHAR,
                delivery_key VARCHAR, step VARCHAR, message VARCHAR, counts VARCHAR,
                dagster_run_id VARCHAR, run_url VARCHAR)"""
        )
        columns = list(row)
        con.execute(
            f"INSERT INTO {ALERTS} ({', '.join(map(quote_ident, columns))}) VALUES ({', '.join('?' for _ in columns)})",
            list(row.values()),
        )
