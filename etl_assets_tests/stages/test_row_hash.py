"""The row hash computed once by dedup (the deduped file's ``_row_hash``) is the hash the history
computes: Texas deliveries (inserts, updates, deletes, a late one that rewinds and replays) loaded
from their deduped files, with the stored hash, give the same tables, on DuckDB and on PostgreSQL,
as the same files without the column (the history hashes them itself); and where the stored hash
would differ (the history typed a column otherwise) it is not used. A preview of a source without
history counts inserts only."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from etl_assets.records import business_columns
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.stages import preview
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.files import StageFile
from etl_assets.stages.history.row_hash import ROW_HASH, stored_hash_usable
from etl_assets.stages.history.schema import history_business_types
from etl_assets.warehouse import backend, scopes
from etl_assets.warehouse.postgres import mirror
from etl_assets.warehouse.tables import HISTORY
from etl_assets_tests.conftest import sample_file
from etl_assets_tests.support.history import apply, apply_pg, counts, pg_tables, records, tables

LANDED_AT = datetime(2024, 1, 2, tzinfo=timezone.utc)


def _deliveries() -> list[tuple[str, date, bytes]]:
    """(key, date, bytes) in arrival order: a base, a changed one (deletes, updates, an insert), a late one."""
    header, *rows = list(csv.reader(io.StringIO(sample_file("texas").read_text(encoding="utf-8"))))

    def as_csv(records) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *records])
        return out.getvalue().encode()

    changed = [list(r) for r in rows[3:]]
    changed[0][12] = "999"
    changed[1][1] = "changed agency"
    changed.append(["9999999", *rows[5][1:]])
    return [("texas/07-07-2023 Texas DHHS.csv", date(2023, 7, 7), as_csv(rows)),
            ("texas/08-07-2023 Texas DHHS.csv", date(2023, 8, 7), as_csv(changed)),
            ("texas/06-07-2023 Texas DHHS.csv", date(2023, 6, 7), as_csv(rows[:20] + rows[26:]))]


def _deduped(tmp_path: Path) -> list[tuple[str, date, StageFile, StageFile]]:
    """Per delivery: its deduped file, and a copy of it without ``_row_hash``."""
    spec = spec_by_name("texas", load_specs())
    out = []
    for i, (key, day, data) in enumerate(_deliveries()):
        staged = stage_delivery(io.BytesIO(data), spec, leads_schema(), key, f'"e{i}"', LANDED_AT, key, tmp_path / str(i))
        file = staged.deduped.file
        assert ROW_HASH in file.columns and file.read([ROW_HASH])[ROW_HASH].notna().all()
        bare = tmp_path / str(i) / "bare.parquet"
        pq.write_table(pq.read_table(file.path).drop_columns([ROW_HASH]), bare)
        out.append((key, day, file, StageFile.open(bare)))
    return out


def _file_types(con, file: StageFile) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{file.path}')").fetchall()}


def test_stored_hashes_give_the_tables_of_computed_ones_on_duckdb(tmp_path):
    stored, computed = duckdb.connect(), duckdb.connect()
    for key, day, file, bare in _deduped(tmp_path):
        assert apply(stored, "texas", key, day, file) == apply(computed, "texas", key, day, bare), key
        history = history_business_types(stored)
        assert stored_hash_usable(_file_types(stored, file), business_columns(file), history)  # the stored one was read
        assert not stored_hash_usable(_file_types(stored, bare), business_columns(bare), history)
    assert tables(stored) == tables(computed)


def test_stored_hashes_give_the_tables_of_computed_ones_on_postgres(pg_url, tmp_path):
    computed = duckdb.connect()
    for key, day, file, bare in _deduped(tmp_path):
        assert apply_pg(pg_url, "texas", key, day, file) == apply(computed, "texas", key, day, bare), key
        with mirror.session(pg_url, scopes.source_load("texas")) as con:
            history = history_business_types(con)  # the server's types, as the load reads them
        assert stored_hash_usable(_file_types(computed, file), business_columns(file), history)
    assert pg_tables(pg_url) == tables(computed)


def test_a_history_typing_a_column_otherwise_hashes_the_delivery_itself(tmp_path):
    """``capacity`` is text in this history: the stored hash (over a number) is not the history's."""
    (key, day, file, bare), *_ = _deduped(tmp_path)
    text = records({"x": {"company": "X"}}).dtypes["company"]
    first = records({"x": {"company": "X", "capacity": "12"}}, source="texas", delivery_key="texas/old.csv",
                    columns={"company": text, "capacity": text})
    stored, computed = duckdb.connect(), duckdb.connect()
    for con in (stored, computed):
        apply(con, "texas", "texas/old.csv", date(2023, 1, 1), first)
    assert history_business_types(stored)["capacity"] == "VARCHAR"
    assert not stored_hash_usable(_file_types(stored, file), business_columns(file), history_business_types(stored))
    assert apply(stored, "texas", key, day, file) == apply(computed, "texas", key, day, bare)
    assert tables(stored) == tables(computed)


def test_which_types_a_stored_hash_holds_for():
    business = ["company", "capacity"]
    assert stored_hash_usable({"company": "VARCHAR", "capacity": "BIGINT", ROW_HASH: "VARCHAR"}, business, {"capacity": "BIGINT"})
    assert stored_hash_usable({"company": '"NULL"', "capacity": "BIGINT", ROW_HASH: "VARCHAR"}, business, {"company": "DATE"})
    assert not stored_hash_usable({"company": "VARCHAR", "capacity": "BIGINT"}, business, {})
    assert not stored_hash_usable({"company": "VARCHAR", "capacity": "INTEGER", ROW_HASH: "VARCHAR"}, business, {"capacity": "BIGINT"})
    assert not stored_hash_usable({"company": "TIMESTAMP WITH TIME ZONE", "capacity": "BIGINT", ROW_HASH: "VARCHAR"}, business, {})


def test_a_source_without_history_previews_as_inserts_only(tmp_path):
    con = duckdb.connect()
    apply(con, "s", "k1", date(2023, 7, 7), records({"a": {"company": "A"}}))
    (key, day, file, _), *_ = _deduped(tmp_path)
    assert backend.columns(con, HISTORY)  # another source has history: texas has none
    assert preview.preview_delivery(con, "texas", key, day, file) == counts(inserted=len(file))
