"""`make ingest` killed as an operator's machine kills it: the whole process group, SIGKILL or SIGTERM.

Each case runs `etl-assets ingest` (the command behind `make ingest`) as a child in its own
process group against one Dagster instance (SQLite, a temp DAGSTER_HOME with the project's
dagster.yaml), one warehouse file and one moto bucket holding the four samples;
the child parks at a chosen point (ingest_child.py) and the test kills its group there. Then
`etl-assets ingest` runs again, unpatched, on the same instance: it must finish by itself (the
killed run is marked failed, nothing waits on it) and the warehouse must equal, table by table,
the one an uninterrupted cycle builds (timestamps and run ids aside).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from etl_assets.devtools import local_s3
from etl_assets_tests.ui.platform import sample_objects

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("platform")]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CYCLE_TIMEOUT = 300  # a bound for a cycle that must end by itself, not a timing assertion
UNCOMPARED_TYPES = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP")
UNCOMPARED_COLUMNS = {"dagster_run_id", "run_url", "alert_id"}


def deliveries() -> dict[str, bytes]:
    return sample_objects()


class World:
    """One bucket, one Dagster home, one warehouse: the state `make ingest` keeps between cycles."""

    def __init__(self, root: Path, endpoint: str, bucket: str):
        self.root = root
        self.home = root / "dagster_home"
        self.home.mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / "dagster.yaml", self.home / "dagster.yaml")
        self.warehouse = root / "warehouse.duckdb"
        self.env = {
            **os.environ,
            **local_s3.LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL": endpoint,
            "ETL_S3_BUCKET": bucket,
            "DAGSTER_HOME": str(self.home),
            "ETL_WAREHOUSE_PATH": str(self.warehouse),
            "ETL_STORAGE_DIR": str(root / "storage"),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, *args: str, log: str) -> subprocess.Popen:
        with open(self.root / log, "wb") as out:
            return subprocess.Popen(
                [sys.executable, *args], cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,  # a process group, as make's
            )

    def ingest(self, log: str = "ingest.log") -> int:
        process = self.start("-m", "etl_assets.cli", "ingest", log=log)
        try:
            return process.wait(timeout=CYCLE_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise AssertionError(f"`make ingest` did not finish in {CYCLE_TIMEOUT} s:\n{self.log(log)}") from None

    def park(self, point: str) -> subprocess.Popen:
        marker = self.root / f"parked-{point.replace(':', '-')}"
        child = self.start("-m", "etl_assets_tests.hardening.ingest_child", point, str(marker), log=f"parked-{point}.log")
        deadline = time.monotonic() + CYCLE_TIMEOUT
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists() and marker.read_text() == str(child.pid), f"never reached {point}:\n{self.log(f'parked-{point}.log')}"
        return child

    def log(self, name: str) -> str:
        return (self.root / name).read_text(errors="replace")[-4000:]

    def runs(self) -> list:
        os.environ["DAGSTER_HOME"] = str(self.home)
        with DagsterInstance.from_config(str(self.home)) as instance:
            return list(instance.get_runs())


def tables(database: Path) -> dict[str, list[tuple]]:
    """Every table and view, rows sorted, without the columns that differ between equal runs."""
    out = {}
    with duckdb.connect(str(database), read_only=True) as con:
        names = [n for (n,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for name in names:
            columns = [
                c for c, t in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if t not in UNCOMPARED_TYPES and c not in UNCOMPARED_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[name] = sorted(con.execute(f'SELECT {select} FROM "{name}"').fetchall(), key=repr)
    return out


@pytest.fixture(scope="module")
def bucket(s3_endpoint):
    client = local_s3.client(s3_endpoint)
    name = "killed-cycles"
    client.create_bucket(Bucket=name)
    for key, body in deliveries().items():
        client.put_object(Bucket=name, Key=key, Body=body)
    return name


@pytest.fixture(scope="module")
def reference(tmp_path_factory, s3_endpoint, bucket):
    world = World(tmp_path_factory.mktemp("uninterrupted"), s3_endpoint, bucket)
    assert world.ingest() == 0, world.log("ingest.log")
    return tables(world.warehouse)


def assert_killed_run_marked_failed(world: World, rerun_log: str) -> None:
    runs = world.runs()
    assert not [r.run_id for r in runs if not r.is_finished], "a run was left unfinished"
    dead = [r for r in runs if r.status == DagsterRunStatus.FAILURE]
    assert dead, "the killed run should be marked failed"
    assert "marked failed: run" in (world.root / rerun_log).read_text(errors="replace")  # said at start-up
    marked = [r for r in runs if r.status == DagsterRunStatus.FAILURE and "no longer exists" in failure_message(world, r.run_id)]
    assert len(marked) == 1, "exactly the killed run is marked failed as dead"


def failure_message(world: World, run_id: str) -> str:
    with DagsterInstance.from_config(str(world.home)) as instance:
        records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_FAILURE).records
    return " ".join(r.event_log_entry.dagster_event.message or "" for r in records)


@pytest.mark.parametrize("point", ["raw:1", "warehouse:3", "leads"])
def test_make_ingest_killed_at_any_point_then_rerun_equals_an_uninterrupted_cycle(tmp_path, s3_endpoint, bucket, reference, point):
    world = World(tmp_path, s3_endpoint, bucket)
    child = world.park(point)
    os.killpg(child.pid, signal.SIGKILL)  # the whole process group, as an OOM kill of `make ingest` would
    assert child.wait(timeout=30) == -signal.SIGKILL
    stuck = [r for r in world.runs() if r.status == DagsterRunStatus.STARTED]
    assert len(stuck) == 1, "the killed run is left STARTED: nothing marked it yet"

    assert world.ingest("rerun.log") == 0, world.log("rerun.log")
    assert_killed_run_marked_failed(world, "rerun.log")
    assert tables(world.warehouse) == reference


def test_sigterm_stops_make_ingest_within_seconds_and_cancels_its_run(tmp_path, s3_endpoint, bucket, reference):
    world = World(tmp_path, s3_endpoint, bucket)
    child = world.park("raw:2")
    os.killpg(child.pid, signal.SIGTERM)
    try:
        code = child.wait(timeout=10)  # the bound on stopping, not a speed measurement
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        raise AssertionError(f"SIGTERM did not stop `make ingest` within 10 s:\n{world.log('parked-raw:2.log')}") from None
    assert code == 128 + signal.SIGTERM, world.log("parked-raw:2.log")
    runs = world.runs()
    assert [r.status for r in runs if r.status != DagsterRunStatus.SUCCESS] == [DagsterRunStatus.CANCELED], runs
    assert all(r.is_finished for r in runs)

    assert world.ingest("rerun.log") == 0, world.log("rerun.log")
    assert tables(world.warehouse) == reference
