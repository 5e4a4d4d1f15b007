"""The CRM export: leads as a Salesforce lead-import CSV (Data Loader / Data Import Wizard field API
names), one row per lead, ``lead_id`` kept so a later export or the CRM's own export joins back.

Salesforce requires ``LastName`` and ``Company``; where the registry has none, the export writes
``[not provided]``, the placeholder Salesforce's own Web-to-Lead uses, rather than inventing one.
``Existing_CRM_Lead__c`` and ``First_Seen_Date__c`` are custom fields (``__c``) to map or skip.
Every cell goes through ``safe_csv.to_safe_csv`` (spreadsheet formulas neutralised). Written in
batches with progress on a callback (stderr for the command line); to S3 through a temp file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd

from etl_assets.exports.safe_csv import to_safe_csv
from etl_assets.warehouse.exports import ExportFilter, count_leads_for_export, leads_for_export

NOT_PROVIDED = "[not provided]"
DEFAULT_S3_KEY = "exports/net_new_leads.csv"

# Salesforce Lead field (API name) → how it is filled from a leads row.
SALESFORCE_COLUMNS = (
    "lead_id", "Company", "FirstName", "LastName", "Title", "Phone", "MobilePhone", "Email", "Street", "City",
    "State", "PostalCode", "Country", "Website", "LeadSource", "Description", "Existing_CRM_Lead__c", "First_Seen_Date__c",
)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype(object).where(frame[column].notna(), None)


def _description(frame: pd.DataFrame) -> pd.Series:
    """License and capacity facts sales asks about, as one readable line (column-wise: fast)."""
    parts = {"License": "license_number", "Type": "license_type", "Status": "license_status",
             "Facility": "facility_type", "Capacity": "capacity", "Ages": "ages_served"}
    out = pd.Series(None, index=frame.index, dtype=object)
    for label, column in parts.items():
        values = frame[column]
        piece = (label + ": " + values.astype(str)).where(values.notna(), None)
        out = out.where(piece.isna(), (out + "; " + piece).where(out.notna(), piece))
    return out


def _joined(first: pd.Series, second: pd.Series) -> pd.Series:
    return (first + " " + second).where(first.notna() & second.notna(), first.where(first.notna(), second))


def to_salesforce(leads: pd.DataFrame) -> pd.DataFrame:
    """Leads rows (``leads_for_export``) → the Salesforce import columns."""
    capacity = pd.to_numeric(leads["capacity"], errors="coerce").astype("Int64")
    leads = leads.assign(capacity=capacity.astype(object).where(capacity.notna(), None))
    street = _joined(_text(leads, "address1"), _text(leads, "address2"))
    state = _text(leads, "state")
    company = _text(leads, "company").fillna(_text(leads, "licensee_name")).fillna(NOT_PROVIDED)
    return pd.DataFrame({
        "lead_id": leads["lead_id"],
        "Company": company,
        "FirstName": _text(leads, "first_name"),
        "LastName": _text(leads, "last_name").fillna(NOT_PROVIDED),
        "Title": _text(leads, "title"),
        "Phone": _text(leads, "phone"),
        "MobilePhone": _text(leads, "phone2"),
        "Email": _text(leads, "email"),
        "Street": street,
        "City": _text(leads, "city"),
        "State": state,
        "PostalCode": _text(leads, "zip"),
        "Country": pd.Series("US", index=leads.index, dtype=object).where(state.notna(), None),
        "Website": _text(leads, "website_address"),
        "LeadSource": "Licensing registry: " + leads["sources"].astype(str),
        "Description": _description(leads),
        "Existing_CRM_Lead__c": leads["is_existing_crm_lead"].map({True: "true", False: "false"}),
        "First_Seen_Date__c": leads["first_seen_date"].astype(object).map(lambda d: None if d is None else str(d)),
    }, columns=list(SALESFORCE_COLUMNS))


def write_csv(batches: Iterable[pd.DataFrame], path: Path, total: int, progress: Callable[[int, int], None]) -> int:
    """Write the batches as one CSV (header once); returns the rows written."""
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        for batch in batches:
            to_safe_csv(to_salesforce(batch), out, header=written == 0)
            written += len(batch)
            progress(written, total)
        if written == 0:
            to_safe_csv(pd.DataFrame(columns=list(SALESFORCE_COLUMNS)), out)
    return written


def split_s3_url(url: str) -> tuple[str, str]:
    bucket, _, key = url[len("s3://"):].partition("/")
    if not bucket or not key or key.endswith("/"):
        raise ValueError(f"{url}: expected s3://bucket/key.csv")
    return bucket, key


def export_leads(
    con: duckdb.DuckDBPyConnection,
    selection: ExportFilter,
    out: str,
    s3_client: Callable[[], object] | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> int:
    """Export the selected leads to a local file or ``s3://bucket/key`` (uploaded whole, after the
    file is complete: a reader never sees half an export); returns the rows written."""
    total = count_leads_for_export(con, selection)
    batches = leads_for_export(con, selection)
    if not out.startswith("s3://"):
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        return write_csv(batches, Path(out), total, progress)
    bucket, key = split_s3_url(out)
    with tempfile.TemporaryDirectory(prefix="etl-export-") as tmp:
        path = Path(tmp) / "export.csv"
        written = write_csv(batches, path, total, progress)
        s3_client().upload_file(str(path), bucket, key, ExtraArgs={"ContentType": "text/csv"})
    return written
