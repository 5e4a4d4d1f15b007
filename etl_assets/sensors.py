"""Sensors: new deliveries in the bucket → partitioned runs; new source loads → refresh leads; dead runs → failed."""


from collections.abc import Sequence

from dagster import (
    AddDynamicPartitionsRequest,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from etl_assets import orphan_runs

from etl_assets.assets.factory import SourceAssets
from etl_assets.assets.keys import partitions_name
from etl_assets.discovery import Cursor, discover
from etl_assets.ingest.s3 import list_objects
from etl_assets.resources import DeliveryBucket

DELIVERY_SENSOR = "s3_delivery_sensor"
LEADS_SENSOR = "leads_refresh_sensor"


def ingest_job_name(source: str) -> str:
    return f"{source}_ingest"


def build_delivery_sensor(chains: Sequence[SourceAssets], jobs: Sequence):
    specs = tuple(c.spec for c in chains)

    @sensor(
        name=DELIVERY_SENSOR,
        jobs=list(jobs),
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Lists the bucket and starts one run per new or changed delivery (run key = S3 key + ETag).",
    )
    def s3_delivery_sensor(context: SensorEvaluationContext, bucket: DeliveryBucket):
        cursor = Cursor.loads(context.cursor)
        found = discover(list_objects(bucket.client(), bucket.bucket), specs, cursor)
        for key in found.unknown_keys:
            context.log.warning(f"{bucket.url(key)}: no source in mappings/ claims this key; ignored")
        for key, why in found.rejected.items():
            context.log.error(f"{bucket.url(key)}: not ingested: {why}")
        if not found.deliveries:
            return SensorResult(
                skip_reason=SkipReason(f"no new deliveries ({len(found.unknown_keys)} unknown keys)"),
                cursor=found.cursor.dumps(),
            )
        by_source: dict[str, list[str]] = {}
        for d in found.deliveries:
            by_source.setdefault(d.source, []).append(d.key)
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=d.run_key,
                    job_name=ingest_job_name(d.source),
                    partition_key=d.key,
                    tags={"etl/source": d.source, "etl/etag": d.etag},
                )
                for d in found.deliveries
            ],
            dynamic_partitions_requests=[
                AddDynamicPartitionsRequest(partitions_name(source), keys) for source, keys in by_source.items()
            ],
            cursor=found.cursor.dumps(),
        )

    return s3_delivery_sensor


def build_leads_sensor(chains: Sequence[SourceAssets], leads_job):
    """Requests a leads refresh when any source's warehouse asset has materialized since the last one."""
    keys = [c.warehouse_key for c in chains]

    @sensor(
        name=LEADS_SENSOR,
        job=leads_job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Refreshes warehouse/leads after any source's warehouse asset materializes.",
    )
    def leads_refresh_sensor(context: SensorEvaluationContext):
        latest = 0
        for key in keys:
            records = context.instance.fetch_materializations(key, limit=1).records
            if records:
                latest = max(latest, records[0].storage_id)
        seen = int(context.cursor or 0)
        if latest <= seen:
            return SkipReason("no source loaded since the last leads refresh")
        waiting = context.instance.get_run_records(
            RunsFilter(job_name=leads_job.name, statuses=[DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED]),
            limit=1,
        )
        if waiting:  # a queued refresh will read everything loaded until it starts: no need for another
            return SkipReason("a leads refresh is already queued")
        return SensorResult(run_requests=[RunRequest(run_key=f"leads:{latest}")], cursor=str(latest))

    return leads_refresh_sensor


REAPER_SENSOR = "reap_dead_runs"


def build_reaper_sensor():
    """Marks failed (and frees the slots of) runs whose worker process died, so alerts and run retries follow."""

    @sensor(
        name=REAPER_SENSOR,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Runs left STARTED by a killed run worker (kill -9, out of memory) are marked failed; "
        "the run-failure alert and the run retry follow.",
    )
    def reap_dead_runs(context: SensorEvaluationContext):
        dead = orphan_runs.reap(context.instance, by="the reap_dead_runs sensor")
        for run in dead:
            context.log.warning(f"run {run.run_id} ({run.job_name}, {run.partition}): worker pid {run.pid} is gone; marked failed")
        return SkipReason(f"{len(dead)} dead run(s) marked failed" if dead else "no dead runs")

    return reap_dead_runs
