"""Test helpers that drive the platform the way Dagster does: sensor evaluation, then runs."""

from __future__ import annotations

from dagster import (
    DagsterEventType,
    DagsterInstance,
    RunRequest,
    SensorResult,
    build_sensor_context,
    materialize,
)

from etl_assets.orchestration.assets.leads import build_leads_asset
from etl_assets.orchestration.definitions import build_chains, defs
from etl_assets.orchestration.sensors import DELIVERY_SENSOR, RUN_FAILURE_SENSOR


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


def ingest_new_mappings(instance: DagsterInstance, resources: dict, s3_client, bucket: str, deliveries) -> dict:
    """Deliveries of sources onboarded in the test (each with ``key`` and ``path``) uploaded, one tick of a
    delivery sensor built from the mappings as they are now, and every requested run materialized.
    Returns the source chains by source."""
    from etl_assets.orchestration.assets.factory import build_source_assets
    from etl_assets.orchestration.jobs import build_ingest_job
    from etl_assets.orchestration.sensors import build_delivery_sensor
    from etl_assets.sources import registry

    chains = {spec.source: build_source_assets(spec) for spec in registry.load_specs()}
    sensor = build_delivery_sensor(list(chains.values()), [build_ingest_job(c) for c in chains.values()])
    for d in deliveries:
        s3_client.put_object(Bucket=bucket, Key=d.key, Body=d.path.read_bytes())
    with build_sensor_context(instance=instance, resources={"bucket": resources["bucket"]}) as context:
        result = sensor(context)
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    assert sorted(r.partition_key for r in result.run_requests) == sorted(d.key for d in deliveries)
    for request in result.run_requests:
        chain = chains[request.tags["etl/source"]]
        run = materialize(chain.definitions, partition_key=request.partition_key, instance=instance, resources=resources)
        assert run.success, request.partition_key
    return chains


def materialize_leads(instance: DagsterInstance, resources: dict, full: bool = False, retrain: bool = False):
    chains = build_chains()
    config = {"ops": {"warehouse__leads": {"config": {"full": full, "retrain": retrain}}}} if full or retrain else None
    return materialize([build_leads_asset([c.warehouse_key for c in chains])], instance=instance, resources=resources,
                       run_config=config)


def evaluate_run_failure_sensor(instance: DagsterInstance, resources: dict, cursor: str | None):
    """One tick of the alerting run-failure sensor, as the daemon runs it: (result, next cursor)."""
    sensor = defs.get_sensor_def(RUN_FAILURE_SENSOR)
    with build_sensor_context(instance=instance, resources={"duckdb": resources["duckdb"]}, cursor=cursor) as context:
        result = sensor(context)
        return result, context.cursor


def fire_run_failure_sensor(instance: DagsterInstance, resources: dict, run_id: str) -> None:
    """A tick of the run-failure sensor whose cursor stands just before this real failed run's failure."""
    failures = instance.fetch_run_status_changes(DagsterEventType.RUN_FAILURE, limit=1000).records
    (failure,) = [r for r in failures if r.event_log_entry.run_id == run_id]
    evaluate_run_failure_sensor(instance, resources, str(failure.storage_id - 1))


def error_text(error) -> str:
    """The failure's message with its causes (Dagster wraps the user exception)."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause or error.context
    return "\n".join(parts)
