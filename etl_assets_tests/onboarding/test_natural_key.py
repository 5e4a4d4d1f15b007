"""The natural key's verdicts on small frames: missing parts, whole-row repeats vs different records."""

from __future__ import annotations

import pandas as pd

from etl_assets.onboarding.headerless import guess_city_and_type
from etl_assets.onboarding.natural_key import choose_natural_key, composite_key, key_stats, record_content
from etl_assets.onboarding.sniff import sniff
from etl_assets.records import STRING


def _frame(**columns) -> pd.DataFrame:
    return pd.DataFrame({k: pd.array(v, dtype=STRING) for k, v in columns.items()})


def test_repeats_are_told_from_different_records_sharing_a_key():
    rows = _frame(company_std=["A", "A", "A", "B"], zip=["1", "1", "1", None], phone=["p1", "p1", "p2", "p3"])
    content = record_content(rows, ["company_std", "zip", "phone"])
    stats = key_stats(composite_key(rows, ("company_std", "zip")), content, ("company_std", "zip"))
    assert (stats.records, stats.null, stats.duplicates, stats.repeats, stats.collisions) == (4, 1, 2, 1, 1)
    best, ranked = choose_natural_key(rows, content)
    assert best.key == ("company_std", "phone") and best.null == 0 and best.collisions == 0 and best.repeats == 1
    assert [s.key for s in ranked][:2] == [("company_std", "phone"), ("company_std", "zip", "phone")]


def test_a_headerless_city_before_the_state_and_a_type_of_few_business_values_are_named():
    columns = ["column_1", "column_2", "column_3", "column_4"]
    values = {
        "column_1": [f"Kids Academy {i}" for i in range(12)],
        "column_2": ["CHILD CARE CENTER", "FAMILY CHILD CARE HOME"] * 6,
        "column_3": ["Cedar Falls", "Lakeshore", "Pine Ridge"] * 4,
        "column_4": ["OR"] * 12,
    }
    sniffed = {c: sniff(v) for c, v in values.items()}
    found = guess_city_and_type(columns, sniffed, {"company": "column_1", "state": "column_4"}, {"column_1", "column_4"})
    assert {k: v[0] for k, v in found.items()} == {"facility_type": "column_2", "city": "column_3"}
    assert "right before the state column" in found["city"][1]
