"""The streaming stages (stage files written row group by row group) give exactly what the
whole-frame stages give, and never hold a whole delivery.

Each sample and bad-corpus file (read errors, quarantines, formulas, surplus fields, a record
repeated 1,000 times) is landed, normalized and deduped both ways with reader chunks and normalize
batches of about a third and a quarter of its records: the files' rows equal the frames cell for
cell (dtypes included), the files hold one row group per chunk / batch, and no stage reads every
column of its input at once. Then a sequence of Texas deliveries (inserts, updates, deletes,
revivals, duplicate keys, a quarantined record, a late delivery that rewinds and replays) is
loaded into two warehouses, one from frames and one from the stage files: identical tables.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl_assets import warehouse
from etl_assets.ingest import read
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.stages.files import StageFile, StageFileWriter
from etl_assets.stages import normalize
from etl_assets.stages.dedup import dedup_delivery
from etl_assets.stages.dedup_file import dedup_file
from etl_assets.stages.land import land_delivery, land_to_file
from etl_assets.stages.load import load_delivery
from etl_assets.stages.normalize_file import normalize_file
from etl_assets.warehouse import tables
from etl_assets_tests.conftest import PROJECT_ROOT, SAMPLE_RECORDS, sample_file

LANDED_AT = datetime(2024, 1, 2, tzinfo=timezone.utc)
BAD = PROJECT_ROOT / "etl_assets_tests" / "fixtures" / "bad"
BAD_FILES = ["spreadsheet_formulas.csv", "ragged_rows.csv", "impossible_dates.csv", "same_record_1000_times.csv"]


def _cases():
    for source in SAMPLE_RECORDS:
        yield pytest.param(source, sample_file(source), id=source)
    for name in BAD_FILES:
        yield pytest.param("texas", BAD / name, id=f"bad-{name}")


@pytest.fixture
def column_reads(monkeypatch):
    """Every StageFile.read call's columns (None = the whole file)."""
    calls: list[tuple[Path, list[str] | None]] = []
    original = StageFile.read

    def spy(self, columns=None):
        calls.append((self.path, None if columns is None else list(columns)))
        return original(self, columns)

    monkeypatch.setattr(StageFile, "read", spy)
    return calls


def _streamed(spec, data: bytes, key: str, folder: Path):
    raw = land_to_file(io.BytesIO(data), spec, key, "etag", LANDED_AT, f"s3://test/{key}", StageFileWriter(folder / "raw.parquet"))
    normalized = normalize_file(raw.file, spec, leads_schema(), key, StageFileWriter(folder / "normalized.parquet"))
    deduped = dedup_file(normalized.file, StageFileWriter(folder / "deduped.parquet"))
    return raw, normalized, deduped


@pytest.mark.parametrize("source,path", list(_cases()))
def test_streamed_stages_equal_the_frame_stages_in_bounded_reads(monkeypatch, tmp_path, column_reads, source, path):
    spec = spec_by_name(source, load_specs())
    key = f"{source}/{path.name}"
    landed = land_delivery(io.BytesIO(path.read_bytes()), spec, key, "etag", LANDED_AT, f"s3://test/{key}")
    whole = normalize.normalize_delivery(landed.frame, spec, leads_schema(), where=key)
    n = len(landed.frame)
    chunk, batch = max(2, n // 3), max(3, n // 4 + 1)
    monkeypatch.setattr(read, "_CHUNK_ROWS", chunk)
    monkeypatch.setattr(normalize, "BATCH_ROWS", batch)
    if whole.above_threshold(spec):
        with pytest.raises(ValueError, match="failed validation, above the threshold"):
            _streamed(spec, path.read_bytes(), key, tmp_path)
        assert not (tmp_path / "normalized.parquet").exists() and not list(tmp_path.glob("*.tmp-*"))
        return
    raw, normalized, deduped = _streamed(spec, path.read_bytes(), key, tmp_path)
    stage_reads = list(column_reads)  # the stages' own whole-column reads: a few narrow columns
    assert all(cols is not None and len(cols) <= len(raw.file.columns) // 2 for _, cols in stage_reads), stage_reads

    assert raw.file.row_groups == math.ceil(n / chunk) > 1
    pd.testing.assert_frame_equal(raw.file.read(), landed.frame)
    assert (raw.read.warnings, raw.read.placeholders, raw.read.header) == (landed.read.warnings, landed.read.placeholders, landed.read.header)

    assert normalized.file.row_groups == math.ceil(n / batch) > 1
    pd.testing.assert_frame_equal(normalized.file.read(), whole.rows)
    assert (normalized.quarantined, normalized.warnings) == (len(whole.quarantined), whole.warnings)
    pd.testing.assert_frame_equal(normalized.reasons, whole.quarantined[["_row_number", "_quarantine_reason"]].head(10).reset_index(drop=True))

    expected = dedup_delivery(whole.clean)
    pd.testing.assert_frame_equal(deduped.file.read(), expected.records)
    assert deduped.collapsed == expected.collapsed


def test_a_record_repeated_a_thousand_times_is_one_survivor_listing_the_others(tmp_path, monkeypatch):
    spec = spec_by_name("texas", load_specs())
    monkeypatch.setattr(read, "_CHUNK_ROWS", 128)
    monkeypatch.setattr(normalize, "BATCH_ROWS", 300)
    _, normalized, deduped = _streamed(spec, (BAD / "same_record_1000_times.csv").read_bytes(), "texas/x.csv", tmp_path)
    assert normalized.file.row_groups > 3 and deduped.collapsed >= 999
    survivors = deduped.file.read()
    repeated = survivors[survivors["_collapsed_rows"].notna()]
    assert len(repeated) >= 1 and sum(len(r.split(",")) for r in repeated["_collapsed_rows"]) == deduped.collapsed


# --- the warehouse from frames and from files --------------------------------------------------


def _texas_deliveries() -> list[tuple[str, bytes]]:
    """(key, bytes) in arrival order: a base, a changed one, the base again (revivals), a late one."""
    text = sample_file("texas").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))

    def as_csv(records) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *records])
        return out.getvalue().encode()

    changed = [list(r) for r in rows[3:]]  # rows 0-2 deleted
    changed[0][12] = "999"  # capacity: an update
    changed[1][1] = "changed agency"
    less_complete = list(rows[10])
    less_complete[13] = ""  # a repeated key with fewer values: loses
    changed += [less_complete, list(rows[11]), ["9999999", *rows[5][1:]]]  # a tie (later wins), an insert
    ragged = as_csv(changed).decode() + "1234,too,few\n"  # a quarantined record
    return [
        ("texas/07-07-2023 Texas DHHS.csv", as_csv(rows)),
        ("texas/08-07-2023 Texas DHHS.csv", ragged.encode()),
        ("texas/09-07-2023 Texas DHHS.csv", as_csv(rows)),
        ("texas/06-07-2023 Texas DHHS.csv", as_csv(rows[:20] + rows[26:])),  # late: rewind + replay
    ]


_TIMES = {"applied_at", "loaded_at"}


def _tables(con) -> dict[str, pd.DataFrame]:
    out = {}
    for table, declared in tables.TABLES.items():
        if not declared.columns:
            continue
        frame = con.sql(f"SELECT * FROM {table}").df()
        frame = frame.drop(columns=[c for c in frame.columns if c in _TIMES])
        out[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True) if len(frame) else frame
    return out


def test_loading_stage_files_gives_the_same_warehouse_as_loading_frames(tmp_path, monkeypatch):
    spec = spec_by_name("texas", load_specs())
    monkeypatch.setattr(read, "_CHUNK_ROWS", 40)
    monkeypatch.setattr(normalize, "BATCH_ROWS", 30)
    by_frames, by_files = duckdb.connect(), duckdb.connect()
    for i, (key, data) in enumerate(_texas_deliveries()):
        landed = land_delivery(io.BytesIO(data), spec, key, f'"e{i}"', LANDED_AT, f"s3://test/{key}")
        whole = normalize.normalize_delivery(landed.frame, spec, leads_schema(), where=key)
        frames_counts = load_delivery(by_frames, spec, key, whole.rows, dedup_delivery(whole.clean).records, "run")
        folder = tmp_path / str(i)
        raw = land_to_file(io.BytesIO(data), spec, key, f'"e{i}"', LANDED_AT, f"s3://test/{key}", StageFileWriter(folder / "raw.parquet"))
        normalized = normalize_file(raw.file, spec, leads_schema(), key, StageFileWriter(folder / "normalized.parquet"))
        deduped = dedup_file(normalized.file, StageFileWriter(folder / "deduped.parquet"))
        assert normalized.file.row_groups > 1
        files_counts = load_delivery(by_files, spec, key, normalized.file, deduped.file, "run")
        assert files_counts == frames_counts, key
    changes = by_files.sql("SELECT change_type, count(*) FROM source_history GROUP BY 1").fetchall()
    assert {c for c, _ in changes} == {"insert", "update", "delete", "revive"}, changes
    assert by_files.execute("SELECT count(*) FROM quarantine").fetchall()[0][0] >= 1
    assert by_files.execute("SELECT sum(rows_collapsed) FROM deliveries").fetchall()[0][0] >= 2
    frames, files = _tables(by_frames), _tables(by_files)
    assert warehouse.live_count(by_files, "texas") == warehouse.live_count(by_frames, "texas")
    for table in frames:
        pd.testing.assert_frame_equal(files[table], frames[table], obj=table)
    for table in (tables.HISTORY, tables.VALUES):
        types = lambda con: con.execute(f"DESCRIBE {table}").fetchall()  # noqa: E731
        assert types(by_files) == types(by_frames), table


def test_read_facts_summed_over_chunks_equal_the_whole_read(tmp_path, monkeypatch):
    """Placeholders and mojibake first met in a later chunk, in another column order than the
    file's: the chunked read reports the same counts, examples and order as the whole read."""
    spec = spec_by_name("texas", load_specs())
    text = sample_file("texas").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    rows = [list(r) for r in rows]
    for i in range(60, 99, 3):
        rows[i][3] = "N/A"  # Address: placeholders only from chunk 3 on
    for i in (5, 70, 80, 90):
        rows[i][4] = "SAN JOSÃ©"  # City (earlier column, first hit in chunk 1) mojibake
    rows[75][2] = "CafÃ© Kids"  # the name column: mojibake first met in a later chunk
    rows[40][7] = "-"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    data = out.getvalue().encode()
    key = "texas/07-07-2023 Texas DHHS.csv"
    whole = land_delivery(io.BytesIO(data), spec, key, "e", LANDED_AT, f"s3://test/{key}")
    monkeypatch.setattr(read, "_CHUNK_ROWS", 25)
    streamed = land_to_file(io.BytesIO(data), spec, key, "e", LANDED_AT, f"s3://test/{key}", StageFileWriter(tmp_path / "raw.parquet"))
    assert streamed.file.row_groups == 4
    assert whole.read.placeholders and any("mojibake" in w for w in whole.read.warnings)
    assert streamed.read.placeholders == whole.read.placeholders
    assert list(streamed.read.placeholders) == list(whole.read.placeholders)
    assert streamed.read.warnings == whole.read.warnings
    pd.testing.assert_frame_equal(streamed.file.read(), whole.frame)
