"""Nightly schedules against the moto bucket: reconcile finds what the sensor missed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dagster import build_schedule_context, instance_for_test

from etl_assets.orchestration.definitions import defs
from etl_assets.ingest.discovery import Cursor
from etl_assets.orchestration.schedules import key_prefix
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, materialize_request
from etl_assets_tests.support.deliveries import nevada_csv


def reconcile(instance, resources, source: str):
    schedule = defs.get_schedule_def(f"reconcile_{source}")
    with build_schedule_context(
        instance=instance, resources={"bucket": resources["bucket"]}, repository_def=defs.get_repository_def(),
        scheduled_execution_time=datetime(2023, 7, 8, 3, tzinfo=timezone.utc),
    ) as context:
        return schedule.evaluate_tick(context)


def test_reconcile_requests_deliveries_the_sensor_missed_and_changed_ones(resources, bucket_name, s3_client):
    loaded, missed = "nevada/07-01-2023 Nevada.csv", "nevada/07-02-2023 Nevada.csv"
    with instance_for_test() as instance:
        s3_client.put_object(Bucket=bucket_name, Key=loaded, Body=nevada_csv(5))
        (request,) = evaluate_delivery_sensor(instance, resources).run_requests
        assert materialize_request(instance, resources, request).success
        assert reconcile(instance, resources, "nevada").run_requests == []  # everything loaded

        # the sensor's cursor is past the new object (e.g. it was down for longer than its look-back)
        s3_client.put_object(Bucket=bucket_name, Key=missed, Body=nevada_csv(6))
        s3_client.put_object(Bucket=bucket_name, Key="texas/07-02-2023 Texas DHHS.csv", Body=b"Operation #\n1\n")
        ahead = Cursor(watermark=datetime.now(timezone.utc) + timedelta(days=1)).dumps()
        assert not evaluate_delivery_sensor(instance, resources, cursor=ahead).run_requests

        (request,) = reconcile(instance, resources, "nevada").run_requests
        etag = s3_client.head_object(Bucket=bucket_name, Key=missed)["ETag"].strip('"')
        assert (request.partition_key, request.run_key) == (missed, f"{missed}:{etag}")
        assert request.tags["etl/etag"] == etag and request.tags["dagster/schedule_name"] == "reconcile_nevada"
        assert missed in instance.get_dynamic_partitions("nevada_deliveries")
        assert request.asset_selection is None or {k.path[0] for k in request.asset_selection} == {"nevada"}

        # the loaded delivery re-uploaded with other content (new ETag) is requested again
        s3_client.put_object(Bucket=bucket_name, Key=loaded, Body=nevada_csv(7))
        assert sorted(r.partition_key for r in reconcile(instance, resources, "nevada").run_requests) == [loaded, missed]
        (texas,) = reconcile(instance, resources, "texas").run_requests
        assert texas.partition_key == "texas/07-02-2023 Texas DHHS.csv"

        context = build_schedule_context(instance=instance, scheduled_execution_time=datetime(2023, 7, 8, 3, 30, tzinfo=timezone.utc))
        (leads,) = defs.get_schedule_def("nightly_leads_refresh").evaluate_tick(context).run_requests
        assert leads.run_key == "leads:2023-07-08"
        assert defs.get_schedule_def("nightly_leads_refresh").job_name == "leads_refresh"
        assert defs.get_schedule_def("nightly_freshness").job_name == "freshness_checks"


def test_key_prefix():
    assert key_prefix("nevada/*.csv") == "nevada/"
    assert key_prefix("tx/[0-9]*.csv") == "tx/"
    assert key_prefix("exact.csv") == "exact.csv"
