"""The one owner of the warehouse's shape and access: ``tables`` declares every table and view
(columns, types, descriptions), ``ddl`` turns the declaration into DuckDB's and PostgreSQL's DDL,
``frames`` writes frames conformed to it, ``backend`` holds the engine's statements and
transactions, ``writes`` and ``queries`` are what the stages, assets and checks call."""

from etl_assets.warehouse.backend import quote_ident, registered, table_exists, transaction
from etl_assets.warehouse.frames import UndeclaredColumnError, insert_frame, replace_table
from etl_assets.warehouse.queries import (
    column_profile,
    lead_id_collisions,
    leads_summary,
    live_count,
    live_records,
    newest_delivery_dates,
    previous_crosswalk,
    previous_delivery,
    resolution_coverage,
)
from etl_assets.warehouse.review import decide, replace_review, review_decisions, review_pairs
from etl_assets.warehouse.tables import (
    ALERTS,
    COLUMN_PROFILES,
    CURRENT,
    DELIVERIES,
    HISTORY,
    LEAD_EVENTS,
    LEAD_REVIEW,
    LEAD_REVIEW_DECISIONS,
    LEAD_SOURCES,
    LEADS,
    QUARANTINE,
    SCHEMA,
    SNAPSHOTS,
    VALUES,
    ensure_warehouse,
)
from etl_assets.warehouse.view_sql import DELIVERY_SUMMARY, LEAD_CHANGES, NET_NEW_LEADS, SOURCE_SCORECARD
from etl_assets.warehouse.views import VIEWS as ANALYST_VIEWS
from etl_assets.warehouse.views import create_analyst_views
from etl_assets.warehouse.writes import (
    append_alert,
    append_lead_events,
    null_rates,
    record_load,
    replace_column_profiles,
    replace_quarantine,
)

__all__ = [
    "ALERTS", "ANALYST_VIEWS", "COLUMN_PROFILES", "DELIVERY_SUMMARY", "LEAD_CHANGES", "NET_NEW_LEADS",
    "SOURCE_SCORECARD", "CURRENT", "DELIVERIES", "HISTORY", "LEAD_EVENTS", "LEAD_SOURCES", "LEADS",
    "LEAD_REVIEW", "LEAD_REVIEW_DECISIONS", "decide", "replace_review", "review_decisions", "review_pairs",
    "QUARANTINE", "SCHEMA", "SNAPSHOTS", "VALUES", "append_alert", "append_lead_events", "column_profile",
    "create_analyst_views",
    "ensure_warehouse", "lead_id_collisions", "leads_summary", "live_count", "live_records", "newest_delivery_dates", "null_rates",
    "previous_crosswalk", "previous_delivery", "quote_ident", "record_load", "registered", "replace_column_profiles",
    "replace_quarantine", "replace_table", "insert_frame", "UndeclaredColumnError", "resolution_coverage", "table_exists", "transaction",
]
