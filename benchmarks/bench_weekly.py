"""Weekly full refreshes of one registry: does a delivery cost what it changes, not the history?

    .venv/bin/python -m benchmarks.bench_weekly [--rows 50000] [--weeks 12] [--changed 0.02]
    (also: .venv/bin/python -m benchmarks.run --only weekly [--rows N] [--weeks N])

``--weeks`` full refreshes of a synthetic Texas registry of ``--rows`` records (``generate.py``'s
records; each week a fresh ``--changed`` share of the records takes another template, the rest
stay byte-identical), each one source-chain cycle (land → normalize → dedup → load, as the
warehouse asset runs it) into a DuckDB file and into a PostgreSQL 15 database on a throw-away
cluster (``local_postgres``, as bench_postgres.py). Per backend: load time of every cycle, the
12th (last) over the 2nd, the warehouse's size after each cycle (DuckDB: the file after a
CHECKPOINT; PostgreSQL: the sum of ``pg_total_relation_size`` of the warehouse's tables, dead
rows included: autovacuum runs when it runs), and the growth per refresh as a share of the first
load's size. Goals: last/2nd <= 1.3x, growth <= 10% per refresh. Results: results/weekly.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import multiprocessing as mp
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import psycopg

from benchmarks.generate import KEY_MAKERS, PROJECT_ROOT, _mix, load_sample
from etl_assets.devtools import local_postgres
from etl_assets.orchestration.resources import warehouse_resource
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.load import load_delivery
from etl_assets.warehouse import scopes
from etl_assets.warehouse.tables import TABLES

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "weekly.md"
SOURCE = "texas"
FIRST_WEEK = dt.date(2024, 1, 1)


def write_week(path: Path, rows: int, week: int, changed: float, seed: int = 0) -> Path:
    """The registry as of ``week`` (0 = the first delivery): record n takes another template in
    each week w <= week where a seeded draw falls under ``changed``, so each week changes a fresh
    ``changed`` share of the records and the others stay byte-identical, in the same order."""
    sample = load_sample(SOURCE)
    pool, size, k = sample.records, len(sample.records), sample.key_index
    make_key = KEY_MAKERS[SOURCE]
    cut = int(changed * (1 << 64))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        raw.write(sample.header_line)
        with io.TextIOWrapper(raw, encoding=sample.encoding, newline="") as text:
            writer = csv.writer(text, lineterminator="\r\n")
            for n in range(1, rows + 1):
                template = _mix(seed, n) % size
                for w in range(1, week + 1):
                    if _mix(seed + 7919 * w, n) < cut:
                        template = (template + 1 + _mix(seed + w, n) % (size - 1)) % size
                record = list(pool[template])
                record[k] = make_key(record[k], n)
                writer.writerow(record)
    return path


def duckdb_size(path: str) -> int:
    with duckdb.connect(path) as con:
        con.execute("CHECKPOINT")
    return Path(path).stat().st_size


def postgres_size(url: str) -> int:
    names = [t.split(".", 1)[1] for t in TABLES]
    with psycopg.connect(url, autocommit=True) as con:
        return int(con.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY(%s)",
            [names]).fetchone()[0])


def cycle(target: str, path: Path, week: int, workdir: Path) -> tuple[float, float]:
    """One source-chain cycle of the week's delivery: (stages seconds, load seconds)."""
    spec = spec_by_name(SOURCE, load_specs())
    day = FIRST_WEEK + dt.timedelta(weeks=week)
    key = f"{SOURCE}/{day:%m-%d-%Y} Texas DHHS.csv"
    landed = pd.Timestamp(day).tz_localize("UTC") + pd.Timedelta(hours=12)
    t = time.perf_counter()
    with path.open("rb") as stream:
        staged = stage_delivery(stream, spec, leads_schema(), key, f'"week-{week}"', landed, f"s3://bench/{key}",
                                workdir / f"stages-{week:02d}", strict=False)
    stages = time.perf_counter() - t
    t = time.perf_counter()
    with warehouse_resource(target).open(scopes.source_load(SOURCE)) as con:
        load_delivery(con, spec, key, staged.normalized.file, staged.deduped.file, "bench")
    return stages, time.perf_counter() - t


def run_backend(name: str, target: str, files: list[Path], workdir: Path) -> dict:
    size = duckdb_size if name == "DuckDB" else postgres_size
    loads, stages, sizes = [], [], []
    for week, path in enumerate(files):
        s, seconds = cycle(target, path, week, workdir / name)
        stages.append(s)
        loads.append(seconds)
        sizes.append(size(target))
        print(f"{name} week {week + 1}: load {seconds:.2f} s, size {sizes[-1] / 2**20:.1f} MiB", file=sys.stderr)
    return {"name": name, "loads": loads, "stages": stages, "sizes": sizes}


def _row(r: dict) -> str:
    loads, sizes = r["loads"], r["sizes"]
    last = len(loads)
    ratio = loads[-1] / loads[1] if last > 1 else float("nan")
    growth = (sizes[-1] - sizes[0]) / (last - 1) / sizes[0] * 100 if last > 1 else float("nan")
    mib = [f"{sizes[i] / 2**20:.1f}" for i in (0, 1, last - 1)]
    return (f"| {r['name']} | {loads[0]:.2f} / {loads[1]:.2f} / {loads[-1]:.2f} s | **{ratio:.2f}x** | "
            f"{' / '.join(mib)} MiB | **{growth:.1f}%** | {statistics.median(r['stages']):.2f} s |")


def report(results: list[dict], args, command: str) -> str:
    weeks = len(results[0]["loads"])
    lines = [
        f"## Weekly full refreshes ({dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z})",
        "",
        f"`{command}` on {platform.node()} ({mp.cpu_count()} cores, shared), PostgreSQL 15 (fsync off: a test cluster).",
        "",
        f"{weeks} weekly full refreshes of a {args.rows:,}-record Texas registry, {args.changed:.0%} of the records "
        "changed each week; one source-chain cycle each (land → normalize → dedup → load).",
        "",
        f"| backend | load, cycle 1 / 2 / {weeks} | {weeks}th / 2nd (goal ≤ 1.3x) | size after 1 / 2 / {weeks} | "
        "growth per refresh, % of the first load (goal ≤ 10%) | stages (median) |",
        "|---|---|---|---|---|---|",
        *(_row(r) for r in results),
        "",
        "Every cycle's load (s): " + "; ".join(f"{r['name']} " + ", ".join(f"{x:.2f}" for x in r["loads"]) for r in results),
        "",
        "Size after every cycle (MiB): " + "; ".join(
            f"{r['name']} " + ", ".join(f"{x / 2**20:.1f}" for x in r["sizes"]) for r in results),
        "",
        f"Peak RSS of the benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--changed", type=float, default=0.02, help="share of the records changed each week")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (markdown)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    command = ("python -m benchmarks.bench_weekly " + " ".join(argv)).strip()
    with tempfile.TemporaryDirectory(prefix="etl-bench-weekly-") as tmp, local_postgres.running_cluster() as cluster:
        workdir = Path(tmp)
        files = [write_week(workdir / "in" / f"week-{w:02d}.csv", args.rows, w, args.changed) for w in range(args.weeks)]
        results = [run_backend("DuckDB", str(workdir / "warehouse.duckdb"), files, workdir),
                   run_backend("PostgreSQL", cluster.create_database("weekly"), files, workdir)]
    text = report(results, args, command)
    print(text)
    if not args.no_write:
        args.out.write_text(text)
    return text


if __name__ == "__main__":
    main()
