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
import contextlib
import cProfile
import datetime as dt
import io
import multiprocessing as mp
import os
import platform
import pstats
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.generate import PROJECT_ROOT, SOURCES, generate

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "foundation.md"
README_FILE = Path(__file__).resolve().parent / "README.md"
LATEST_START, LATEST_END = "<!-- latest:start (written by benchmarks/run.py) -->", "<!-- latest:end -->"
BENCHMARKS = ("one_delivery", "normalize_stage", "small_deliveries")
STAGES = ("raw", "normalized", "deduped", "warehouse")
GOALS = {
    "one_delivery": "end-to-end within 10x the DuckDB floor; peak RSS under 2 GiB",
    "normalize_stage": "normalize within 20x the DuckDB floor; peak RSS under 2 GiB",
    "small_deliveries": "median seconds per delivery (all four stages) under 2 s",
}
MIB = 1024 * 1024
FLOOR_REPEATS = 3
DELIVERY_DATE = "01-15-2024"  # in the key: every source's mapping takes the delivery date from it


# ----------------------------------------------------------------------------- child side


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class RssSampler(threading.Thread):
    """Samples this process's RSS every ``interval`` s, to attribute peaks to time windows (steps)."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.time(), _rss_bytes()))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def peak_mib(self, start: float | None, end: float | None) -> float | None:
        if start is None or end is None:
            return None
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside) / MIB if inside else None


def _child_env(workdir: Path) -> None:
    """Environment of a benchmark child: everything under its temp dir, dummy local credentials."""
    from etl_assets import local_s3

    for key, value in local_s3.LOCAL_CREDENTIALS.items():
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ["DAGSTER_HOME"] = str(workdir / "dagster_home")
    os.environ["ETL_WAREHOUSE_PATH"] = str(workdir / "warehouse.duckdb")
    os.environ["ETL_STORAGE_DIR"] = str(workdir / "storage")
    os.environ["ETL_S3_BUCKET"] = "bench-deliveries"


def _resources(endpoint: str, bucket: str, workdir: Path) -> dict:
    """The tests' resource set (etl_assets.resources.build_resources), pointed at this benchmark's temp dir."""
    from etl_assets.resources import build_resources

    return build_resources(
        bucket=bucket, endpoint_url=endpoint, warehouse=workdir / "warehouse.duckdb",
        storage_dir=workdir / "storage", region="us-east-1",
    )


def _runnable(chain) -> list:
    """What a run of a source's chain executes (assets, plus their checks where the chain has them)."""
    return list(getattr(chain, "definitions", None) or chain.assets)


def _partitions_name(source: str) -> str:
    try:
        from etl_assets.assets.keys import partitions_name
    except ImportError:  # older layout
        from etl_assets.assets.factory import partitions_name
    return partitions_name(source)


def _stage_of(step_key: str) -> str:
    """``texas__normalized`` -> ``normalized``; ``warehouse__leads`` -> ``leads``; checks keep their name."""
    return step_key.split("__", 1)[1] if "__" in step_key else step_key


def _step_stats(instance, run_id: str, sampler: RssSampler | None = None) -> dict[str, dict[str, float | None]]:
    out = {}
    for s in instance.get_run_step_stats(run_id):
        duration = (s.end_time - s.start_time) if s.start_time and s.end_time else None
        peak = sampler.peak_mib(s.start_time, s.end_time) if sampler else None
        out[_stage_of(s.step_key)] = {"seconds": duration, "peak_rss_mib": peak}
    return out


def _materialization_metadata(result, key_path: list[str]) -> dict[str, Any]:
    for event in result.get_asset_materialization_events():
        if list(event.asset_key.path) == key_path:
            return {k: v.value for k, v in event.materialization.metadata.items() if isinstance(v.value, (int, float, str))}
    return {}


def bench_floor(workdir: Path, file: str, encoding: str, repeats: int = FLOOR_REPEATS) -> dict[str, Any]:
    """DuckDB's own read_csv of the file into a table of a DuckDB file (connect → CREATE → close)."""
    import duckdb

    note = ""
    duck_encoding = {"utf-8": "utf-8", "cp1252": "cp1252"}.get(encoding, encoding)
    path = Path(file)
    if duck_encoding != "utf-8":
        probe = duckdb.connect()
        try:
            with contextlib.suppress(duckdb.Error):
                probe.execute("LOAD encodings")  # only if already installed: no download here
            probe.execute(f"SELECT count(*) FROM read_csv({_sql_str(path)}, all_varchar=true, header=true, encoding={_sql_str(duck_encoding)})")
        except duckdb.Error as exc:
            first_line = str(exc).splitlines()[0]
            utf8 = workdir / (path.stem + ".utf8.csv")
            with open(path, encoding=encoding, newline="") as src, open(utf8, "w", encoding="utf-8", newline="") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            note = (
                f"DuckDB {duckdb.__version__} cannot read {encoding} ({first_line}); the floor is measured on a "
                "UTF-8 transcoding of the same file (same rows, same fields)"
            )
            path, duck_encoding = utf8, "utf-8"
        finally:
            probe.close()
    times, rows = [], 0
    for i in range(repeats):
        db = workdir / f"floor-{i}.duckdb"
        t0 = time.perf_counter()
        con = duckdb.connect(str(db))
        con.execute(
            f"CREATE TABLE t AS SELECT * FROM read_csv({_sql_str(path)}, all_varchar=true, header=true, encoding={_sql_str(duck_encoding)})"
        )
        con.close()
        times.append(time.perf_counter() - t0)
        rows = duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM t").fetchone()[0]
        db.unlink()
    return {
        "seconds": statistics.median(times),
        "all_seconds": times,
        "rows": rows,
        "threads": duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0],
        "note": note,
        "duckdb": duckdb.__version__,
    }


def _sql_str(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _upload(endpoint: str, bucket: str, files: list[tuple[str, str]]) -> float:
    from etl_assets import local_s3

    s3 = local_s3.client(endpoint)
    s3.create_bucket(Bucket=bucket)
    t0 = time.perf_counter()
    for path, key in files:
        s3.upload_file(path, bucket, key)
    return time.perf_counter() - t0


def bench_one_delivery(workdir: Path, file: str, source: str, rows: int) -> dict[str, Any]:
    """One delivery: bucket → raw → normalized → deduped → warehouse, then warehouse/leads."""
    from dagster import materialize

    from etl_assets import local_s3
    from etl_assets.assets.leads import build_leads_asset
    from etl_assets.definitions import build_chains
    from etl_assets.headless import dagster_instance

    bucket = "bench-deliveries"
    key = f"{source}/{DELIVERY_DATE} bench {rows} rows.csv"
    sampler = RssSampler()
    sampler.start()
    with local_s3.moto_server() as endpoint:
        upload_s = _upload(endpoint, bucket, [(file, key)])
        resources = _resources(endpoint, bucket, workdir)
        instance = dagster_instance()
        try:
            chains = build_chains()
            chain = next(c for c in chains if c.spec.source == source)
            instance.add_dynamic_partitions(_partitions_name(source), [key])
            t0 = time.perf_counter()
            chain_result = materialize(_runnable(chain), partition_key=key, instance=instance, resources=resources)
            t1 = time.perf_counter()
            leads_result = materialize(
                [build_leads_asset([c.warehouse_key for c in chains])], instance=instance, resources=resources
            )
            t2 = time.perf_counter()
            steps = _step_stats(instance, chain_result.run_id, sampler)
            steps.update(_step_stats(instance, leads_result.run_id, sampler))
            counts = _materialization_metadata(chain_result, [source, "warehouse"])
            leads_rows = _materialization_metadata(leads_result, ["warehouse", "leads"]).get("dagster/row_count")
        finally:
            instance.dispose()
    sampler.stop()
    return {
        "source": source,
        "rows": rows,
        "bytes": Path(file).stat().st_size,
        "upload_s": upload_s,
        "chain_s": t1 - t0,
        "leads_s": t2 - t1,
        "end_to_end_s": t2 - t0,
        "steps": steps,
        "counts": counts,
        "leads_rows": leads_rows,
    }


def bench_normalize_stage(workdir: Path, file: str, source: str, rows: int) -> dict[str, Any]:
    """normalize_delivery alone on the raw frame of the delivery, with a per-transform breakdown."""
    import etl_assets.stages.normalize as normalize
    from etl_assets import local_s3
    from etl_assets.ingest import s3 as s3_ingest
    from etl_assets.sources.registry import leads_schema, load_specs
    from etl_assets.stages.land import land_delivery

    spec = next(s for s in load_specs() if s.source == source)
    bucket = "bench-deliveries"
    key = f"{source}/{DELIVERY_DATE} bench {rows} rows.csv"
    with local_s3.moto_server() as endpoint:
        _upload(endpoint, bucket, [(file, key)])
        # The raw asset's own steps, without Dagster: download, land (read, date, lineage, raw schema).
        t0 = time.perf_counter()
        download = s3_ingest.download(local_s3.client(endpoint), bucket, key)
        try:
            raw = land_delivery(download.file, spec, key, download.etag, download.last_modified, f"s3://{bucket}/{key}").frame
        finally:
            download.file.close()
        read_s = time.perf_counter() - t0
    rss_after_read = _rss_bytes() / MIB

    # Time the stage's parts inside the real call by wrapping the module's names (timing only).
    parts: dict[str, float] = {}
    per_field: list[tuple[str, float]] = []

    def timed(name: str, func):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t
                parts[name] = parts.get(name, 0.0) + elapsed
                if name == "apply_transform":
                    t_, inputs = args[0], args[1]
                    label = ", ".join(str(s.name) for s in inputs)
                    per_field.append((f"{t_.name}({label})", elapsed))

        return wrapper

    originals = {name: getattr(normalize, name) for name in ("apply_transform", "_cast", "_validate", "_json_records")}
    for name, func in originals.items():
        setattr(normalize, name, timed(name, func))
    try:
        t0 = time.perf_counter()
        result = normalize.normalize_delivery(raw, spec, leads_schema(), where=key)
        total_s = time.perf_counter() - t0
    finally:
        for name, func in originals.items():
            setattr(normalize, name, func)
    quarantined = int(result.rows[normalize.QUARANTINE_REASON].notna().sum())
    return {
        "source": source,
        "rows": len(raw),
        "read_s": read_s,
        "rss_after_read_mib": rss_after_read,
        "normalize_s": total_s,
        "parts": parts,
        "per_field": per_field,
        "quarantined": quarantined,
    }


def bench_small_deliveries(workdir: Path, count: int, rows: int, sources: list[str]) -> dict[str, Any]:
    """``count`` deliveries of ``rows`` records, round-robin over ``sources``, through run_ingest_cycle.

    Per source, delivery j holds record numbers 1+10j .. rows+10j (a full refresh: about 10% new,
    10% gone, the rest repeated; revision j changes about one in ten), so every delivery is a new
    partition and exercises inserts, updates, soft deletes and unchanged records without tripping
    the mass-delete guard.
    """
    import etl_assets.headless as headless
    from etl_assets import local_s3

    bucket = "bench-deliveries"
    files = []
    base = dt.date(2024, 1, 1)
    for i in range(count):
        source = sources[i % len(sources)]
        j = i // len(sources)
        date = base + dt.timedelta(days=i)
        key = f"{source}/{date:%m-%d-%Y} bench-{i:04d}.csv"
        path = workdir / "small" / f"{i:04d}-{source}.csv"
        generate(source, rows, path, seed=0, first_id=1 + 10 * j, revision=j)
        files.append((str(path), key))

    calls: list[dict[str, Any]] = []
    original = headless.run_job

    def timed_materialize(*args, **kwargs):
        t = time.perf_counter()
        result = original(*args, **kwargs)
        calls.append({"seconds": time.perf_counter() - t, "run_id": result.run_id, "tags": dict(kwargs.get("tags") or {}), "success": result.success})
        return result

    with local_s3.moto_server() as endpoint:
        _upload(endpoint, bucket, files)
        resources = _resources(endpoint, bucket, workdir)
        instance = headless.dagster_instance()
        headless.run_job = timed_materialize
        stdout = io.StringIO()
        try:
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(stdout):
                rc = headless.run_ingest_cycle(instance, resources)
            cycle_s = time.perf_counter() - t0
            deliveries, leads = [], None
            for call in calls:
                steps = _step_stats(instance, call["run_id"])
                entry = {"seconds": call["seconds"], "steps": steps, "success": call["success"], "source": call["tags"].get("etl/source")}
                if "etl/source" in call["tags"]:
                    deliveries.append(entry)
                else:
                    leads = entry
        finally:
            headless.run_job = original
            instance.dispose()
    return {
        "count": count,
        "rows": rows,
        "sources": sources,
        "rc": rc,
        "cycle_s": cycle_s,
        "deliveries": deliveries,
        "leads": leads,
        "summary": stdout.getvalue(),
    }


CHILD_FUNCS = {
    "floor": bench_floor,
    "one_delivery": bench_one_delivery,
    "normalize_stage": bench_normalize_stage,
    "small_deliveries": bench_small_deliveries,
}


def _child_main(name: str, workdir: str, kwargs: dict, profile: bool, conn) -> None:
    workdir_path = Path(workdir)
    workdir_path.mkdir(parents=True, exist_ok=True)
    log = open(workdir_path / "child.log", "w")  # Dagster's console logs go here, not to the table output
    os.dup2(log.fileno(), 2)
    sys.stderr = log
    try:
        _child_env(workdir_path)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        result = CHILD_FUNCS[name](workdir_path, **kwargs)
        if profiler:
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(45)
            (workdir_path / f"profile-{name}.txt").write_text(out.getvalue())
            result["profile"] = str(workdir_path / f"profile-{name}.txt")
        result["peak_rss_mib"] = _peak_rss_mib()
        conn.send(("ok", result))
    except BaseException:  # noqa: BLE001 - report anything to the parent
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


# ----------------------------------------------------------------------------- parent side


def run_child(name: str, workdir: Path, profile: bool = False, **kwargs) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child_main, args=(name, str(workdir), kwargs, profile, child))
    t0 = time.perf_counter()
    process.start()
    child.close()
    try:
        status, payload = parent.recv()
    except EOFError:
        status, payload = "error", f"child exited with code {process.exitcode} (killed? out of memory?) without a result"
    process.join()
    if status != "ok":
        log = workdir / "child.log"
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"benchmark {name} failed:\n{payload}\n--- last lines of {log}:\n{tail}")
    payload["wall_s"] = time.perf_counter() - t0
    return payload


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _fmt_n(x: float) -> str:
    return f"{x:,.0f}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _p90(values: list[float]) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def report_floor(floor: dict, gen: dict) -> str:
    rows = [
        ["input", f"{gen['source']}, {_fmt_n(gen['rows'])} rows, {gen['bytes'] / MIB:.1f} MiB, {gen['encoding']} (generated in {_fmt_s(gen['seconds'])} s)"],
        ["DuckDB read_csv → table (median of %d)" % len(floor["all_seconds"]), f"{_fmt_s(floor['seconds'])} s ({', '.join(_fmt_s(s) for s in floor['all_seconds'])}); {floor['threads']} threads; DuckDB {floor['duckdb']}"],
        ["floor rows/s", _fmt_n(floor["rows"] / floor["seconds"])],
        ["floor peak RSS (own process)", f"{floor['peak_rss_mib']:.0f} MiB"],
    ]
    text = "### floor\n\n" + _table(["what", "value"], rows)
    if floor["note"]:
        text += f"\n\nNote: {floor['note']}."
    return text


def report_one_delivery(r: dict, floor: dict) -> str:
    ratio = r["end_to_end_s"] / floor["seconds"]
    rows = [
        ["upload to S3 (not in end-to-end)", _fmt_s(r["upload_s"]), "", "", ""],
    ]
    for stage, stat in r["steps"].items():
        seconds = stat["seconds"]
        rows.append(
            [
                f"step `{stage}`",
                _fmt_s(seconds),
                _fmt_n(r["rows"] / seconds) if seconds else "–",
                f"{seconds / floor['seconds']:.1f}x" if seconds else "–",
                f"{stat['peak_rss_mib']:.0f}" if stat["peak_rss_mib"] else "–",
            ]
        )
    rows += [
        ["source chain run (materialize call)", _fmt_s(r["chain_s"]), _fmt_n(r["rows"] / r["chain_s"]), f"{r['chain_s'] / floor['seconds']:.1f}x", ""],
        ["warehouse/leads run (materialize call)", _fmt_s(r["leads_s"]), "", "", ""],
        [
            "**end-to-end** (chain + leads)",
            f"**{_fmt_s(r['end_to_end_s'])}**",
            f"**{_fmt_n(r['rows'] / r['end_to_end_s'])}**",
            f"**{ratio:.1f}x**",
            f"**{r['peak_rss_mib']:.0f}** (ru_maxrss)",
        ],
        ["floor: DuckDB read_csv", _fmt_s(floor["seconds"]), _fmt_n(floor["rows"] / floor["seconds"]), "1.0x", f"{floor['peak_rss_mib']:.0f}"],
    ]
    counts = r["counts"]
    summary = ", ".join(f"{k}={counts[k]}" for k in ("rows_read", "rows_quarantined", "rows_written", "inserted") if k in counts)
    verdict_t = "met" if ratio <= 10 else "NOT met"
    verdict_m = "met" if r["peak_rss_mib"] < 2048 else "NOT met"
    return (
        f"### one_delivery ({r['source']}, {_fmt_n(r['rows'])} rows, {r['bytes'] / MIB:.1f} MiB)\n\n"
        + _table(["stage", "seconds", "rows/s", "x floor", "peak RSS MiB"], rows)
        + f"\n\nWarehouse: {summary}; leads rows={r['leads_rows']}. Step peak RSS is sampled every 50 ms inside the step's window."
        + f"\nGoal end-to-end ≤ 10x floor: **{verdict_t}** ({ratio:.1f}x); peak RSS < 2 GiB: **{verdict_m}** ({r['peak_rss_mib']:.0f} MiB)."
    )


def report_normalize(r: dict, floor: dict) -> str:
    ratio = r["normalize_s"] / floor["seconds"]
    total = r["normalize_s"]
    rows = [[f"`{label}`", _fmt_s(s), f"{100 * s / total:.1f}%"] for label, s in r["per_field"]]
    parts = r["parts"]
    instrumented = sum(parts.values())
    rows += [
        ["all transforms (`apply_transform`)", _fmt_s(parts.get("apply_transform", 0)), f"{100 * parts.get('apply_transform', 0) / total:.1f}%"],
        ["type casts (`_cast`, every leads column)", _fmt_s(parts.get("_cast", 0)), f"{100 * parts.get('_cast', 0) / total:.1f}%"],
        ["pandera validation (`_validate`)", _fmt_s(parts.get("_validate", 0)), f"{100 * parts.get('_validate', 0) / total:.1f}%"],
        ["`_extras`/`_raw_record` JSON (`_json_records`)", _fmt_s(parts.get("_json_records", 0)), f"{100 * parts.get('_json_records', 0) / total:.1f}%"],
        ["rest (reasons, record key, concat)", _fmt_s(total - instrumented), f"{100 * (total - instrumented) / total:.1f}%"],
        [f"**normalize_delivery total** ({_fmt_n(r['rows'] / total)} rows/s, **{ratio:.1f}x floor**)", f"**{_fmt_s(total)}**", "100%"],
        ["(before: download + land_delivery, not in the ratio)", _fmt_s(r["read_s"]), ""],
    ]
    verdict = "met" if ratio <= 20 else "NOT met"
    verdict_m = "met" if r["peak_rss_mib"] < 2048 else "NOT met"
    return (
        f"### normalize_stage ({r['source']}, {_fmt_n(r['rows'])} rows)\n\n"
        + _table(["part", "seconds", "share"], rows)
        + f"\n\nQuarantined rows: {r['quarantined']}. RSS after building the raw frame: {r['rss_after_read_mib']:.0f} MiB; "
        + f"peak RSS (ru_maxrss): {r['peak_rss_mib']:.0f} MiB."
        + f"\nGoal normalize ≤ 20x floor: **{verdict}** ({ratio:.1f}x); peak RSS < 2 GiB: **{verdict_m}**."
    )


def report_small(r: dict) -> str:
    ok = [d for d in r["deliveries"] if d["success"]]
    per = [d["seconds"] for d in ok]
    rows = [["whole delivery run (materialize call, 4 stages + checks)", _fmt_s(statistics.median(per)), _fmt_s(_p90(per)), _fmt_s(max(per))]] if per else []
    step_names: list[str] = []
    for d in ok:
        for name in d["steps"]:
            if name not in step_names:
                step_names.append(name)
    for name in step_names:
        values = [d["steps"][name]["seconds"] for d in ok if name in d["steps"] and d["steps"][name]["seconds"] is not None]
        if values:
            rows.append([f"step `{name}`", _fmt_s(statistics.median(values)), _fmt_s(_p90(values)), _fmt_s(max(values))])
    if r["leads"]:
        rows.append(["warehouse/leads run (once per cycle)", _fmt_s(r["leads"]["seconds"]), "", ""])
    med = statistics.median(per) if per else float("nan")
    verdict = "met" if per and med < 2 else "NOT met"
    failed = len(r["deliveries"]) - len(ok)
    return (
        f"### small_deliveries ({r['count']} deliveries × {r['rows']} rows, round-robin over {', '.join(r['sources'])}; headless `run_ingest_cycle`)\n\n"
        + _table(["seconds per delivery", "median", "p90", "max"], rows)
        + f"\n\nCycle: {_fmt_s(r['cycle_s'])} s for {len(r['deliveries'])} deliveries + leads (exit code {r['rc']}, failed runs: {failed}); "
        + f"peak RSS (ru_maxrss): {r['peak_rss_mib']:.0f} MiB."
        + f"\nGoal median < 2 s per delivery: **{verdict}** ({_fmt_s(med)} s)."
    )


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def _git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--", "etl_assets", "mappings"], capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes in etl_assets/ or mappings/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def update_readme(results: str) -> None:
    """Copy the results (without their title) between the markers of benchmarks/README.md."""
    readme = README_FILE.read_text()
    if LATEST_START not in readme or LATEST_END not in readme:
        return
    body = results.split("\n", 1)[1].strip().replace("\n### ", "\n#### ")
    head, rest = readme.split(LATEST_START, 1)
    _, tail = rest.split(LATEST_END, 1)
    README_FILE.write_text(f"{head}{LATEST_START}\n{body}\n{LATEST_END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of the ETL platform (see benchmarks/README.md).")
    parser.add_argument("--rows", type=int, default=None, help="rows of the big delivery (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--small", type=int, default=None, help="number of small deliveries (default 100; 10 with --quick)")
    parser.add_argument("--small-rows", type=int, default=100, help="records per small delivery (default 100)")
    parser.add_argument("--source", choices=SOURCES, default="texas", help="source of the big delivery (default texas)")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: 20,000 rows and 10 small deliveries")
    parser.add_argument("--only", choices=(*BENCHMARKS, "sensor", "postgres", "job_path", "incremental", "first_refresh"), action="append", help="run only this benchmark (repeatable; sensor = benchmarks/bench_sensor.py, postgres = benchmarks/bench_postgres.py, job_path = benchmarks/bench_job_path.py, incremental = benchmarks/bench_incremental.py, first_refresh = benchmarks/bench_first_refresh.py)")
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
