"""Benchmark: the first leads refresh of a warehouse (a full resolve that trains the model), on
skewed and on diverse records, next to Splink's own predict + clustering of the same blocked pairs.

    .venv/bin/python -m benchmarks.bench_first_refresh [--rows 1000000] [--case texas --case scaled] [--work DIR]
    (= python -m benchmarks.run --only first_refresh)

Cases (each warehouse built in its own process, not measured):
- ``texas``: one generated Texas delivery (``benchmarks/generate.py``: copies of the 99 sample rows
  with unique license numbers, so ~10,000 records share each name, phone and address) through
  ``etl-assets ingest --no-leads`` (``bench_job_path``, the real ingest run);
- ``scaled``: ``scripts/make_er_benchmark.py make_scaled`` records (diverse names, ~30% corrupted
  duplicates, 2% chain sites sharing a phone) applied to the SCD2 history.
Measured, each in a fresh child process: (1) the first leads refresh as a real Dagster run of
``warehouse/leads`` (the resources ``make ingest`` builds: memory limit and spill directory
included): wall time and peak RSS of the whole process tree (sampled every 100 ms); (2) Splink's
own ``predict`` on the refresh's candidate pairs (registered as blocked pairs, the stored model)
then ``cluster_pairwise_predictions_at_threshold`` (0.9): the time of those two calls alone; and
(3) the floor of the same run: DuckDB's ``read_csv`` of the same records into a table (the delivery's
CSV; ``scaled``: its records written to a CSV), median of 3. Reported: wall, tree peak, the ratios.
``--work DIR --reuse`` refreshes copies of the warehouses an earlier run built there (``pristine.duckdb``);
``--repeat N``: N refreshes (median wall, max peak). Writes benchmarks/results/first_refresh.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "benchmarks" / "results" / "first_refresh.md"
GOAL = "first leads refresh of 1M records (skewed or diverse): peak RSS of the process tree under 2 GiB"
MIB = 2**20


def build_texas(work: Path, rows: int) -> tuple[Path, Path, str]:
    """The warehouse after ``etl-assets ingest --no-leads``, the delivery's CSV and its encoding."""
    from benchmarks import bench_job_path
    from benchmarks.generate import load_sample

    bench_job_path.run(rows, "texas", work, leads=False)
    return work / "ingest" / "warehouse.duckdb", work / "input" / f"texas-{rows}.csv", load_sample("texas").encoding


def build_scaled(work: Path, rows: int) -> tuple[Path, Path, str]:
    """The history after ``make_scaled`` records were applied, and the same records as a CSV (the floor's)."""
    import datetime as dt

    import duckdb

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_er_benchmark import make_scaled

    from etl_assets.stages.history import apply_delivery
    from etl_assets.warehouse.tables import ensure_warehouse

    db = work / "warehouse.duckdb"
    records = make_scaled(rows).drop(columns="true_id")
    records.to_csv(work / "scaled.csv", index=False)
    con = duckdb.connect(str(db))
    con.execute("BEGIN")
    ensure_warehouse(con)
    day = dt.date(2026, 11, 1)
    for source, part in records.groupby("_source"):
        apply_delivery(con, str(source), f"{source}/{day}", f"etag-{day}", day, part.reset_index(drop=True))
    con.execute("COMMIT")
    con.close()
    return db, work / "scaled.csv", "utf-8"


def refresh(db: Path, storage: Path) -> dict:
    """The child's work: ``warehouse/leads`` as a Dagster run on the warehouse file."""
    from dagster import instance_for_test, materialize

    from etl_assets.orchestration.assets.leads import build_leads_asset
    from etl_assets.orchestration.definitions import build_chains
    from etl_assets.orchestration.resources import warehouse_resource

    t0 = time.perf_counter()
    with instance_for_test() as instance:
        leads = build_leads_asset([c.warehouse_key for c in build_chains()])
        run = materialize([leads], instance=instance, resources={"duckdb": warehouse_resource(db, storage)})
        (event,) = [e for e in run.get_asset_materialization_events() if e.asset_key.path == ["warehouse", "leads"]]
    meta = {k: v.value for k, v in event.materialization.metadata.items()}
    keep = ("source_records", "refresh_mode", "refresh_reason", "model_retrained", "timings", "oversized_blocks",
            "largest_component", "model_training")
    return {"run_s": time.perf_counter() - t0, **{k: meta.get(k) for k in keep}}


def splink_floor(db: Path) -> dict:
    """Splink's predict + clustering of the refresh's own candidate pairs, with the stored model."""
    import copy
    import logging

    import duckdb
    import pandas as pd
    from splink import DuckDBAPI, Linker

    from etl_assets.orchestration.assets.leads import resolve_config
    from etl_assets.resolve.resolver import prepare
    from etl_assets.resolve.pairs import block_sizes, candidate_pairs
    from etl_assets.resolve.refresh import _stored_model, _with_tf
    from etl_assets.resolve.splink_scoring import SPLINK_COLUMNS
    from etl_assets.resolve import state as lead_state
    from etl_assets.warehouse.queries import live_records

    con = duckdb.connect(str(db), read_only=True)
    model = _with_tf(_stored_model(con), lead_state.read_model_tf(con))
    prep = prepare(live_records(con))
    con.close()
    scratch = duckdb.connect()
    pairs = candidate_pairs(scratch, prep, resolve_config(), block_sizes(scratch, prep))
    scratch.close()
    out = {"candidate_pairs": len(pairs), "predict_s": 0.0, "cluster_s": 0.0, "clusters": len(prep)}
    if model.splink is None or pairs.empty:
        return out
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register(prep.rename(columns={"uid": "unique_id"})[SPLINK_COLUMNS], dataset_display_name="records")
    linker = Linker(sdf, copy.deepcopy(model.splink.settings), log_level=logging.WARNING)
    for column, table in model.splink.tf_tables.items():
        linker.table_management.register_term_frequency_lookup(db_api.register(table, dataset_display_name=f"tf_{column}"), column)
    blocked = pd.DataFrame({"match_key": "0", "join_key_l": pairs["l"].to_numpy(), "join_key_r": pairs["r"].to_numpy()})
    linker.table_management.register_blocked_pairs_for_predict(db_api.register(blocked, dataset_display_name="blocked"))
    t0 = time.perf_counter()
    predictions = linker.inference.predict(warning_mode="never")
    out["predict_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold_match_probability=0.9)
    out["clusters"] = int(clusters.as_duckdbpyrelation().aggregate("count(DISTINCT cluster_id)").fetchall()[0][0])
    out["cluster_s"] = time.perf_counter() - t0
    con.close()
    return out


def _child(args: list[str], work: Path) -> dict:
    """Run this module with ``args`` in a child process; its JSON line, wall time, tree peak RSS."""
    from benchmarks.bench_job_path import TreeSampler

    t0 = time.perf_counter()
    with open(work / f"{args[0].strip('-')}.log", "ab") as log:
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_first_refresh", *args], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=log)
        sampler = TreeSampler(child.pid)
        sampler.start()
        out, _ = child.communicate()
        sampler.stop()
    if child.returncode != 0:
        raise RuntimeError(f"{args}: failed, see {work}")
    return {**json.loads(out.decode().strip().splitlines()[-1]), "wall_s": time.perf_counter() - t0,
            "tree_peak_mib": sampler.peak / MIB}


def run_case(case: str, rows: int, work: Path, repeat: int = 1, reuse: bool = False) -> dict:
    """Build the case's warehouse once (kept as ``pristine.duckdb``; ``reuse``: an earlier run's), then
    in this run: the read_csv floor of the same records, ``repeat`` refreshes of a fresh copy, the Splink floor."""
    from benchmarks.foundation import run_child

    work.mkdir(parents=True, exist_ok=True)
    pristine, meta_file = work / "pristine.duckdb", work / "pristine.json"
    t0 = time.perf_counter()
    if not (reuse and pristine.exists() and meta_file.exists()):
        db, csv, encoding = (build_texas if case == "texas" else build_scaled)(work, rows)
        shutil.copy(db, pristine)
        meta_file.write_text(json.dumps({"csv": str(csv), "encoding": encoding, "build_s": time.perf_counter() - t0}))
    meta = json.loads(meta_file.read_text())
    floor = run_child("floor", work / "floor", file=meta["csv"], encoding=meta["encoding"])
    refreshes = []
    for _ in range(repeat):
        db, storage = work / "refresh.duckdb", work / "refresh_storage"
        shutil.copy(pristine, db)
        shutil.rmtree(storage, ignore_errors=True)
        refreshes.append(_child(["--refresh", str(db), "--storage", str(storage)], work))
    splink = _child(["--splink-floor", str(db)], work)
    leftover = list((work / "refresh_storage" / "duckdb_spill").glob("*"))
    result = dict(refreshes[-1])
    result["wall_s"] = statistics.median(r["wall_s"] for r in refreshes)
    result["tree_peak_mib"] = max(r["tree_peak_mib"] for r in refreshes)
    result["all_wall_s"] = [r["wall_s"] for r in refreshes]
    result["all_peak_mib"] = [r["tree_peak_mib"] for r in refreshes]
    return {"case": case, "rows": rows, "build_s": meta["build_s"], "floor": floor, "refresh": result,
            "splink": splink, "spill_left": len(leftover)}


def report(results: list[dict], command: str) -> str:
    lines = ["# First leads refresh: bounded on skewed and diverse records", "",
             f"- command: `{command}`", f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"- machine: nproc={os.cpu_count()}, {platform.machine()}, Python "
             f"{platform.python_version()} (shared with other jobs)", f"- goal: {GOAL}", "",
             "| case | records | refresh wall s (process; median) | ratio to read_csv floor | peak RSS MiB (tree; max) "
             "| read_csv floor s (same records) | Splink predict + cluster s (same pairs) | ratio to Splink floor "
             "| candidate pairs | oversized blocks (records in them) | EM sessions |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        f, s, floor = r["refresh"], r["splink"], r["floor"]["seconds"]
        over = f.get("oversized_blocks") or {}
        sessions = "; ".join(f"{x['blocked_on']}: {x['pairs']:,} pairs{' sampled to ' + format(x['sampled_to'], ',') if x['sampled_to'] else ''}, {x['outcome']}"
                             for x in (f.get("model_training") or {}).get("sessions", []))
        splink_s = s["predict_s"] + s["cluster_s"]
        vs_splink = f"{f['wall_s'] / splink_s:.0f}x" if splink_s > 0.05 else "n/a (no pair scored)"
        lines.append(f"| {r['case']} | {f['source_records']:,} | {f['wall_s']:.1f} | {f['wall_s'] / floor:.1f}x | "
                     f"**{f['tree_peak_mib']:,.0f}** | {floor:.2f} | {splink_s:.1f} ({s['predict_s']:.1f} + "
                     f"{s['cluster_s']:.1f}) | {vs_splink} | ")
        lines[-1] += f"{s['candidate_pairs']:,} | {over.get('blocks', 0):,} ({over.get('record_keys', 0):,}) | {sessions} |"
    lines.append("")
    for r in results:
        f = r["refresh"]
        runs = ", ".join(f"{w:.1f} s / {m:,.0f} MiB" for w, m in zip(f["all_wall_s"], f["all_peak_mib"]))
        lines += [f"`{r['case']}`: warehouse built in {r['build_s']:.0f} s; refreshes (wall / tree peak): {runs}; "
                  f"refresh {f['refresh_mode']} ({f['refresh_reason']}); "
                  f"its parts (s): {json.dumps(f['timings'])}; largest component {json.dumps(f['largest_component'])}; "
                  f"largest oversized blocks {json.dumps((f.get('oversized_blocks') or {}).get('largest', [])[:3])}; "
                  f"spill directories left after the run: {r['spill_left']}. read_csv floor runs (s): "
                  f"{', '.join(format(x, '.2f') for x in r['floor']['all_seconds'])}. Splink floor process peak "
                  f"{r['splink']['tree_peak_mib']:,.0f} MiB, {r['splink']['clusters']:,} clusters.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--case", choices=("texas", "scaled"), action="append")
    ap.add_argument("--work", type=Path, help="keep the warehouses here (default: a temp dir, removed)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="refreshes per case (each of a fresh copy): median wall, max peak")
    ap.add_argument("--reuse", action="store_true", help="with --work: the warehouses an earlier run built there")
    ap.add_argument("--results", type=Path, default=RESULTS_FILE, help=argparse.SUPPRESS)
    ap.add_argument("--refresh", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--storage", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--splink-floor", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.refresh:
        print(json.dumps(refresh(args.refresh, args.storage), default=str))
        return 0
    if args.splink_floor:
        print(json.dumps(splink_floor(args.splink_floor), default=str))
        return 0
    cases = args.case or ["texas", "scaled"]
    with tempfile.TemporaryDirectory(prefix="bench-first-refresh-") as tmp:
        root = args.work or Path(tmp)
        results = [run_case(c, args.rows, root / f"{c}-{args.rows}", args.repeat, args.reuse) for c in cases]
    command = "python -m benchmarks.bench_first_refresh " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(results, command.strip())
    print(text)
    if not args.no_write:
        args.results.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
