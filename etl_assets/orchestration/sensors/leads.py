"""The leads sensor: any source loaded since the last refresh → one warehouse/leads refresh run."""

from __future__ import annotations

from collections.abc import Sequence

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from etl_assets.orchestration.assets.factory import SourceAssets

LEADS_SENSOR = "leads_refresh_sensor"


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
