"""Source values are data, never markup or formulas: markdown metadata is escaped, spreadsheet
formulas are kept but flagged and neutralised in CSV exports (unit tests of the fixes)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from etl_assets.exports.safe_csv import to_safe_csv
from etl_assets.orchestration import metadata as md
from etl_assets.records import DQ_FLAGS
from etl_assets.sources.registry import load_specs, spec_by_name
from etl_assets.stages import normalize_rows
from etl_assets.transforms.text import looks_like_formula, neutralize_formula
from etl_assets_tests.support.stages import run_stages

HOSTILE = ["[x](http://evil)", "<img src=x onerror=alert(1)>", "![t](http://evil/t.png)", "a|b\n| c |"]


@pytest.mark.parametrize(
    "value, formula",
    [
        ('=HYPERLINK("http://evil","x")', True),
        ("@SUM(1+1)", True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("  =1+1", True),
        ("\t=1+1", True),
        ("-5", False),
        ("+1 (702) 555-0100", False),
        ("+17025550100", False),
        ("1e9", False),
        ("Little = Stars", False),
        ("O'Brien", False),
    ],
)
def test_formula_detection_and_neutralisation(value, formula):
    assert looks_like_formula(value) is formula
    assert neutralize_formula(value) == ("'" + value if formula else value)


def test_safe_csv_export_neutralises_formulas_in_cells_and_headers():
    frame = pd.DataFrame(
        {"company": pd.array(['=HYPERLINK("http://evil","x")', "Kids", None], dtype="string[pyarrow]"),
         "=cmd|x": ["a", "b", "c"], "capacity": [-5, 3, 4], "phone": ["+17025550100", None, "-1+cmd|x"]}
    )
    out = io.StringIO()
    to_safe_csv(frame, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["company", "'=cmd|x", "capacity", "phone"]
    assert rows[1] == ["'=HYPERLINK(\"http://evil\",\"x\")", "a", "-5", "+17025550100"]
    assert rows[3] == ["", "c", "4", "'-1+cmd|x"]
    assert frame["company"].iat[0].startswith("=")  # the frame itself is not changed


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_preview_escapes_links_images_html_and_table_breaks(value):
    cell = md.escape_markdown(value)
    assert "<" not in cell and ">" not in cell
    assert "](" not in cell.replace("\\]\\(", "")  # every bracket and paren escaped
    assert "\n" not in cell
    table = md.preview(pd.DataFrame({value: [value]})).value
    header, rule, row = table.split("\n")
    assert header.count(" | ") == row.count(" | ") == 0  # one column: the cell's pipe is escaped
    assert "<img" not in table and "](http" not in table


def texas_rows(*records: list[str]) -> pd.DataFrame:
    spec = spec_by_name("texas", load_specs())
    header = ["Operation #", "Operation/Caregiver Name", "City", "Capacity", "Notes"]
    text = io.StringIO()
    csv.writer(text).writerows([header, *records])
    return run_stages(text.getvalue(), spec, "texas/t.csv", etag="e", landed_at=pd.Timestamp("2023-07-07", tz="UTC"),
                      where="t.csv").rows


def test_normalize_keeps_formulas_verbatim_and_flags_them_with_line_and_column():
    rows = texas_rows(
        ["1", '=HYPERLINK("http://evil","x")', "Austin", "-5", "@SUM(1)"],
        ["2", "Plain Kids", "Austin", "12", "ok"],
    )
    assert rows["_quarantine_reason"].isna().all()
    # kept (Texas's company_name drops stray quotes, as for every name): a flag, not a rewrite
    assert rows["company"].iat[0] == "=HYPERLINK(http://evil, x)"
    flags = rows[DQ_FLAGS].iat[0]
    assert "line 2, column 'Operation/Caregiver Name': looks like a spreadsheet formula" in flags
    assert "line 2, column 'Notes': looks like a spreadsheet formula" in flags
    assert "capacity: negative '-5'" in flags and "'Capacity': looks like" not in flags
    assert pd.isna(rows[DQ_FLAGS].iat[1])


def test_extras_json_is_the_same_whatever_the_chunk_size(monkeypatch):
    records = [[str(i), f"Kids {i}", "Austin", "5", f"note {i}", *(["surplus"] if i % 3 == 0 else [])] for i in range(7)]
    whole = texas_rows(*records)
    monkeypatch.setattr(normalize_rows, "_JSON_CHUNK_ROWS", 2)
    chunked = texas_rows(*records)
    pd.testing.assert_frame_equal(whole, chunked)
    assert chunked["_extras"].iat[0] == '{"Notes": "note 0", "_extra_fields": "surplus"}'
