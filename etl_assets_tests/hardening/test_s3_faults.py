"""S3 faults injected by a misbehaving proxy (faulty_proxy.py) between the platform and the local
S3 server: throttling and 500s are retried with backoff (botocore ``max_attempts`` on the
S3Resource, then the raw asset's RetryPolicy), a connection dropped mid-download is retried by the
run, an object deleted between listing and reading fails at once; whatever fails names the
delivery, loads nothing, and leaves the other source's data untouched."""

from __future__ import annotations

import pytest
from dagster import instance_for_test

from etl_assets_tests.conftest import sample_file
from etl_assets_tests.hardening.faulty_proxy import FaultyProxy
from etl_assets_tests.hardening.world import delivery_counts
from etl_assets_tests.support.pipeline import error_text
from etl_assets_tests.hardening.world import TEXAS_KEY, TEXAS_RECORDS, ingest, make_resources, source_state, texas_world

KEY, RECORDS = TEXAS_KEY, TEXAS_RECORDS


@pytest.fixture(scope="module")
def world(s3_endpoint, tmp_path_factory):
    with texas_world(s3_endpoint, tmp_path_factory.mktemp("faults")) as w:
        yield w


@pytest.fixture
def proxy(world):
    with FaultyProxy(world.endpoint) as p:
        yield p


def run_through(world, proxy, tmp_path, max_attempts: int):
    """The Texas delivery through the proxy, into a copy of the Nevada warehouse, on a fresh instance."""
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    resources = make_resources(proxy.endpoint, world.bucket, database, world.storage, max_attempts=max_attempts)
    with instance_for_test() as instance:  # a fresh instance: step retries are counted per run
        return ingest(instance, resources, "texas", KEY), database


def restarts(result) -> int:
    return sum(1 for e in result.all_events if e.event_type_value == "STEP_RESTARTED")


def test_the_proxy_binds_to_loopback_only(proxy):
    assert proxy.server.server_address[0] == "127.0.0.1"


def test_throttling_and_500s_are_retried_by_botocore_and_the_delivery_lands(world, proxy, tmp_path):
    proxy.plan("GET", "Texas DHHS", ["503", "500", "503"])
    result, database = run_through(world, proxy, tmp_path, max_attempts=5)
    assert result.success and restarts(result) == 0
    assert [w for w in proxy.requests("GET", "Texas DHHS")][:4] == ["503", "500", "503", "200"]
    live, quarantined, collapsed, _ = delivery_counts(database, KEY)
    assert live + quarantined + collapsed == RECORDS
    world.assert_nevada_untouched(database)


def test_persistent_500s_exhaust_both_retry_layers_then_fail_the_partition_clearly(world, proxy, tmp_path):
    proxy.plan("GET", "Texas DHHS", ["500"] * 100)
    result, database = run_through(world, proxy, tmp_path, max_attempts=2)
    assert not result.success
    assert restarts(result) == 3  # RetryPolicy(max_retries=3), exponential delay 1, 2, 4 s
    # botocore legacy retries: max_attempts counts retries, so 1 + 2 requests per step attempt
    assert len(proxy.requests("GET", "Texas DHHS")) == 4 * (1 + 2)
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == "texas__raw"
    message = error_text(failure.step_failure_data.error)
    assert f"s3://{world.bucket}/{KEY}: download failed" in message and "InternalError" in message
    assert source_state(database, "texas") == {"current": [], "history": [], "quarantine": [], "deliveries": []}
    world.assert_nevada_untouched(database)


def test_a_connection_dropped_mid_download_is_retried_and_nothing_is_lost(world, proxy, tmp_path):
    proxy.plan("GET", "Texas DHHS", ["drop"])
    result, database = run_through(world, proxy, tmp_path, max_attempts=2)
    assert result.success
    assert proxy.requests("GET", "Texas DHHS")[:2] == ["drop", "200"]
    assert restarts(result) == 1  # the body read failed after the headers: the step retry re-downloads
    live, quarantined, collapsed, _ = delivery_counts(database, KEY)
    assert live + quarantined + collapsed == RECORDS  # the half body was never read as a delivery
    world.assert_nevada_untouched(database)


def test_an_object_deleted_between_listing_and_reading_fails_at_once_naming_it(world, proxy, tmp_path):
    key = "texas/07-14-2023 deleted.csv"
    world.client.upload_file(str(sample_file("texas")), world.bucket, key)
    proxy.plan("GET", "deleted.csv", ["delete"])
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    resources = make_resources(proxy.endpoint, world.bucket, database, world.storage)
    with instance_for_test() as instance:
        result = ingest(instance, resources, "texas", key)
    assert not result.success and restarts(result) == 0, proxy.log
    message = error_text(result.get_step_failure_events()[0].step_failure_data.error)
    assert f"s3://{world.bucket}/{key}: the object is gone" in message
    assert proxy.requests("GET", "deleted.csv") == ["404 after delete"]
    assert source_state(database, "texas")["deliveries"] == []
    world.assert_nevada_untouched(database)


def test_listing_is_retried_when_throttled(world, proxy, tmp_path):
    from etl_assets.ingest.s3 import list_objects
    from etl_assets.orchestration.resources import DeliveryBucket

    proxy.plan("GET", "list-type=2", ["503", "503"])
    bucket = make_resources(proxy.endpoint, world.bucket, tmp_path / "unused.duckdb", tmp_path, max_attempts=5)["bucket"]
    assert isinstance(bucket, DeliveryBucket)
    keys = [o.key for o in list_objects(bucket.client(), world.bucket)]
    assert KEY in keys
    assert proxy.requests("GET", "list-type=2")[:3] == ["503", "503", "200"]
