"""Writes of one delivery's or one refresh's rows, inside the caller's transaction (alerts: their own)."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl_assets.records import DELIVERY_KEY, QUARANTINE_COLUMNS, SOURCE
from etl_assets.warehouse import backend, frames
from etl_assets.warehouse.tables import ALERTS, COLUMN_PROFILES, DELIVERIES, LEAD_EVENTS, QUARANTINE, TABLES, ensure_warehouse


def replace_quarantine(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, rows: pd.DataFrame) -> None:
    """The delivery's quarantined rows replace whatever an earlier load of it left."""
    backend.delete_delivery(con, QUARANTINE, source, delivery_key)
    if len(rows):
        frames.insert_frame(con, QUARANTINE, rows[list(QUARANTINE_COLUMNS)].rename(columns=QUARANTINE_COLUMNS))


def record_load(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, **values) -> None:
    """The load's columns of the delivery's load-log row (the history wrote its row first)."""
    backend.upsert_row(con, DELIVERIES, TABLES[DELIVERIES].key, {SOURCE: source, DELIVERY_KEY: delivery_key, **values})


def null_rates(frame: pd.DataFrame, columns) -> dict[str, float]:
    """Share of null values per column (a column the frame lacks counts as all null)."""
    n = len(frame)
    if not n:
        return {c: 0.0 for c in columns}
    return {c: float(frame[c].isna().sum()) / n if c in frame.columns else 1.0 for c in columns}


def replace_column_profiles(
    con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, delivery_date, rows: int, rates: dict[str, float]
) -> None:
    """The delivery's per-column null rates replace an earlier load's."""
    backend.delete_delivery(con, COLUMN_PROFILES, source, delivery_key)
    con.executemany(
        f"INSERT INTO {COLUMN_PROFILES} VALUES (?, ?, ?, ?, ?, ?)",
        [[source, delivery_key, delivery_date, column, rate, rows] for column, rate in rates.items()],
    )


def append_lead_events(con: duckdb.DuckDBPyConnection, events: pd.DataFrame, run_id: str) -> None:
    """Merges, splits and retirements are history: appended, never replaced."""
    if len(events) == 0:
        return
    frame = events[["event_type", "lead_id", "related_lead_ids", "record_count", "detail"]].assign(
        dagster_run_id=run_id, recorded_at=pd.Timestamp.now(tz="UTC")
    )
    frames.insert_frame(con, LEAD_EVENTS, frame)


def append_alert(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """One alert row, in its own short transaction."""
    with backend.transaction(con):
        ensure_warehouse(con)
        backend.insert_row(con, ALERTS, row)
