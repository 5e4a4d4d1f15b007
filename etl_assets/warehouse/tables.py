"""Every table and view of the warehouse, declared once with its columns, types and descriptions,
and ``ensure_warehouse`` creating them. DuckDB's and PostgreSQL's DDL (``ddl.py``), the data
dictionary (``dictionary.py``) and the check on every frame written (``frames.py``) all come from
``TABLES``; how a declaration reads is in ``columns.py``.

The analyst views (delivery_summary, lead_changes, source_scorecard, net_new_leads, ...) are declared
in ``views.py`` and created by the leads refresh (they read leads and lead_sources, which it writes).

Table names are the constants below (schema-qualified); code elsewhere never spells them. All live
in DuckDB's default schema ``main``: analysts write ``FROM leads``, and a schema named like the
file (warehouse.duckdb) would be ambiguous with the catalog.
"""

from __future__ import annotations

import duckdb

from etl_assets.records import (DELIVERY_KEY, DQ_FLAGS, ETAG, EXTRAS, INGESTED_AT, LINE_NUMBER, RECORD_KEY, ROW_NUMBER,
                                SOURCE)
from etl_assets.warehouse import backend, ddl
from etl_assets.warehouse.columns import BUSINESS, BUSINESS_AS_DELIVERED, Column, Table, types

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

VARCHAR, BIGINT, DOUBLE, BOOLEAN, DATE = "VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "DATE"
TIMESTAMPTZ = "TIMESTAMP WITH TIME ZONE"


class Shared:
    """Columns of several tables, described once (a column name means one thing everywhere)."""

    source = Column(SOURCE, VARCHAR, "the source (registry or CRM) the row came from; its mapping is mappings/<source>.yaml")
    delivery_key = Column(DELIVERY_KEY, VARCHAR, "S3 key of the delivery")
    etag = Column(ETAG, VARCHAR, "the delivery object's ETag when it was read")
    ingested_at = Column(INGESTED_AT, TIMESTAMPTZ, "when the delivery landed in the bucket (its LastModified)")
    row_number = Column(ROW_NUMBER, BIGINT, "1-based record number in the file, header excluded")
    line_number = Column(LINE_NUMBER, BIGINT, "1-based line of the file where the record starts")
    record_key = Column(RECORD_KEY, VARCHAR, "the record's key within its source (mapping's record_key, '|'-joined)")
    row_hash = Column("row_hash", VARCHAR, "md5 over the business columns: equal hash, equal values")
    delivery_date = Column("delivery_date", DATE, "date the delivery stands for (from its key, else its upload time)")
    run_id = Column("dagster_run_id", VARCHAR, "the Dagster run that wrote the row")
    lead_id = Column("lead_id", VARCHAR, "stable id of one real-world provider (L + hash; kept across refreshes)")
    match_weight = Column("match_weight", DOUBLE,
                          "Splink match weight (log2 of the Bayes factor) of the link, when Splink scored it")
    rid = Column("rid", BIGINT, "the record's number in the match state (stable while the record stays live)")
    column_name = Column("column_name", VARCHAR, "a mapped leads column")
    pair_id = Column("pair_id", VARCHAR, "stable id of a pair of source records (R + hash of both keys)")


# A record's own columns in the history tables (besides its business columns).
RECORD_META_COLUMNS = (
    Shared.ingested_at, Shared.row_number, Shared.line_number,
    Column(DQ_FLAGS, VARCHAR, "data-quality notes on kept values, each naming line and column (e.g. an invalid phone nulled)"),
    Column(EXTRAS, VARCHAR, "the delivery's unmapped columns, as JSON"),
)
RECORD_META = types(RECORD_META_COLUMNS)


def _side(column: str, side: str) -> Column:
    """One record's column of a review pair: <column>_l (the pair's first record), <column>_r (its second)."""
    return Column(f"{column}_{side}", VARCHAR, f"{column} of the pair's {'first' if side == 'l' else 'second'} record")


TABLES: dict[str, Table] = {
    DELIVERIES: Table("The load log: one row per delivery of a source; history change counts, load counts, run id.", (
        Shared.source.required(), Shared.delivery_key.required(), Shared.etag, Shared.delivery_date.required(),
        Shared.ingested_at,
        Column("record_count", BIGINT, "records of the delivery applied to the history").required(),
        Column("inserted", BIGINT, "records new to the source").required(),
        Column("updated", BIGINT, "live records whose values changed").required(),
        Column("deleted", BIGINT, "live records missing from the full refresh").required(),
        Column("revived", BIGINT, "deleted records present again").required(),
        Column("unchanged", BIGINT, "live records delivered again unchanged").required(),
        Column("applied_at", TIMESTAMPTZ, "when the history applied the delivery (UTC)").required(),
        Column("rows_read", BIGINT, "records in the file"),
        Column("rows_quarantined", BIGINT, "records held back in quarantine"),
        Column("rows_written", BIGINT, "clean records, one per key, written to the history"),
        Column("rows_collapsed", BIGINT, "duplicates of one key within the file, collapsed into one"),
        Shared.run_id,
        Column("loaded_at", TIMESTAMPTZ, "when the load committed (UTC)"),
    ), key=(SOURCE, DELIVERY_KEY)),
    QUARANTINE: Table("Every record held back, with the reason naming its line and column, and the record as delivered.", (
        Shared.source.required(), Shared.delivery_key.required(), Shared.etag, Shared.row_number.required(),
        Shared.line_number, Column("reason", VARCHAR, "why the record was quarantined, naming its line and column").required(),
        Column("raw_record", VARCHAR, "the quarantined record as delivered, JSON"), Shared.ingested_at,
    )),
    COLUMN_PROFILES: Table("Null rate per mapped column and delivery (the null_rates check compares deliveries).", (
        Shared.source.required(), Shared.delivery_key.required(), Shared.delivery_date, Shared.column_name.required(),
        Column("null_rate", DOUBLE, "share of the delivery's records with no value"),
        Column("rows", BIGINT, "records of the delivery"),
    ), key=(SOURCE, DELIVERY_KEY, "column_name")),
    HISTORY: Table(
        "SCD2: one row per version of a source record (valid_from/valid_to are delivery dates); "
        "business columns are added as deliveries bring them.", (
            Shared.source.required(), Shared.record_key.required(),
            Column("valid_from", DATE, "delivery date from which this version holds").required(),
            Column("valid_to", DATE, "delivery date at which a later version replaced it (NULL: still current)"),
            Column("is_current", BOOLEAN, "the latest version of the record").required(),
            Column("is_deleted", BOOLEAN, "the record was missing from a full refresh (soft delete)").required(),
            Column("change_type", VARCHAR, "insert | update | delete | revive: what the delivery did to the record").required(),
            Shared.row_hash.required(), Shared.delivery_key.required(), Shared.etag, *RECORD_META_COLUMNS,
            BUSINESS_AS_DELIVERED,
        )),
    SNAPSHOTS: Table(
        "Every applied delivery's records (key, hash, lineage), stored as the change against the previous delivery "
        "of its source (in delivery order): a record new, changed (hash or lineage) or gone. A delivery's records are "
        "the latest row per key up to it; replays and late deliveries are exact.", (
            Shared.source.required(), Shared.delivery_key.required(), Shared.delivery_date.required(),
            Shared.record_key.required(),
            Column("in_delivery", BOOLEAN, "false: the record, in the previous delivery, is not in this one "
                   "(the row keeps its last hash)").required(),
            Shared.row_hash.required(),
            Column(INGESTED_AT, TIMESTAMPTZ, "the record's _ingested_at in this delivery (a delivery's records without "
                   "a row of their own have the delivery's _ingested_at)"),
            *RECORD_META_COLUMNS[1:],
        )),
    VALUES: Table("Business values once per (source, record key, row hash), content-addressed for the snapshots.", (
        Shared.source.required(), Shared.record_key.required(), Shared.row_hash.required(), BUSINESS_AS_DELIVERED,
    )),
    LEAD_EVENTS: Table("Lead merges, splits and retirements, appended with each leads refresh.", (
        Column("event_type", VARCHAR, "merge | split | retire"),
        Column("lead_id", VARCHAR, "the lead kept (merge) or split / retired"),
        Column("related_lead_ids", VARCHAR, "the other lead ids of the merge or split"),
        Column("record_count", BIGINT, "records concerned"),
        Column("detail", VARCHAR, "what happened, in words"), Shared.run_id,
        Column("recorded_at", TIMESTAMPTZ, "when the refresh recorded it (UTC)"),
    )),
    ALERTS: Table("One row per alert sent (also written to the JSON-lines file and webhooks).", (
        Column("alert_id", VARCHAR, "the alert's id"), Column("raised_at", TIMESTAMPTZ, "when it was raised (UTC)"),
        Column("kind", VARCHAR, "run_failure | check_failure"), Column("severity", VARCHAR, "ERROR | WARN"),
        Column("source", VARCHAR, "the source concerned"), Column("delivery_key", VARCHAR, "the delivery concerned"),
        Column("step", VARCHAR, "the failed step or check"), Column("message", VARCHAR, "the alert text"),
        Column("counts", VARCHAR, "counts of the failure, JSON"), Shared.run_id,
        Column("run_url", VARCHAR, "the run in the Dagster UI"),
    )),
    LEAD_REVIEW_DECISIONS: Table(
        "A reviewer's decisions on lead_review pairs (accept = must-link, reject = cannot-link), kept for "
        "every later refresh; the latest row of a pair wins.", (
            Shared.pair_id.required(), *(_side(c, s).required() for s in ("l", "r") for c in ("source", "record_key")),
            Column("decision", VARCHAR, "accept (must-link) | reject (cannot-link) | undo (withdraws the pair's "
                   "earlier decision: the next refresh resolves the pair on its own again)").required(),
            Column("decided_at", TIMESTAMPTZ, "when the reviewer decided (UTC)").required(),
            Column("note", VARCHAR, "the reviewer's note"),
            Column("decided_by", VARCHAR, "who decided: the review console's reviewer name, or the CLI user "
                   "(ETL_REVIEWER, else the login name); NULL on decisions older than the column"),
        )),
    LEAD_MATCH_STATE: Table(
        "Per live record, as the last leads refresh resolved it: its row hash and load time (what changed "
        "since) and its component of the candidate graph (what a change can reach).", (
            Shared.rid.required(), Shared.source.required(), Shared.record_key.required(), Shared.row_hash.required(),
            Shared.ingested_at,
            Column("component", BIGINT, "rid of the first record (by source, key) of the record's component of the "
                   "candidate graph (records joined by a shared usable block key or a reviewer's decision)").required(),
        )),
    LEAD_BLOCK_KEYS: Table(
        "The blocking keys of every live record (phone, address line, email, license, zip/city + house "
        "number or name) as numbers: which records a changed one can be paired with.", (
            Shared.rid.required(),
            Column("block_hash", BIGINT, "a blocking key of the record as a number (DuckDB hash of e.g. "
                   "'P|+14055550103', 'A|<address line>', 'QZ|<zip>|<sorted name tokens>')").required(),
            Column("block_kind", "SMALLINT",
                   "1 license (never too large), 2 email (counts toward an email's share), 0 other").required(),
        )),
    LEAD_MODEL: Table(
        "The matching model every refresh scores with (one row): the rules that link on their own, the prior, "
        "Splink's trained m and u; retrained by a full re-resolve.", (
            Column("trained_at", TIMESTAMPTZ, "when the model was trained (UTC)").required(),
            Column("trained_on_records", BIGINT, "live records the model was trained on (a refresh retrains past "
                   "retrain_growth times this)").required(),
            Column("fingerprint", VARCHAR, "hash of the resolution rules the model belongs to (another: retrain)").required(),
            Column("linking_rules", VARCHAR, "JSON list of the deterministic rules that link on their own").required(),
            Column("prior", DOUBLE, "probability that two random records match (Splink's lambda)").required(),
            Column("splink_settings", VARCHAR,
                   "Splink's model JSON with the trained m and u probabilities (NULL: Splink not trained)"),
        )),
    LEAD_MODEL_TF: Table(
        "Term frequencies of names and cities among the records the model was trained on (Splink's "
        "term-frequency adjustments).", (
            Column("column_name", VARCHAR, "the matching column (name_sorted, name_core, city) a value belongs to").required(),
            Column("value", VARCHAR, "a value of that column").required(),
            Column("tf", DOUBLE, "its term frequency among the records trained on").required(),
        )),
    LEADS: Table("One row per provider across all sources (columns of mappings/leads.yaml); replaced by each refresh.", (
        Shared.lead_id.required(), BUSINESS,
        Column("record_count", BIGINT, "source records resolved into the lead"),
        Column("source_count", BIGINT, "number of distinct sources holding a record of the lead"),
        Column("sources", VARCHAR, "those sources, comma-separated"),
        Column("licenses", VARCHAR,
               "every license number of the lead's records, '|'-joined, sorted (one provider at one site may hold several)"),
        Column("is_existing_crm_lead", BOOLEAN, "a record of the lead comes from the CRM (Salesforce)"),
        Column("is_live", BOOLEAN, "the lead has a live record (always true: only live records are resolved)"),
        Column("is_net_new", BOOLEAN, "not in the CRM: the leads sales has not got yet"),
    )),
    LEAD_SOURCES: Table(
        "Crosswalk: source record → lead_id, with the rule or score that matched; replaced by each refresh.", (
            Shared.source.required(), Shared.record_key.required(), Shared.lead_id.required(),
            Column("match_rule", VARCHAR, "how the record joined its lead: deterministic:<rule>, splink or singleton"),
            Column("match_score", DOUBLE, "Splink match probability (splink rule only)"),
            Column("matched_to", VARCHAR, "the source:key of the record it was matched to"),
            Shared.match_weight,
            Column("match_evidence", VARCHAR,
                   "the fields that agreed for this link, e.g. 'phone; address exact; name 93; zip'"),
        )),
    LEAD_REVIEW: Table(
        "Pairs for a person to decide (uncertain Splink band, co-located records), both records "
        "side by side; replaced by each refresh.", (
            Shared.pair_id.required(),
            Column("reason", VARCHAR, "why the pair is queued: the uncertain Splink band, or co-located records"),
            Column("match_probability", DOUBLE,
                   "Splink match probability of the pair (NULL: queued by a rule, e.g. co-located)"),
            Shared.match_weight, Column("evidence", VARCHAR, "the fields that agreed for the pair"),
            *(_side(c, s) for s in ("l", "r") for c in ("source", "record_key", "lead_id", *REVIEW_SIDE_COLUMNS)),
        )),
}
VIEWS: dict[str, tuple[str, str]] = {
    CURRENT: ("The live records of every source (view over source_history).",
              f"SELECT * FROM {HISTORY} WHERE is_current AND NOT is_deleted"),
}


def create_current_view(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``source_current``: a view's column list is fixed when created, so after new columns too."""
    backend.create_view(con, CURRENT, VIEWS[CURRENT][1])


def ensure_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared table and view that is missing (idempotent; in the caller's transaction).
    On a PostgreSQL connection the session created them already (``postgres/server.ensure_tables``)."""
    if backend.is_server(con):
        return
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    _merge_old_load_logs(con)
    for table, declared in TABLES.items():
        con.execute(ddl.create_table_sql(table, declared.columns, declared.key))
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
        con.execute(ddl.create_table_sql(_OLD_LOAD_LOG, {SOURCE: VARCHAR, DELIVERY_KEY: VARCHAR}))
    declared = TABLES[DELIVERIES]
    con.execute(ddl.create_table_sql(DELIVERIES, declared.columns, declared.key))
    load_cols = [c for c in backend.columns(con, _OLD_LOAD_LOG) if c not in backend.columns(con, _OLD_HISTORY_LOG)]
    cols_sql = ", ".join(["h.*", *(f"l.{backend.quote_ident(c)}" for c in load_cols)])
    con.execute(
        f"INSERT INTO {DELIVERIES} BY NAME SELECT {cols_sql} FROM {_OLD_HISTORY_LOG} AS h "
        f"LEFT JOIN {_OLD_LOAD_LOG} AS l USING (_source, _delivery_key)"
    )
    con.execute(f"DROP TABLE {_OLD_LOAD_LOG}")
    con.execute(f"DROP TABLE {_OLD_HISTORY_LOG}")
