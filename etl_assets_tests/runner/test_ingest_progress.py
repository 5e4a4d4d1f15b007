"""`make ingest` on a terminal says where it is: delivery i of n, stage, records done, records/s.

A real cycle: `etl-assets ingest` (the command behind `make ingest`) as a child whose stdout is a
pseudo-terminal (so it decides by itself that it is on a terminal, no flag), against a moto bucket
holding a generated 60,000-record Texas delivery and the Nevada sample. Its terminal output is
read as it comes, with the arrival time of each line.
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
import time

import pytest

from benchmarks.generate import generate
from etl_assets.devtools import local_s3
from etl_assets.runner.progress import PROGRESS_SECONDS
from etl_assets_tests.conftest import PROJECT_ROOT, SAMPLE_RECORDS, sample_file

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("headless")]

TEXAS_ROWS = 60_000  # long enough for several 2-second ticks on a fast machine (30k took 3.5 s)
TEXAS_KEY = "texas/07-21-2023 Texas DHHS progress.csv"
NEVADA_KEY = "nevada/07-07-2023 Nevada progress.csv"
PROGRESS = re.compile(
    r"^delivery (\d) of 2 \((.+?)\): ([\w_]+), ([\d,]+) records done, ([\d,]+) records/s \([\d.]+ s in this stage"
)
SUMMARY = re.compile(r"^delivery (\d) of 2 \((.+?)\): done in [\d.]+ s \([\d,]+ records/s\): ([\d,]+) read, ")
TIMEOUT = 600  # a bound for the child, not a timing assertion


def run_on_a_terminal(args: list[str], env: dict, log) -> tuple[int, list[tuple[float, str]]]:
    """Run ``args`` with stdout on a pseudo-terminal; its lines with their arrival times."""
    master, slave = pty.openpty()
    child = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=log)
    os.close(slave)
    lines, buffer, deadline = [], b"", time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        lines += [(time.monotonic(), line.decode(errors="replace").rstrip("\r")) for line in complete]
    os.close(master)
    try:
        return child.wait(timeout=30), lines
    except subprocess.TimeoutExpired:
        child.kill()
        raise AssertionError(f"make ingest did not finish: {lines[-20:]}") from None


def test_make_ingest_on_a_terminal_prints_progress_and_a_line_per_delivery(tmp_path, s3_endpoint, s3_client, bucket_name):
    generate("texas", TEXAS_ROWS, tmp_path / "texas.csv")
    s3_client.upload_file(str(tmp_path / "texas.csv"), bucket_name, TEXAS_KEY)
    s3_client.put_object(Bucket=bucket_name, Key=NEVADA_KEY, Body=sample_file("nevada").read_bytes())
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ, **local_s3.LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": s3_endpoint, "ETL_S3_BUCKET": bucket_name,
        "DAGSTER_HOME": str(home), "ETL_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
        "ETL_STORAGE_DIR": str(tmp_path / "storage"),
    }
    with open(tmp_path / "stderr.log", "wb") as log:
        code, lines = run_on_a_terminal([sys.executable, "-m", "etl_assets.cli", "ingest"], env, log)
    text = "\n".join(line for _, line in lines)
    assert code == 0, text[-3000:] + (tmp_path / "stderr.log").read_text(errors="replace")[-3000:]

    progress = [(t, PROGRESS.match(line)) for t, line in lines if PROGRESS.match(line)]
    summaries = [SUMMARY.match(line) for _, line in lines if SUMMARY.match(line)]
    # one summary line per delivery, in order, with the records it read
    assert [(m[1], m[2], m[3]) for m in summaries] == [
        ("1", NEVADA_KEY, str(SAMPLE_RECORDS["nevada"])), ("2", TEXAS_KEY, f"{TEXAS_ROWS:,}")
    ], text
    texas = [(t, m) for t, m in progress if m[2] == TEXAS_KEY]
    # Which stages a 2-second tick lands in depends on the machine's speed (on a quiet one a 30k
    # delivery's raw stage takes 0.4 s): asserted is what does not, the stages in chain order and
    # counts within the delivery. That stages count records as they go: test_progress.py.
    order = ["starting", "raw", "normalized", "deduped", "warehouse"]  # a check's step counts as its asset's
    seen = [next((o for o in order if m[3] == o or m[3].startswith(o + "_")), m[3]) for _, m in texas]
    assert seen and all(stage in order for stage in seen), text
    assert [order.index(stage) for stage in seen] == sorted(order.index(stage) for stage in seen), text
    assert all(int(m[4].replace(",", "")) <= TEXAS_ROWS for _, m in texas), text
    # "at least every few seconds" while the delivery runs: no silence much longer than the period
    # The delivery runs from the Nevada summary line (deliveries go one after another) to its own.
    started = next(t for t, line in lines if SUMMARY.match(line) and NEVADA_KEY in line)
    summary_time = next(t for t, line in lines if SUMMARY.match(line) and TEXAS_KEY in line)
    times = [started] + [t for t, _ in texas] + [summary_time]
    assert len(times) >= 3, text
    assert max(b - a for a, b in zip(times, times[1:])) < 5 * PROGRESS_SECONDS, text
    assert "warehouse/leads: refreshed" in text
