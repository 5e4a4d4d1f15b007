"""A run killed (SIGKILL) in the middle of a warehouse write leaves the previous state intact,
and the next run completes it. The write runs in a real child process on a real DuckDB file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

WRITER = textwrap.dedent(
    """
    import sys, datetime
    import duckdb, pandas as pd
    from etl_assets import warehouse
    from etl_assets.stages import history

    path, n, day, pause = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "pause"
    records = pd.DataFrame({
        "_record_key": [f"K{i:07d}" for i in range(n)],
        "company": [f"Provider {i} day {day}" for i in range(n)],
        "zip": ["73099"] * n,
    })
    con = duckdb.connect(path)
    with warehouse.transaction(con):
        print("BEGUN", flush=True)
        warehouse.ensure_warehouse(con)
        counts = history.apply_delivery(con, "okla", f"okla/{day:02d}.csv", "etag", datetime.date(2023, 7, day), records)
        print("APPLIED", flush=True)
        if pause:
            import time
            time.sleep(60)  # killed here: everything is written but not committed
    print("COMMITTED", counts, flush=True)
    """
)


def run_writer(path: Path, n: int, day: int, pause: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(n), str(day), "pause" if pause else "go"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def state(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT _record_key, company, valid_from, change_type, is_current FROM source_history ORDER BY ALL").fetchall()


def test_sigkill_during_a_large_write_keeps_the_previous_state_and_the_rerun_completes(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    first = run_writer(path, 50_000, day=7)
    assert first.wait(timeout=300) == 0
    before = state(path)
    assert len(before) == 50_000

    # second delivery: every record changes; kill the writer after it wrote, before COMMIT
    victim = run_writer(path, 200_000, day=8, pause=True)
    assert victim.stdout.readline().strip() == "BEGUN"
    assert victim.stdout.readline().strip() == "APPLIED"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    assert state(path) == before  # the WAL of the killed transaction was never committed

    # and a kill in the middle of the write itself (0.2 s after BEGIN; if the write were already
    # done by then, the writer would be pausing before COMMIT: either way nothing is committed)
    victim = run_writer(path, 200_000, day=8, pause=True)
    assert victim.stdout.readline().strip() == "BEGUN"
    time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    assert state(path) == before

    rerun = run_writer(path, 200_000, day=8)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0 and "COMMITTED" in out
    after = state(path)
    assert sum(1 for row in after if row[3] == "update") == 50_000
    assert sum(1 for row in after if row[3] == "insert") == 200_000
    assert sum(1 for row in after if row[4]) == 200_000
