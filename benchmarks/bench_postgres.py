"""PostgreSQL warehouse next to DuckDB, in one run, on a throw-away PostgreSQL 15 cluster.

    .venv/bin/python -m benchmarks.bench_postgres [--rows 1000000] [--small 100] [--small-rows 100]
    (also: .venv/bin/python -m benchmarks.run --only postgres)

1. One big delivery (synthetic Texas, ``--rows``) end to end without Dagster: land → normalize →
   dedup (the same code and time for both backends, measured once) → load into each backend.
   Floors in the same run: DuckDB ``read_csv`` of the same file into a table; PostgreSQL ``COPY``
   of the same file into an UNLOGGED table of text columns. Ratios: each backend's load to its floor,
   PostgreSQL end to end to DuckDB end to end (goal: within 2x).
2. ``--small`` deliveries of ``--small-rows`` records round-robin over three sources, prepared
   (land → normalize → dedup) first, then loaded: one at a time into DuckDB and into PostgreSQL
   (median per delivery), and into PostgreSQL by three processes at once, one per source (goal:
   throughput at least 1.5x one at a time on this 2-core machine).
Peak RSS of this process (``resource.getrusage``). Results: benchmarks/results/postgres.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import psycopg

from benchmarks.generate import PROJECT_ROOT, generate
from etl_assets.devtools import local_postgres
from etl_assets.orchestration.resources import warehouse_resource
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.load import load_delivery
from etl_assets.warehouse import scopes

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "postgres.md"
LANDED_AT = pd.Timestamp("2024-01-15T12:00:00Z")
SOURCES = ("nevada", "oklahoma", "texas")


def prepare(source: str, path: Path, key: str):
    spec = spec_by_name(source, load_specs())
    with path.open("rb") as stream:
        staged = stage_delivery(stream, spec, leads_schema(), key, '"bench"', LANDED_AT, f"s3://bench/{key}",
                                path.parent / f"{path.stem}-stages", strict=False)
    return spec, key, staged.normalized.file, staged.deduped.file


def load(target: str, prepared) -> float:
    spec, key, normalized, deduped = prepared
    t = time.perf_counter()
    with warehouse_resource(target).open(scopes.source_load(spec.source)) as con:
        load_delivery(con, spec, key, normalized, deduped, "bench")
    return time.perf_counter() - t


def duckdb_floor(path: Path, encoding: str, workdir: Path) -> float:
    con = duckdb.connect(str(workdir / "floor.duckdb"))
    t = time.perf_counter()
    con.execute("CREATE OR REPLACE TABLE floor AS SELECT * FROM read_csv(?, all_varchar = true, encoding = ?)",
                [str(path), "latin-1" if encoding.lower() in ("cp1252", "latin-1") else "utf-8"])
    seconds = time.perf_counter() - t
    con.close()
    return seconds


def postgres_floor(url: str, path: Path, encoding: str) -> float:
    header = path.read_bytes().split(b"\n", 1)[0].decode(encoding).rstrip("\r").split(",")
    with psycopg.connect(url, autocommit=True) as con:
        cols = ", ".join(f'"c{i}" text' for i in range(len(header)))
        con.execute(f"CREATE UNLOGGED TABLE floor ({cols})")
        pg_encoding = "WIN1252" if encoding.lower() == "cp1252" else "UTF8"
        t = time.perf_counter()
        with path.open("rb") as f, con.cursor().copy(
                f"COPY floor FROM STDIN (FORMAT csv, HEADER true, ENCODING '{pg_encoding}')") as cp:
            while chunk := f.read(1 << 20):
                cp.write(chunk)
        return time.perf_counter() - t


def _load_many(args) -> list[float]:
    target, items = args
    return [load(target, p) for p in items]


def small_deliveries(cluster, workdir: Path, count: int, rows: int) -> dict:
    prepared = []
    base = dt.date(2024, 1, 1)
    for i in range(count):
        source, j = SOURCES[i % 3], i // 3
        key = f"{source}/{base + dt.timedelta(days=i):%m-%d-%Y} bench-{i:04d}.csv"
        path = generate(source, rows, workdir / "small" / f"{i:04d}.csv", first_id=1 + 10 * j, revision=j).path
        prepared.append(prepare(source, path, key))
    duck = str(workdir / "small.duckdb")
    duck_times = [load(duck, p) for p in prepared]
    pg_seq = cluster.create_database("small_one_by_one")
    t = time.perf_counter()
    pg_times = [load(pg_seq, p) for p in prepared]
    seq_wall = time.perf_counter() - t
    pg_par = cluster.create_database("small_parallel")
    by_source = [[p for p in prepared if p[0].source == s] for s in SOURCES]
    with mp.get_context("fork").Pool(3) as pool:
        t = time.perf_counter()
        pool.map(_load_many, [(pg_par, items) for items in by_source])
        par_wall = time.perf_counter() - t
    return {"count": count, "rows": rows, "duckdb_median": statistics.median(duck_times),
            "pg_median": statistics.median(pg_times), "seq_wall": seq_wall, "par_wall": par_wall}


def big_delivery(cluster, workdir: Path, rows: int) -> dict:
    generated = generate("texas", rows, workdir / "big.csv")
    key = "texas/01-15-2024 Texas DHHS.csv"
    t = time.perf_counter()
    prepared = prepare("texas", generated.path, key)
    stages = time.perf_counter() - t
    duck_load = load(str(workdir / "big.duckdb"), prepared)
    pg_load = load(cluster.create_database("big"), prepared)
    floors = {"duckdb": [duckdb_floor(generated.path, generated.encoding, workdir) for _ in range(3)],
              "postgres": [postgres_floor(cluster.create_database(f"floor{i}"), generated.path, generated.encoding)
                           for i in range(3)]}
    return {"rows": rows, "bytes": generated.bytes, "stages": stages, "duckdb_load": duck_load, "pg_load": pg_load,
            "duckdb_floor": statistics.median(floors["duckdb"]), "pg_floor": statistics.median(floors["postgres"])}


def report(big: dict, small: dict, command: str) -> str:
    duck_e2e, pg_e2e = big["stages"] + big["duckdb_load"], big["stages"] + big["pg_load"]
    return f"""## PostgreSQL vs DuckDB warehouse ({dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z})

`{command}` on {platform.node()} ({mp.cpu_count()} cores, shared), PostgreSQL 15 (fsync off: a test cluster).

One delivery: {big['rows']:,} Texas records ({big['bytes'] / 2**20:.0f} MiB); land → normalize → dedup {big['stages']:.1f} s (same for both).

| | load | floor (same file) | load / floor | end to end |
|---|---|---|---|---|
| DuckDB | {big['duckdb_load']:.1f} s | read_csv {big['duckdb_floor']:.2f} s | {big['duckdb_load'] / big['duckdb_floor']:.1f}x | {duck_e2e:.1f} s |
| PostgreSQL | {big['pg_load']:.1f} s | COPY into UNLOGGED {big['pg_floor']:.2f} s | {big['pg_load'] / big['pg_floor']:.1f}x | {pg_e2e:.1f} s |

PostgreSQL end to end / DuckDB end to end: **{pg_e2e / duck_e2e:.2f}x** (goal ≤ 2x); load alone {big['pg_load'] / big['duckdb_load']:.2f}x.

{small['count']} small deliveries ({small['rows']} records, three sources): median load DuckDB {small['duckdb_median']:.3f} s,
PostgreSQL {small['pg_median']:.3f} s; PostgreSQL one at a time {small['seq_wall']:.1f} s, three processes at once
{small['par_wall']:.1f} s: **{small['seq_wall'] / small['par_wall']:.2f}x** the throughput (goal ≥ 1.5x).

Peak RSS of the benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB.
"""


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--small-rows", type=int, default=100)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    command = "python -m benchmarks.bench_postgres " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
    with tempfile.TemporaryDirectory(prefix="etl-bench-pg-") as tmp, local_postgres.running_cluster() as cluster:
        workdir = Path(tmp)
        small = small_deliveries(cluster, workdir, args.small, args.small_rows)
        big = big_delivery(cluster, workdir, args.rows)
    text = report(big, small, command.strip())
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
    return text


if __name__ == "__main__":
    main()
