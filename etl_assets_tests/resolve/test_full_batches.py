"""A full leads refresh builds the leads batch by batch from the warehouse (``resolve/full.py``):
whatever the batch size, they are the leads ``resolve_leads`` builds from every record at once.

Real DuckDB warehouse, records applied through the history as the warehouse assets apply them,
the refresh as the leads asset calls it; the expected leads come from the pure ``resolve_leads``
on the live records with every column (the in-memory path), written through the same declared
table so both compare typed. Batches of 1, 3 and 7 records cut between leads of several records.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import pytest

from etl_assets.resolve import full as resolve_full
from etl_assets.resolve.refresh import refresh_leads
from etl_assets.resolve.resolver import resolve_leads
from etl_assets.stages.history import apply_delivery
from etl_assets.warehouse import frames
from etl_assets.warehouse.columns import leads_columns
from etl_assets.warehouse.queries import resolution_columns, resolution_frame
from etl_assets.warehouse.tables import CURRENT, LEAD_SOURCES, LEADS, ensure_warehouse
from etl_assets_tests.resolve.test_incremental import ADDRESSES, CONFIG, EMAILS, LICENSES, NAMES, PHONES, _frame

CFG = replace(CONFIG, lead_columns=tuple(c.name for c in leads_columns()))  # every declared lead column, as the leads asset has it


def _warehouse(path) -> duckdb.DuckDBPyConnection:
    rng = random.Random(7)
    con = duckdb.connect(str(path))
    ensure_warehouse(con)
    for i, source in enumerate(("texas", "oklahoma", "salesforce")):
        rows = {f"k{j}": {"company": rng.choice(NAMES), "address": rng.choice(ADDRESSES), "phone": rng.choice(PHONES),
                          "phone2": None, "email": rng.choice(EMAILS), "license_number": rng.choice(LICENSES)}
                for j in range(12)}
        day = date(2026, 11, 1 + i)
        apply_delivery(con, source, f"{source}/{day}", f"etag-{day}", day, _frame(source, day, rows))
    return con


def _table(con, name, order) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {name} ORDER BY {order}").df()


@pytest.mark.parametrize("batch", [1, 3, 7])
def test_batched_leads_equal_the_leads_of_all_records_at_once(tmp_path, monkeypatch, batch):
    con = _warehouse(tmp_path / "w.duckdb")
    records = resolution_frame(con, f"SELECT {resolution_columns(con, 'c')} FROM {CURRENT} c ORDER BY _source, _record_key")
    expected = resolve_leads(records, None, CFG)
    monkeypatch.setattr(resolve_full, "LEADS_BATCH", batch)
    refresh = refresh_leads(con, CFG)
    assert refresh.mode == "full"
    got_leads, got_sources = _table(con, LEADS, "lead_id"), _table(con, LEAD_SOURCES, "_source, _record_key")
    assert (got_sources.groupby("lead_id").size() > 1).sum() >= 3  # leads of several records, cut by the batches
    with duckdb.connect() as ref:
        ensure_warehouse(ref)
        leads = expected.leads.assign(is_net_new=~expected.leads["is_existing_crm_lead"])
        frames.replace_table(ref, LEADS, leads)
        frames.replace_table(ref, LEAD_SOURCES, expected.crosswalk)
        pd.testing.assert_frame_equal(got_leads, _table(ref, LEADS, "lead_id"))
        pd.testing.assert_frame_equal(got_sources, _table(ref, LEAD_SOURCES, "_source, _record_key"))
    con.close()
