"""Schema drift between deliveries: renamed headers, dropped and reordered columns, 2-digit years,
another encoding, mojibake. A drifted delivery normalizes into the same values as the original
(compared with the reviewed golden files) and the drift is reported as warnings, not failures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd
import pytest

from etl_assets.ingest.read import read_whole
from etl_assets.records import EXTRAS
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.sources.spec import ReadOptions
from etl_assets.stages.headers import MissingColumnsError, resolve_columns
from etl_assets.stages.normalize_rows import ColumnPrepareError
from etl_assets.transforms.dates import infer_formats
from etl_assets_tests.conftest import PROJECT_ROOT, sample_file
from etl_assets_tests.support.scripts import load_script
from etl_assets_tests.support.stages import run_stages

MAPPINGS = PROJECT_ROOT / "mappings"
write_golden = load_script("write_golden")


def spec(source: str):
    return spec_by_name(source, load_specs(MAPPINGS))


SOURCE_ENCODING = {"nevada": "cp1252", "texas": "utf-8", "salesforce": "utf-8"}


def rewrite(
    source: str,
    renames: dict[str, str],
    drop: tuple[str, ...] = (),
    date_columns: tuple[str, ...] = (),
    date_format: str = "%m/%d/%y",
    encoding: str = "utf-8",
) -> bytes:
    """A sample delivery with drift: headers renamed, columns dropped, columns in reverse order,
    dates re-written in another format, another encoding. Rows stay in order (same line numbers)."""
    with sample_file(source).open(encoding=SOURCE_ENCODING[source], newline="") as f:
        rows = list(csv.reader(f))
    header, records = rows[0], rows[1:]
    keep = [i for i, h in enumerate(header) if h not in drop][::-1]
    dates = {i for i, h in enumerate(header) if h in date_columns}

    def cell(i: int, value: str) -> str:
        if i in dates and value.strip():
            return dt.datetime.strptime(value.strip(), "%m/%d/%Y").strftime(date_format)
        return value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([renames.get(header[i], header[i]) for i in keep])
    for r in records:
        writer.writerow([cell(i, r[i]) if i < len(r) else "" for i in keep])
    return out.getvalue().encode(encoding)


def normalize_bytes(source: str, data: bytes, key: str | None = None):
    s = spec(source)
    key = key or f"{source}/07-07-2023 drifted.csv"
    result = run_stages(data, s, key, etag='"drift"', landed_at=pd.Timestamp("2023-07-07T12:00:00Z"), leads=leads_schema(MAPPINGS))
    return result.read, result


DRIFTS = {
    "texas": dict(
        renames={"Operation #": "Operation No", "Operation/Caregiver Name": "Operation/Caregiver Names",
                 "Issue Date": "Issued Date", "Email Address": "E-mail Adress", "Phone": "PHONE",
                 "Monitoring Frequency": "Fréquence d’inspection"},  # non-ASCII, so cp1252 bytes are not UTF-8
        drop=("County", "Agency Number"), date_columns=("Issue Date",), encoding="cp1252",
        removed=("county",),
    ),
    "nevada": dict(
        renames={"Phone#": "Phone #s", "Credential Number": "Credential Numbr", "Expiration Date": "Expiration Dates"},
        drop=("Primary Contact Role", "Disciplinary Action"), date_columns=("Expiration Date", "First Issue Date"),
        encoding="utf-8", removed=("title",),
    ),
    "salesforce": dict(
        renames={"postal_code": "postal_cod", "mobile_phone": "mobile_phones", "country": "país"},
        drop=("website", "lead_source"), encoding="cp1252", removed=("website_address",),
    ),
}  # fmt: skip


@pytest.mark.parametrize("source", list(DRIFTS))
def test_drifted_delivery_normalizes_like_the_original(source):
    drift = dict(DRIFTS[source])
    removed = drift.pop("removed")
    read, result = normalize_bytes(source, rewrite(source, **drift))
    assert read.encoding.replace("-sig", "") == drift["encoding"].replace("-sig", "")

    # every rename is found and reported as a warning naming both headers
    for old, new in drift["renames"].items():
        if old not in spec(source).source_columns:
            assert new in result.unmapped_columns
            continue
        assert result.column_map.get(old) == new
        assert any(repr(old) in w and repr(new) in w for w in result.warnings), result.warnings
    if drift.get("date_columns"):  # 2-digit years: the date format of this delivery was inferred
        assert any("%y" in w for w in result.warnings), result.warnings

    golden = write_golden.read_golden(source)
    compared = [c for c in leads_schema(MAPPINGS).all_columns if c not in removed]
    rows = result.rows
    assert len(rows) == len(golden)
    problems = []
    for i, g in enumerate(golden):
        assert int(rows["_line_number"].iat[i]) == int(g["_line_number"])
        for c in compared:
            got = write_golden.render(rows[c].iat[i])
            if got != g[c]:
                problems.append((g["_line_number"], c, g[c], got))
    assert not problems, problems[:20]
    assert (rows["_quarantine_reason"].notna().to_numpy() == [bool(g["_quarantine_reason"]) for g in golden]).all()


def test_unmapped_columns_are_kept_in_extras():
    data = rewrite("texas", renames={"Monitoring Frequency": "Inspection Cycle"})
    _, result = normalize_bytes("texas", data)
    assert {"Agency Number", "Facility ID", "Inspection Cycle"} <= set(result.unmapped_columns)
    first = json.loads(result.rows[EXTRAS].iat[0])
    assert first["Facility ID"] == "773628" and "Inspection Cycle" in first


# --- resolve_columns --------------------------------------------------------------------------


def test_fuzzy_match_never_takes_a_header_another_column_matched_exactly():
    ok = spec("oklahoma")
    header = [c for c in ok.source_columns if c != "Address2"] + ["Notes"]
    found, warnings = resolve_columns(ok, header, "x")
    assert "Address2" not in found  # 'Address1' is 88% similar but belongs to Address1
    assert found["Address1"] == "Address1"
    assert any("'Address2' is missing" in w for w in warnings)


def test_fuzzy_match_needs_a_unique_best_header():
    tx = spec("texas")
    header = [c for c in tx.source_columns if c != "Capacity"] + ["Capacity1", "Capacity2"]
    found, _ = resolve_columns(tx, header, "x")
    assert "Capacity" not in found  # two headers equally close: ambiguous, left unmapped
    found, warnings = resolve_columns(tx, [*header[:-2], "Capacityy"], "x")
    assert found["Capacity"] == "Capacityy" and any("fuzzy header match" in w for w in warnings)


def test_a_required_column_too_far_from_any_header_still_fails():
    tx = spec("texas")
    header = [c for c in tx.source_columns if c != "Operation #"] + ["Facility Number"]
    with pytest.raises(MissingColumnsError, match="Operation #"):
        resolve_columns(tx, header, "x")


# --- date formats -----------------------------------------------------------------------------


def _infer(values, formats):
    return infer_formats([pd.Series(values, dtype=object)], {"formats": formats})


def test_date_format_is_inferred_per_delivery_including_two_digit_years():
    assert _infer(["7/1/2022", "12/31/2023", None], ["%m/%d/%Y"]).params["formats"] == ["%m/%d/%Y"]
    two = _infer(["7/1/22", "12/31/23"], ["%m/%d/%Y"])
    assert two.params["formats"] == ["%m/%d/%y"] and two.warnings
    mixed = _infer(["7/1/22", "12/31/2023"], ["%m/%d/%Y"])
    assert mixed.params["formats"] == ["%m/%d/%Y", "%m/%d/%y"] or mixed.params["formats"] == ["%m/%d/%y", "%m/%d/%Y"]
    iso = _infer(["2022-07-01"], ["%m/%d/%Y", "%Y-%m-%d"])
    assert iso.params["formats"] == ["%Y-%m-%d"] and not iso.error


def test_ambiguous_date_column_is_an_error_naming_the_column_and_examples():
    both = _infer(["3/4/2023", "5/6/2023"], ["%m/%d/%Y", "%d/%m/%Y"])
    assert both.error and "'3/4/2023' is 2023-03-04 or 2023-04-03" in both.error
    # a value only one format reads settles it
    assert _infer(["3/4/2023", "5/26/2023"], ["%m/%d/%Y", "%d/%m/%Y"]).params["formats"] == ["%m/%d/%Y"]

    tx = spec("texas")
    fields = tuple(
        f.model_copy(update={"params": {"formats": ["%m/%d/%Y", "%d/%m/%Y"]}}) if f.transform == "date" else f
        for f in tx.fields
    )
    ambiguous = tx.model_copy(update={"fields": fields})
    data = b"Operation #,Operation/Caregiver Name,Issue Date\n1,A,3/4/2023\n2,B,5/6/2023\n"
    with pytest.raises(ColumnPrepareError, match=r"column 'Issue Date'.*'3/4/2023'"):
        run_stages(data, ambiguous, "k", etag="e", leads=leads_schema(MAPPINGS))


# --- encodings and mojibake -------------------------------------------------------------------


def test_mojibake_in_a_utf8_delivery_is_reported_not_repaired():
    text = "Operation #,Operation/Caregiver Name\n1,CafÃ© Kids\n2,Deeâ€™s Place\n3,Niños Center\n"
    read = read_whole(io.BytesIO(text.encode("utf-8")), ReadOptions(), "k")
    (warning,) = [w for w in read.warnings if "mojibake" in w]
    assert "2 cell(s) of column 'Operation/Caregiver Name'" in warning
    assert "'CafÃ© Kids' would read 'Café Kids'" in warning and "line 3" in warning
    assert read.records["Operation/Caregiver Name"].tolist() == ["CafÃ© Kids", "Deeâ€™s Place", "Niños Center"]


def test_samples_have_no_mojibake_warnings():
    for source, encoding in SOURCE_ENCODING.items():
        with sample_file(source).open("rb") as f:
            read = read_whole(f, spec(source).read, source)
        assert read.encoding.replace("-sig", "") == encoding
        assert not [w for w in read.warnings if "mojibake" in w]
