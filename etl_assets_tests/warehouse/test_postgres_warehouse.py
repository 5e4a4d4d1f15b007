"""The PostgreSQL warehouse against a real PostgreSQL 15 server: the same deliveries give the same
tables as DuckDB; different sources load in parallel while one source is serialized; analysts
reading during a load see the state before or after it; errors name host and database, never the
password; a load killed inside its write transaction leaves PostgreSQL as it was."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import pandas as pd
import psycopg
import pytest
from dagster import instance_for_test

from etl_assets import warehouse
from etl_assets.records import DELIVERY_DATE, DELIVERY_KEY
from etl_assets.orchestration.resources import build_resources
from etl_assets.sources.registry import load_specs, spec_by_name
from etl_assets.stages.dedup import dedup_file
from etl_assets.stages.files import StageFileWriter
from etl_assets.stages.history import apply_delivery
from etl_assets.stages.load import load_delivery
from etl_assets.warehouse import scopes
from etl_assets.warehouse.postgres import mirror
from etl_assets.warehouse.postgres import server as postgres
from etl_assets.devtools import local_postgres as pg_cluster
from etl_assets_tests.support.backends import WAREHOUSE_TABLES, Warehouse, normalized_rows
from etl_assets_tests.conftest import SAMPLE_RECORDS, sample_file
from etl_assets_tests.support.pipeline import materialize_leads
from etl_assets_tests.support.history import pg_tables, records
from etl_assets_tests.support.stages import run_stages

LANDED_AT = pd.Timestamp("2023-07-07T12:00:00Z")
WALL_CLOCK = ("applied_at", "loaded_at", "dagster_run_id", "recorded_at", "raised_at", "alert_id")


def _prepared(source: str) -> tuple:
    spec = spec_by_name(source, load_specs())
    path = sample_file(source)
    key = f"{source}/{path.name}"
    normalized = run_stages(path.read_bytes(), spec, key, landed_at=LANDED_AT, where=f"s3://b/{key}").rows
    return spec, key, normalized


def _later_delivery(normalized: pd.DataFrame, key: str, day: date) -> pd.DataFrame:
    """The same registry a month later: 5 records gone, 3 renamed (updates and deletes)."""
    later = normalized.iloc[5:].copy()
    later[DELIVERY_KEY] = later[DELIVERY_KEY].astype("string[pyarrow]").str.replace("07-07-2023", "08-07-2023")
    later[DELIVERY_DATE] = pd.Series([day] * len(later), index=later.index, dtype=normalized[DELIVERY_DATE].dtype)
    name = next(c for c in ("operation_name", "company", "provider_name") if c in later.columns)
    later.iloc[:3, later.columns.get_loc(name)] = "RENAMED PROVIDER"
    return later


def _load(resources, spec, key: str, normalized: pd.DataFrame, folder) -> None:
    """A normalized frame (a sample's, or one derived from it) as its stage file, deduped and loaded."""
    folder.mkdir(parents=True, exist_ok=True)
    with StageFileWriter(folder / "normalized.parquet") as writer:
        writer.write(normalized)
        normalized_file = writer.close()
    with StageFileWriter(folder / "deduped.parquet") as writer:
        deduped = dedup_file(normalized_file, writer)
    with resources["duckdb"].open(scopes.source_load(spec.source)) as con:
        load_delivery(con, spec, key, normalized_file, deduped.file, "run")


def test_both_backends_end_with_identical_tables(tmp_path, pg_url, s3_endpoint, bucket_name):
    """Every sample, plus a later Nevada delivery applied first (out of order) and a replay, then
    a leads refresh (a real Dagster run): every table and view equal, wall-clock columns aside."""
    prepared = {s: _prepared(s) for s in SAMPLE_RECORDS}
    spec, key, nevada = prepared["nevada"]
    later = _later_delivery(nevada, key, date(2023, 8, 7))
    later_key = str(later[DELIVERY_KEY].iat[0])
    contents = {}
    for kind, target in (("duckdb", str(tmp_path / "w.duckdb")), ("postgres", pg_url)):
        resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=target,
                                    storage_dir=tmp_path / kind, region="us-east-1")
        stages = tmp_path / f"{kind}-stages"
        _load(resources, spec, later_key, later, stages / "later")  # the later delivery arrives first
        for source_spec, source_key, frame in prepared.values():
            _load(resources, source_spec, source_key, frame, stages / source_spec.source)
        _load(resources, spec, key, nevada, stages / "replay")  # an exact replay
        with instance_for_test() as instance:
            materialize_leads(instance, resources)
        found = Warehouse(kind, target)
        contents[kind] = {t: normalized_rows(found.fetch(f"SELECT * FROM {t}"), WALL_CLOCK) for t in WAREHOUSE_TABLES
                          if t not in ("alerts",)}
    assert contents["duckdb"]["deliveries"] and contents["duckdb"]["leads"]
    for table in contents["duckdb"]:
        assert contents["postgres"][table] == contents["duckdb"][table], table


def _apply(url: str, source: str, key: str, day: date, frame: pd.DataFrame, spans: list, hold: float = 0.0):
    with mirror.session(url, scopes.source_load(source)) as con, warehouse.transaction(con):
        start = time.monotonic()
        apply_delivery(con, source, key, f"etag-{key}", day, frame)
        time.sleep(hold)  # widen the window in which another load could interleave
        spans.append((source, start, time.monotonic()))


def _deliveries(sources=("s1", "s2", "s3"), per_source: int = 5, seed: int = 7) -> list[tuple]:
    rng = random.Random(seed)
    out = []
    for source in sources:
        for i in range(per_source):
            keys = rng.sample([f"r{j}" for j in range(40)], 25)
            rows = {k: {"company": rng.choice(["A", "B", "C"]), "capacity": rng.choice([1, 2, None])} for k in keys}
            out.append((source, f"{source}-k{i}", date(2023, 1 + i, 1), records(rows, source=source, delivery_key=f"{source}-k{i}")))
    return out


def test_many_deliveries_over_three_sources_at_once_equal_one_by_one(pg_server):
    """15 deliveries of 3 sources started together in random order: the tables equal an in-order,
    one-at-a-time build; one source's loads never overlap, different sources' loads do."""
    deliveries = _deliveries()
    one_by_one = pg_server.create_database("one_by_one")
    for source, key, day, frame in deliveries:
        _apply(one_by_one, source, key, day, frame, [])
    at_once = pg_server.create_database("at_once")
    spans: list = []
    errors: list = []
    shuffled = random.Random(3).sample(deliveries, len(deliveries))

    def run(item):
        try:
            _apply(at_once, *item, spans, hold=0.3)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in shuffled]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert pg_tables(at_once) == pg_tables(one_by_one)
    by_source: dict[str, list] = {}
    for source, start, end in spans:
        by_source.setdefault(source, []).append((start, end))
    for source, windows in by_source.items():
        windows.sort()
        assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:])), f"{source}: two loads interleaved"
    overlaps = sum(1 for a in spans for b in spans if a[0] < b[0] and a[1] < b[2] and b[1] < a[2])
    assert overlaps > 0, "different sources never loaded at the same time"


def _signature(con: psycopg.Connection) -> tuple:
    current = con.execute("SELECT count(*), max(valid_from) FROM source_current WHERE _source = 'big'").fetchone()
    leads = con.execute("SELECT count(*), min(company) FROM leads").fetchone()
    return (*current, *leads)


def _leads_frame(n: int, label: str) -> pd.DataFrame:
    return pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "company": [label] * n})


@pytest.mark.parametrize("size", [pytest.param(20_000, id="20k"), pytest.param(200_000, id="200k", marks=pytest.mark.slow)])
def test_analysts_reading_during_a_load_see_before_or_after_only(pg_url, size):
    """A second connection loops on source_current and leads while a large delivery (every record
    changed, more records) and then a leads refresh commit: no error, only the two states."""
    first = {f"r{i}": {"company": "OLD", "capacity": i % 7} for i in range(size)}
    second = {f"r{i}": {"company": "NEW", "capacity": i % 5} for i in range(size + size // 10)}
    _apply(pg_url, "big", "k1", date(2023, 1, 1), records(first, source="big", delivery_key="k1"), [])
    with mirror.session(pg_url, scopes.leads_refresh()) as con:
        warehouse.replace_table(con, warehouse.LEADS, _leads_frame(size, "OLD"))
    with psycopg.connect(pg_url, autocommit=True) as reader:
        before = _signature(reader)
        seen, stop, errors = set(), threading.Event(), []

        def loop():
            try:
                while not stop.is_set():
                    seen.add(_signature(reader))
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

        watcher = threading.Thread(target=loop)
        watcher.start()
        try:
            _apply(pg_url, "big", "k2", date(2023, 2, 1), records(second, source="big", delivery_key="k2"), [])
            with mirror.session(pg_url, scopes.leads_refresh()) as con:
                warehouse.replace_table(con, warehouse.LEADS, _leads_frame(size + 1, "NEW"))
            time.sleep(0.5)
        finally:
            stop.set()
            watcher.join(30)
        after = _signature(reader)
    assert not errors, errors
    middle = (after[0], after[1], before[2], before[3])  # the delivery committed, the refresh not yet
    assert before == (size, date(2023, 1, 1), size, "OLD") and after == (len(second), date(2023, 2, 1), size + 1, "NEW")
    assert seen <= {before, middle, after}, seen - {before, middle, after}
    assert len(seen) >= 2


def test_errors_name_host_and_database_never_the_password():
    closed = pg_cluster._free_port()  # nothing listens there
    url = f"postgresql://etl:s3cr3t-pw@127.0.0.1:{closed}/leadsdb"
    with pytest.raises(postgres.WarehouseUnavailableError) as err:
        with mirror.session(url, scopes.source_read("nevada"), password="s3cr3t-pw"):
            pass
    message = str(err.value)
    assert "127.0.0.1" in message and "leadsdb" in message and "s3cr3t" not in message
    assert postgres.without_password(url) == f"postgresql://etl@127.0.0.1:{closed}/leadsdb"
    resource = build_resources(warehouse=url)["duckdb"]
    assert "s3cr3t" not in repr(resource) and "s3cr3t" not in resource.database


_CHILD = """
import sys, time
from datetime import date
from etl_assets.warehouse import scopes, transaction
from etl_assets.warehouse.postgres import mirror
from etl_assets.warehouse.postgres import server as postgres
from etl_assets.stages.history import apply_delivery
from etl_assets_tests.support.history import records
url, n = sys.argv[1], int(sys.argv[2])
rows = {f"r{i}": {"company": "NEW " + "x" * 200, "capacity": i % 5} for i in range(n)}
with mirror.session(url, scopes.source_load("big")) as con, transaction(con):
    apply_delivery(con, "big", "k2", "e2", date(2023, 2, 1), records(rows, source="big", delivery_key="k2"))
    print("applied", flush=True)
"""


def test_a_load_killed_inside_its_write_leaves_postgres_as_it_was(pg_url):
    _apply(pg_url, "big", "k1", date(2023, 1, 1), records({"a": {"company": "A"}}, source="big", delivery_key="k1"), [])
    before = pg_tables(pg_url)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, pg_url, "150000"], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        with psycopg.connect(pg_url, autocommit=True) as watch:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                copying = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY %%FROM STDIN%%' "
                                        "AND pid <> pg_backend_pid()").fetchone()[0]
                if copying or child.poll() is not None:
                    break
                time.sleep(0.02)
            assert copying, "the child never reached its COPY"
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert pg_tables(pg_url) == before
    # the killed session's advisory lock went with its connection: the next load of the source runs
    _apply(pg_url, "big", "k2", date(2023, 2, 1), records({"b": {"company": "B"}}, source="big", delivery_key="k2"), [])
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT _record_key FROM source_current").fetchall() == [("b",)]


def test_a_load_waits_for_its_source_and_fails_clearly_past_the_bound(pg_url):
    """Another session holds nevada's lock: a load of nevada waits (texas does not) and, past
    its lock timeout, fails naming host and database; once released, the load goes through."""
    frame = records({"a": {"company": "A"}}, source="nevada", delivery_key="k1")
    holder = psycopg.connect(pg_url, autocommit=True)
    postgres.lock(holder, "source:nevada", session=True)
    try:
        with pytest.raises(postgres.WarehouseUnavailableError, match=r"127\.0\.0\.1:\d+/t_\w+: load nevada: LockNotAvailable"):
            with mirror.session(pg_url, scopes.source_load("nevada"), lock_timeout_seconds=1):
                pass
        _apply(pg_url, "texas", "t1", date(2023, 1, 1), records({"x": {}}, source="texas", delivery_key="t1"), [])
        release = threading.Timer(1.0, postgres.unlock, args=(holder, "source:nevada"))
        release.start()
        started = time.monotonic()
        _apply(pg_url, "nevada", "k1", date(2023, 1, 1), frame, [])
        assert time.monotonic() - started >= 0.9  # it waited for the holder
    finally:
        holder.close()
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT _source, count(*) FROM source_current GROUP BY 1 ORDER BY 1").fetchall() == [
            ("nevada", 1), ("texas", 1)]


def test_alerts_append_to_the_postgres_alerts_table(pg_url):
    from etl_assets.orchestration.alerts.alert import Alert
    from etl_assets.orchestration.alerts.sinks import WarehouseSink

    sink = WarehouseSink(postgres.without_password(pg_url))
    for n in range(2):
        sink.send(Alert("run_failure", "ERROR", "nevada", f"nevada/k{n}.csv", "nevada/raw", "boom", {"rows": n}, "run"))
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT delivery_key, counts, dagster_run_id FROM alerts ORDER BY 1").fetchall()
    assert rows == [("nevada/k0.csv", '{"rows": 0}', "run"), ("nevada/k1.csv", '{"rows": 1}', "run")]
