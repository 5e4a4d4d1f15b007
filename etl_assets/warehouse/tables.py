"""Every table and view of the warehouse, declared once, and ``ensure_warehouse`` creating them.

The analyst views (delivery_summary, lead_changes, source_scorecard, net_new_leads, ...) are declared
in ``views.py`` and created by the leads refresh (they read leads and lead_sources, which it writes).

Table names are the constants below (schema-qualified); code elsewhere never spells them. All live
in DuckDB's default schema ``main``: analysts write ``FROM leads``, and a schema named like the
file (warehouse.duckdb) would be ambiguous with the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from etl_assets.records import (DELIVERY_KEY, DQ_FLAGS, ETAG, EXTRAS, INGESTED_AT, LINE_NUMBER, RECORD_KEY, ROW_NUMBER,
                                SOURCE)
from etl_assets.warehouse import backend

SCHEMA = "main"
DELIVERIES = f"{SCHEMA}.deliveries"
QUARANTINE = f"{SCHEMA}.quarantine"
COLUMN_PROFILES = f"{SCHEMA}.column_profiles"
HISTORY = f"{SCHEMA}.source_history"
CURRENT = f"{SCHEMA}.source_current"
SNAPSHOTS = f"{SCHEMA}.source_snapshots"
VALUES = f"{SCHEMA}.source_values"
LEADS = f"{SCHEMA}.leads"
LEAD_SOURCES = f"{SCHEMA}.lead_sources"
LEAD_EVENTS = f"{SCHEMA}.lead_events"
ALERTS = f"{SCHEMA}.alerts"
LEAD_REVIEW = f"{SCHEMA}.lead_review"
LEAD_REVIEW_DECISIONS = f"{SCHEMA}.lead_review_decisions"
LEAD_MATCH_STATE = f"{SCHEMA}.lead_match_state"
LEAD_BLOCK_KEYS = f"{SCHEMA}.lead_block_keys"
LEAD_MODEL = f"{SCHEMA}.lead_model"
LEAD_MODEL_TF = f"{SCHEMA}.lead_model_tf"

# The record columns shown for each side of a review pair (lead_review: <column>_l / <column>_r).
REVIEW_SIDE_COLUMNS = ("company", "address_std", "city", "zip", "phone", "email", "license_number")


@dataclass(frozen=True)
class Table:
    doc: str
    columns: dict[str, str] = field(default_factory=dict)  # fixed columns; empty: the shape comes from a frame
    key: tuple[str, ...] = ()


# A record's own columns in the history tables (besides its business columns).
RECORD_META = {
    INGESTED_AT: "TIMESTAMP WITH TIME ZONE",
    ROW_NUMBER: "BIGINT",
    LINE_NUMBER: "BIGINT",
    DQ_FLAGS: "VARCHAR",
    EXTRAS: "VARCHAR",
}

TABLES: dict[str, Table] = {
    DELIVERIES: Table(
        "The load log: one row per delivery of a source; history change counts, load counts, run id.",
        {SOURCE: "VARCHAR NOT NULL", DELIVERY_KEY: "VARCHAR NOT NULL", ETAG: "VARCHAR",
         "delivery_date": "DATE NOT NULL", INGESTED_AT: "TIMESTAMP WITH TIME ZONE",
         "record_count": "BIGINT NOT NULL", "inserted": "BIGINT NOT NULL", "updated": "BIGINT NOT NULL",
         "deleted": "BIGINT NOT NULL", "revived": "BIGINT NOT NULL", "unchanged": "BIGINT NOT NULL",
         "applied_at": "TIMESTAMP WITH TIME ZONE NOT NULL", "rows_read": "BIGINT", "rows_quarantined": "BIGINT",
         "rows_written": "BIGINT", "rows_collapsed": "BIGINT", "dagster_run_id": "VARCHAR", "loaded_at": "TIMESTAMPTZ"},
        key=(SOURCE, DELIVERY_KEY),
    ),
    QUARANTINE: Table(
        "Every record held back, with the reason naming its line and column, and the record as delivered.",
        {SOURCE: "VARCHAR NOT NULL", DELIVERY_KEY: "VARCHAR NOT NULL", ETAG: "VARCHAR",
         ROW_NUMBER: "BIGINT NOT NULL", LINE_NUMBER: "BIGINT", "reason": "VARCHAR NOT NULL",
         "raw_record": "VARCHAR", INGESTED_AT: "TIMESTAMPTZ"},
    ),
    COLUMN_PROFILES: Table(
        "Null rate per mapped column and delivery (the null_rates check compares deliveries).",
        {SOURCE: "VARCHAR NOT NULL", DELIVERY_KEY: "VARCHAR NOT NULL", "delivery_date": "DATE",
         "column_name": "VARCHAR NOT NULL", "null_rate": "DOUBLE", "rows": "BIGINT"},
        key=(SOURCE, DELIVERY_KEY, "column_name"),
    ),
    HISTORY: Table(
        "SCD2: one row per version of a source record (valid_from/valid_to are delivery dates); "
        "business columns are added as deliveries bring them.",
        {SOURCE: "VARCHAR NOT NULL", RECORD_KEY: "VARCHAR NOT NULL", "valid_from": "DATE NOT NULL",
         "valid_to": "DATE", "is_current": "BOOLEAN NOT NULL", "is_deleted": "BOOLEAN NOT NULL",
         "change_type": "VARCHAR NOT NULL", "row_hash": "VARCHAR NOT NULL", DELIVERY_KEY: "VARCHAR NOT NULL",
         ETAG: "VARCHAR", **RECORD_META},
    ),
    SNAPSHOTS: Table(
        "Every applied delivery's records (key, hash, lineage): replays and late deliveries are exact.",
        {SOURCE: "VARCHAR NOT NULL", DELIVERY_KEY: "VARCHAR NOT NULL", RECORD_KEY: "VARCHAR NOT NULL",
         "row_hash": "VARCHAR NOT NULL", **RECORD_META},
    ),
    VALUES: Table(
        "Business values once per (source, record key, row hash), content-addressed for the snapshots.",
        {SOURCE: "VARCHAR NOT NULL", RECORD_KEY: "VARCHAR NOT NULL", "row_hash": "VARCHAR NOT NULL"},
    ),
    LEAD_EVENTS: Table(
        "Lead merges, splits and retirements, appended with each leads refresh.",
        {"event_type": "VARCHAR", "lead_id": "VARCHAR", "related_lead_ids": "VARCHAR", "record_count": "BIGINT",
         "detail": "VARCHAR", "dagster_run_id": "VARCHAR", "recorded_at": "TIMESTAMPTZ"},
    ),
    ALERTS: Table(
        "One row per alert sent (also written to the JSON-lines file and webhooks).",
        {"alert_id": "VARCHAR", "raised_at": "TIMESTAMPTZ", "kind": "VARCHAR", "severity": "VARCHAR",
         "source": "VARCHAR", "delivery_key": "VARCHAR", "step": "VARCHAR", "message": "VARCHAR",
         "counts": "VARCHAR", "dagster_run_id": "VARCHAR", "run_url": "VARCHAR"},
    ),
    LEAD_REVIEW_DECISIONS: Table(
        "A reviewer's decisions on lead_review pairs (accept = must-link, reject = cannot-link), kept for "
        "every later refresh; the latest row of a pair wins.",
        {"pair_id": "VARCHAR NOT NULL", "source_l": "VARCHAR NOT NULL", "record_key_l": "VARCHAR NOT NULL",
         "source_r": "VARCHAR NOT NULL", "record_key_r": "VARCHAR NOT NULL", "decision": "VARCHAR NOT NULL",
         "decided_at": "TIMESTAMPTZ NOT NULL", "note": "VARCHAR"},
    ),
    LEAD_MATCH_STATE: Table(
        "Per live record, as the last leads refresh resolved it: its row hash and load time (what changed "
        "since) and its component of the candidate graph (what a change can reach).",
        {"rid": "BIGINT NOT NULL", SOURCE: "VARCHAR NOT NULL", RECORD_KEY: "VARCHAR NOT NULL",
         "row_hash": "VARCHAR NOT NULL", INGESTED_AT: "TIMESTAMPTZ", "component": "BIGINT NOT NULL"},
    ),
    LEAD_BLOCK_KEYS: Table(
        "The blocking keys of every live record (phone, address line, email, license, zip/city + house "
        "number or name) as numbers: which records a changed one can be paired with.",
        {"rid": "BIGINT NOT NULL", "block_hash": "BIGINT NOT NULL", "block_kind": "SMALLINT NOT NULL"},
    ),
    LEAD_MODEL: Table(
        "The matching model every refresh scores with (one row): the rules that link on their own, the prior, "
        "Splink's trained m and u; retrained by a full re-resolve.",
        {"trained_at": "TIMESTAMPTZ NOT NULL", "trained_on_records": "BIGINT NOT NULL", "fingerprint": "VARCHAR NOT NULL",
         "linking_rules": "VARCHAR NOT NULL", "prior": "DOUBLE NOT NULL", "splink_settings": "VARCHAR"},
    ),
    LEAD_MODEL_TF: Table(
        "Term frequencies of names and cities among the records the model was trained on (Splink's "
        "term-frequency adjustments).",
        {"column_name": "VARCHAR NOT NULL", "value": "VARCHAR NOT NULL", "tf": "DOUBLE NOT NULL"},
    ),
    LEAD_REVIEW: Table("Pairs for a person to decide (uncertain Splink band, co-located records), both records "
                       "side by side; replaced by each refresh."),
    LEADS: Table("One row per provider across all sources (columns of mappings/leads.yaml); replaced by each refresh."),
    LEAD_SOURCES: Table("Crosswalk: source record → lead_id, with the rule or score that matched; replaced by each refresh."),
}
VIEWS: dict[str, tuple[str, str]] = {
    CURRENT: ("The live records of every source.", f"SELECT * FROM {HISTORY} WHERE is_current AND NOT is_deleted"),
}


def create_current_view(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``source_current``: a view's column list is fixed when created, so after new columns too."""
    backend.create_view(con, CURRENT, VIEWS[CURRENT][1])


def ensure_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table and view that is missing (idempotent; in the caller's transaction).

    Tables without fixed columns (leads, lead_sources) are created whole by the leads refresh."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    _merge_old_load_logs(con)
    for table, declared in TABLES.items():
        if declared.columns:
            backend.create_table(con, table, declared.columns, declared.key)
    if not backend.columns(con, CURRENT):
        create_current_view(con)


_OLD_HISTORY_LOG = f"{SCHEMA}.history_deliveries"
_OLD_LOAD_LOG = f"{SCHEMA}.deliveries_before_merge"


def _merge_old_load_logs(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse written before there was one load log has two (``history_deliveries`` with the
    change counts, ``deliveries`` with the load counts): fold them into one ``deliveries``, once."""
    if not backend.table_exists(con, _OLD_HISTORY_LOG):
        return
    if backend.table_exists(con, DELIVERIES):
        con.execute(f"ALTER TABLE {DELIVERIES} RENAME TO deliveries_before_merge")
    else:
        backend.create_table(con, _OLD_LOAD_LOG, {SOURCE: "VARCHAR", DELIVERY_KEY: "VARCHAR"})
    declared = TABLES[DELIVERIES]
    backend.create_table(con, DELIVERIES, declared.columns, declared.key)
    load_cols = [c for c in backend.columns(con, _OLD_LOAD_LOG) if c not in backend.columns(con, _OLD_HISTORY_LOG)]
    cols_sql = ", ".join(["h.*", *(f"l.{backend.quote_ident(c)}" for c in load_cols)])
    con.execute(
        f"INSERT INTO {DELIVERIES} BY NAME SELECT {cols_sql} FROM {_OLD_HISTORY_LOG} AS h "
        f"LEFT JOIN {_OLD_LOAD_LOG} AS l USING (_source, _delivery_key)"
    )
    con.execute(f"DROP TABLE {_OLD_LOAD_LOG}")
    con.execute(f"DROP TABLE {_OLD_HISTORY_LOG}")
