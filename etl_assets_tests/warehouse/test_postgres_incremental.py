"""The incremental leads refresh on PostgreSQL runs in the server: after a small delivery it gives
the tables DuckDB's gives (leads, crosswalk, review queue, match state, block keys, events, views),
and it copies no row into a DuckDB mirror (the first, full refresh does: the spy sees it); killed
after writing its rows, before COMMIT, it leaves PostgreSQL as it was and releases the leads lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
REFRESHED = ("leads", "lead_sources", "lead_review", "lead_events", "lead_model")


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


_CHILD = """
import sys, time
from etl_assets import warehouse
from etl_assets.orchestration.assets.leads import resolve_config
from etl_assets.resolve import state
from etl_assets.resolve.refresh import refresh_leads
from etl_assets.warehouse import scopes
from etl_assets.warehouse.postgres import mirror

write = state.replace_part
def replace_part(*args):
    write(*args)
    print("written", flush=True)
    time.sleep(120)  # killed here: the part's rows written, nothing committed
state.replace_part = replace_part
with mirror.session(sys.argv[1], scopes.leads_refresh()) as con, warehouse.transaction(con):
    print(refresh_leads(con, resolve_config()).mode, flush=True)
"""


def test_an_incremental_refresh_killed_before_commit_leaves_postgres_as_it_was(tmp_path, pg_url, s3_endpoint,
                                                                                bucket_name):
    prepared = {s: _prepared(s) for s in SAMPLE_RECORDS}
    spec, key, nevada = prepared["nevada"]
    resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=pg_url,
                                storage_dir=tmp_path / "storage", region="us-east-1")
    for source_spec, source_key, frame in prepared.values():
        _load(resources, source_spec, source_key, frame, tmp_path / source_spec.source)
    found = Warehouse("postgres", pg_url)
    with instance_for_test() as instance:
        materialize_leads(instance, resources)
        later = _later_delivery(nevada, key, date(2023, 8, 7))
        _load(resources, spec, str(later[DELIVERY_KEY].iat[0]), later, tmp_path / "later")
        before = {t: normalized_rows(found.fetch(f"SELECT * FROM {t}")) for t in (*REFRESHED, *STATE_TABLES)}
        child = subprocess.Popen([sys.executable, "-c", _CHILD, pg_url], stdout=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONPATH": os.getcwd()})
        try:
            assert child.stdout.readline().strip() == "written"
            assert found.scalar("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                                "AND pid <> pg_backend_pid()") == 1  # the refresh's one open transaction
            child.send_signal(signal.SIGKILL)
            child.wait(30)
        finally:
            if child.poll() is None:
                child.kill()
        after = {t: normalized_rows(found.fetch(f"SELECT * FROM {t}")) for t in (*REFRESHED, *STATE_TABLES)}
        assert after == before
        # the killed session's lock and transaction went with its connection: the next refresh runs
        assert _refresh_mode(materialize_leads(instance, resources)) == "incremental"
    assert normalized_rows(found.fetch("SELECT * FROM lead_match_state")) != before["lead_match_state"]
