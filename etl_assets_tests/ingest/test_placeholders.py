"""Placeholder cells are read as missing values, counted once per column, never a value or a flag."""

from __future__ import annotations

import io

import pandas as pd

from etl_assets.ingest.placeholders import DEFAULT_NULL_VALUES
from etl_assets.ingest.read import read_whole
from etl_assets.sources.registry import leads_schema
from etl_assets.sources.spec import ReadOptions, SourceSpec
from etl_assets_tests.conftest import PROJECT_ROOT
from etl_assets_tests.support.stages import run_stages


def _read(text: str, **options):
    return read_whole(io.BytesIO(text.encode()), ReadOptions(**options), "k.csv")


def test_every_default_spelling_and_whitespace_reads_as_missing_and_is_counted_per_column():
    cells = [*DEFAULT_NULL_VALUES, "n/A", " null ", "Unknown", "   ", "\t"]
    text = "Name,Street\n" + "".join(f"Kids {i},{c}\n" for i, c in enumerate(cells)) + "Kids x,\n"
    result = _read(text)
    assert result.records["Street"].isna().sum() == len(cells)  # the empty cell stays '' (already missing, not counted)
    assert result.records["Street"].iat[-1] == ""
    counts = result.placeholders
    assert list(counts) == ["Street"]
    assert sum(counts["Street"].values()) == len(cells)
    assert counts["Street"]["N/A"] == 1 and counts["Street"]["   "] == 1


def test_real_values_that_resemble_placeholders_are_kept():
    kept = ["NAPA", "None Such Academy", "N/A Learning Center", "-5", "A-1 Daycare", "?Why Not Kids", "TBD Street 12"]
    result = _read("Name\n" + "\n".join(kept) + "\n")
    assert result.records["Name"].tolist() == kept and result.placeholders == {}


def test_a_source_adds_its_own_spellings_or_switches_the_defaults_off():
    text = "Name,Street\nA,Withheld\nB,N/A\nC,1 Main St\n"
    extra = _read(text, null_values=("withheld",))
    assert extra.records["Street"].isna().tolist() == [True, True, False]
    assert extra.placeholders == {"Street": {"Withheld": 1, "N/A": 1}}
    off = _read(text, default_null_values=False, null_values=("Withheld",))
    assert off.records["Street"].tolist()[1:] == ["N/A", "1 Main St"] and off.placeholders == {"Street": {"Withheld": 1}}


def test_a_placeholder_street_is_missing_after_normalize_not_a_value_and_not_a_flag():
    spec = SourceSpec.model_validate({
        "source": "t", "deliveries": {"key_pattern": "t/*.csv"}, "record_key": ["provider_id"],
        "fields": [
            {"from": "Id", "to": "provider_id"},
            {"from": "Name", "to": ["company", "licensee_name", "operator", "company_std"], "transform": "company_name"},
            {"from": "Street", "to": "address1", "transform": "street_address"},
            {"from": ["Street", "Zip"], "to": "address_std", "transform": "address_std"},
            {"from": "Zip", "to": "zip", "transform": "zip5"},
        ],
    })  # fmt: skip
    text = "Id,Name,Street,Zip\n1,Sunny Days Child Care,N/A,89101\n2,Little Stars Academy,12 Main St,unknown\n"
    staged = run_stages(text, spec, "t/k.csv", etag="e", landed_at=pd.Timestamp("2023-08-01T00:00:00Z"),
                        leads=leads_schema(PROJECT_ROOT / "mappings"))
    rows, read = staged.rows, staged.staged.raw.read
    assert rows["address1"].isna().tolist() == [True, False] and rows["address_std"].isna().tolist() == [True, False]
    assert rows["zip"].isna().tolist() == [False, True]
    assert rows["_dq_flags"].isna().all() and rows["_quarantine_reason"].isna().all()
    assert read.placeholders == {"Street": {"N/A": 1}, "Zip": {"unknown": 1}}
