"""Many deliveries at once: all ingested, none lost, no DuckDB lock error; the sensor pages big buckets.

The daemon path (the S3 sensor through `dagster dev`, runs queued and side by side, the
duckdb_writer pool) is tested in etl_assets_tests/ui/test_browser.py, on the same platform the
browser test drives. Here: `make ingest`'s cycle on 100 deliveries uploaded together, and the
sensor's listing over more than two S3 pages.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest
from dagster import DagsterInstance, instance_for_test

from etl_assets.runner.cycle import run_ingest_cycle
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor
from etl_assets_tests.ui.platform import PROJECT_ROOT, SOURCES, small_deliveries

PER_SOURCE = 25  # x 4 sources = 100 deliveries


def put_all(s3_client, bucket: str, objects: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda kv: s3_client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]), objects.items()))


@pytest.mark.slow
@pytest.mark.xdist_group("headless")
def test_make_ingest_takes_100_deliveries_uploaded_at_once(resources, bucket_name, s3_client, tmp_path, capsys):
    objects = small_deliveries(PER_SOURCE)
    assert len(objects) == 100
    put_all(s3_client, bucket_name, objects)
    home = tmp_path / "dagster_home"  # as `make ingest`: DAGSTER_HOME with the project's dagster.yaml
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as instance:
        assert run_ingest_cycle(instance, resources) == 0
        first = capsys.readouterr().out
        assert run_ingest_cycle(instance, resources) == 0  # nothing new: nothing requested again
        second = capsys.readouterr().out
        runs = instance.get_runs()
    for source in SOURCES:
        assert f"| {source} | {PER_SOURCE} | 0 |" in first, first
    assert "FAILED" not in first and "no new deliveries" in second
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        loaded = con.execute("SELECT _delivery_key, count(*) FROM deliveries GROUP BY 1").fetchall()
        rows = dict(con.execute("SELECT _source, sum(rows_read) FROM deliveries GROUP BY 1").fetchall())
    assert sorted(k for k, _ in loaded) == sorted(objects)  # every delivery loaded, none lost
    assert all(n == 1 for _, n in loaded)  # ... and each once
    assert rows == {s: 20 * PER_SOURCE for s in SOURCES}
    ingest_runs = [r for r in runs if r.tags.get("etl/trigger") == "make-ingest"]
    assert len(ingest_runs) == 100 and all(r.is_success for r in ingest_runs)
    assert all(r.is_success for r in runs)


def test_the_sensor_pages_through_a_bucket_of_2600_keys(resources, bucket_name, s3_client):
    """2,600 keys = three list_objects_v2 pages: every delivery requested exactly once, then nothing."""
    keys = [f"{SOURCES[i % 4]}/{i:05d} paging 01-02-2024.csv" for i in range(2_590)]
    keys = [k.replace("salesforce/", "salesforce/2024-01-02_") if k.startswith("salesforce/") else k for k in keys]
    unclaimed = [f"misc/{i:05d}.txt" for i in range(10)]
    put_all(s3_client, bucket_name, {k: b"x" for k in keys + unclaimed})
    with instance_for_test() as instance:
        first = evaluate_delivery_sensor(instance, resources)
        requested = [r.partition_key for r in first.run_requests]
        assert len(requested) == len(keys) and sorted(requested) == sorted(keys)  # all, each once
        added = {key for request in first.dynamic_partitions_requests for key in request.partition_keys}
        assert added == set(keys)
        again = evaluate_delivery_sensor(instance, resources, cursor=first.cursor)
        assert not again.run_requests
        s3_client.put_object(Bucket=bucket_name, Key="texas/99999 paging 01-03-2024.csv", Body=b"y")
        later = evaluate_delivery_sensor(instance, resources, cursor=again.cursor)
        assert [r.partition_key for r in later.run_requests] == ["texas/99999 paging 01-03-2024.csv"]
