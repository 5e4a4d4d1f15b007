"""Benchmark lead resolution at scale.

    .venv/bin/python benchmarks/bench_resolve.py [--sizes 100000 300000 1000000] [--out benchmarks/results/resolve.md]

For each size: synthesise records from the sample vocabulary (``scripts/make_er_benchmark.py
make_scaled``: ~30% corrupted duplicates, 2% chain sites sharing a phone), cache them under
``benchmarks/out/`` (git-ignored), then run ``resolve_leads`` in a fresh subprocess and report wall
time, peak RSS of that process (loading the records included), the candidate pairs as a share of
n(n-1)/2, the pairs Splink scored, and pairwise precision / recall against the generator's truth.
Prints a markdown table and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pairs(counts):
    return int((counts * (counts - 1) // 2).sum())


def run_one(path: Path) -> dict:
    import pandas as pd

    from etl_assets.resolve.resolver import ResolveConfig, resolve_leads

    records = pd.read_parquet(path)
    truth = records.pop("true_id")
    t0 = time.perf_counter()
    result = resolve_leads(records, None, ResolveConfig())
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    lead = result.crosswalk["lead_id"].to_numpy()
    both = pd.DataFrame({"lead": lead, "truth": truth.to_numpy()})
    tp = _pairs(both.groupby(["lead", "truth"]).size())
    pred = _pairs(both.groupby("lead").size())
    true = _pairs(both.groupby("truth").size())
    return {"n": len(records), "wall_s": wall, "peak_rss_bytes": peak, "precision": tp / max(pred, 1),
            "recall": tp / max(true, 1), **result.stats}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "resolve.md")
    ap.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out")
    ap.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # internal: one measurement
    args = ap.parse_args(argv)
    if args.run:
        print(json.dumps(run_one(args.run)))
        return 0
    from scripts.make_er_benchmark import make_scaled

    args.cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        path = args.cache / f"er_scaled_{n}.parquet"
        if not path.exists():
            t = time.perf_counter()
            make_scaled(n).to_parquet(path, index=False)
            print(f"generated {path.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_resolve", "--run", str(path)], cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            rows.append({"n": n, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"})
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr)
    header = ("| records | wall time (s) | peak RSS (GiB) | candidate pairs | share of n(n-1)/2 | "
              "Splink-scored pairs | leads | precision | recall | stage times (s) |")
    lines = [header, "|" + "---|" * 10]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['n']:,} | failed: {r['error']} |" + " |" * 8)
            continue
        stages = ", ".join(f"{k[:-2]} {r[k]:.1f}" for k in
                           ("prepare_s", "candidates_s", "deterministic_s", "splink_s", "cluster_s", "ids_s", "survivorship_s"))
        lines.append(
            f"| {r['n']:,} | {r['wall_s']:.1f} | {r['peak_rss_bytes'] / 2**30:.2f} | {r['candidate_pairs']:,} | "
            f"{r['share_of_all_pairs_scored']:.2e} | {r['splink_scored_pairs']:,} | {r['n_leads']:,} | "
            f"{r['precision']:.4f} | {r['recall']:.4f} | {stages} |")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = (f"# Lead resolution benchmark\n\nCommand: `.venv/bin/python benchmarks/bench_resolve.py --sizes "
            f"{' '.join(map(str, args.sizes))}`  \nMachine: {machine} (shared with other jobs).  \n"
            "Data: synthetic records from the sample vocabulary, ~30% corrupted duplicates, 2% chain sites "
            "sharing a phone; wall time is `resolve_leads` only; peak RSS is the measuring process "
            "(records loaded + resolve).\n\n" + "\n".join(lines) + "\n")
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
