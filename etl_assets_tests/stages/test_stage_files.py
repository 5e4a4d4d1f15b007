"""The stages (stage files written row group by row group) give the same rows whatever their
chunk and batch sizes, never hold a whole delivery, and dedup keeps the documented survivors.

Each sample and bad-corpus file (read errors, quarantines, formulas, surplus fields, a record
repeated 1,000 times) is landed, normalized and deduped in one chunk / batch and with reader chunks
and normalize batches of about a third and a quarter of its records: the files' rows are equal cell
for cell (dtypes included), the files hold one row group per chunk / batch, no stage reads every
column of its input at once, and the deduped file holds, per record key, the most complete clean
row (ties: the later one) listing the others, with its row hash (the history's SQL over the row's
business columns, here over the expected survivors as a frame). Then a sequence of Texas deliveries (inserts,
updates, deletes, revivals, duplicate keys, a quarantined record, a late delivery that rewinds and
replays) is loaded into two warehouses, one from one-batch stage files and one from small
batches: identical tables.
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
from etl_assets.records import COLLAPSED_ROWS, QUARANTINE_REASON, RECORD_KEY, ROW_NUMBER, STRING, is_meta
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.files import StageFile, StageFileWriter
from etl_assets.stages.history.row_hash import ROW_HASH, hash_sql
from etl_assets.stages.land import land_to_file
from etl_assets.stages import normalize
from etl_assets.stages.load import load_delivery
from etl_assets.warehouse import tables
from etl_assets_tests.conftest import PROJECT_ROOT, SAMPLE_RECORDS, sample_file

LANDED_AT = datetime(2024, 1, 2, tzinfo=timezone.utc)
BAD = PROJECT_ROOT / "etl_assets_tests" / "fixtures" / "bad"
BAD_FILES = ["spreadsheet_formulas.csv", "ragged_rows.csv", "impossible_dates.csv", "same_record_1000_times.csv"]
ONE_CHUNK, ONE_BATCH = read.CHUNK_ROWS, normalize.BATCH_ROWS  # every test delivery in one row group


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


def _sizes(monkeypatch, chunk: int, batch: int) -> None:
    monkeypatch.setattr(read, "CHUNK_ROWS", chunk)
    monkeypatch.setattr(normalize, "BATCH_ROWS", batch)


def _streamed(spec, data: bytes, key: str, folder: Path, etag: str = "etag", strict: bool = True):
    staged = stage_delivery(io.BytesIO(data), spec, leads_schema(), key, etag, LANDED_AT, f"s3://test/{key}", folder, strict=strict)
    return staged.raw, staged.normalized, staged.deduped


def _survivors(clean: pd.DataFrame) -> pd.DataFrame:
    """The survivorship rule as documented (``stages/dedup.py``), applied to the clean rows: per
    record key the row with the most non-null business columns, ties to the later row, listing the
    absorbed row numbers in ascending order; survivors in file order."""
    business = [c for c in clean.columns if not is_meta(c)]
    ranked = clean.assign(_filled=clean[business].notna().sum(axis=1))
    ranked = ranked.sort_values([RECORD_KEY, "_filled", ROW_NUMBER], ascending=[True, False, False], kind="stable")
    first = ~ranked.duplicated(RECORD_KEY, keep="first")
    others = ranked.loc[~first].groupby(RECORD_KEY)[ROW_NUMBER].agg(lambda rows: ",".join(map(str, sorted(rows))))
    survivors = ranked.loc[first].drop(columns="_filled")
    survivors[COLLAPSED_ROWS] = pd.array(survivors[RECORD_KEY].map(others), dtype=STRING)
    survivors = survivors.sort_values(ROW_NUMBER).reset_index(drop=True)
    with duckdb.connect() as con:
        con.register("survivors", survivors)
        hashes = con.sql(f"SELECT {hash_sql(business)} FROM survivors").fetchnumpy()
    survivors[ROW_HASH] = pd.array(next(iter(hashes.values())), dtype=STRING)
    return survivors


@pytest.mark.parametrize("source,path", list(_cases()))
def test_stages_in_small_batches_equal_one_batch_in_bounded_reads(monkeypatch, tmp_path, column_reads, source, path):
    spec = spec_by_name(source, load_specs())
    key = f"{source}/{path.name}"
    raw1, whole, deduped1 = _streamed(spec, path.read_bytes(), key, tmp_path / "one", strict=False)  # one chunk, one batch
    landed, rows = raw1.file.read(), whole.file.read()
    column_reads.clear()
    n = len(landed)
    chunk, batch = max(2, n // 3), max(3, n // 4 + 1)
    _sizes(monkeypatch, chunk, batch)
    if whole.above_threshold(spec):
        with pytest.raises(ValueError, match="failed validation, above the threshold"):
            _streamed(spec, path.read_bytes(), key, tmp_path)
        assert not (tmp_path / "normalized.parquet").exists() and not list(tmp_path.glob("*.tmp-*"))
        return
    raw, normalized, deduped = _streamed(spec, path.read_bytes(), key, tmp_path)
    stage_reads = list(column_reads)  # the stages' own whole-column reads: a few narrow columns
    assert all(cols is not None and len(cols) <= len(raw.file.columns) // 2 for _, cols in stage_reads), stage_reads

    assert raw1.file.row_groups == 1 and raw.file.row_groups == math.ceil(n / chunk) > 1
    pd.testing.assert_frame_equal(raw.file.read(), landed)
    assert (raw.read.warnings, raw.read.placeholders, raw.read.header) == (raw1.read.warnings, raw1.read.placeholders, raw1.read.header)

    assert whole.file.row_groups == 1 and normalized.file.row_groups == math.ceil(n / batch) > 1
    pd.testing.assert_frame_equal(normalized.file.read(), rows)
    quarantined = rows[rows[QUARANTINE_REASON].notna()]
    assert (normalized.quarantined, normalized.warnings) == (len(quarantined), whole.warnings)
    pd.testing.assert_frame_equal(normalized.reasons, quarantined[[ROW_NUMBER, QUARANTINE_REASON]].head(10).reset_index(drop=True))

    expected = _survivors(rows[rows[QUARANTINE_REASON].isna()])
    pd.testing.assert_frame_equal(deduped.file.read(), expected)
    pd.testing.assert_frame_equal(deduped1.file.read(), expected)
    assert deduped.collapsed == deduped1.collapsed == len(rows) - len(quarantined) - len(expected)


def test_a_record_repeated_a_thousand_times_is_one_survivor_listing_the_others(tmp_path, monkeypatch):
    spec = spec_by_name("texas", load_specs())
    _sizes(monkeypatch, 128, 300)
    _, normalized, deduped = _streamed(spec, (BAD / "same_record_1000_times.csv").read_bytes(), "texas/x.csv", tmp_path)
    assert normalized.file.row_groups > 3 and deduped.collapsed >= 999
    survivors = deduped.file.read()
    repeated = survivors[survivors["_collapsed_rows"].notna()]
    assert len(repeated) >= 1 and sum(len(r.split(",")) for r in repeated["_collapsed_rows"]) == deduped.collapsed


# --- the warehouse from one-batch files and from small batches ----------------------------------


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


def test_loading_small_batches_gives_the_same_warehouse_as_one_batch(tmp_path, monkeypatch):
    spec = spec_by_name("texas", load_specs())
    by_one_batch, by_batches = duckdb.connect(), duckdb.connect()  # one batch per delivery; batches of 40 / 30 records
    for i, (key, data) in enumerate(_texas_deliveries()):
        _sizes(monkeypatch, ONE_CHUNK, ONE_BATCH)
        _, whole, whole_deduped = _streamed(spec, data, key, tmp_path / f"one-{i}", etag=f'"e{i}"')
        assert whole.file.row_groups == 1
        one_batch_counts = load_delivery(by_one_batch, spec, key, whole.file, whole_deduped.file, "run")
        _sizes(monkeypatch, 40, 30)
        _, normalized, deduped = _streamed(spec, data, key, tmp_path / str(i), etag=f'"e{i}"')
        assert normalized.file.row_groups > 1
        batches_counts = load_delivery(by_batches, spec, key, normalized.file, deduped.file, "run")
        assert batches_counts == one_batch_counts, key
    changes = by_batches.sql("SELECT change_type, count(*) FROM source_history GROUP BY 1").fetchall()
    assert {c for c, _ in changes} == {"insert", "update", "delete", "revive"}, changes
    assert by_batches.execute("SELECT count(*) FROM quarantine").fetchall()[0][0] >= 1
    assert by_batches.execute("SELECT sum(rows_collapsed) FROM deliveries").fetchall()[0][0] >= 2
    one_batch, batches = _tables(by_one_batch), _tables(by_batches)
    assert warehouse.live_count(by_batches, "texas") == warehouse.live_count(by_one_batch, "texas")
    for table in one_batch:
        pd.testing.assert_frame_equal(batches[table], one_batch[table], obj=table)
    for table in (tables.HISTORY, tables.VALUES):
        types = lambda con: con.execute(f"DESCRIBE {table}").fetchall()  # noqa: E731
        assert types(by_batches) == types(by_one_batch), table


def test_read_facts_summed_over_chunks_equal_the_whole_read(tmp_path, monkeypatch):
    """Placeholders and mojibake first met in a later chunk, in another column order than the
    file's: the chunked read reports the same counts, examples and order as a read in one chunk."""
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
    with StageFileWriter(tmp_path / "whole.parquet") as writer:
        whole = land_to_file(io.BytesIO(data), spec, key, "e", LANDED_AT, f"s3://test/{key}", writer)
    monkeypatch.setattr(read, "CHUNK_ROWS", 25)
    with StageFileWriter(tmp_path / "raw.parquet") as writer:
        streamed = land_to_file(io.BytesIO(data), spec, key, "e", LANDED_AT, f"s3://test/{key}", writer)
    assert whole.file.row_groups == 1 and streamed.file.row_groups == 4
    assert whole.read.placeholders and any("mojibake" in w for w in whole.read.warnings)
    assert streamed.read.placeholders == whole.read.placeholders
    assert list(streamed.read.placeholders) == list(whole.read.placeholders)
    assert streamed.read.warnings == whole.read.warnings
    pd.testing.assert_frame_equal(streamed.file.read(), whole.file.read())
