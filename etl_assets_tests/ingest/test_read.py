import io

import pandas as pd
import pytest

from etl_assets.ingest.read import DeliveryReadError, read_whole, unique_column_names
from etl_assets.sources.spec import ReadOptions
from etl_assets_tests.conftest import SAMPLE_RECORDS, sample_file


@pytest.mark.parametrize("source", sorted(SAMPLE_RECORDS))
def test_every_sample_record_is_read(source):
    path = sample_file(source)
    with path.open("rb") as f:
        result = read_whole(f, ReadOptions(), str(path))
    assert len(result.records) == SAMPLE_RECORDS[source]
    assert result.records["_row_number"].tolist() == list(range(1, SAMPLE_RECORDS[source] + 1))


def test_nevada_is_cp1252_with_an_empty_header_cell():
    path = sample_file("nevada")
    with path.open("rb") as f:
        result = read_whole(f, ReadOptions(), str(path))
    assert result.encoding == "cp1252"
    assert result.header[7] == "" and result.columns[7] == "column_8"
    assert any("empty" in w for w in result.warnings)
    # cp1252-only bytes decode to the right characters, not mojibake
    assert not result.records["Name"].str.contains("Ã").any()


def test_oklahoma_truncated_last_record_is_kept_with_a_reason_naming_its_line():
    path = sample_file("oklahoma")
    with path.open("rb") as f:
        result = read_whole(f, ReadOptions(), "ok.csv")
    errors = result.records[result.records["_read_error"].notna()]
    assert errors["_row_number"].tolist() == [50]
    assert errors["_read_error"].iat[0] == "ok.csv, line 100: record has 14 fields, the header has 30"
    # CRLF inside a quoted field is part of the value, and line numbers count physical lines
    first = result.records.iloc[0]
    assert first["Primary Caregiver"] == "Elizabeth Hellstrom\r\nPrimary Caregiver"
    assert result.records["_line_number"].iat[1] == 4


def test_texas_misquoted_name_and_trailing_spaces_are_kept_verbatim():
    path = sample_file("texas")
    with path.open("rb") as f:
        result = read_whole(f, ReadOptions(), str(path))
    first = result.records.iloc[0]
    assert first["Operation/Caregiver Name"] == 'K" Street Learning Center LLC"'
    assert first["Address"] == "19290 K ST "


def test_ragged_rows_keep_surplus_fields_and_mark_short_ones():
    data = b"a,b\n1,2\n3\n4,5,6,7\n"
    result = read_whole(io.BytesIO(data), ReadOptions(), "r.csv")
    r = result.records
    assert r["_read_error"].isna().tolist() == [True, False, False]
    assert r["_extra_fields"].iat[2] == "6,7"
    assert r["b"].isna().iat[1]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\x1f\x8b\x08\x00rest", "gzip"),
        (b"a,b\n\x00\x01\x02", "NUL byte"),
    ],
)
def test_unreadable_files_fail_with_a_clear_message(data, message):
    with pytest.raises(DeliveryReadError, match=message) as err:
        read_whole(io.BytesIO(data), ReadOptions(), "s3://b/bad.csv")
    assert "s3://b/bad.csv" in str(err.value)


def test_header_names_are_made_unique_and_non_empty():
    names, warnings = unique_column_names(["a", "", "a", " b "])
    assert names == ["a", "column_2", "a_2", "b"]
    assert len(warnings) == 2


@pytest.mark.parametrize("data, header_too", [(b"a,b\n1,2,\n3, 4 ,\n", False), (b"a,b,\r\n1,2,\r\n3, 4 ,\r\n", True)])
def test_a_trailing_empty_field_on_every_record_is_a_delimiter_artefact(data, header_too):
    result = read_whole(io.BytesIO(data), ReadOptions(), "t.csv")
    assert result.columns == ["a", "b"] and result.header == ["a", "b"]
    assert result.records["_read_error"].isna().all() and result.records["_extra_fields"].isna().all()
    assert result.records["b"].tolist() == ["2", " 4 "]
    (warning,) = result.warnings
    assert warning.startswith("every record has 3 fields, the header 2") and "trailing delimiter" in warning
    assert ("its own empty last cell" in warning) == header_too


def test_a_non_empty_extra_field_stays_a_read_error_and_the_cause_is_named():
    from etl_assets.ingest.read import describe_read_errors

    result = read_whole(io.BytesIO(b"a,b\n1,2,x\n3,4,y\n"), ReadOptions(), "t.csv")
    assert result.records["_extra_fields"].tolist() == ["x", "y"]
    assert describe_read_errors(result.records["_read_error"]).startswith("every record has 3 fields, the header 2")
    mixed = read_whole(io.BytesIO(b"a,b\n1,2,\n3,4,y\n"), ReadOptions(), "t.csv")  # artefact on record 1 only
    assert mixed.records["_read_error"].notna().tolist() == [False, True]
    assert mixed.warnings == ["1 of 2 records have 3 fields, the header 2, and the last field is empty: a trailing "
                              "delimiter, read as the header's 2 columns"]
    assert describe_read_errors(mixed.records["_read_error"]).startswith("1 of 2 records have 3 fields, the header 2")


def test_a_value_under_the_headers_own_empty_last_cell_is_kept_as_extra_not_an_error():
    result = read_whole(io.BytesIO(b"a,b,\n1,2,\n3,4,z\n"), ReadOptions(), "t.csv")
    assert result.columns == ["a", "b"] and result.records["_read_error"].isna().all()
    assert result.records["_extra_fields"].tolist()[1] == "z" and pd.isna(result.records["_extra_fields"].iat[0])
