"""The foundation benchmarks, each in its own spawned child process: the DuckDB floor, one big
delivery, the normalize stage, many small deliveries (``run_child`` runs one and returns its figures)."""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import io
import multiprocessing as mp
import os
import pstats
import resource
import shutil
import statistics
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.generate import generate


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
    from etl_assets.devtools import local_s3

    for key, value in local_s3.LOCAL_CREDENTIALS.items():
        os.environ[key] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ["DAGSTER_HOME"] = str(workdir / "dagster_home")
    os.environ["ETL_WAREHOUSE_PATH"] = str(workdir / "warehouse.duckdb")
    os.environ["ETL_STORAGE_DIR"] = str(workdir / "storage")
    os.environ["ETL_S3_BUCKET"] = "bench-deliveries"


def _resources(endpoint: str, bucket: str, workdir: Path) -> dict:
    """The tests' resource set (etl_assets.orchestration.resources.build_resources), pointed at this benchmark's temp dir."""
    from etl_assets.orchestration.resources import build_resources

    return build_resources(
        bucket=bucket, endpoint_url=endpoint, warehouse=workdir / "warehouse.duckdb",
        storage_dir=workdir / "storage", region="us-east-1",
    )


def _runnable(chain) -> list:
    """What a run of a source's chain executes (assets, plus their checks where the chain has them)."""
    return list(getattr(chain, "definitions", None) or chain.assets)


def _partitions_name(source: str) -> str:
    try:
        from etl_assets.orchestration.assets.keys import partitions_name
    except ImportError:  # older layout
        from etl_assets.orchestration.assets.factory import partitions_name
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
    from etl_assets.devtools import local_s3

    s3 = local_s3.client(endpoint)
    s3.create_bucket(Bucket=bucket)
    t0 = time.perf_counter()
    for path, key in files:
        s3.upload_file(path, bucket, key)
    return time.perf_counter() - t0


def bench_one_delivery(workdir: Path, file: str, source: str, rows: int) -> dict[str, Any]:
    """One delivery: bucket → raw → normalized → deduped → warehouse, then warehouse/leads."""
    from dagster import materialize

    from etl_assets.devtools import local_s3
    from etl_assets.orchestration.assets.leads import build_leads_asset
    from etl_assets.orchestration.definitions import build_chains
    from etl_assets.runner.cycle import dagster_instance

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
    """normalize_file alone on the raw stage file of the delivery, with a per-transform breakdown."""
    import etl_assets.stages.normalize_rows as normalize_rows
    from etl_assets.devtools import local_s3
    from etl_assets.ingest import s3 as s3_ingest
    from etl_assets.sources.registry import leads_schema, load_specs
    from etl_assets.stages.files import StageFileWriter
    from etl_assets.stages.land import land_to_file
    from etl_assets.stages.normalize import normalize_file

    spec = next(s for s in load_specs() if s.source == source)
    bucket = "bench-deliveries"
    key = f"{source}/{DELIVERY_DATE} bench {rows} rows.csv"
    with local_s3.moto_server() as endpoint:
        _upload(endpoint, bucket, [(file, key)])
        # The raw asset's own steps, without Dagster: download, land (read, date, lineage, raw schema).
        t0 = time.perf_counter()
        download = s3_ingest.download(local_s3.client(endpoint), bucket, key)
        try:
            with StageFileWriter(workdir / "normalize_stage" / "raw.parquet") as writer:
                raw = land_to_file(download.file, spec, key, download.etag, download.last_modified, f"s3://{bucket}/{key}", writer).file
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
                if name == "apply_transform_distinct":
                    t_, inputs = args[0], args[1]
                    label = ", ".join(str(s.name) for s in inputs)
                    per_field.append((f"{t_.name}({label})", elapsed))

        return wrapper

    originals = {name: getattr(normalize_rows, name) for name in ("apply_transform_distinct", "_cast", "_validate", "_json_records")}
    for name, func in originals.items():
        setattr(normalize_rows, name, timed(name, func))
    try:
        t0 = time.perf_counter()
        with StageFileWriter(workdir / "normalize_stage" / "normalized.parquet") as writer:
            result = normalize_file(raw, spec, leads_schema(), key, writer, enforce_threshold=False)
        total_s = time.perf_counter() - t0
    finally:
        for name, func in originals.items():
            setattr(normalize_rows, name, func)
    quarantined = result.quarantined
    return {
        "source": source,
        "rows": raw.rows,
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
    import etl_assets.runner.cycle as headless
    from etl_assets.devtools import local_s3

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
            floor = _noop_floor(instance, FLOOR_RUNS)  # Dagster's own cost of a run here, right after the cycle
            deliveries, leads = [], None
            for call in calls:
                steps = _step_stats(instance, call["run_id"])
                entry = {"seconds": call["seconds"], "steps": steps, "success": call["success"], "source": call["tags"].get("etl/source"),
                         "events": len(instance.all_logs(call["run_id"]))}
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
        "floor": floor,
        "summary": stdout.getvalue(),
    }


FLOOR_RUNS = 9  # no-op runs per shape (the first of each is dropped: imports)


def _noop_floor(instance, runs: int) -> dict[str, list[float]]:
    """Seconds per run of the no-op chain (benchmarks/noop_chain.py) in both shapes, alternating."""
    from benchmarks.noop_chain import run_floor

    out: dict[str, list[float]] = {"separate": [], "in_step": []}
    for _ in range(runs):
        for shape in out:
            out[shape] += run_floor(instance, shape, 1, start=len(out[shape]))
    return {shape: seconds[1:] for shape, seconds in out.items()}


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
            profiler.dump_stats(workdir_path / f"profile-{name}.prof")  # for pstats / callers
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

