"""What the CRM export reads: leads with their first-seen delivery, filtered, in lead id order, in
batches (an export of millions of leads never holds them all in memory). Filters are bound
parameters; the SQL is portable (see view_sql)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from etl_assets.warehouse import backend
from etl_assets.warehouse.tables import LEAD_SOURCES, LEADS
from etl_assets.warehouse.view_sql import CONTACT_COLUMNS, LEAD_FIRST_SEEN, typed_column

BATCH_ROWS = 50_000


@dataclass(frozen=True)
class ExportFilter:
    net_new: bool = False  # only leads with no CRM record
    source: str | None = None  # only leads holding a record of this source
    state: str | None = None  # 2-letter USPS code
    since: date | None = None  # only leads first seen on or after this delivery date


_WHERE = f"""
WHERE (NOT $net_new OR NOT l.is_existing_crm_lead)
  AND ($source IS NULL OR EXISTS (SELECT 1 FROM {LEAD_SOURCES} AS x WHERE x.lead_id = l.lead_id AND x._source = $source))
  AND ($state IS NULL OR l.state = $state)
  AND ($since IS NULL OR f.first_seen_date >= $since)"""


def _params(f: ExportFilter) -> dict:
    return {"net_new": f.net_new, "source": f.source, "state": f.state, "since": f.since}


def count_leads_for_export(con: duckdb.DuckDBPyConnection, f: ExportFilter) -> int:
    select = f"SELECT count(*) FROM {LEADS} AS l LEFT JOIN {LEAD_FIRST_SEEN} AS f ON f.lead_id = l.lead_id"
    return int(con.execute(select + _WHERE, _params(f)).fetchone()[0])


def leads_for_export(con: duckdb.DuckDBPyConnection, f: ExportFilter, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The filtered leads (lead_id, the contact columns, sources, is_existing_crm_lead, first seen),
    ``batch_rows`` at a time."""
    available = set(backend.columns(con, LEADS))
    cols_sql = ", ".join(f"{typed_column(available, 'l', c)} AS {backend.quote_ident(c)}" for c in CONTACT_COLUMNS)
    select = (f"SELECT l.lead_id, {cols_sql}, l.sources, l.is_existing_crm_lead, f.first_seen_date "
              f"FROM {LEADS} AS l LEFT JOIN {LEAD_FIRST_SEEN} AS f ON f.lead_id = l.lead_id")
    reader = con.sql(select + _WHERE + " ORDER BY l.lead_id", params=_params(f)).to_arrow_reader(batch_rows)
    for batch in reader:
        yield batch.to_pandas()
