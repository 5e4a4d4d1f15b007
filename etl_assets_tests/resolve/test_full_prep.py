"""The full refresh's matching keys come from the warehouse over distinct values (``resolve/full_prep.py``):
they must be ``prepare`` of the live records, frame for frame, and the refresh's review queue (its
columns read per pair from the warehouse) the one ``resolve_leads`` builds from the records.

Real DuckDB warehouse built through the history (``test_full_batches._warehouse``: three sources,
repeated names, phones, addresses, emails and licenses, some missing), plus a source whose
records lack columns (NULL address, phone, email) so missing values and all-NULL families count.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from etl_assets.resolve import full as resolve_full
from etl_assets.resolve.columns import is_text, objects
from etl_assets.resolve.full_prep import live_prep
from etl_assets.resolve.refresh import refresh_leads
from etl_assets.resolve.resolver import prepare, resolve_leads
from etl_assets.stages.history import apply_delivery
from etl_assets.warehouse.queries import live_records
from etl_assets.warehouse.tables import LEAD_REVIEW
from etl_assets_tests.resolve.test_full_batches import CFG, _table, _warehouse
from etl_assets_tests.resolve.test_incremental import _frame


def _with_gaps(con):
    rows = {f"g{j}": {"company": "LITTLE STARS ACADEMY" if j % 2 else None, "address": (None, "89101" if j % 2 else None, None), "phone": None,
                      "phone2": None, "email": None, "license_number": None if j % 3 else f"L-{j}"} for j in range(6)}
    day = date(2026, 11, 9)
    apply_delivery(con, "nevada", f"nevada/{day}", f"etag-{day}", day, _frame("nevada", day, rows))
    return con


@pytest.mark.parametrize("chunk", [100_000, 4])  # one call per family; per-row families in chunks of 4 combinations
def test_keys_from_the_warehouse_are_prepare_of_the_live_records(tmp_path, monkeypatch, chunk):
    from etl_assets.resolve import full_prep

    monkeypatch.setattr(full_prep, "CHUNK", chunk)
    con = _with_gaps(_warehouse(tmp_path / "w.duckdb"))
    resolve_full.number_live(con)
    expected = prepare(live_records(con))
    records, rids, got = resolve_full.live_keys(con)
    assert len(got) == len(expected) == len(records) == len(rids) > 40
    assert list(got.columns) == list(expected.columns)
    for col in got.columns:  # the same values; text Arrow-backed (``resolve/columns.py``), objects in ``prepare``
        assert objects(got[col]).tolist() == expected[col].to_numpy().tolist(), col
    assert all(is_text(got[c]) for c in got.columns if c != "uid") and got["uid"].tolist() == list(range(len(got)))
    assert got["addr_line"].isna().any() and got["license"].notna().any()  # gaps and values both met
    con.close()


def test_full_refresh_review_queue_equals_the_in_memory_one(tmp_path):
    con = _with_gaps(_warehouse(tmp_path / "w.duckdb"))
    expected = resolve_leads(live_records(con), None, CFG).review
    assert refresh_leads(con, CFG).mode == "full"
    got = _table(con, LEAD_REVIEW, "pair_id")
    assert len(got) == len(expected) > 0
    want = expected.sort_values("pair_id").reset_index(drop=True)
    for col in got.columns:
        assert got[col].astype(object).where(got[col].notna(), None).tolist() == \
            want[col].astype(object).where(want[col].notna(), None).tolist(), col
    con.close()


def test_ids_through_assign_lead_ids_when_the_sql_ids_cannot_serve(tmp_path, monkeypatch):
    """The branch for colliding ids (salting is sequential: ``assign_lead_ids`` runs) writes the same
    crosswalk as the SQL one; the collision itself is forced (a 48-bit collision is not at hand)."""
    from etl_assets.resolve import full_ids
    from etl_assets.warehouse.tables import LEAD_SOURCES

    sql = _with_gaps(_warehouse(tmp_path / "a.duckdb"))
    assert refresh_leads(sql, CFG).mode == "full"
    monkeypatch.setattr(full_ids, "_ids_in_sql", lambda *a: False)
    pandas_path = _with_gaps(_warehouse(tmp_path / "b.duckdb"))
    assert refresh_leads(pandas_path, CFG).mode == "full"
    got, want = _table(pandas_path, LEAD_SOURCES, "_source, _record_key"), _table(sql, LEAD_SOURCES, "_source, _record_key")
    assert got["lead_id"].nunique() < len(got)  # leads of several records
    pd.testing.assert_frame_equal(got, want)
    sql.close()
    pandas_path.close()
