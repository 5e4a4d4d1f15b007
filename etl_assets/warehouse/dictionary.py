"""The data dictionary: every warehouse table and view, every column, described once.

Descriptions come from three places, each the owner of its part: ``mappings/leads.yaml`` (``doc:``
of the leads columns), ``tables.TABLES`` / ``views.VIEWS`` (table and view docs, view columns), and
``COLUMN_DOCS`` below (the record's own columns, the load log, the crosswalk, the lead extras). A
column name means one thing everywhere unless ``TABLE_COLUMN_DOCS`` says otherwise for one table.
Dagster-free: the UI metadata (``assets/docs.py``) and ``docs/data_dictionary.md`` are built from it.
"""

from __future__ import annotations

from etl_assets.records import (DELIVERY_KEY, DQ_FLAGS, ETAG, EXTRAS, INGESTED_AT, LINE_NUMBER, RECORD_KEY,
                                ROW_NUMBER, SOURCE)
from etl_assets.sources.registry import leads_schema, load_specs
from etl_assets.warehouse.tables import CURRENT, HISTORY, LEAD_REVIEW, LEAD_SOURCES, LEADS, REVIEW_SIDE_COLUMNS, TABLES, VALUES
from etl_assets.warehouse.views import VIEWS

COLUMN_DOCS = {
    SOURCE: "the source (registry or CRM) the row came from; its mapping is mappings/<source>.yaml",
    DELIVERY_KEY: "S3 key of the delivery",
    ETAG: "the delivery object's ETag when it was read",
    INGESTED_AT: "when the delivery landed in the bucket (its LastModified)",
    ROW_NUMBER: "1-based record number in the file, header excluded",
    LINE_NUMBER: "1-based line of the file where the record starts",
    DQ_FLAGS: "data-quality notes on kept values, each naming line and column (e.g. an invalid phone nulled)",
    EXTRAS: "the delivery's unmapped columns, as JSON",
    RECORD_KEY: "the record's key within its source (mapping's record_key, '|'-joined)",
    "valid_from": "delivery date from which this version holds",
    "valid_to": "delivery date at which a later version replaced it (NULL: still current)",
    "is_current": "the latest version of the record",
    "is_deleted": "the record was missing from a full refresh (soft delete)",
    "change_type": "insert | update | delete | revive: what the delivery did to the record",
    "row_hash": "md5 over the business columns: equal hash, equal values",
    "delivery_date": "date the delivery stands for (from its key, else its upload time)",
    "record_count": "records of the delivery applied to the history",
    "inserted": "records new to the source", "updated": "live records whose values changed",
    "deleted": "live records missing from the full refresh", "revived": "deleted records present again",
    "unchanged": "live records delivered again unchanged",
    "applied_at": "when the history applied the delivery (UTC)",
    "rows_read": "records in the file", "rows_quarantined": "records held back in quarantine",
    "rows_written": "clean records, one per key, written to the history",
    "rows_collapsed": "duplicates of one key within the file, collapsed into one",
    "dagster_run_id": "the Dagster run that wrote the row", "loaded_at": "when the load committed (UTC)",
    "reason": "why the record was quarantined, naming its line and column",
    "raw_record": "the quarantined record as delivered, JSON",
    "column_name": "a mapped leads column", "null_rate": "share of the delivery's records with no value",
    "rows": "records of the delivery",
    "event_type": "merge | split | retire", "related_lead_ids": "the other lead ids of the merge or split",
    "detail": "what happened, in words", "recorded_at": "when the refresh recorded it (UTC)",
    "alert_id": "the alert's id", "raised_at": "when it was raised (UTC)", "kind": "run_failure | check_failure",
    "severity": "ERROR | WARN", "source": "the source concerned", "delivery_key": "the delivery concerned",
    "step": "the failed step or check", "message": "the alert text", "counts": "counts of the failure, JSON",
    "run_url": "the run in the Dagster UI",
    "lead_id": "stable id of one real-world provider (L + hash; kept across refreshes)",
    "match_rule": "how the record joined its lead: deterministic:<rule>, splink or singleton",
    "match_score": "Splink match probability (splink rule only)",
    "matched_to": "the source:key of the record it was matched to",
    "source_count": "number of distinct sources holding a record of the lead",
    "sources": "those sources, comma-separated",
    "is_existing_crm_lead": "a record of the lead comes from the CRM (Salesforce)",
    "is_live": "the lead has a live record (always true: only live records are resolved)",
    "is_net_new": "not in the CRM: the leads sales has not got yet",
    "match_weight": "Splink match weight (log2 of the Bayes factor) of the link, when Splink scored it",
    "match_evidence": "the fields that agreed for this link, e.g. 'phone; address exact; name 93; zip'",
    "pair_id": "stable id of a pair of source records (R + hash of both keys)",
    "match_probability": "Splink match probability of the pair (NULL: queued by a rule, e.g. co-located)",
    "evidence": "the fields that agreed for the pair",
    "decision": "accept (must-link) | reject (cannot-link)",
    "decided_at": "when the reviewer decided (UTC)", "note": "the reviewer's note",
    "rid": "the record's number in the match state (stable while the record stays live)",
    "component": "rid of the first record (by source, key) of the record's component of the candidate graph "
                 "(records joined by a shared usable block key or a reviewer's decision)",
    "block_hash": "a blocking key of the record as a number (DuckDB hash of e.g. 'P|+14055550103', "
                  "'A|<address line>', 'QZ|<zip>|<sorted name tokens>')",
    "block_kind": "1 license (never too large), 2 email (counts toward an email's share), 0 other",
    "trained_at": "when the model was trained (UTC)",
    "trained_on_records": "live records the model was trained on (a refresh retrains past retrain_growth times this)",
    "fingerprint": "hash of the resolution rules the model belongs to (another: retrain)",
    "linking_rules": "JSON list of the deterministic rules that link on their own",
    "prior": "probability that two random records match (Splink's lambda)",
    "splink_settings": "Splink's model JSON with the trained m and u probabilities (NULL: Splink not trained)",
    "value": "a value of that column", "tf": "its term frequency among the records trained on",
    **{f"{c}_{side}": f"{c} of the pair's {name} record"
       for side, name in (("l", "first"), ("r", "second"))
       for c in ("source", "record_key", "lead_id", *REVIEW_SIDE_COLUMNS)},
}
TABLE_COLUMN_DOCS = {
    (LEADS, "record_count"): "source records resolved into the lead",
    (LEADS, "valid_from"): "valid_from of the surviving record's version",
    (LEADS, "valid_to"): "valid_to of the surviving record's version (NULL)",
    ("main.lead_events", "record_count"): "records concerned",
    ("main.lead_events", "lead_id"): "the lead kept (merge) or split / retired",
    ("main.lead_model_tf", "column_name"): "the matching column (name_sorted, name_core, city) a value belongs to",
    (LEAD_REVIEW, "reason"): "why the pair is queued: the uncertain Splink band, or co-located records",
}
LEAD_EXTRAS = ("record_count", "source_count", "sources", "is_existing_crm_lead", "is_live", "is_net_new")
CROSSWALK = (SOURCE, RECORD_KEY, "lead_id", "match_rule", "match_score", "matched_to", "match_weight", "match_evidence")
REVIEW = ("pair_id", "reason", "match_probability", "match_weight", "evidence",
          *(f"{c}_{side}" for side in ("l", "r") for c in ("source", "record_key", "lead_id", *REVIEW_SIDE_COLUMNS)))


def business_columns() -> dict[str, str]:
    """The leads columns of mappings/leads.yaml (sales columns, then matching) with their doc."""
    return {name: column.doc for name, column in leads_schema().all_columns.items()}


def table_columns() -> dict[str, list[str]]:
    """Every table and view → its columns in order (tables whose shape follows the YAML included)."""
    business = list(business_columns())
    history = [*TABLES[HISTORY].columns, *business]
    shapes = {table: list(declared.columns) for table, declared in TABLES.items() if declared.columns}
    shapes.update({HISTORY: history, CURRENT: history, VALUES: [*TABLES[VALUES].columns, *business],
                   LEADS: ["lead_id", *business, *LEAD_EXTRAS], LEAD_SOURCES: list(CROSSWALK),
                   LEAD_REVIEW: list(REVIEW)})
    shapes.update({view: list(declared.columns) for view, declared in VIEWS.items()})
    return shapes


def table_doc(table: str) -> str:
    if table in VIEWS:
        return VIEWS[table].doc
    if table == CURRENT:
        return "The live records of every source (view over source_history)."
    return TABLES[table].doc


def column_doc(table: str, column: str) -> str:
    """The one description of a column of a table (empty when nobody described it: a test catches that)."""
    if table in VIEWS:
        return VIEWS[table].columns.get(column, "")
    if (table, column) in TABLE_COLUMN_DOCS:
        return TABLE_COLUMN_DOCS[(table, column)]
    return business_columns().get(column) or COLUMN_DOCS.get(column, "")


def lineage() -> dict[str, dict[str, str]]:
    """Per leads column, per source: the source column(s) and transform it comes from."""
    out: dict[str, dict[str, str]] = {c: {} for c in business_columns()}
    for spec in load_specs():
        for field in spec.fields:
            origin = ", ".join(field.from_) if field.from_ else f"constant {field.value!r}"
            for target in field.to:
                out.setdefault(target, {})[spec.source] = f"{origin} → {field.transform}"
    return out



def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def lineage_markdown() -> str:
    """Per leads column: its meaning and, per source, the source column(s) and transform."""
    sources = [s.source for s in load_specs()]
    lines = ["| leads column | meaning | " + " | ".join(sources) + " |", "|---|---|" + "---|" * len(sources)]
    for column, by_source in lineage().items():
        cells = [_cell(by_source.get(s, "–")) for s in sources]
        lines.append(f"| {column} | {_cell(column_doc(LEADS, column))} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_markdown() -> str:
    """docs/data_dictionary.md (generated: `etl-assets data-dictionary`; a test keeps it current)."""
    out = ["# Data dictionary", "",
           "Generated by `etl-assets data-dictionary` (`make data-dictionary`) from mappings/leads.yaml,",
           "etl_assets/warehouse/tables.py, views.py and dictionary.py: edit those, not this file.", ""]
    for table, columns in table_columns().items():
        out += [f"## {table.split('.')[-1]}", "", table_doc(table), "", "| column | meaning |", "|---|---|"]
        out += [f"| {c} | {_cell(column_doc(table, c))} |" for c in columns]
        out.append("")
    out += ["## Column lineage of leads", "",
            "Each leads column, per source: the delivery column(s) it is computed from and the transform",
            "(etl_assets/transforms/). A lead takes each column from its records by survivorship: source",
            "priority, then the most recent, then the most complete record.", "", lineage_markdown(), ""]
    return "\n".join(out)
