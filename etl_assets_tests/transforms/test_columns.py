"""The whole-column twins (transforms/columns.py) give exactly the scalar transforms' results.

On arbitrary text (hypothesis: any Unicode, white space of every kind, empty and missing cells)
and through ``apply_transform``, which takes the column path for Arrow-backed text.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_assets.records import STRING
from etl_assets.transforms import apply_transform, get_transform
from etl_assets.transforms.columns import _SPACE_CHARS, mostly_distinct

SPACES = st.sampled_from(list(_SPACE_CHARS) + [" ", "  "])
CELLS = st.one_of(
    st.none(),
    st.text(),
    st.lists(st.one_of(SPACES, st.text(min_size=1, max_size=4), st.sampled_from(["ß", "ﬁ", "ǅ", "k-12", "İ"]))).map("".join),
)


def scalar_results(name: str, cells: list) -> list:
    t = get_transform(name)
    return [t.func(c).values[0] for c in cells]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CELLS, max_size=30))
def test_text_and_license_number_columns_equal_the_scalar_transforms(cells):
    column = pd.Series(pd.array(cells, dtype=STRING))
    for name in ("text", "license_number"):
        t = get_transform(name)
        assert t.column is not None
        out = apply_transform(t, [column], {})
        direct = [None if v is pd.NA else v for v in t.column(column).tolist()]
        assert direct == scalar_results(name, cells), name
        got = [None if v is pd.NA else v for v in out.columns[t.outputs[0]].tolist()]
        assert got == scalar_results(name, cells), name
        assert out.flags.isna().all() and out.errors.isna().all()


def test_the_column_path_is_taken_for_mostly_distinct_text_only():
    ids = pd.Series(pd.array([f" k-{i} " for i in range(100)], dtype=STRING))
    kinds = pd.Series(pd.array(["Center", "Home "] * 50, dtype=STRING))
    assert mostly_distinct(ids) and not mostly_distinct(kinds)
    assert apply_transform(get_transform("license_number"), [ids], {}).columns["license_number"].dtype == STRING
    assert apply_transform(get_transform("text"), [kinds], {}).columns["value"].dtype == object


def test_object_columns_keep_the_scalar_path():
    cells = ["  a  b ", None, "x"]
    out = apply_transform(get_transform("text"), [pd.Series(cells, dtype=object)], {})
    assert out.columns["value"].dtype == object
