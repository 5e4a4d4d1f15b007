"""Benchmark of reading placeholders as missing: the read with and without the pass.

    .venv/bin/python -m benchmarks.bench_placeholders [--rows 300000] [--repeats 3] [--no-write]

A Texas delivery of ``--rows`` records (``benchmarks/generate.py``) is rewritten with placeholders
in a fifth of its Address cells (``N/A``) and a tenth of its Phone cells (``-``). Each variant runs
in its own spawned child (its own peak RSS), ``--repeats`` times, median reported:

* **floor**: ``read_whole`` with the placeholder pass replaced by a no-op (timing only);
* **with placeholders**: the real ``read_whole`` (default list), which nulls and counts them.

Goal: the pass adds at most 25% to the read and at most 10% to its peak RSS. Writes
benchmarks/results/placeholders.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = PROJECT_ROOT / "benchmarks" / "results" / "placeholders.md"
GOAL_TIME_RATIO = 1.25
GOAL_RSS_RATIO = 1.10


def make_delivery(rows: int, out: Path) -> tuple[Path, int]:
    from benchmarks.generate import generate

    plain = generate("texas", rows, out.with_suffix(".plain.csv"))
    with open(plain.path, encoding=plain.encoding, newline="") as f:
        text = f.read()
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    address, phone = header.index("Address"), header.index("Phone")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    placeholders = 0
    for n, record in enumerate(reader):
        if len(record) == len(header):
            if n % 5 == 0:
                record[address], placeholders = "N/A", placeholders + 1
            if n % 10 == 3:
                record[phone], placeholders = "-", placeholders + 1
        writer.writerow(record)
    with open(out, "w", encoding=plain.encoding, newline="") as f:
        f.write(buf.getvalue())
    plain.path.unlink()
    return out, placeholders


def _child(path: str, variant: str, queue) -> None:
    from etl_assets.ingest import read
    from etl_assets.sources.spec import ReadOptions

    if variant == "floor":
        read.null_placeholders = lambda *args, **kwargs: {}
    start = time.perf_counter()
    with open(path, "rb") as stream:
        result = read.read_whole(stream, ReadOptions(), path)
    seconds = time.perf_counter() - start
    nulled = sum(n for spellings in result.placeholders.values() for n in spellings.values())
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(result.records), nulled))


def measure(path: Path, variant: str, repeats: int) -> dict:
    ctx = multiprocessing.get_context("spawn")
    runs = []
    for _ in range(repeats):
        queue = ctx.Queue()
        child = ctx.Process(target=_child, args=(str(path), variant, queue))
        child.start()
        runs.append(queue.get())
        child.join()
    return {"seconds": statistics.median(r[0] for r in runs), "rss_mib": statistics.median(r[1] for r in runs),
            "records": runs[0][2], "nulled": runs[0][3], "all": [round(r[0], 2) for r in runs]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path, injected = make_delivery(args.rows, Path(tmp) / "texas.csv")
        size = path.stat().st_size
        floor = measure(path, "floor", args.repeats)
        real = measure(path, "placeholders", args.repeats)
    time_ratio, rss_ratio = real["seconds"] / floor["seconds"], real["rss_mib"] / floor["rss_mib"]
    ok = time_ratio <= GOAL_TIME_RATIO and rss_ratio <= GOAL_RSS_RATIO and real["nulled"] == injected
    lines = [
        "# Placeholders read as missing (benchmarks/bench_placeholders.py)",
        "",
        f"Command: `.venv/bin/python -m benchmarks.bench_placeholders --rows {args.rows} --repeats {args.repeats}`; "
        f"{platform.python_implementation()} {platform.python_version()}, {multiprocessing.cpu_count()} cores (shared).",
        f"Delivery: Texas layout, {floor['records']:,} records, {size / 2**20:.1f} MiB, {injected:,} placeholder cells "
        "(Address `N/A` in 1 of 5 records, Phone `-` in 1 of 10).",
        "",
        "| variant | read, median s (runs) | peak RSS MiB | placeholder cells nulled |",
        "|---|---|---|---|",
        f"| floor: read without the pass | {floor['seconds']:.2f} ({floor['all']}) | {floor['rss_mib']:.0f} | 0 |",
        f"| read with the pass | {real['seconds']:.2f} ({real['all']}) | {real['rss_mib']:.0f} | {real['nulled']:,} |",
        "",
        f"Ratio to the floor: time **{time_ratio:.2f}x** (goal <= {GOAL_TIME_RATIO}x), peak RSS **{rss_ratio:.2f}x** "
        f"(goal <= {GOAL_RSS_RATIO}x); every injected placeholder nulled: {real['nulled'] == injected}. "
        f"{'MET' if ok else 'NOT MET'}.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.write:
        RESULTS_FILE.write_text(report)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
