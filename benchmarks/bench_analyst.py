"""Benchmark of the analyst views and the CRM export at scale: do the views stay cheap, and does the
export stream (memory bounded by its batch, not by the leads)?

    .venv/bin/python benchmarks/bench_analyst.py [--deliveries 10] [--records 100000] [--seed 7]

The history is bench_history's synthetic source (``--records`` live records, each next delivery
changing ~2%, deleting ~1%, adding ~1%), applied in order with the real ``apply_delivery``. Leads are
then written straight from the live records (one lead per record, every 10th in the CRM; resolution
has its own benchmark) with a crosswalk, and the views are created with ``create_analyst_views``.
Reported, each a median of 3 in the same process: the floor (DuckDB's own ``COPY (SELECT * FROM
leads) TO csv``), creating the views, materializing each view whole (``CREATE TEMP TABLE AS SELECT *``),
and ``export_leads`` of every lead to CSV (batches of 50,000, ``to_safe_csv``), with its ratio to
the floor; and the process's peak RSS before and after the exports (``getrusage``). Writes
benchmarks/results/analyst.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

from benchmarks.bench_history import Generator
from etl_assets.exports.crm import export_leads
from etl_assets.stages.history import apply_delivery
from etl_assets.warehouse import ANALYST_VIEWS, create_analyst_views, ensure_warehouse
from etl_assets.warehouse.exports import ExportFilter

REPEATS = 3


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_seconds(func) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(con: duckdb.DuckDBPyConnection, deliveries: int, records: int, seed: int) -> None:
    gen = Generator(records, seed)
    con.execute("BEGIN")
    ensure_warehouse(con)
    con.execute("COMMIT")
    for i in range(deliveries):
        day = date(2023, 1, 1) + timedelta(days=7 * i)
        key = f"bench/{day.strftime('%m-%d-%Y')} synthetic.csv"
        if i:
            gen.step()
        frame = gen.records(key, pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=i))
        con.execute("BEGIN")
        apply_delivery(con, "bench", key, f"etag-{key}", day, frame)
        con.execute(f"UPDATE deliveries SET rows_read = {len(frame)}, rows_quarantined = 0, rows_collapsed = 0, "
                    f"loaded_at = now() WHERE _delivery_key = ?", [key])
        con.execute("COMMIT")
    con.execute("BEGIN")
    con.execute("""CREATE OR REPLACE TABLE leads AS
        SELECT 'L' || _record_key AS lead_id, company, phone, address1, city, zip, license_status, email, capacity,
               'NV' AS state, 1 AS record_count, 1.0 AS source_count, 'bench' AS sources,
               (CAST(substr(_record_key, 2) AS BIGINT) % 10 = 0) AS is_existing_crm_lead, true AS is_live,
               NOT (CAST(substr(_record_key, 2) AS BIGINT) % 10 = 0) AS is_net_new
        FROM source_current""")
    con.execute("""CREATE OR REPLACE TABLE lead_sources AS
        SELECT _source, _record_key, 'L' || _record_key AS lead_id, 'singleton' AS match_rule,
               CAST(NULL AS DOUBLE) AS match_score, CAST(NULL AS VARCHAR) AS matched_to FROM source_current""")
    create_analyst_views(con, "salesforce")
    con.execute("COMMIT")


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=10)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "analyst.md")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "warehouse.duckdb"))
        start = time.perf_counter()
        build(con, args.deliveries, args.records, args.seed)
        rows.append(("build (history applies + leads), not in any ratio", f"{time.perf_counter() - start:.1f} s"))
        counts = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in ANALYST_VIEWS}
        history = con.execute("SELECT count(*) FROM source_history").fetchone()[0]
        leads = con.execute("SELECT count(*) FROM leads").fetchone()[0]
        rows.append(("history rows / leads", f"{history:,} / {leads:,}"))
        floor = median_seconds(lambda: con.execute(f"COPY (SELECT * FROM leads) TO '{tmp}/floor.csv' (HEADER)"))
        rows.append(("floor: COPY leads TO csv", f"{floor * 1000:.0f} ms"))

        def create() -> None:
            con.execute("BEGIN")
            create_analyst_views(con, "salesforce")
            con.execute("COMMIT")

        rows.append(("create_analyst_views", f"{median_seconds(create) * 1000:.0f} ms"))
        for view in ANALYST_VIEWS:
            def materialize(view: str = view) -> None:
                con.execute(f"CREATE OR REPLACE TEMP TABLE bench_view AS SELECT * FROM {view}")
            seconds = median_seconds(materialize)
            rows.append((f"{view.split('.')[-1]} ({counts[view]:,} rows)", f"{seconds * 1000:.0f} ms ({seconds / floor:.1f}x floor)"))
        before = peak_rss_mib()
        written = []
        export_s = median_seconds(lambda: written.append(export_leads(con, ExportFilter(), f"{tmp}/export.csv")))
        net_new_s = median_seconds(lambda: written.append(export_leads(con, ExportFilter(net_new=True), f"{tmp}/nn.csv")))
        after = peak_rss_mib()
        rows.append((f"export_leads, all ({written[0]:,} leads)", f"{export_s:.2f} s ({export_s / floor:.1f}x floor, "
                     f"{written[0] / export_s:,.0f} leads/s)"))
        rows.append((f"export_leads --net-new ({written[-1]:,} leads)", f"{net_new_s:.2f} s"))
        rows.append(("peak RSS before / after the exports", f"{before:.0f} / {after:.0f} MiB"))
        con.close()
    text = "\n".join([
        "# Analyst views and CRM export", "",
        f"`.venv/bin/python benchmarks/bench_analyst.py --deliveries {args.deliveries} --records {args.records}` "
        f"({platform.python_version()}, duckdb {duckdb.__version__}; medians of {REPEATS})", "",
        "| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows), ""])
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return text


if __name__ == "__main__":
    main()
