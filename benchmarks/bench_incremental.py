"""Benchmark: a leads refresh after a small delivery on a large warehouse costs what changed.

    .venv/bin/python -m benchmarks.bench_incremental [--rows 1000000] [--small 100] [--out benchmarks/results/incremental.md]
    (= python -m benchmarks.run --only incremental)
    .venv/bin/python -m benchmarks.bench_incremental --backend postgres [--no-full]   # DuckDB and PostgreSQL, one run

1. build (own process): ``--rows`` synthetic normalized records (``scripts/make_er_benchmark.py
   make_scaled``: ~30% corrupted duplicates, 2% chain sites sharing a phone), applied per source
   to the SCD2 history of a real DuckDB file, then the first leads refresh (a full resolve that
   trains the model), timed.
2. delivery (own process): ``--small`` records of a new source ``directory`` (same generator, another
   seed, so some match the warehouse's), applied to the history; not timed.
3. incremental (own process, a copy of the file): ``refresh_leads`` as the leads asset calls it,
   in one transaction with its commit: wall time and the process's peak RSS (imports included).
4. full (own process, another copy): the same refresh with ``full=True`` (every live record, the
   stored model): the cost the incremental one avoids. Both results are compared row for row
   (leads, crosswalk, review queue): the exactness property at scale.
5. ``--backend postgres``: the file after step 2 cloned into a throw-away PostgreSQL 15 cluster
   (fsync off; ``bench_pg_reads.clone_into_postgres``, not timed), then the incremental refresh on
   the server as the leads asset runs it (own process: session, refresh, commit), its result
   compared row for row with DuckDB's incremental one, and the ratio reported.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = "incremental refresh after a 100-record delivery on 1M live records: under 3 s and under 1 GiB"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _apply(con, records, day) -> None:
    from etl_assets.stages.history import apply_delivery

    for source, part in records.groupby("_source"):
        apply_delivery(con, str(source), f"{source}/{day}", f"etag-{day}", day, part.reset_index(drop=True))


def step_build(db: Path, rows: int) -> dict:
    import duckdb

    from scripts.make_er_benchmark import make_scaled

    from etl_assets.orchestration.assets.leads import resolve_config
    from etl_assets.resolve.refresh import refresh_leads
    from etl_assets.warehouse.tables import ensure_warehouse

    t0 = time.perf_counter()
    records = make_scaled(rows).drop(columns="true_id")
    generated = time.perf_counter() - t0
    con = duckdb.connect(str(db))
    con.execute("BEGIN")
    ensure_warehouse(con)
    t0 = time.perf_counter()
    _apply(con, records, __import__("datetime").date(2026, 11, 1))
    con.execute("COMMIT")
    history_s = time.perf_counter() - t0
    del records
    t0 = time.perf_counter()
    con.execute("BEGIN")
    refresh = refresh_leads(con, resolve_config())
    con.execute("COMMIT")
    con.close()
    return {"generated_s": generated, "history_s": history_s, "first_refresh_s": time.perf_counter() - t0,
            "first_mode": refresh.mode, "resolved": refresh.resolved, "peak_mib": _peak_mib()}


def step_delivery(db: Path, small: int) -> dict:
    import duckdb

    from scripts.make_er_benchmark import make_scaled

    records = make_scaled(small, seed=99).drop(columns="true_id").assign(_source="directory")
    records["_record_key"] = [f"D-{i}" for i in range(len(records))]
    con = duckdb.connect(str(db))
    con.execute("BEGIN")
    _apply(con, records, __import__("datetime").date(2026, 11, 2))
    con.execute("COMMIT")
    live = con.execute("SELECT count(*) FROM source_current").fetchone()[0]
    con.close()
    return {"live_records": int(live), "delivery_records": len(records)}


def step_refresh(db: Path, full: bool) -> dict:
    import duckdb

    from etl_assets.orchestration.assets.leads import resolve_config
    from etl_assets.resolve.refresh import refresh_leads

    cfg = resolve_config()
    before = _peak_mib()
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("BEGIN")
    refresh = refresh_leads(con, cfg, full=full)
    con.execute("COMMIT")
    con.close()
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "refresh_s": refresh.timings["refresh_s"], "mode": refresh.mode, "reason": refresh.reason, "changed": refresh.changed,
            "resolved": refresh.resolved, "peak_mib": _peak_mib(), "peak_before_mib": before,
            "timings": {k: round(v, 3) for k, v in refresh.timings.items() if k.endswith("_s")}}


def step_refresh_postgres(url: str) -> dict:
    from etl_assets import warehouse
    from etl_assets.orchestration.assets.leads import resolve_config
    from etl_assets.resolve.refresh import refresh_leads
    from etl_assets.warehouse import scopes
    from etl_assets.warehouse.postgres import mirror

    cfg = resolve_config()
    before = _peak_mib()
    t0 = time.perf_counter()
    with mirror.session(url, scopes.leads_refresh()) as con, warehouse.transaction(con):
        refresh = refresh_leads(con, cfg)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "refresh_s": refresh.timings["refresh_s"], "mode": refresh.mode, "reason": refresh.reason,
            "changed": refresh.changed, "resolved": refresh.resolved, "peak_mib": _peak_mib(),
            "peak_before_mib": before, "timings": {k: round(v, 3) for k, v in refresh.timings.items() if k.endswith("_s")}}


COMPARED = ("leads", "lead_sources", "lead_review", "lead_match_state", "lead_block_keys")


def _same_as_postgres(db: Path, url: str) -> dict:
    """Rows that differ between the DuckDB file's tables and the server's (read by a mirror session)."""
    from etl_assets.warehouse.postgres import mirror
    from etl_assets.warehouse.scopes import Scope

    out = {}
    with mirror.session(url, Scope("bench compare", reads=tuple((f"main.{t}", None) for t in COMPARED))) as mem:
        mem.execute(f"ATTACH '{db}' AS a (READ_ONLY)")
        for table in COMPARED:
            cols = ", ".join(f'"{c}"' for (c,) in mem.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'a' AND table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall())
            out[table] = int(mem.execute(
                f"SELECT count(*) FROM ((SELECT {cols} FROM a.{table} EXCEPT ALL SELECT {cols} FROM main.{table}) "
                f"UNION ALL (SELECT {cols} FROM main.{table} EXCEPT ALL SELECT {cols} FROM a.{table}))").fetchone()[0])
    return out


def _same_tables(a: Path, b: Path) -> dict:
    import duckdb

    out = {}
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    for table in ("leads", "lead_sources", "lead_review", "lead_match_state"):
        diff = con.execute(f"SELECT count(*) FROM ((SELECT * FROM a.{table} EXCEPT ALL SELECT * FROM b.{table}) "
                           f"UNION ALL (SELECT * FROM b.{table} EXCEPT ALL SELECT * FROM a.{table}))").fetchone()[0]
        out[table] = int(diff)
    con.close()
    return out


def _child(step: str, *args: str) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_incremental", "--step", step, *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(rows: int, small: int, work: Path, postgres: bool = False, full: bool = True) -> dict:
    """``work`` may hold a warehouse built by an earlier run with the same sizes (``--work``): reused."""
    db = work / "warehouse.duckdb"
    built = work / f"built-{rows}-{small}.json"
    if built.exists():
        build, delivery = json.loads(built.read_text())
    else:
        db.unlink(missing_ok=True)
        build = _child("build", str(db), str(rows))
        delivery = _child("delivery", str(db), str(small))
        built.write_text(json.dumps([build, delivery]))
    inc_db, full_db = work / "incremental.duckdb", work / "full.duckdb"
    shutil.copy(db, inc_db)
    shutil.copy(db, full_db)
    out = {"rows": rows, "small": small, "build": build, "delivery": delivery,
           "incremental": _child("refresh", str(inc_db), "incremental")}
    if full:
        out["full"] = _child("refresh", str(full_db), "full")
        out["differences"] = _same_tables(inc_db, full_db)
    if postgres:
        from benchmarks.bench_pg_reads import clone_into_postgres  # (it builds its warehouse with this module)
        import psycopg

        from etl_assets.devtools import local_postgres

        with local_postgres.running_cluster() as cluster:
            url = cluster.create_database("bench_incremental")
            t0 = time.perf_counter()
            clone_into_postgres(db, url)
            with psycopg.connect(url, autocommit=True) as pg:
                pg.execute("ANALYZE")  # as autovacuum (or a full refresh's write-back) leaves the tables
            clone_s = time.perf_counter() - t0
            out["postgres"] = {**_child("refresh-postgres", url), "clone_s": clone_s,
                               "differences_vs_duckdb": _same_as_postgres(inc_db, url)}
    return out


def report(r: dict, command: str) -> str:
    inc, full, pg, build = r["incremental"], r.get("full"), r.get("postgres"), r["build"]
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        f"# Incremental leads refresh ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        f"- command: `{command}`", f"- code: git {sha}; machine: nproc=2, {platform.machine()}, Python {platform.python_version()}",
        f"- goal: {GOAL}", "",
        f"Warehouse: {r['delivery']['live_records']:,} live records ({r['rows']:,} synthetic + a {r['small']}-record "
        f"`directory` delivery). Building it: history {build['history_s']:.1f} s, first refresh (full, trains the model) "
        f"{build['first_refresh_s']:.1f} s, peak RSS {build['peak_mib']:,.0f} MiB.", "",
        "| refresh after the small delivery | mode | records re-resolved | wall s | x incremental | peak RSS MiB (process) |",
        "|---|---|---|---|---|---|",
        f"| incremental (default) | {inc['mode']} | {inc['resolved']:,} | **{inc['wall_s']:.2f}** | 1.0x | **{inc['peak_mib']:,.0f}** |",
    ]
    if full:
        lines.append(f"| full re-resolve, same model (`full: true`) | {full['mode']} | {full['resolved']:,} | "
                     f"{full['wall_s']:.2f} | {full['wall_s'] / inc['wall_s']:.1f}x | {full['peak_mib']:,.0f} |")
    if pg:
        lines.append(f"| incremental on PostgreSQL (server) | {pg['mode']} | {pg['resolved']:,} | **{pg['wall_s']:.2f}** | "
                     f"**{pg['wall_s'] / inc['wall_s']:.1f}x** | {pg['peak_mib']:,.0f} |")
    lines += ["", f"Incremental: {inc['reason']}. Its parts (s): {inc['timings']}. Peak RSS after imports, before the "
              f"refresh: {inc['peak_before_mib']:,.0f} MiB.", ""]
    if full:
        lines += [f"Rows that differ between the two results (EXCEPT ALL both ways): {r['differences']} (0 = identical).", ""]
    if pg:
        lines += [f"PostgreSQL 15 (fsync off, cloned in {pg['clone_s']:.0f} s): {pg['reason']}. Its parts (s): "
                  f"{pg['timings']}. Rows that differ from DuckDB's incremental result: {pg['differences_vs_duckdb']} "
                  "(0 = identical).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "incremental.md")
    ap.add_argument("--work", type=Path, help="keep the built warehouse here and reuse it in later runs")
    ap.add_argument("--backend", choices=("duckdb", "postgres"), default="duckdb",
                    help="postgres: also the incremental refresh on a throw-away PostgreSQL cluster, same run")
    ap.add_argument("--no-full", action="store_true", help="skip the full re-resolve (minutes at 1M)")
    ap.add_argument("--step", nargs="+", help=argparse.SUPPRESS)  # internal: one child step
    args = ap.parse_args(argv)
    if args.step:
        name, db, *rest = args.step
        if name == "refresh-postgres":
            out = step_refresh_postgres(db)
        elif name == "build":
            out = step_build(Path(db), int(rest[0]))
        elif name == "delivery":
            out = step_delivery(Path(db), int(rest[0]))
        else:
            out = step_refresh(Path(db), full=rest[0] == "full")
        print(json.dumps(out))
        return 0
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        r = run(args.rows, args.small, args.work, args.backend == "postgres", not args.no_full)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
            r = run(args.rows, args.small, Path(tmp), args.backend == "postgres", not args.no_full)
    text = report(r, "python -m benchmarks.bench_incremental " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
