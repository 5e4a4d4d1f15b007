"""PostgreSQL readers: the checks, the leads checks and the CRM export through the mirror (before:
the scope's rows copied into DuckDB) and on the server (after: ``connection.py``), in one run, on
one warehouse; and the incremental leads refresh on PostgreSQL (still a mirror) next to DuckDB.

    .venv/bin/python -m benchmarks.bench_pg_reads [--rows 200000] [--small 100]

1. build: bench_incremental's warehouse (``--rows`` synthetic records over three sources, SCD2
   history, the first leads refresh: a full resolve) in a DuckDB file; cloned into a throw-away
   PostgreSQL 15 cluster (fsync off) through one mirror session (every table replaced). Not timed.
2. reads, each a median of 3, before and after: the per-delivery checks of a ``--small``-record
   delivery of the largest source (load-log row, previous profile, live count, delete-guard
   preview); the leads checks (lead id collisions, resolution coverage, freshness); the net-new
   CRM export to a local CSV (the export asset and ``export-leads``). DuckDB's same calls on the
   file are the floor.
3. a ``--small``-record delivery of a new source applied on both backends, then the incremental
   leads refresh as the asset runs it (one session with its commit), wall time, on each backend.
Writes benchmarks/results/pg_reads.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.bench_incremental import ROOT, _apply, step_build

RESULTS = ROOT / "benchmarks" / "results" / "pg_reads.md"
REPEATS = 3


def _median(func) -> float:
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def clone_into_postgres(db: Path, url: str) -> None:
    """Every table of the DuckDB warehouse written to PostgreSQL by one mirror session."""
    from etl_assets.warehouse import backend
    from etl_assets.warehouse.postgres import mirror
    from etl_assets.warehouse.scopes import Scope
    from etl_assets.warehouse.tables import TABLES

    every = tuple((t, None) for t in TABLES)
    with mirror.session(url, Scope("bench clone", replaces=every)) as mem:
        mem.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
        for table in TABLES:
            name = table.split(".", 1)[1]
            cols = dict(mem.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'src' "
                "AND table_name = ? ORDER BY ordinal_position", [name]).fetchall())
            if not cols:
                continue
            if TABLES[table].grows:
                backend.add_columns(mem, table, cols)
            else:
                mem.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM src.{name} LIMIT 0")
            quoted = ", ".join(backend.quote_ident(c) for c in cols)
            mem.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM src.{name}")
        mem.execute("DETACH src")


def publish_views(db: Path, url: str, work: Path) -> None:
    """The analyst views in the file and on the server, as the leads refresh leaves them."""
    from etl_assets import warehouse
    from etl_assets.orchestration.resources import warehouse_resource

    with duckdb.connect(str(db)) as con, warehouse.transaction(con):
        warehouse.create_analyst_views(con, "salesforce")
    warehouse_resource(url, work / "storage").refresh_analyst_views("salesforce")


def old_scope(scope):
    """The scope as it was before the readers: the same rows, copied into a mirror."""
    import dataclasses

    return dataclasses.replace(scope, in_server=False)


def delivery_checks(con, source: str, key: str, day, records) -> None:
    from etl_assets import warehouse
    from etl_assets.stages import preview

    previous = warehouse.previous_delivery(con, source, key, day)
    if previous:
        warehouse.column_profile(con, source, previous["delivery_key"])
    warehouse.live_count(con, source)
    preview.preview_delivery(con, source, key, day, records)


def leads_checks(con) -> None:
    from etl_assets import warehouse

    warehouse.lead_id_collisions(con)
    warehouse.resolution_coverage(con)
    warehouse.newest_delivery_dates(con)


def export(con, out: Path, create: bool) -> int:
    from etl_assets import warehouse
    from etl_assets.exports.crm import export_leads
    from etl_assets.warehouse.exports import ExportFilter

    if create:
        with warehouse.transaction(con):
            warehouse.create_analyst_views(con, "salesforce")
    return export_leads(con, ExportFilter(net_new=True), str(out))


def reads(db: Path, url: str, work: Path, small: int) -> dict:
    from scripts.make_er_benchmark import make_scaled

    from etl_assets.orchestration.resources import warehouse_resource
    from etl_assets.warehouse import scopes
    from etl_assets.warehouse.postgres import mirror

    with duckdb.connect(str(db), read_only=True) as con:
        source = con.execute("SELECT _source FROM source_current GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        live = con.execute("SELECT count(*) FROM source_current").fetchone()[0]
        versions = con.execute("SELECT count(*) FROM source_history WHERE _source = ?", [source]).fetchone()[0]
    records = make_scaled(small, seed=5).drop(columns="true_id").assign(_source=source)
    records["_record_key"] = [f"X-{i}" for i in range(len(records))]
    key, day = f"{source}/bench-small", dt.date(2026, 11, 3)
    records["_delivery_key"] = key
    pg = warehouse_resource(url, work / "storage")
    out = {"source": source, "live": live, "source_versions": versions}
    cases = {
        "delivery checks": (scopes.source_read(source), lambda c: delivery_checks(c, source, key, day, records)),
        "leads checks": (scopes.leads_read(), leads_checks),
        "net-new export": (scopes.analyst_read(), None),
    }
    for name, (scope, func) in cases.items():
        def before():
            with mirror.session(url, old_scope(scope)) as con:
                export(con, work / "before.csv", create=True) if func is None else func(con)

        def after():
            if func is None:
                pg.refresh_analyst_views("salesforce", replace=False)
            with pg.open(scope) as con:
                export(con, work / "after.csv", create=False) if func is None else func(con)

        def floor():
            with duckdb.connect(str(db), read_only=True) as con:
                export(con, work / "duck.csv", create=False) if func is None else func(con)

        out[name] = {"duckdb": _median(floor), "before": _median(before), "after": _median(after)}
    out["export_same_bytes"] = (work / "before.csv").read_bytes() == (work / "after.csv").read_bytes() \
        == (work / "duck.csv").read_bytes()
    return out


def leads_refresh(db: Path, url: str, small: int) -> dict:
    from scripts.make_er_benchmark import make_scaled

    from etl_assets import warehouse
    from etl_assets.orchestration.assets.leads import resolve_config
    from etl_assets.resolve.refresh import refresh_leads
    from etl_assets.warehouse import scopes
    from etl_assets.warehouse.postgres import mirror

    records = make_scaled(small, seed=99).drop(columns="true_id").assign(_source="directory")
    records["_record_key"] = [f"D-{i}" for i in range(len(records))]
    day = dt.date(2026, 11, 2)
    with duckdb.connect(str(db)) as con, warehouse.transaction(con):
        _apply(con, records, day)
    with mirror.session(url, scopes.source_load("directory")) as con, warehouse.transaction(con):
        _apply(con, records, day)
    cfg, found = resolve_config(), {}
    t = time.perf_counter()
    with duckdb.connect(str(db)) as con, warehouse.transaction(con):
        r = refresh_leads(con, cfg)
    found["duckdb"] = {"wall_s": time.perf_counter() - t, "mode": r.mode, "resolved": r.resolved}
    phases = {}

    def timed(name, func):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    read, write = mirror._read, mirror._write
    mirror._read, mirror._write = timed("mirror read", read), timed("mirror write", write)  # timing only
    try:
        t = time.perf_counter()
        with mirror.session(url, scopes.leads_refresh()) as con, warehouse.transaction(con):
            r = refresh_leads(con, cfg)
        found["postgres"] = {"wall_s": time.perf_counter() - t, "mode": r.mode, "resolved": r.resolved,
                             "phases": {k: round(v, 2) for k, v in phases.items()}}
    finally:
        mirror._read, mirror._write = read, write
    return found


def report(r: dict, command: str) -> str:
    lines = [f"## PostgreSQL readers ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)", "",
             f"`{command}` on {platform.node()} (2 cores, shared), PostgreSQL 15 (fsync off).", "",
             f"Warehouse: {r['reads']['live']:,} live records; the checked source `{r['reads']['source']}` has "
             f"{r['reads']['source_versions']:,} versions. Medians of {REPEATS}.", "",
             "| unit of work | DuckDB file | PostgreSQL before (mirror) | PostgreSQL after (server) | before / after | after / DuckDB |",
             "|---|---|---|---|---|---|"]
    for name in ("delivery checks", "leads checks", "net-new export"):
        c = r["reads"][name]
        lines.append(f"| {name} | {c['duckdb']:.2f} s | {c['before']:.2f} s | {c['after']:.2f} s | "
                     f"{c['before'] / c['after']:.1f}x | {c['after'] / c['duckdb']:.1f}x |")
    lines += ["", f"Export CSV identical from all three: {r['reads']['export_same_bytes']}.", ""]
    lr = r["refresh"]
    lines += [f"Incremental leads refresh after a {r['small']}-record delivery (one run each, still a mirror on "
              f"PostgreSQL): DuckDB {lr['duckdb']['wall_s']:.1f} s ({lr['duckdb']['mode']}, {lr['duckdb']['resolved']:,} "
              f"re-resolved), PostgreSQL {lr['postgres']['wall_s']:.1f} s ({lr['postgres']['mode']}, "
              f"{lr['postgres']['resolved']:,} re-resolved): **{lr['postgres']['wall_s'] / lr['duckdb']['wall_s']:.1f}x**; "
              f"of the PostgreSQL time (s): {lr['postgres'].get('phases', {})}.",
              "", f"Peak RSS of the benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    from etl_assets.devtools import local_postgres

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pg-reads-") as tmp, local_postgres.running_cluster() as cluster:
        work = Path(tmp)
        db = work / "warehouse.duckdb"
        t = time.perf_counter()
        step_build(db, args.rows)
        url = cluster.create_database("bench_reads")
        clone_into_postgres(db, url)
        publish_views(db, url, work)
        print(f"built in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
        result = {"reads": reads(db, url, work, args.small), "small": args.small}
        result["refresh"] = leads_refresh(db, url, args.small)
    text = report(result, "python -m benchmarks.bench_pg_reads " + " ".join(argv if argv is not None else sys.argv[1:]))
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
