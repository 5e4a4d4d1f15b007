"""The reader's block path (csv_records.CsvRecords.rest) reads exactly what the one-by-one path reads.

Arbitrary CSV-ish text (hypothesis: quotes opened and closed anywhere, fields spanning lines, blank
lines, ragged and trailing-delimiter records, CR, LF and CRLF line ends), read with tiny blocks
(so block edges fall everywhere) and with the one-by-one path alone: the same records, line numbers,
read errors, surplus fields, warnings and placeholder counts.
"""

from __future__ import annotations

import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_assets.ingest import csv_records, read
from etl_assets.ingest.read import read_whole
from etl_assets.sources.spec import ReadOptions

PIECES = st.sampled_from(['"', '""', ",", "a", "b c", " ", "N/A", "\n", "\r\n", "\r", "é", "x,y", '"q,1"', ""])
LINE = st.lists(PIECES, max_size=8).map("".join)


def read_both(data: bytes, monkeypatch, block_chars: int, chunk_rows: int):
    monkeypatch.setattr(read, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(csv_records, "BLOCK_CHARS", block_chars)
    fast = read_whole(io.BytesIO(data), ReadOptions(), "f.csv")
    with monkeypatch.context() as m:
        m.setattr(csv_records.CsvRecords, "rest", lambda self: iter(self))
        slow = read_whole(io.BytesIO(data), ReadOptions(), "f.csv")
    return fast, slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["id,name,city\n", "id,name,city,\n", "id,name\r\n"]),
    st.lists(st.one_of(LINE, st.sampled_from(["1,Kids,Town", "2,\"Kids, Inc\",Town", "3,\"open,Town", "4,a,b,", "5,a,b,c,d"])),
             max_size=25),
    st.sampled_from(["\n", "\r\n"]),
    st.integers(1, 64),
    st.integers(1, 7),
)
def test_blocks_read_what_one_by_one_reads(monkeypatch, header, lines, end, block_chars, chunk_rows):
    data = (header + end.join(lines) + (end if lines else "")).encode()
    fast, slow = read_both(data, monkeypatch, block_chars, chunk_rows)
    pd.testing.assert_frame_equal(fast.records, slow.records)
    assert (fast.header, fast.columns, fast.warnings, fast.placeholders) == (slow.header, slow.columns, slow.warnings, slow.placeholders)


def test_a_big_plain_file_takes_the_block_path_and_keeps_line_numbers(monkeypatch):
    rows = "".join(f'{i},"Name, {i}",Town\r\n' if i % 7 == 0 else f"{i},Name {i},Town\r\n" for i in range(1, 3001))
    data = ("id,name,city\r\n" + rows + '3001,"two\r\nlines",Town\r\n3002,end,Town\r\n').encode()
    blocks = []
    original = csv_records.CsvRecords.rest

    def counting(self):
        for item in original(self):
            blocks.append(isinstance(item, csv_records.Block))
            yield item

    monkeypatch.setattr(csv_records.CsvRecords, "rest", counting)
    fast, slow = read_both(data, monkeypatch, 4096, 1000)
    pd.testing.assert_frame_equal(fast.records, slow.records)
    assert sum(blocks) > 10  # most of the file came in blocks, the multi-line record one by one
    assert fast.records["_line_number"].tolist()[-3:] == [3001, 3002, 3004]
    assert fast.records["name"].iat[-2] == "two\r\nlines"
