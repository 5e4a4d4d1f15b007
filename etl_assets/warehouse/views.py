"""The analyst views: the sales team's questions, one view each, (re)created with every leads refresh
(inside its transaction, so they always describe the leads just written). Their SQL, portable between
DuckDB and PostgreSQL, is in ``view_sql``; the descriptions of every view and column live here, once,
for the data dictionary and the UI."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from etl_assets.warehouse import backend
from etl_assets.warehouse.tables import CURRENT, HISTORY, LEAD_SOURCES, LEADS, TABLES
from etl_assets.warehouse.view_sql import (CONTACT_COLUMNS, DELIVERY_SUMMARY, LEAD_CHANGES, LEAD_FIRST_SEEN,
                                           NET_NEW_LEADS, SOURCE_OVERLAP, SOURCE_SCORECARD, delivery_summary_sql,
                                           lead_changes_sql, lead_first_seen_sql, net_new_leads_sql, quote_literal,
                                           source_overlap_sql, source_scorecard_sql)


@dataclass(frozen=True)
class View:
    doc: str
    columns: dict[str, str]  # column → description (the data dictionary)


VIEWS: dict[str, View] = {
    LEAD_FIRST_SEEN: View("Per lead: the delivery in which any of its records first appeared.", {
        "lead_id": "the lead (leads.lead_id)",
        "first_source": "source of the lead's earliest record",
        "first_delivery_key": "S3 key of the delivery that first brought one of the lead's records",
        "first_seen_date": "delivery date of that delivery",
    }),
    DELIVERY_SUMMARY: View("One row per loaded delivery: what it brought and what it changed.", {
        "source": "the source (registry or CRM)",
        "delivery_key": "S3 key of the delivery",
        "delivery_date": "date the delivery stands for (from its key, else its upload time)",
        "records_read": "records in the file",
        "records_quarantined": "records held back in quarantine (with reasons)",
        "records_collapsed": "duplicate records of one key within the file, collapsed into one",
        "inserted": "records new to the source",
        "updated": "live records whose values changed",
        "deleted": "live records missing from this full refresh (soft-deleted)",
        "revived": "deleted records present again",
        "unchanged": "live records delivered again unchanged",
        "leads_first_seen": "current leads first seen in this delivery (lead_first_seen)",
        "net_new_leads_first_seen": "of them, leads with no CRM record",
        "crm_leads_first_seen": "of them, leads already in the CRM",
        "loaded_at": "when the load committed (UTC)",
        "dagster_run_id": "the Dagster run that loaded it",
    }),
    LEAD_CHANGES: View(
        "What each delivery changed, per source record: one row per insert/delete/revive, one row per "
        "changed column of an update (old and new value as text).", {
            "source": "the source",
            "record_key": "the record's key in its source",
            "lead_id": "the record's current lead (NULL when the record is not live)",
            "change_type": "insert | update | delete | revive",
            "delivery_key": "S3 key of the delivery that made the change",
            "delivery_date": "its delivery date",
            "previous_delivery_key": "the source's delivery before it (NULL for the first)",
            "previous_delivery_date": "its delivery date",
            "column_name": "the changed column (updates only)",
            "old_value": "value before the update, as text",
            "new_value": "value after the update, as text",
        }),
    SOURCE_OVERLAP: View("Per pair of sources: how many current leads hold records of both.", {
        "source": "a source",
        "other_source": "another source",
        "shared_leads": "leads holding records of both",
    }),
    SOURCE_SCORECARD: View(
        "Per source: what it contributes, how complete and valid its sales fields are, how fresh it is, "
        "and its rank (README, 'best performing').", {
            "source": "the source",
            "is_crm": "the source is the CRM (not ranked)",
            "live_records": "live records (source_current)",
            "leads": "current leads holding a record of the source",
            "exclusive_leads": "of them, leads no other source has",
            "shared_leads": "of them, leads another source has too (leads = exclusive + shared)",
            "crm_overlap_leads": "of them, leads already in the CRM",
            "net_new_leads": "of them, leads not in the CRM (leads = crm_overlap + net_new)",
            "phone_fill_rate": "share of live records with a phone",
            "phone_valid_rate": "share of delivered phones that were valid (invalid ones are nulled and flagged)",
            "email_fill_rate": "share of live records with an e-mail",
            "email_valid_rate": "share of delivered e-mails that were valid",
            "address_fill_rate": "share of live records with a street address",
            "address_valid_rate": "share of street addresses that could be standardized (address_std)",
            "contact_name_fill_rate": "share of live records with a contact name (first/last or licensee)",
            "license_fill_rate": "share of live records with a license number",
            "sales_fields_fill_rate": "mean of the five fill rates (phone, email, address, contact, license)",
            "quarantine_share": "quarantined share of the source's latest delivery",
            "deliveries": "deliveries loaded",
            "last_delivery_date": "newest delivery date",
            "days_since_last_delivery": "days from the newest delivery date to today",
            "score": "net_new_leads x sales_fields_fill_rate x (1 - quarantine_share)",
            "rank": "1 = best performing registry source (by score, then net_new_leads, then name)",
        }),
    NET_NEW_LEADS: View("The current leads not in the CRM, with their surviving contact fields and sources.", {
        "lead_id": "the lead",
        **{c: f"the lead's {c} (survivorship: source priority, then most recent)" for c in CONTACT_COLUMNS},
        "sources": "comma-separated sources holding a record of the lead",
        "source_count": "number of those sources",
        "first_source": "source of the lead's earliest record",
        "first_delivery_key": "delivery that first brought the lead",
        "first_seen_date": "its delivery date",
    }),
}


def create_analyst_views(con: duckdb.DuckDBPyConnection, crm_source: str) -> dict[str, str]:
    """(Re)create every analyst view against the current leads and history columns (in the caller's
    transaction, right after the leads refresh); returns view → SELECT, in creation order (none
    before any load), which a PostgreSQL warehouse creates on the server too (``publish_views``)."""
    select = analyst_view_selects(con, crm_source)
    for view, sql in select.items():  # in dependency order: lead_first_seen first
        backend.create_view(con, view, sql)
    return select


def analyst_view_selects(con: duckdb.DuckDBPyConnection, crm_source: str) -> dict[str, str]:
    """View → SELECT of every analyst view for the tables' columns as they are (on DuckDB or the
    server), in dependency order; empty before any load."""
    business = [c for c in backend.columns(con, HISTORY) if c not in TABLES[HISTORY].columns]
    if not business or not backend.table_exists(con, LEADS) or not backend.table_exists(con, LEAD_SOURCES):
        return {}
    live = set(backend.columns(con, CURRENT))
    crm_literal = quote_literal(crm_source)
    select = {
        LEAD_FIRST_SEEN: lead_first_seen_sql(),
        DELIVERY_SUMMARY: delivery_summary_sql(),
        LEAD_CHANGES: lead_changes_sql(business),
        SOURCE_OVERLAP: source_overlap_sql(),
        SOURCE_SCORECARD: source_scorecard_sql(live, crm_literal),
        NET_NEW_LEADS: net_new_leads_sql(set(backend.columns(con, LEADS))),
    }
    return select
