"""Bucket → sensor → partitioned runs → warehouse, against a real S3 endpoint (moto server); every
test on both warehouse backends (a DuckDB file, a PostgreSQL 15 server)."""

from __future__ import annotations

import pytest
from dagster import SkipReason, instance_for_test

from etl_assets.orchestration.resources import build_resources
from etl_assets_tests.support.backends import Warehouse
from etl_assets_tests.conftest import SAMPLE_RECORDS
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, materialize_leads, materialize_request


@pytest.fixture
def resources(s3_endpoint, bucket_name, tmp_path, warehouse_backend):
    return build_resources(
        bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=warehouse_backend.target,
        storage_dir=tmp_path / "storage", region="us-east-1",
    )


def _warehouse(resources) -> Warehouse:
    target = resources["duckdb"].database
    return Warehouse("postgres" if target.startswith("postgresql") else "duckdb", target)


def _pairs(resources, query: str) -> dict:
    return dict(_warehouse(resources).fetch(query).itertuples(index=False, name=None))


def warehouse_counts(resources) -> dict[str, tuple[int, int]]:
    live = _pairs(resources, "SELECT _source, count(*) FROM source_current GROUP BY 1")
    quarantined = _pairs(resources, "SELECT _source, count(*) FROM quarantine GROUP BY 1")
    collapsed = _pairs(resources, "SELECT _source, sum(rows_collapsed) FROM deliveries GROUP BY 1")
    return {s: (live.get(s, 0), quarantined.get(s, 0), int(collapsed.get(s, 0))) for s in SAMPLE_RECORDS}


def dump_tables(resources) -> dict[str, list]:
    tables = ["source_history", "quarantine", "leads", "lead_sources"]
    fetch = _warehouse(resources).fetch
    return {t: sorted(map(repr, fetch(f"SELECT * FROM {t}").itertuples(index=False, name=None))) for t in tables}


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
    reason = _warehouse(resources).scalar("SELECT reason FROM quarantine WHERE _source = 'oklahoma' AND _row_number = 50")
    leads = _warehouse(resources).scalar("SELECT count(*) FROM lead_sources")
    assert "line 100" in reason and "14 fields" in reason
    assert leads == sum(c[0] for c in counts.values())
    assert_shared_phone_sites_stay_apart(resources)

    # the cursor remembers: a second tick requests nothing, and the unknown key did not break it
    again = evaluate_delivery_sensor(instance, resources, cursor=result.cursor)
    assert not again.run_requests
    assert isinstance(again.skip_reason, SkipReason) or again.skip_reason is not None


@pytest.mark.parametrize("warehouse_backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.slow)], indirect=True)
def test_materializing_a_partition_twice_leaves_the_warehouse_identical(instance, resources, seeded_bucket):
    requests = {r.tags["etl/source"]: r for r in evaluate_delivery_sensor(instance, resources).run_requests}
    for request in requests.values():
        materialize_request(instance, resources, request)
    materialize_leads(instance, resources)
    before = dump_tables(resources)
    materialize_request(instance, resources, requests["nevada"])
    materialize_leads(instance, resources)
    assert dump_tables(resources) == before


def test_reupload_with_new_content_is_requested_again(instance, resources, bucket_name, s3_client):
    key = "texas/07-07-2023 Texas DHHS.csv"
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"Operation #,Operation/Caregiver Name\n1,A\n")
    first = evaluate_delivery_sensor(instance, resources)
    assert [r.partition_key for r in first.run_requests] == [key]
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"Operation #,Operation/Caregiver Name\n1,B\n")
    second = evaluate_delivery_sensor(instance, resources, cursor=first.cursor)
    assert [r.partition_key for r in second.run_requests] == [key]
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


@pytest.mark.parametrize("warehouse_backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.slow)], indirect=True)
def test_leads_sensor_requests_a_refresh_after_each_new_source_load(instance, resources, seeded_bucket):
    from dagster import build_sensor_context

    from etl_assets.orchestration.definitions import defs
    from etl_assets.orchestration.sensors import LEADS_SENSOR

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
    groups = list(_warehouse(resources).fetch(
        """SELECT s.phone, count(*) AS records, count(DISTINCT x.lead_id) AS leads
           FROM source_current s JOIN lead_sources x USING (_source, _record_key)
           WHERE s.phone IN ('+17023083384', '+17023741129', '+16302129413', '+12167035825')
           GROUP BY 1 ORDER BY 1"""
    ).itertuples(index=False, name=None))
    assert groups == [("+12167035825", 2, 2), ("+16302129413", 2, 2), ("+17023083384", 3, 3), ("+17023741129", 5, 5)]
