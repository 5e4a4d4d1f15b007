"""The progress counter through the real reader: it counts per chunk, so `make ingest`'s line shows
records done while a stage runs (the terminal test, test_ingest_progress.py, cannot check that:
which stage a 2-second tick lands in depends on the machine's speed)."""

from __future__ import annotations

from etl_assets import progress
from etl_assets.ingest import read
from etl_assets.runner.progress import Position
from etl_assets.sources.spec import ReadOptions
from etl_assets_tests.conftest import SAMPLE_RECORDS, sample_file


def test_reading_a_delivery_counts_its_records_chunk_by_chunk(monkeypatch):
    monkeypatch.setattr(read, "CHUNK_ROWS", 40)  # the 99-record Texas sample in three chunks
    seen = []
    count = progress.advance
    monkeypatch.setattr(progress, "advance", lambda n: (count(n), seen.append(progress.records_done())))
    position = Position()
    position.start_delivery("delivery 1 of 1 (texas sample)")
    position.start_stage("raw")
    path = sample_file("texas")
    with path.open("rb") as stream:
        read.read_whole(stream, ReadOptions(), str(path))
    assert seen == [40, 80, SAMPLE_RECORDS["texas"]]
    line = position.line()
    assert f"delivery 1 of 1 (texas sample): raw, {SAMPLE_RECORDS['texas']:,} records done, " in line and "records/s" in line
    position.start_stage("normalized")
    assert "normalized, 0 records done" in position.line()
