"""Warehouse-side faults: the DuckDB file locked by another process, a disk that fills up, and a
run killed (SIGKILL) at each stage. The previous state always survives, and a rerun ends exactly
where an uninterrupted run ends."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from dagster import instance_for_test

from etl_assets_tests.hardening import kill_child
from etl_assets_tests.hardening.world import delivery_counts
from etl_assets_tests.support.pipeline import error_text
from etl_assets_tests.hardening.world import TEXAS_KEY, TEXAS_RECORDS, ingest, source_state, texas_world

KEY, RECORDS = TEXAS_KEY, TEXAS_RECORDS
EMPTY = {"current": [], "history": [], "quarantine": [], "deliveries": []}


@pytest.fixture(scope="module")
def world(s3_endpoint, tmp_path_factory):
    with texas_world(s3_endpoint, tmp_path_factory.mktemp("warehouse_faults")) as w:
        yield w


@pytest.fixture(scope="module")
def reference(world, tmp_path_factory):
    """The warehouse after an uninterrupted run of the Texas delivery next to Nevada."""
    root = tmp_path_factory.mktemp("reference")
    database = world.warehouse_copy(root / "warehouse.duckdb")
    with instance_for_test() as instance:
        assert ingest(instance, world.resources(database) | storage_for(world, root), "texas", KEY).success
    return source_state(database, "texas")


@pytest.fixture(scope="module")
def children():
    """Forked children from a server that imported the platform once (fast, single-threaded fork)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["etl_assets_tests.hardening.kill_child", "etl_assets_tests.hardening.world"])
    return context


def storage_for(world, root: Path) -> dict:
    from etl_assets.orchestration.io_manager import PartitionedParquetIOManager

    return {"stage_io_manager": PartitionedParquetIOManager(base_dir=str(root / "storage"))}


LOCKER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])          # a write connection: DuckDB allows one writing process
    con.execute("SELECT 1")
    print("LOCKED", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    """
)


def hold_lock(database: Path, seconds: float) -> subprocess.Popen:
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(database), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert locker.stdout.readline().strip() == "LOCKED"
    return locker


def test_a_locked_warehouse_makes_the_run_wait_then_load(world, tmp_path):
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    locker = hold_lock(database, 2.0)
    started = time.monotonic()
    with instance_for_test() as instance:  # dagster-duckdb's connect retries with backoff (0.1 s, doubling, 10 times)
        result = ingest(instance, world.resources(database) | storage_for(world, tmp_path), "texas", KEY)
    assert locker.wait(timeout=30) == 0
    assert result.success and time.monotonic() - started >= 2.0
    live, quarantined, collapsed, _ = delivery_counts(database, KEY)
    assert live + quarantined + collapsed == RECORDS
    assert source_state(database, "nevada") == world.nevada


def test_a_warehouse_locked_for_too_long_fails_clearly_and_is_not_corrupted(world, tmp_path, monkeypatch):
    # the bound on the wait (etl_assets.orchestration.warehouse_duckdb), short so the test does not wait 5 minutes for it
    monkeypatch.setenv("ETL_WAREHOUSE_LOCK_TIMEOUT_SECONDS", "2")
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    locker = hold_lock(database, 120)
    try:
        with instance_for_test() as instance:
            started = time.monotonic()
            result = ingest(instance, world.resources(database) | storage_for(world, tmp_path), "texas", KEY)
            waited = time.monotonic() - started
    finally:
        locker.kill()
        locker.wait(timeout=30)
    assert not result.success
    messages = [error_text(e.step_failure_data.error) for e in result.get_step_failure_events()]
    holder = f"still locked after 2 s by pid {locker.pid} (python"
    assert any(str(database) in m and holder in m for m in messages), messages
    assert waited < 100, "the bound, not dagster-duckdb's own 10 retries, ended the wait"
    assert source_state(database, "texas") == EMPTY
    assert source_state(database, "nevada") == world.nevada


@pytest.mark.parametrize(
    "limit_kib, step, error",
    [
        (16, "texas__raw", "File too large"),  # the first stage file cannot be written (retried, then failed)
        (128, "texas__warehouse", 'Failed to commit: Could not write file'),  # DuckDB's WAL at COMMIT
    ],
)
def test_a_full_disk_fails_the_run_clearly_and_keeps_the_previous_state(world, tmp_path, children, limit_kib, step, error):
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    storage = tmp_path / "storage"
    outcome = tmp_path / "outcome.txt"
    child = children.Process(
        target=kill_child.run_with_file_size_limit,
        args=(limit_kib << 10, str(outcome), world.endpoint, world.bucket, KEY, str(database), str(storage)),
    )
    child.start()
    child.join(timeout=240)
    assert child.exitcode == 0, child.exitcode
    status, *failures = outcome.read_text().splitlines()
    assert status == "FAILED", failures
    (failure,) = failures and ["\n".join(failures)]
    assert failure.startswith(f"{step}: ") and error in failure and "File too large" in failure, failure
    # the previous state is intact and usable: nothing of Texas, Nevada as it was, no debris
    assert source_state(database, "texas") == EMPTY
    assert source_state(database, "nevada") == world.nevada
    assert not list(storage.rglob("*.tmp-*"))
    with instance_for_test() as instance:
        assert ingest(instance, world.resources(database) | storage_for(world, tmp_path), "texas", KEY).success
    live, quarantined, collapsed, _ = delivery_counts(database, KEY)
    assert live + quarantined + collapsed == RECORDS


@pytest.mark.parametrize("stage", ["raw", "normalized", "deduped", "warehouse"])
def test_sigkill_at_each_stage_then_a_rerun_ends_identical_to_an_uninterrupted_run(world, reference, tmp_path, children, stage):
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    marker = tmp_path / "parked"
    child = children.Process(
        target=kill_child.run_until,
        args=(stage, str(marker), world.endpoint, world.bucket, KEY, str(database), str(tmp_path / "storage")),
    )
    child.start()
    deadline = time.monotonic() + 180
    while not marker.exists() and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists() and marker.read_text() == str(child.pid), f"child did not reach {stage}"
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    assert child.exitcode == -signal.SIGKILL
    assert source_state(database, "texas") == EMPTY  # killed before COMMIT: nothing of it is visible
    if stage == "normalized":
        assert list((tmp_path / "storage").rglob("*.tmp-*"))  # the half-done write left its temp file

    with instance_for_test() as instance:
        result = ingest(instance, world.resources(database) | storage_for(world, tmp_path), "texas", KEY)
    assert result.success
    assert source_state(database, "texas") == reference
    assert source_state(database, "nevada") == world.nevada
    assert not list((tmp_path / "storage").rglob("*.tmp-*"))  # the rerun cleared the debris
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("PRAGMA database_size").fetchall()
