"""`make bench`: throughput, latency and memory of the platform on synthetic deliveries.

    .venv/bin/python -m benchmarks.run                 # 1,000,000-row delivery + 100 small ones
    .venv/bin/python -m benchmarks.run --quick         # smoke run: 20,000 rows, 10 small deliveries
    .venv/bin/python -m benchmarks.run --only one_delivery --rows 200000 --profile

Every benchmark runs in its own spawned child process (so each peak RSS, read from
``getrusage(RUSAGE_SELF).ru_maxrss`` in that child, is that benchmark's alone), in a fresh temp
directory with its own local S3 server (moto on 127.0.0.1), its own Dagster instance (a temp
DAGSTER_HOME with the project's dagster.yaml, as ``make ingest`` uses) and its own DuckDB
warehouse and Parquet storage. The floor, DuckDB's own ``read_csv`` of the same file into a DuckDB
table, is measured in the same run, in its own child, so ratios compare like with like on a
shared, noisy machine. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import PROJECT_ROOT, SOURCES, generate

from benchmarks.foundation import BENCHMARKS, RESULTS_FILE, run_child
from benchmarks.foundation import GOALS, MIB, README_FILE
from benchmarks.reports import (_fmt_s, _git_head, _nproc, report_floor, report_normalize,
                               report_one_delivery, report_small, update_readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the ETL platform (see benchmarks/README.md).")
    parser.add_argument("--rows", type=int, default=None, help="rows of the big delivery (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--small", type=int, default=None, help="number of small deliveries (default 100; 10 with --quick)")
    parser.add_argument("--small-rows", type=int, default=100, help="records per small delivery (default 100)")
    parser.add_argument("--source", choices=SOURCES, default="texas", help="source of the big delivery (default texas)")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: 20,000 rows and 10 small deliveries")
    parser.add_argument("--only", choices=(*BENCHMARKS, "sensor", "postgres", "job_path", "incremental", "first_refresh", "weekly"), action="append", help="run only this benchmark (repeatable; sensor = benchmarks/bench_sensor.py, postgres = benchmarks/bench_postgres.py, job_path = benchmarks/bench_job_path.py, incremental = benchmarks/bench_incremental.py, first_refresh = benchmarks/bench_first_refresh.py, weekly = benchmarks/bench_weekly.py)")
    parser.add_argument("--weeks", type=int, default=None, help="weekly full refreshes of --only weekly (default 12; 3 with --quick)")
    parser.add_argument("--profile", action="store_true", help="cProfile each benchmark; the report names the profile files (implies --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (inputs, logs, warehouses)")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"rewrite {RESULTS_FILE.relative_to(PROJECT_ROOT)} (default: yes, except with --quick or --only)",
    )
    args = parser.parse_args(argv)
    if args.only and "job_path" in args.only:  # its own script and results file (results/job_path.md)
        from benchmarks import bench_job_path

        bench_job_path.main([*(["--rows", str(args.rows)] if args.rows else []), "--source", args.source,
                             *([] if args.write is None else ["--write" if args.write else "--no-write"])])
        args.only = [name for name in args.only if name != "job_path"]
        if not args.only:
            return 0
    if args.only and "incremental" in args.only:  # its own script and results file (results/incremental.md)
        from benchmarks import bench_incremental

        bench_incremental.main(["--rows", str(args.rows or (20_000 if args.quick else 1_000_000)),
                                "--small", str(args.small or 100)])
        args.only = [name for name in args.only if name != "incremental"]
        if not args.only:
            return 0
    if args.only and "weekly" in args.only:  # its own script and results file (results/weekly.md)
        from benchmarks import bench_weekly

        bench_weekly.main(["--rows", str(args.rows or (20_000 if args.quick else 50_000)),
                           "--weeks", str(args.weeks or (3 if args.quick else 12)),
                           *([] if args.write is not False else ["--no-write"])])
        args.only = [name for name in args.only if name != "weekly"]
        if not args.only:
            return 0
    if args.only and "first_refresh" in args.only:  # its own script and results file (results/first_refresh.md)
        from benchmarks import bench_first_refresh

        bench_first_refresh.main(["--rows", str(args.rows or (20_000 if args.quick else 1_000_000))])
        args.only = [name for name in args.only if name != "first_refresh"]
        if not args.only:
            return 0
    if args.only and "sensor" in args.only:  # its own script and results file (results/sensor.md)
        from benchmarks import bench_sensor

        bench_sensor.main([] if args.write is None else ["--write" if args.write else "--no-write"])
        args.only = [name for name in args.only if name != "sensor"]
        if not args.only:
            return 0
    if args.only and "postgres" in args.only:  # its own script and results file (results/postgres.md)
        from benchmarks import bench_postgres

        bench_postgres.main(["--rows", str(args.rows or (20_000 if args.quick else 1_000_000)),
                             "--small", str(args.small or (10 if args.quick else 100))])
        args.only = [name for name in args.only if name != "postgres"]
        if not args.only:
            return 0
    rows = args.rows if args.rows is not None else (20_000 if args.quick else 1_000_000)
    small = args.small if args.small is not None else (10 if args.quick else 100)
    selected = args.only or list(BENCHMARKS)
    command = shlex.join([Path(sys.executable).relative_to(PROJECT_ROOT).as_posix() if sys.executable.startswith(str(PROJECT_ROOT)) else sys.executable, "-m", "benchmarks.run", *(argv if argv is not None else sys.argv[1:])])

    root = Path(tempfile.mkdtemp(prefix="etl-bench-"))
    sections: list[str] = []
    started = dt.datetime.now().astimezone()
    try:
        needs_big = any(b in selected for b in ("one_delivery", "normalize_stage"))
        floor = gen = None
        if needs_big:
            t0 = time.perf_counter()
            g = generate(args.source, rows, root / "input" / f"{args.source}-{rows}.csv", seed=0)
            gen = {"source": g.source, "rows": g.rows, "bytes": g.bytes, "encoding": g.encoding, "seconds": time.perf_counter() - t0}
            print(f"generated {g.path} ({g.bytes / MIB:.1f} MiB) in {gen['seconds']:.1f} s", flush=True)
            floor = run_child("floor", root / "floor", file=str(g.path), encoding=g.encoding)
            print(f"floor: {floor['seconds']:.3f} s", flush=True)
            sections.append(report_floor(floor, gen))
        for name in selected:
            print(f"running {name} ...", flush=True)
            workdir = root / name
            if name == "one_delivery":
                r = run_child(name, workdir, args.profile, file=str(g.path), source=args.source, rows=rows)
                section = report_one_delivery(r, floor)
            elif name == "normalize_stage":
                r = run_child(name, workdir, args.profile, file=str(g.path), source=args.source, rows=rows)
                section = report_normalize(r, floor)
            else:
                r = run_child(name, workdir, args.profile, count=small, rows=args.small_rows, sources=["nevada", "oklahoma", "texas"])
                section = report_small(r)
            if r.get("profile"):
                section += f"\n\ncProfile: `{r['profile']}`"
            section += f"\n\n(benchmark process wall time incl. start-up and S3 server: {_fmt_s(r['wall_s'])} s)"
            print("\n" + section + "\n", flush=True)
            sections.append(section)
    finally:
        if args.keep or args.profile:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    import dagster
    import duckdb
    import pandas

    header = (
        "# Benchmark results: foundation\n\n"
        f"- date: {started:%Y-%m-%d %H:%M %Z}\n"
        f"- command: `{command}`\n"
        f"- machine: nproc={_nproc()}, {platform.machine()}, Python {platform.python_version()}, "
        f"dagster {dagster.__version__}, duckdb {duckdb.__version__}, pandas {pandas.__version__}; shared with other "
        "engineers' work, so timings are noisy: read ratios to the floor measured in the same run\n"
        f"- code: git {_git_head()}\n"
        f"- goals: " + "; ".join(f"{k}: {v}" for k, v in GOALS.items() if k in selected) + "\n"
    )
    text = header + "\n" + "\n\n".join(sections) + "\n"
    print(header)
    write = args.write if args.write is not None else not (args.quick or args.only)
    if write:
        RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_FILE.write_text(text)
        update_readme(text)
        print(f"wrote {RESULTS_FILE.relative_to(PROJECT_ROOT)} and its copy in {README_FILE.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
