"""The Arrow JSON builder (transforms/json_text.py) writes exactly what ``json.dumps`` writes.

On arbitrary text (hypothesis: any Unicode, control characters, quotes, backslashes, missing
cells), with and without surplus fields, and with no columns at all.
"""

from __future__ import annotations

import json

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_assets.transforms.json_text import json_objects, json_string_values

CELLS = st.one_of(
    st.none(),
    st.text(),
    st.lists(st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "é", "a", "\\u"])).map("".join),
)


def expected(names, rows, extras):
    out = []
    for row, extra in zip(rows, extras):
        record = dict(zip(names, row))
        if extra is not None:
            record["_extra_fields"] = extra
        out.append(json.dumps(record, ensure_ascii=False))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 3).flatmap(lambda k: st.tuples(
    st.lists(st.text(max_size=5), min_size=k, max_size=k, unique=True),
    st.lists(st.tuples(st.lists(CELLS, min_size=k, max_size=k), CELLS), max_size=20),
)))
def test_json_objects_equal_json_dumps(case):
    names, data = case
    rows, extras = [r for r, _ in data], [e for _, e in data]
    columns = [(name, pa.chunked_array([pa.array([r[i] for r in rows], type=pa.string())])) for i, name in enumerate(names)]
    extra = ("_extra_fields", pa.chunked_array([pa.array(extras, type=pa.string())]))
    got = json_objects(columns, extra, length=len(rows)).to_pylist()
    assert got == expected(names, rows, extras)
    assert json_objects(columns, None, length=len(rows)).to_pylist() == expected(names, rows, [None] * len(rows))


@given(st.lists(CELLS, max_size=30))
def test_string_values_are_json_literals(cells):
    got = json_string_values(pa.array(cells, type=pa.string())).to_pylist()
    assert got == [json.dumps(c, ensure_ascii=False) for c in cells]


def test_no_columns_no_extras_is_an_empty_object_per_row():
    assert json_objects([], None, length=2).to_pylist() == ["{}", "{}"]
