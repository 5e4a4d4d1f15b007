"""deploy/dagster.yaml against a real PostgreSQL server: Dagster's run, event and schedule storage
in PostgreSQL (from DAGSTER_POSTGRES_URL, psycopg2 driver named), the queued run coordinator with
its limits; a sensor tick, a run and a schedule evaluation through that instance, the warehouse in
PostgreSQL too."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import psycopg
import pytest
from dagster import DagsterInstance, build_schedule_context

from etl_assets.orchestration.definitions import defs
from etl_assets.orchestration.resources import build_resources
from etl_assets.settings import PROJECT_ROOT
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, materialize_request
from etl_assets_tests.support.deliveries import nevada_csv


@pytest.fixture
def pg_instance(pg_server, tmp_path, monkeypatch):
    url = pg_server.create_database("dagster_storage")
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", url.replace("postgresql://", "postgresql+psycopg2://", 1))
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    # entered, as Dagster's own code does: that makes it the current instance of the definitions'
    # state storage (a bare from_config left whichever instance an earlier test had entered)
    with DagsterInstance.from_config(str(home)) as instance:
        yield instance, url


def test_sensor_run_and_schedule_through_the_production_instance(pg_instance, pg_server, s3_endpoint, bucket_name,
                                                                   s3_client, tmp_path):
    instance, dagster_url = pg_instance
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    coordinator = instance.run_coordinator
    assert type(coordinator).__name__ == "QueuedRunCoordinator"
    assert coordinator.get_run_queue_config().max_concurrent_runs == 4
    (limit,) = coordinator.get_run_queue_config().tag_concurrency_limits
    assert limit["key"] == "etl/source" and limit["limit"] == 1

    warehouse_url = pg_server.create_database("warehouse_for_instance")
    resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=warehouse_url,
                                storage_dir=tmp_path / "storage", region="us-east-1")
    key = "nevada/07-01-2023 Nevada.csv"
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=nevada_csv(5))

    (request,) = evaluate_delivery_sensor(instance, resources).run_requests  # the sensor tick
    assert key in instance.get_dynamic_partitions("nevada_deliveries")  # stored in PostgreSQL
    result = materialize_request(instance, resources, request)  # the run
    assert result.success

    schedule = defs.get_schedule_def("reconcile_nevada")
    with build_schedule_context(instance=instance, resources={"bucket": resources["bucket"]},
                                repository_def=defs.get_repository_def(),
                                scheduled_execution_time=datetime(2023, 7, 8, 3, tzinfo=timezone.utc)) as context:
        assert schedule.evaluate_tick(context).run_requests == []  # it sees the run's materialization

    with psycopg.connect(dagster_url) as con:
        runs = con.execute("SELECT run_id, status FROM runs").fetchall()
        partitions = con.execute("SELECT partition FROM dynamic_partitions").fetchall()
    assert (result.run_id, "SUCCESS") in runs
    assert (key,) in partitions
    with psycopg.connect(warehouse_url) as con:
        assert con.execute("SELECT count(*) FROM source_current WHERE _source = 'nevada'").fetchone()[0] == 5
