"""The SQL of the analyst views (``views`` declares and creates them).

Portable SQL on purpose (the warehouse is moving to PostgreSQL): CTEs, window functions, CASE,
COALESCE, ``IS DISTINCT FROM``, ``CAST(... AS VARCHAR)``, a ``VALUES`` list for the column unpivot.
Avoided: DuckDB's ``QUALIFY`` (a ``ROW_NUMBER()`` CTE filtered by ``WHERE`` instead), ``UNPIVOT``
and list/struct/JSON functions (a cross join with a ``VALUES`` list of column names), ``SELECT *
EXCLUDE`` (explicit column lists), ``GROUP BY ALL`` and ``count_if`` (``SUM(CASE ...)``), ``::``
casts. ``date - date`` is an integer number of days on both engines.

Column lists of ``leads`` and ``source_history`` come from the YAML (``leads`` holds every one;
the history only those a delivery brought), so the SQL is built from the columns present when the
refresh runs; a missing column reads as NULL.
"""

from __future__ import annotations

import re

from etl_assets.warehouse import backend
from etl_assets.warehouse.tables import CURRENT, DELIVERIES, HISTORY, LEAD_SOURCES, LEADS, SCHEMA

LEAD_FIRST_SEEN = f"{SCHEMA}.lead_first_seen"
DELIVERY_SUMMARY = f"{SCHEMA}.delivery_summary"
LEAD_CHANGES = f"{SCHEMA}.lead_changes"
SOURCE_OVERLAP = f"{SCHEMA}.source_overlap"
SOURCE_SCORECARD = f"{SCHEMA}.source_scorecard"
NET_NEW_LEADS = f"{SCHEMA}.net_new_leads"

# The lead columns sales works with, in the order net_new_leads and the export show them.
CONTACT_COLUMNS = (
    "company", "first_name", "last_name", "licensee_name", "title", "phone", "phone2", "email", "address1",
    "address2", "city", "state", "zip", "county", "website_address", "license_number", "license_type",
    "license_status", "facility_type", "capacity", "ages_served",
)


def quote_literal(text: str) -> str:
    """A SQL string literal of a name from the code or YAML (column or source names, never data)."""
    if not re.fullmatch(r"[A-Za-z0-9_]+", text):
        raise ValueError(f"not a plain name: {text!r}")
    return "'" + text + "'"


def _col(available: set[str], alias: str, name: str, sql_type: str = "VARCHAR") -> str:
    """``alias.name``, or a typed NULL when the table lacks the column (no source maps it)."""
    if name in available:
        return f"{alias}.{backend.quote_ident(name)}"
    return f"CAST(NULL AS {sql_type})"


def lead_first_seen_sql() -> str:
    return f"""
WITH record_first AS (
    SELECT _source, _record_key, _delivery_key, valid_from,
           ROW_NUMBER() OVER (PARTITION BY _source, _record_key ORDER BY valid_from, _delivery_key) AS nth
    FROM {HISTORY}
), lead_first AS (
    SELECT x.lead_id, r._source, r._delivery_key, r.valid_from,
           ROW_NUMBER() OVER (PARTITION BY x.lead_id
                              ORDER BY r.valid_from, d.loaded_at, r._source, r._delivery_key) AS nth
    FROM {LEAD_SOURCES} AS x
    JOIN record_first AS r ON r._source = x._source AND r._record_key = x._record_key AND r.nth = 1
    LEFT JOIN {DELIVERIES} AS d ON d._source = r._source AND d._delivery_key = r._delivery_key
)
SELECT lead_id, _source AS first_source, _delivery_key AS first_delivery_key, valid_from AS first_seen_date
FROM lead_first WHERE nth = 1"""


def delivery_summary_sql() -> str:
    return f"""
WITH first_seen AS (
    SELECT f.first_source, f.first_delivery_key, count(*) AS leads,
           SUM(CASE WHEN l.is_existing_crm_lead THEN 0 ELSE 1 END) AS net_new,
           SUM(CASE WHEN l.is_existing_crm_lead THEN 1 ELSE 0 END) AS in_crm
    FROM {LEAD_FIRST_SEEN} AS f JOIN {LEADS} AS l ON l.lead_id = f.lead_id
    GROUP BY f.first_source, f.first_delivery_key
)
SELECT d._source AS source, d._delivery_key AS delivery_key, d.delivery_date,
       d.rows_read AS records_read, d.rows_quarantined AS records_quarantined,
       d.rows_collapsed AS records_collapsed, d.inserted, d.updated, d.deleted, d.revived, d.unchanged,
       COALESCE(s.leads, 0) AS leads_first_seen, COALESCE(s.net_new, 0) AS net_new_leads_first_seen,
       COALESCE(s.in_crm, 0) AS crm_leads_first_seen, d.loaded_at, d.dagster_run_id
FROM {DELIVERIES} AS d
LEFT JOIN first_seen AS s ON s.first_source = d._source AND s.first_delivery_key = d._delivery_key"""


def lead_changes_sql(business: list[str]) -> str:
    names_sql = ", ".join(f"({quote_literal(c)})" for c in business)
    old_sql = " ".join(f"WHEN {quote_literal(c)} THEN CAST(p.{backend.quote_ident(c)} AS VARCHAR)" for c in business)
    new_sql = " ".join(f"WHEN {quote_literal(c)} THEN CAST(v.{backend.quote_ident(c)} AS VARCHAR)" for c in business)
    cols_sql = ", ".join(backend.quote_ident(c) for c in business)
    return f"""
WITH versions AS (
    SELECT _source, _record_key, _delivery_key, valid_from, change_type, {cols_sql},
           ROW_NUMBER() OVER (PARTITION BY _source, _record_key ORDER BY valid_from, _delivery_key) AS version_no
    FROM {HISTORY}
), loads AS (
    SELECT _source, _delivery_key, delivery_date,
           LAG(_delivery_key) OVER (PARTITION BY _source ORDER BY delivery_date, _delivery_key) AS previous_key,
           LAG(delivery_date) OVER (PARTITION BY _source ORDER BY delivery_date, _delivery_key) AS previous_date
    FROM {DELIVERIES}
), changed_columns AS (
    SELECT v._source, v._record_key, v._delivery_key, n.column_name,
           CASE n.column_name {old_sql} END AS old_value,
           CASE n.column_name {new_sql} END AS new_value
    FROM versions AS v
    JOIN versions AS p ON p._source = v._source AND p._record_key = v._record_key AND p.version_no = v.version_no - 1
    CROSS JOIN (VALUES {names_sql}) AS n(column_name)
    WHERE v.change_type = 'update'
), changes AS (
    SELECT _source, _record_key, _delivery_key, 'update' AS change_type, column_name, old_value, new_value
    FROM changed_columns WHERE old_value IS DISTINCT FROM new_value
    UNION ALL
    SELECT _source, _record_key, _delivery_key, change_type, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
           CAST(NULL AS VARCHAR)
    FROM versions WHERE change_type <> 'update'
)
SELECT c._source AS source, c._record_key AS record_key, x.lead_id, c.change_type,
       c._delivery_key AS delivery_key, d.delivery_date, d.previous_key AS previous_delivery_key,
       d.previous_date AS previous_delivery_date, c.column_name, c.old_value, c.new_value
FROM changes AS c
LEFT JOIN loads AS d ON d._source = c._source AND d._delivery_key = c._delivery_key
LEFT JOIN {LEAD_SOURCES} AS x ON x._source = c._source AND x._record_key = c._record_key"""


def source_overlap_sql() -> str:
    return f"""
SELECT a._source AS source, b._source AS other_source, count(DISTINCT a.lead_id) AS shared_leads
FROM {LEAD_SOURCES} AS a JOIN {LEAD_SOURCES} AS b ON b.lead_id = a.lead_id AND b._source <> a._source
GROUP BY a._source, b._source"""


SCORECARD_INPUTS = ("phone", "email", "address1", "address_std", "first_name", "last_name", "licensee_name",
                    "license_number")


def source_scorecard_sql(live: set[str], crm_literal: str) -> str:
    cols_sql = ", ".join(f"{_col(live, 'c', name)} AS {backend.quote_ident(name)}" for name in SCORECARD_INPUTS)
    return f"""
WITH r AS (
    SELECT c._source, c._dq_flags, {cols_sql} FROM {CURRENT} AS c
), live AS (
    SELECT _source, count(*) AS live_records,
           SUM(CASE WHEN phone IS NOT NULL THEN 1 ELSE 0 END) AS phones,
           SUM(CASE WHEN phone IS NULL AND _dq_flags LIKE '%phone: invalid%' THEN 1 ELSE 0 END) AS bad_phones,
           SUM(CASE WHEN email IS NOT NULL THEN 1 ELSE 0 END) AS emails,
           SUM(CASE WHEN email IS NULL AND _dq_flags LIKE '%email: invalid%' THEN 1 ELSE 0 END) AS bad_emails,
           SUM(CASE WHEN address1 IS NOT NULL THEN 1 ELSE 0 END) AS addresses,
           SUM(CASE WHEN address1 IS NOT NULL AND address_std IS NOT NULL THEN 1 ELSE 0 END) AS std_addresses,
           SUM(CASE WHEN first_name IS NOT NULL OR last_name IS NOT NULL OR licensee_name IS NOT NULL
                    THEN 1 ELSE 0 END) AS contacts,
           SUM(CASE WHEN license_number IS NOT NULL THEN 1 ELSE 0 END) AS licenses
    FROM r GROUP BY _source
), lead_counts AS (
    SELECT lead_id, count(DISTINCT _source) AS n FROM {LEAD_SOURCES} GROUP BY lead_id
), contributed AS (
    SELECT x._source, count(DISTINCT x.lead_id) AS leads,
           count(DISTINCT CASE WHEN n.n = 1 THEN x.lead_id END) AS exclusive_leads,
           count(DISTINCT CASE WHEN n.n > 1 THEN x.lead_id END) AS shared_leads,
           count(DISTINCT CASE WHEN l.is_existing_crm_lead THEN x.lead_id END) AS crm_overlap_leads,
           count(DISTINCT CASE WHEN NOT l.is_existing_crm_lead THEN x.lead_id END) AS net_new_leads
    FROM {LEAD_SOURCES} AS x JOIN lead_counts AS n ON n.lead_id = x.lead_id JOIN {LEADS} AS l ON l.lead_id = x.lead_id
    GROUP BY x._source
), loads AS (
    SELECT _source, delivery_date, rows_read, rows_quarantined,
           ROW_NUMBER() OVER (PARTITION BY _source ORDER BY delivery_date DESC, _delivery_key DESC) AS nth,
           count(*) OVER (PARTITION BY _source) AS deliveries
    FROM {DELIVERIES}
), rates AS (
    SELECT d._source AS source, d._source = {crm_literal} AS is_crm,
           COALESCE(v.live_records, 0) AS live_records, COALESCE(k.leads, 0) AS leads,
           COALESCE(k.exclusive_leads, 0) AS exclusive_leads, COALESCE(k.shared_leads, 0) AS shared_leads,
           COALESCE(k.crm_overlap_leads, 0) AS crm_overlap_leads, COALESCE(k.net_new_leads, 0) AS net_new_leads,
           COALESCE(CAST(v.phones AS DOUBLE PRECISION) / NULLIF(v.live_records, 0), 0) AS phone_fill_rate,
           COALESCE(CAST(v.phones AS DOUBLE PRECISION) / NULLIF(v.phones + v.bad_phones, 0), 0) AS phone_valid_rate,
           COALESCE(CAST(v.emails AS DOUBLE PRECISION) / NULLIF(v.live_records, 0), 0) AS email_fill_rate,
           COALESCE(CAST(v.emails AS DOUBLE PRECISION) / NULLIF(v.emails + v.bad_emails, 0), 0) AS email_valid_rate,
           COALESCE(CAST(v.addresses AS DOUBLE PRECISION) / NULLIF(v.live_records, 0), 0) AS address_fill_rate,
           COALESCE(CAST(v.std_addresses AS DOUBLE PRECISION) / NULLIF(v.addresses, 0), 0) AS address_valid_rate,
           COALESCE(CAST(v.contacts AS DOUBLE PRECISION) / NULLIF(v.live_records, 0), 0) AS contact_name_fill_rate,
           COALESCE(CAST(v.licenses AS DOUBLE PRECISION) / NULLIF(v.live_records, 0), 0) AS license_fill_rate,
           COALESCE(CAST(d.rows_quarantined AS DOUBLE PRECISION) / NULLIF(d.rows_read, 0), 0) AS quarantine_share,
           d.deliveries, d.delivery_date AS last_delivery_date,
           CURRENT_DATE - d.delivery_date AS days_since_last_delivery
    FROM loads AS d
    LEFT JOIN live AS v ON v._source = d._source
    LEFT JOIN contributed AS k ON k._source = d._source
    WHERE d.nth = 1
), filled AS (
    SELECT rates.*, (phone_fill_rate + email_fill_rate + address_fill_rate + contact_name_fill_rate
                     + license_fill_rate) / 5.0 AS sales_fields_fill_rate
    FROM rates
), scored AS (
    SELECT filled.*, net_new_leads * sales_fields_fill_rate * (1 - quarantine_share) AS score FROM filled
)
SELECT source, is_crm, live_records, leads, exclusive_leads, shared_leads, crm_overlap_leads, net_new_leads,
       phone_fill_rate, phone_valid_rate, email_fill_rate, email_valid_rate, address_fill_rate,
       address_valid_rate, contact_name_fill_rate, license_fill_rate, sales_fields_fill_rate,
       quarantine_share, deliveries, last_delivery_date, days_since_last_delivery, score,
       CASE WHEN is_crm THEN NULL
            ELSE RANK() OVER (PARTITION BY is_crm ORDER BY score DESC, net_new_leads DESC, source) END AS rank
FROM scored"""


def typed_column(available: set[str], alias: str, name: str) -> str:
    """A contact column of ``leads``, NULL of its type when no source maps it."""
    return _col(available, alias, name, "BIGINT" if name == "capacity" else "VARCHAR")


def net_new_leads_sql(leads: set[str]) -> str:
    cols_sql = ", ".join(f"{typed_column(leads, 'l', c)} AS {backend.quote_ident(c)}" for c in CONTACT_COLUMNS)
    return f"""
SELECT l.lead_id, {cols_sql}, l.sources, CAST(l.source_count AS INTEGER) AS source_count,
       f.first_source, f.first_delivery_key, f.first_seen_date
FROM {LEADS} AS l LEFT JOIN {LEAD_FIRST_SEEN} AS f ON f.lead_id = l.lead_id
WHERE NOT l.is_existing_crm_lead"""
