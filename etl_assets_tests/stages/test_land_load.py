"""land (bytes + S3 facts → raw stage file) and load (a delivery into the warehouse, one transaction),
without Dagster; and the warehouse's one declaration of its tables."""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest

from etl_assets import warehouse
from etl_assets.records import LINEAGE_COLUMNS
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.files import StageFileWriter
from etl_assets.stages.land import EmptyDeliveryError, land_to_file
from etl_assets.stages.load import load_delivery
from etl_assets.warehouse import backend, tables
from etl_assets_tests.conftest import sample_file

LANDED_AT = pd.Timestamp("2023-07-07T12:00:00Z")


def staged(folder, source: str = "nevada"):
    spec = spec_by_name(source, load_specs())
    path = sample_file(source)
    key = f"{source}/{path.name}"
    with path.open("rb") as stream:
        return spec, key, stage_delivery(stream, spec, leads_schema(), key, '"e1"', LANDED_AT, f"s3://b/{key}", folder)


def test_land_adds_lineage_and_dates_the_delivery_from_its_key(tmp_path):
    spec, key, result = staged(tmp_path)
    frame = result.raw.file.read()
    assert list(frame.columns[:5]) == ["_source", "_delivery_key", "_etag", "_ingested_at", "_delivery_date"]
    assert set(LINEAGE_COLUMNS) <= set(frame.columns)
    assert str(result.raw.delivery_date) == "2023-07-07" and (frame["_delivery_key"] == key).all()


def test_land_refuses_a_header_without_records_unless_told(tmp_path):
    spec = spec_by_name("nevada", load_specs())
    header = sample_file("nevada").read_bytes().splitlines(keepends=True)[0]
    with pytest.raises(EmptyDeliveryError, match="s3://b/k: the file has a header and no records"):
        with StageFileWriter(tmp_path / "raw.parquet") as writer:
            land_to_file(io.BytesIO(header), spec, "nevada/k.csv", None, LANDED_AT, "s3://b/k", writer)
    assert not (tmp_path / "raw.parquet").exists() and not list(tmp_path.glob("*.tmp-*"))
    with StageFileWriter(tmp_path / "raw.parquet") as writer:
        empty = land_to_file(io.BytesIO(header), spec, "nevada/k.csv", None, LANDED_AT, "s3://b/k", writer,
                             require_records=False)
    assert len(empty.file) == 0 and empty.file.read().columns.tolist()[:5] == ["_source", "_delivery_key", "_etag", "_ingested_at", "_delivery_date"]


def test_ensure_warehouse_creates_every_declared_table_and_view():
    con = duckdb.connect()
    warehouse.ensure_warehouse(con)
    warehouse.ensure_warehouse(con)
    for table, declared in tables.TABLES.items():
        assert backend.table_exists(con, table) == bool(declared.columns), table
        assert list(backend.columns(con, table)) == list(declared.columns), table
    assert backend.columns(con, tables.CURRENT)


def test_load_writes_history_quarantine_profiles_and_one_load_log_row(tmp_path):
    spec, key, result = staged(tmp_path)
    normalized, deduped = result.normalized.file, result.deduped.file
    con = duckdb.connect()
    counts = load_delivery(con, spec, key, normalized, deduped, "run-1")
    again = load_delivery(con, spec, key, normalized, deduped, "run-2")
    assert counts.changes.inserted == len(deduped) and again.changes == counts.changes  # an exact replay
    log = con.execute(
        f"SELECT record_count, inserted, rows_read, rows_quarantined, rows_written, rows_collapsed, dagster_run_id "
        f"FROM {tables.DELIVERIES}"
    ).fetchall()
    assert log == [(len(deduped), len(deduped), len(normalized), counts.rows_quarantined, len(deduped),
                    counts.rows_collapsed, "run-2")]
    quarantined = con.execute(f"SELECT count(*) FROM {tables.QUARANTINE}").fetchone()[0]
    assert quarantined == counts.rows_quarantined
    assert con.execute(f"SELECT count(*) FROM {tables.CURRENT}").fetchone()[0] == len(deduped)


def test_a_warehouse_with_the_two_old_load_logs_gets_one():
    con = duckdb.connect()
    con.execute("""CREATE TABLE deliveries (_source VARCHAR NOT NULL, _delivery_key VARCHAR NOT NULL, _etag VARCHAR,
        delivery_date DATE, rows_read BIGINT, rows_quarantined BIGINT, rows_written BIGINT, rows_collapsed BIGINT,
        dagster_run_id VARCHAR, loaded_at TIMESTAMPTZ, PRIMARY KEY (_source, _delivery_key))""")
    con.execute("""CREATE TABLE history_deliveries (_source VARCHAR NOT NULL, _delivery_key VARCHAR NOT NULL,
        _etag VARCHAR, delivery_date DATE NOT NULL, _ingested_at TIMESTAMPTZ, record_count BIGINT NOT NULL,
        inserted BIGINT NOT NULL, updated BIGINT NOT NULL, deleted BIGINT NOT NULL, revived BIGINT NOT NULL,
        unchanged BIGINT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    con.execute("INSERT INTO deliveries VALUES ('s', 'k', 'e', '2023-07-07', 5, 1, 3, 1, 'run', now())")
    con.execute("INSERT INTO history_deliveries VALUES ('s', 'k', 'e', '2023-07-07', now(), 3, 3, 0, 0, 0, 0, now())")
    warehouse.ensure_warehouse(con)
    assert not backend.table_exists(con, "main.history_deliveries")
    rows = con.execute(f"SELECT _delivery_key, record_count, inserted, rows_read, dagster_run_id FROM {tables.DELIVERIES}").fetchall()
    assert rows == [("k", 3, 3, 5, "run")]
    assert list(backend.columns(con, tables.DELIVERIES)) == list(tables.TABLES[tables.DELIVERIES].columns)
