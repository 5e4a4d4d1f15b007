"""Benchmark of a backfill through `make ingest`: many small full refreshes of one registry uploaded at
once and drained by one `etl-assets ingest` (a state's weekly files, or 50 states on a Monday).

    .venv/bin/python -m benchmarks.bench_backfill [--deliveries 101] [--rows 100] [--source texas] [--no-write]

A local S3 server (moto, started here, not measured) holds ``--deliveries`` synthetic deliveries of
one source (benchmarks/generate.py), each a distinct key dated one day after the previous; delivery
j holds record numbers 1+10j .. rows+10j with revision j (a full refresh: ~10% new, ~10% gone,
~10% changed). Then `etl-assets ingest --no-progress` runs once as a child process on a fresh
Dagster home, warehouse and stage directory (``bench_job_path.ingest``): one ingest run per
delivery, then one leads refresh. Reported: the command's wall time per delivery (start-up and the
leads refresh included), each ingest run's duration from the event log (median, p90, max), the leads
run, the peak RSS of the process tree; and the floor: Dagster's own no-op 4-asset partitioned chain
(``benchmarks/noop_chain.py``), run the same way in this process in the same window.
Writes benchmarks/results/backfill.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_job_path import MIB, _runs, ingest
from benchmarks.generate import PROJECT_ROOT, SOURCES, generate

RESULTS_FILE = PROJECT_ROOT / "benchmarks" / "results" / "backfill.md"
BUCKET = "bench-backfill"
GOAL = "ingest runs: median at most 1.5 s per delivery"
FLOOR_RUNS = 20


def _key(source: str, j: int) -> str:
    """A registry's dated file name, one day after delivery j - 1's."""
    return f"{source}/{dt.date(2024, 1, 1) + dt.timedelta(days=j):%m-%d-%Y} refresh {j}.csv"


def noop_floor(root: Path, runs: int) -> list[float]:
    """Seconds per run of the no-op 4-step chain on a fresh instance of its own (the Dagster floor)."""
    from dagster import DagsterInstance

    from benchmarks.noop_chain import run_floor

    home = root / "noop_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as instance:
        return run_floor(instance, "in_step", runs)


def run(deliveries: int, rows: int, source: str, root: Path) -> dict:
    from etl_assets.devtools import local_s3

    with local_s3.moto_server() as endpoint:
        s3 = local_s3.client(endpoint)
        s3.create_bucket(Bucket=BUCKET)
        for j in range(deliveries):
            made = generate(source, rows, root / "input" / f"{j}.csv", seed=0, first_id=1 + 10 * j, revision=j)
            s3.upload_file(str(made.path), BUCKET, _key(source, j))
        wall, peak, _ = ingest(root / "ingest", endpoint, BUCKET, [])
    runs = _runs(root / "ingest" / "dagster_home", peak.samples)
    floor = noop_floor(root, FLOOR_RUNS)
    return {"deliveries": deliveries, "rows": rows, "source": source, "wall_s": wall, "tree_peak_mib": peak.peak / MIB,
            "ingest": [r["seconds"] for r in runs if r["job"] != "leads_refresh" and r["status"] == "SUCCESS"],
            "failed": [r["job"] for r in runs if r["status"] != "SUCCESS"],
            "leads": [r["seconds"] for r in runs if r["job"] == "leads_refresh"], "floor": floor}


def report(r: dict, command: str) -> str:
    import dagster
    import platform

    ingest_s, floor = sorted(r["ingest"]), sorted(r["floor"])
    med, fmed = statistics.median(ingest_s), statistics.median(floor)
    p90 = ingest_s[int(0.9 * (len(ingest_s) - 1))]
    return "\n".join([
        "# Benchmark results: a backfill of small deliveries through `make ingest`", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- command: `{command}`",
        f"- machine: {platform.machine()}, Python {platform.python_version()}, dagster {dagster.__version__}; "
        "shared with other work: read the ratios to the floor of the same run",
        f"- goal: {GOAL}", "",
        f"{r['deliveries']} deliveries of {r['rows']} {r['source']} records, uploaded at once, one `etl-assets ingest`.", "",
        "| measure | value |", "|---|---|",
        f"| `etl-assets ingest` wall time per delivery (start-up and the leads refresh included) | **{r['wall_s'] / r['deliveries']:.2f} s** ({r['wall_s']:.1f} s in all) |",
        f"| ingest run per delivery (event log): median / p90 / max | **{med:.3f}** / {p90:.3f} / {ingest_s[-1]:.3f} s |",
        f"| floor: Dagster's no-op 4-step chain, median of {len(floor)} runs | {fmed:.3f} s |",
        f"| ingest run median / floor | {med / fmed:.1f}x |",
        f"| leads refresh run | {', '.join(f'{s:.1f} s' for s in r['leads'])} |",
        f"| runs not successful | {len(r['failed'])} |",
        f"| peak RSS, whole process tree | {r['tree_peak_mib']:,.0f} MiB |",
        f"| goal ({GOAL}) | {'**met**' if med <= 1.5 and not r['failed'] else '**not met**'} |", "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=101)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--source", choices=SOURCES, default="texas")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        text = report(run(args.deliveries, args.rows, args.source, root),
                      "python -m benchmarks.bench_backfill " + " ".join(argv or sys.argv[1:]))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(text)
    if args.write:
        RESULTS_FILE.write_text(text)
        print(f"wrote {RESULTS_FILE.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
