"""Benchmark of one big delivery through `make ingest` itself: the job path, as production runs it.

    .venv/bin/python -m benchmarks.bench_job_path [--rows 1000000] [--source texas] [--no-write]
    .venv/bin/python -m benchmarks.run --only job_path      # the same, from make bench's entry point

A local S3 server (moto, started here, not measured) holds one synthetic delivery of ``--rows``
records (benchmarks/generate.py). Then `etl-assets ingest` (the command behind `make ingest`) runs
as a child process with a fresh DAGSTER_HOME, warehouse and stage directory: the source's ingest
job (raw → normalized → deduped → warehouse with its checks) and the leads_refresh job, each
executed as a reconstructable job with ``execute_run`` (etl_assets/runner/job_runs.py). Measured: the
command's wall time (Python start-up and imports included), each run's and step's duration from
the Dagster event log, and the peak RSS of the whole process tree (the sum over the child and its
descendants, sampled every 100 ms; and the largest single process's ru_maxrss from wait4). The
floor is DuckDB's read_csv of the same file (benchmarks/run.py ``bench_floor``), in the same run.
Writes benchmarks/results/job_path.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.generate import PROJECT_ROOT, SOURCES, generate

RESULTS_FILE = PROJECT_ROOT / "benchmarks" / "results" / "job_path.md"
BUCKET = "bench-job-path"
MIB = 1024 * 1024
GOALS = "end-to-end within 10x the DuckDB floor; peak RSS of the process tree under 2 GiB"


def _tree_rss_bytes(root: int) -> int:
    """Sum of RSS over ``root`` and its descendants (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * page
            parents[int(entry)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in tree)


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.samples: list[tuple[float, int]] = []  # (epoch seconds, tree RSS): peaks per step window
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            rss = _tree_rss_bytes(self.pid)
            self.peak = max(self.peak, rss)
            self.samples.append((time.time(), rss))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run(rows: int, source: str, root: Path, leads: bool = True) -> dict:
    from benchmarks.foundation import run_child
    from etl_assets.devtools import local_s3

    delivery = generate(source, rows, root / "input" / f"{source}-{rows}.csv", seed=0)
    floor = run_child("floor", root / "floor", file=str(delivery.path), encoding=delivery.encoding)
    key = f"{source}/01-15-2024 bench {rows} rows.csv"
    work = root / "ingest"
    with local_s3.moto_server() as endpoint:
        s3 = local_s3.client(endpoint)
        s3.create_bucket(Bucket=BUCKET)
        s3.upload_file(str(delivery.path), BUCKET, key)
        wall, peak, usage = ingest(work, endpoint, BUCKET, [] if leads else ["--no-leads"])
    return {"rows": rows, "bytes": delivery.bytes, "source": source, "floor": floor, "wall_s": wall,
            "tree_peak_mib": peak.peak / MIB, "max_process_mib": usage.ru_maxrss / 1024,
            "runs": _runs(work / "dagster_home", peak.samples), "summary": [line for line in (work / "ingest.log").read_text(errors="replace").splitlines() if " - dagster - " not in line]}


def ingest(work: Path, endpoint: str, bucket: str, args: list[str]) -> tuple[float, TreeSampler, object]:
    """`etl-assets ingest --no-progress [args]` (make ingest) as a child process on a fresh Dagster home,
    warehouse and stage dir under ``work``, against ``bucket`` at ``endpoint``: (wall seconds, the tree's
    RSS sampler, the child's rusage). Its output is ``work/ingest.log``; a failure raises with its tail."""
    from etl_assets.devtools import local_s3

    (work / "dagster_home").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", work / "dagster_home" / "dagster.yaml")
    env = {
        **os.environ, **local_s3.LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "ETL_S3_BUCKET": bucket,
        "DAGSTER_HOME": str(work / "dagster_home"), "ETL_WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "ETL_STORAGE_DIR": str(work / "storage"),
    }
    with open(work / "ingest.log", "wb") as log:
        t0 = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "etl_assets.cli", "ingest", "--no-progress", *args], cwd=PROJECT_ROOT,
                                 env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"make ingest failed:\n{(work / 'ingest.log').read_text(errors='replace')[-3000:]}")
    return wall, sampler, usage


def _peak_mib(samples: list[tuple[float, int]], start: float, end: float) -> float:
    inside = [rss for t, rss in samples if start <= t <= end]
    return max(inside) / MIB if inside else 0.0


def _runs(home: Path, samples: list[tuple[float, int]]) -> list[dict]:
    from dagster import DagsterInstance

    out = []
    with DagsterInstance.from_config(str(home)) as instance:
        for r in reversed(instance.get_runs()):
            stats = instance.get_run_stats(r.run_id)
            steps = {s.step_key: (s.end_time - s.start_time, _peak_mib(samples, s.start_time, s.end_time))
                     for s in instance.get_run_step_stats(r.run_id) if s.end_time and s.start_time}
            out.append({"job": r.job_name, "status": r.status.value, "seconds": (stats.end_time or 0) - (stats.start_time or 0),
                        "peak_mib": _peak_mib(samples, stats.start_time or 0, stats.end_time or 0), "steps": steps})
    return out


def report(r: dict, command: str) -> str:
    import dagster
    import duckdb

    floor = r["floor"]["seconds"]
    lines = [
        "# Benchmark results: one delivery through `make ingest` (the job path)", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- command: `{command}`",
        f"- machine: nproc={os.cpu_count()}, {platform.machine()}, Python {platform.python_version()}, dagster "
        f"{dagster.__version__}, duckdb {duckdb.__version__}; shared with four other engineers' work: read the ratios",
        f"- goals: {GOALS}", "",
        f"{r['rows']:,} {r['source']} records ({r['bytes'] / MIB:.1f} MiB). Floor (DuckDB read_csv into a table, median of 3): "
        f"**{floor:.2f} s**. {r['floor'].get('note') or ''}", "",
        "| measure | value | ratio to floor |", "|---|---|---|",
        f"| `etl-assets ingest` wall time (start-up, ingest run{', leads run' if any(x['job'] == 'leads_refresh' for x in r['runs']) else ''}) | {r['wall_s']:.1f} s | **{r['wall_s'] / floor:.1f}x** |",
    ]
    for run in r["runs"]:
        lines.append(f"| run `{run['job']}` ({run['status']}), peak RSS {run['peak_mib']:,.0f} MiB | {run['seconds']:.1f} s | {run['seconds'] / floor:.1f}x |")
    lines += [
        f"| peak RSS, whole process tree (sum, sampled 100 ms) | **{r['tree_peak_mib']:,.0f} MiB** | |",
        f"| peak RSS, largest process (ru_maxrss) | {r['max_process_mib']:,.0f} MiB | |", "",
        "Steps (seconds from the Dagster event log; peak RSS of the tree inside the step's window):", "",
        "| run | step | seconds | peak RSS MiB |", "|---|---|---|---|",
    ]
    for run in r["runs"]:
        lines += [f"| {run['job']} | {step} | {sec:.1f} | {peak:,.0f} |" for step, (sec, peak) in run["steps"].items()]
    lines += ["", "`make ingest`'s summary:", "", "```", *r["summary"], "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--source", choices=SOURCES, default="texas")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--leads", action=argparse.BooleanOptionalAction, default=True,
                        help="--no-leads: the ingest run alone (the source chain), e.g. for 5M records")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-job-path-"))
    try:
        text = report(run(args.rows, args.source, root, args.leads), "python -m benchmarks.bench_job_path " + " ".join(argv or sys.argv[1:]))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(text)
    if args.write:
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(text)
        print(f"wrote {RESULTS_FILE.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
