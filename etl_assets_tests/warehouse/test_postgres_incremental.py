"""The incremental leads refresh on PostgreSQL runs in the server: after a small delivery it gives
the tables DuckDB's gives (leads, crosswalk, review queue, match state, block keys, events, views),
and it copies no row into a DuckDB mirror (the first, full refresh does: the spy sees it)."""

from __future__ import annotations

from datetime import date

import pytest
from dagster import instance_for_test

from etl_assets.orchestration.resources import build_resources
from etl_assets.records import DELIVERY_KEY
from etl_assets.warehouse.postgres import server as postgres
from etl_assets_tests.conftest import SAMPLE_RECORDS
from etl_assets_tests.support.backends import WAREHOUSE_TABLES, Warehouse, normalized_rows
from etl_assets_tests.support.pipeline import materialize_leads
from etl_assets_tests.warehouse.test_postgres_warehouse import WALL_CLOCK, _later_delivery, _load, _prepared

STATE_TABLES = ("lead_match_state", "lead_block_keys", "lead_model_tf")


def _refresh_mode(result) -> str:
    (materialization,) = result.asset_materializations_for_node("warehouse__leads")
    return materialization.metadata["refresh_mode"].value


@pytest.fixture
def copied(monkeypatch) -> list[int]:
    """Rows each read of a table into a DuckDB mirror copied (the mirror's one read path)."""
    calls: list[int] = []
    original = postgres.copy_into_duckdb

    def spy(*args, **kwargs):
        calls.append(original(*args, **kwargs))
        return calls[-1]

    monkeypatch.setattr(postgres, "copy_into_duckdb", spy)
    return calls


def test_the_incremental_refresh_runs_in_the_server_and_equals_duckdbs(tmp_path, pg_url, s3_endpoint, bucket_name,
                                                                     copied):
    prepared = {s: _prepared(s) for s in SAMPLE_RECORDS}
    spec, key, nevada = prepared["nevada"]
    later = _later_delivery(nevada, key, date(2023, 8, 7))  # 5 records gone, 3 renamed
    contents, modes = {}, {}
    for kind, target in (("duckdb", str(tmp_path / "w.duckdb")), ("postgres", pg_url)):
        resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=target,
                                    storage_dir=tmp_path / kind, region="us-east-1")
        stages = tmp_path / f"{kind}-stages"
        for source_spec, source_key, frame in prepared.values():
            _load(resources, source_spec, source_key, frame, stages / source_spec.source)
        with instance_for_test() as instance:
            first = materialize_leads(instance, resources)
            full_copied = sum(copied)
            copied.clear()
            _load(resources, spec, str(later[DELIVERY_KEY].iat[0]), later, stages / "later")
            second = materialize_leads(instance, resources)
        modes[kind] = (_refresh_mode(first), _refresh_mode(second))
        if kind == "postgres":
            assert full_copied > 0, "the first (full) refresh reads its rows into a mirror: the spy sees it"
            assert copied == [], f"the incremental refresh copied {sum(copied)} row(s) into a mirror"
        found = Warehouse(kind, target)
        contents[kind] = {t: normalized_rows(found.fetch(f"SELECT * FROM {t}"), WALL_CLOCK)
                          for t in (*WAREHOUSE_TABLES, *STATE_TABLES) if t != "alerts"}
    assert modes == {"duckdb": ("full", "incremental"), "postgres": ("full", "incremental")}
    assert contents["duckdb"]["lead_match_state"] and contents["duckdb"]["lead_events"]
    for table in contents["duckdb"]:
        assert contents["postgres"][table] == contents["duckdb"][table], table
