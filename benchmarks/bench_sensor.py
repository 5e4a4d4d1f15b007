"""Benchmark of the S3 delivery sensor: one tick over a bucket of 10,000 keys.

    .venv/bin/python -m benchmarks.bench_sensor [--keys 10000] [--repeats 5] [--no-write]
    .venv/bin/python -m benchmarks.run --only sensor          # the same, from make bench's entry point

A local S3 server (moto on 127.0.0.1, ``etl_assets.devtools.local_s3.moto_server``) holds ``--keys``
objects with tiny bodies, spread over the four sources' key patterns (so every key is a delivery
the sensor must request) plus 1% keys no source claims. The real ``s3_delivery_sensor`` (from
``etl_assets.orchestration.definitions``) is evaluated with ``build_sensor_context``:

* **cold**: from an empty cursor: every key becomes a run request (and a dynamic partition request);
* **steady**: from the cursor the cold tick returned: nothing is new, the tick requests nothing.

Each is repeated ``--repeats`` times; the median is reported next to the floor: a bare
``list_objects_v2`` pagination of the same bucket (1,000 keys a page), which every tick must pay.
The tick is also split into listing and ``discover`` (the pure part) by timing ``discover`` alone
on the listed objects. Goal: a tick over 10,000 keys under 5 s. Writes benchmarks/results/sensor.md.
Only the sensor function is timed: the daemon's own work per run request (creating the runs) is not.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = PROJECT_ROOT / "benchmarks" / "results" / "sensor.md"
GOAL_SECONDS = 5.0
BUCKET = "bench-sensor"


def bench_keys(count: int) -> list[str]:
    """``count`` keys: 99% deliveries round-robin over the sources' patterns, 1% unclaimed."""
    keys = []
    start = date(2020, 1, 1)
    for i in range(count):
        day = start + timedelta(days=i // 8)
        if i % 100 == 99:
            keys.append(f"unclaimed/notes-{i:06d}.txt")
            continue
        source = ("nevada", "oklahoma", "texas", "salesforce")[i % 4]
        if source == "salesforce":
            keys.append(f"salesforce/salesforce_leads_{day:%Y-%m-%d}_{i:06d}.csv")
        else:
            keys.append(f"{source}/{day:%m-%d-%Y} bench {i:06d}.csv")
    return keys


def fill_bucket(s3, bucket: str, keys: list[str], threads: int = 8) -> float:
    t0 = time.perf_counter()
    s3.create_bucket(Bucket=bucket)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=b"x"), keys))
    return time.perf_counter() - t0


def timed(fn, repeats: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def run(keys: int, repeats: int) -> dict:
    from dagster import DagsterInstance, SensorResult, build_sensor_context

    from etl_assets.devtools import local_s3
    from etl_assets.orchestration.definitions import build_chains, defs
    from etl_assets.ingest.discovery import Cursor, discover
    from etl_assets.ingest.s3 import list_objects
    from etl_assets.orchestration.resources import build_resources
    from etl_assets.orchestration.sensors import DELIVERY_SENSOR

    for name, value in local_s3.LOCAL_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    sensor = defs.get_sensor_def(DELIVERY_SENSOR)
    out: dict = {"keys": keys, "repeats": repeats}
    with local_s3.moto_server() as endpoint:
        s3 = local_s3.client(endpoint)
        names = bench_keys(keys)
        out["fill_s"] = fill_bucket(s3, BUCKET, names)
        bucket = build_resources(bucket=BUCKET, endpoint_url=endpoint, region="us-east-1")["bucket"]
        instance = DagsterInstance.ephemeral()

        def tick(cursor: str | None) -> SensorResult:
            with build_sensor_context(instance=instance, resources={"bucket": bucket}, cursor=cursor) as context:
                return sensor(context)

        def bare_listing() -> int:
            n = 0
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
                n += len(page.get("Contents", []))
            return n

        tick(None)  # warm-up: imports, client creation, moto's first listing
        out["floor_s"], out["floor_runs"], listed = timed(bare_listing, repeats)
        assert listed == keys, (listed, keys)
        out["cold_s"], out["cold_runs"], cold = timed(lambda: tick(None), repeats)
        assert len(cold.run_requests) == keys - keys // 100, len(cold.run_requests)
        assert len({r.partition_key for r in cold.run_requests}) == len(cold.run_requests)
        out["requests"] = len(cold.run_requests)
        out["cursor_bytes"] = len(cold.cursor.encode())
        out["steady_s"], out["steady_runs"], steady = timed(lambda: tick(cold.cursor), repeats)
        assert not steady.run_requests, "steady-state tick requested runs"

        objects = list(list_objects(bucket.client(), BUCKET))
        specs = tuple(c.spec for c in build_chains())
        out["discover_cold_s"], _, _ = timed(lambda: discover(objects, specs, Cursor()), repeats)
        steady_cursor = Cursor.loads(cold.cursor)
        out["discover_steady_s"], _, _ = timed(lambda: discover(objects, specs, steady_cursor), repeats)
    return out


def _git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(r: dict) -> str:
    import dagster
    import moto

    def runs(values: list[float]) -> str:
        return ", ".join(f"{v:.3f}" for v in values)

    goal = max(r["cold_s"], r["steady_s"]) < GOAL_SECONDS
    return "\n".join(
        [
            "# Benchmark results: S3 delivery sensor",
            "",
            f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"- command: `.venv/bin/python -m benchmarks.bench_sensor --keys {r['keys']} --repeats {r['repeats']}`",
            f"- machine: nproc={os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, "
            f"dagster {dagster.__version__}, moto {moto.__version__} (server mode, 127.0.0.1); shared with other "
            "engineers' work, so timings are noisy: compare with the floor of the same run",
            f"- code: git {_git_head()}",
            f"- bucket: {r['keys']:,} keys ({r['requests']:,} deliveries over 4 sources, the rest unclaimed), "
            f"filled in {r['fill_s']:.1f} s (8 threads)",
            f"- goal: one tick over {r['keys']:,} keys under {GOAL_SECONDS:.0f} s: **{'met' if goal else 'NOT met'}**",
            "",
            f"| what (median of {r['repeats']}) | seconds | x floor | runs (s) |",
            "|---|---|---|---|",
            f"| floor: bare `list_objects_v2` pagination | {r['floor_s']:.3f} | 1.0x | {runs(r['floor_runs'])} |",
            f"| sensor tick, empty cursor ({r['requests']:,} run requests) | {r['cold_s']:.3f} | "
            f"{r['cold_s'] / r['floor_s']:.1f}x | {runs(r['cold_runs'])} |",
            f"| sensor tick, steady-state cursor (0 run requests) | {r['steady_s']:.3f} | "
            f"{r['steady_s'] / r['floor_s']:.1f}x | {runs(r['steady_runs'])} |",
            f"| of which `discover` alone, empty cursor | {r['discover_cold_s']:.3f} |  |  |",
            f"| of which `discover` alone, steady-state cursor | {r['discover_steady_s']:.3f} |  |  |",
            "",
            f"The steady-state cursor is {r['cursor_bytes'] / 1024:.0f} KiB: every key landed within the cursor's "
            "look-back window (6 h), so all their ETags are in it. The tick's time is the listing (S3 pages of "
            "1,000 keys) plus `discover`; the daemon's own work per run request (creating runs) is not timed here.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True, help=f"write {RESULTS_FILE.relative_to(PROJECT_ROOT)}")
    args = parser.parse_args(argv)
    text = report(run(args.keys, args.repeats))
    print(text)
    if args.write:
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(text)
        print(f"wrote {RESULTS_FILE.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
