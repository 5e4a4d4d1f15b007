"""`make dev` stopped as a terminal's Ctrl-C stops it: SIGINT to its whole foreground process group.

`make dev` runs on free ports with temp DAGSTER_HOME / warehouse / storage (the Makefile honours
them), in a process group of its own. Once the UI serves and the sensor has started runs, the
group gets SIGINT. Within 10 s no process it started may be left (bin/dev escalates to SIGKILL
and says so), and a second `make dev` on the same ports must start and serve; after its daemon's
first ticks no run of the first one is left STARTED (the reap_dead_runs sensor).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus

from etl_assets.devtools import local_s3

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("headless")]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 240  # bounds, not timing assertions
STOP_BOUND = 10  # the promise for Ctrl-C


def start_make_dev(tmp_path: Path, s3_port: int, ui_port: int, log: str, review_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "REVIEW_PORT": str(review_port),  # the review console beside the UI, on a free port too
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "ETL_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
        "ETL_STORAGE_DIR": str(tmp_path / "storage"),
        "ETL_ALERTS_PATH": str(tmp_path / "alerts.jsonl"),
    }
    for name in ("AWS_ENDPOINT_URL", "ETL_S3_BUCKET", "DAGSTER_CLI_API_GRPC_HOST"):
        env.pop(name, None)
    with open(tmp_path / log, "wb") as out:
        return subprocess.Popen(
            ["make", "dev", f"DEV_S3_PORT={s3_port}", f"DAGSTER_PORT={ui_port}"],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # the group a terminal would make for the foreground job
        )


def wait_until_serving(process: subprocess.Popen, ui_port: int, log: Path, path: str = "/server_info") -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make dev exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        try:
            urllib.request.urlopen(f"http://{local_s3.HOST}:{ui_port}{path}", timeout=3)
            return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"make dev did not serve within {STARTUP_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (bin/dev puts its children in groups of their own)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in {"Z", "X"}:
            left.add(pid)
    return left


def ctrl_c(process: subprocess.Popen) -> set[int]:
    """SIGINT to the foreground group, as a terminal sends it; the processes still alive STOP_BOUND s later."""
    started = descendants(process.pid) | {process.pid}
    os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_BOUND
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = alive(started)
    for pid in left:  # clean up after a failure, so the next tests do not inherit them
        os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)
    return left


def test_ctrl_c_stops_every_process_of_make_dev_and_a_second_make_dev_starts(tmp_path):
    s3_port, ui_port, review_port = local_s3.free_port(), local_s3.free_port(), local_s3.free_port()
    first = start_make_dev(tmp_path, s3_port, ui_port, "first.log", review_port)
    try:
        wait_until_serving(first, ui_port, tmp_path / "first.log")
        wait_until_serving(first, review_port, tmp_path / "first.log", path="/signin")  # the review console (a page that needs no warehouse)
        home = tmp_path / "dagster_home"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:  # wait for the sensor's first runs, so that Ctrl-C lands mid-run
            with DagsterInstance.from_config(str(home)) as instance:
                if instance.get_runs(limit=1):
                    break
            time.sleep(1)
    finally:
        left = ctrl_c(first)
    assert not left, f"still running {STOP_BOUND} s after Ctrl-C: {sorted(left)}\n{(tmp_path / 'first.log').read_text()[-3000:]}"

    second = start_make_dev(tmp_path, s3_port, ui_port, "second.log", review_port)  # the same ports: all were freed
    try:
        wait_until_serving(second, ui_port, tmp_path / "second.log")
        deadline = time.monotonic() + 120
        stuck = None
        while time.monotonic() < deadline:
            with DagsterInstance.from_config(str(home)) as instance:
                first_runs = [r for r in instance.get_runs() if r.status == DagsterRunStatus.STARTED and dead(instance, r.run_id)]
            stuck = first_runs
            if not stuck:
                break
            time.sleep(2)
        assert not stuck, f"runs of the stopped make dev still STARTED: {[r.run_id for r in stuck]}"
    finally:
        assert not ctrl_c(second)


def dead(instance: DagsterInstance, run_id: str) -> bool:
    from etl_assets.orchestration.dead_runs import process_alive, worker_pid

    pid, started = worker_pid(instance, run_id)
    return pid is not None and not process_alive(pid, since=started)
