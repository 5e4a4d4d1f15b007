"""Unit tests of the reader fixes found by the bad-delivery corpus (etl_assets/ingest/csv_records.py, read.py)."""

from __future__ import annotations

import io

import pytest

from etl_assets.ingest import csv_records
from etl_assets.ingest.read import DeliveryReadError, read_whole
from etl_assets.sources.spec import ReadOptions

HEADER = b"id,name,city\n"


def rows(n: int, start: int = 1) -> bytes:
    return b"".join(b"%d,Name %d,Town\n" % (i, i) for i in range(start, start + n))


def test_a_quote_left_open_to_the_end_of_the_file_does_not_swallow_the_following_records():
    data = HEADER + rows(3) + b'4,"Broken name,Town\n' + rows(5, start=5)
    r = read_whole(io.BytesIO(data), ReadOptions(), "s3://b/open.csv").records
    assert r["id"].tolist() == [str(i) for i in range(1, 10)]  # 9 records, none swallowed
    broken = r[r["_read_error"].notna()]
    assert broken["_line_number"].tolist() == [5]
    assert broken["_read_error"].iat[0].startswith("s3://b/open.csv, line 5: a quote opened in this line")
    assert "swallowed the next 5 lines" in broken["_read_error"].iat[0]
    assert broken["name"].iat[0] == '"Broken name'  # the line is kept as it was written
    assert r["_line_number"].tolist() == list(range(2, 11))


def test_a_quote_closed_by_accident_further_down_gives_back_the_records_in_between():
    data = HEADER + b'1,"Open,Town\n' + rows(3, start=2) + b'5,"Quoted, Inc",Town\n' + rows(2, start=6)
    r = read_whole(io.BytesIO(data), ReadOptions(), "f.csv").records
    assert r["id"].tolist() == [str(i) for i in range(1, 8)]
    assert r["_read_error"].notna().tolist() == [True] + [False] * 6
    assert r["name"].iat[4] == "Quoted, Inc"


def test_a_legitimate_multi_line_field_is_still_one_record():
    data = HEADER + b'1,"Line one\r\nline two",Town\n' + rows(2, start=2)
    r = read_whole(io.BytesIO(data), ReadOptions(), "f.csv").records
    assert r["name"].tolist() == ["Line one\r\nline two", "Name 2", "Name 3"]
    assert r["_read_error"].isna().all() and r["_line_number"].tolist() == [2, 4, 5]


def test_a_record_open_for_more_than_max_record_lines_is_cut_back(monkeypatch):
    monkeypatch.setattr(csv_records, "MAX_RECORD_LINES", 10)
    # a quote opened and the following lines have a different shape (no evidence by width)
    data = HEADER + b'1,"x,Town\n' + b"".join(b"free text %d\n" % i for i in range(30))
    r = read_whole(io.BytesIO(data), ReadOptions(), "f.csv").records
    assert len(r) == 31  # the broken line + every following line as its own (short) record
    assert "swallowed the next 9+ lines" in r["_read_error"].iat[0]
    assert r["_read_error"].notna().all()


def test_undecodable_bytes_are_located_in_the_message():
    data = HEADER + rows(10) + b"11,Bad \x81 byte,Town\n"
    with pytest.raises(DeliveryReadError) as err:
        read_whole(io.BytesIO(data), ReadOptions(), "s3://b/enc.csv")
    message = str(err.value)
    assert message.startswith("s3://b/enc.csv: the bytes are not valid")
    offset = data.index(b"\x81")
    assert f"utf-8: byte 0x81 at offset {offset}, line 12" in message
