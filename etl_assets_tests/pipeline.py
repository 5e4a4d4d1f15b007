"""Test helpers that drive the platform the way Dagster does: sensor evaluation, then runs."""

from __future__ import annotations

from dagster import (
    DagsterEventType,
    DagsterInstance,
    RunRequest,
    SensorResult,
    build_run_status_sensor_context,
    build_sensor_context,
    materialize,
)

from etl_assets.assets.leads import build_leads_asset
from etl_assets.definitions import build_chains, defs
from etl_assets.sensors import DELIVERY_SENSOR, RUN_FAILURE_SENSOR


def evaluate_delivery_sensor(instance: DagsterInstance, resources: dict, cursor: str | None = None) -> SensorResult:
    sensor = defs.get_sensor_def(DELIVERY_SENSOR)
    with build_sensor_context(instance=instance, resources={"bucket": resources["bucket"]}, cursor=cursor) as context:
        result = sensor(context)
    if isinstance(result, SensorResult):
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def materialize_request(
    instance: DagsterInstance, resources: dict, request: RunRequest, raise_on_error: bool = True, run_config=None
):
    source = request.tags["etl/source"]
    chain = next(c for c in build_chains() if c.spec.source == source)
    return materialize(
        chain.definitions, partition_key=request.partition_key, instance=instance, resources=resources,
        raise_on_error=raise_on_error, run_config=run_config,
    )


def materialize_leads(instance: DagsterInstance, resources: dict):
    chains = build_chains()
    return materialize([build_leads_asset([c.warehouse_key for c in chains])], instance=instance, resources=resources)


def fire_run_failure_sensor(instance: DagsterInstance, resources: dict, run_id: str) -> None:
    """Evaluate the alerting run-failure sensor on a real failed run, as the daemon would."""
    (failure,) = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
    context = build_run_status_sensor_context(
        sensor_name=RUN_FAILURE_SENSOR, dagster_event=failure.dagster_event, dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id), resources={"duckdb": resources["duckdb"]},
    ).for_run_failure()
    defs.get_sensor_def(RUN_FAILURE_SENSOR)(context)
