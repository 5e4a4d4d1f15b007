"""Bucket → sensor → partitioned runs → DuckDB warehouse, against a real S3 endpoint (moto server)."""

from __future__ import annotations

import duckdb
import pytest
from dagster import SkipReason, instance_for_test

from etl_assets_tests.conftest import SAMPLE_RECORDS
from etl_assets_tests.pipeline import evaluate_delivery_sensor, materialize_leads, materialize_request


def warehouse_counts(resources) -> dict[str, tuple[int, int]]:
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        live = dict(con.execute("SELECT _source, count(*) FROM source_current GROUP BY 1").fetchall())
        quarantined = dict(con.execute("SELECT _source, count(*) FROM quarantine GROUP BY 1").fetchall())
        collapsed = dict(con.execute("SELECT _source, sum(rows_collapsed) FROM deliveries GROUP BY 1").fetchall())
    return {s: (live.get(s, 0), quarantined.get(s, 0), int(collapsed.get(s, 0))) for s in SAMPLE_RECORDS}


def dump_tables(path: str) -> dict[str, list]:
    tables = ["warehouse.source_history", "quarantine", "warehouse.leads", "lead_sources"]
    with duckdb.connect(path, read_only=True) as con:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}


@pytest.fixture
def instance():
    with instance_for_test() as instance:
        yield instance


def test_sensor_to_warehouse_every_record_accounted_for(instance, resources, seeded_bucket, s3_client):
    s3_client.put_object(Bucket=seeded_bucket, Key="unknown/notes.txt", Body=b"not a delivery")
    result = evaluate_delivery_sensor(instance, resources)
    requests = result.run_requests
    assert sorted(r.tags["etl/source"] for r in requests) == sorted(SAMPLE_RECORDS)
    assert all(r.run_key.endswith(r.tags["etl/etag"]) and r.run_key.startswith(r.partition_key) for r in requests)
    for request in requests:
        materialize_request(instance, resources, request)
    materialize_leads(instance, resources)

    counts = warehouse_counts(resources)
    for source, records in SAMPLE_RECORDS.items():
        live, quarantined, collapsed = counts[source]
        assert live + quarantined + collapsed == records, (source, counts[source])
    # the truncated last Oklahoma record is in quarantine, with its line named
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        reason = con.execute(
            "SELECT reason FROM quarantine WHERE _source = 'oklahoma' AND _row_number = 50"
        ).fetchone()[0]
        leads = con.execute("SELECT count(*) FROM lead_sources").fetchone()[0]
    assert "line 100" in reason and "14 fields" in reason
    assert leads == sum(c[0] for c in counts.values())
    assert_shared_phone_sites_stay_apart(resources)

    # the cursor remembers: a second tick requests nothing, and the unknown key did not break it
    again = evaluate_delivery_sensor(instance, resources, cursor=result.cursor)
    assert not again.run_requests
    assert isinstance(again.skip_reason, SkipReason) or again.skip_reason is not None


def test_materializing_a_partition_twice_leaves_the_warehouse_identical(instance, resources, seeded_bucket):
    requests = {r.tags["etl/source"]: r for r in evaluate_delivery_sensor(instance, resources).run_requests}
    for request in requests.values():
        materialize_request(instance, resources, request)
    materialize_leads(instance, resources)
    before = dump_tables(resources["duckdb"].database)
    materialize_request(instance, resources, requests["nevada"])
    materialize_leads(instance, resources)
    assert dump_tables(resources["duckdb"].database) == before


def test_reupload_with_new_content_is_requested_again(instance, resources, bucket_name, s3_client):
    key = "texas/07-07-2023 Texas DHHS.csv"
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"Operation #,Operation/Caregiver Name\n1,A\n")
    first = evaluate_delivery_sensor(instance, resources)
    assert [r.partition_key for r in first.run_requests] == [key]
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"Operation #,Operation/Caregiver Name\n1,B\n")
    second = evaluate_delivery_sensor(instance, resources, cursor=first.cursor)
    assert [r.partition_key for r in second.run_requests] == [key]
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_leads_sensor_requests_a_refresh_after_each_new_source_load(instance, resources, seeded_bucket):
    from dagster import build_sensor_context

    from etl_assets.definitions import defs
    from etl_assets.sensors import LEADS_SENSOR

    sensor = defs.get_sensor_def(LEADS_SENSOR)
    assert isinstance(sensor(build_sensor_context(instance=instance)), SkipReason)
    requests = {r.tags["etl/source"]: r for r in evaluate_delivery_sensor(instance, resources).run_requests}
    materialize_request(instance, resources, requests["texas"])
    first = sensor(build_sensor_context(instance=instance))
    (request,) = first.run_requests
    assert isinstance(sensor(build_sensor_context(instance=instance, cursor=first.cursor)), SkipReason)
    materialize_request(instance, resources, requests["nevada"])
    second = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    assert second.run_requests[0].run_key != request.run_key

    # while a refresh waits to start, it will read these loads anyway: no second request piles up
    instance.create_run_for_job(defs.resolve_job_def("leads_refresh"))  # NOT_STARTED
    assert isinstance(sensor(build_sensor_context(instance=instance, cursor=first.cursor)), SkipReason)


def assert_shared_phone_sites_stay_apart(resources) -> None:
    """Five EOS FITNESS sites share a phone, two Primrose schools another, and an Oklahoma center
    and family home a third: different addresses, so different providers, so different leads."""
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        groups = con.execute(
            """SELECT s.phone, count(*) AS records, count(DISTINCT x.lead_id) AS leads
               FROM source_current s JOIN lead_sources x USING (_source, _record_key)
               WHERE s.phone IN ('+17023083384', '+17023741129', '+16302129413', '+12167035825')
               GROUP BY 1 ORDER BY 1"""
        ).fetchall()
    assert groups == [("+12167035825", 2, 2), ("+16302129413", 2, 2), ("+17023083384", 3, 3), ("+17023741129", 5, 5)]
