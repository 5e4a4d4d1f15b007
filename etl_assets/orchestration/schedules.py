"""Nightly schedules: reconcile the bucket with what is loaded, refresh leads, check freshness.

The S3 sensor only looks a few hours behind its watermark (``discovery.LOOKBACK``). Each night
``reconcile_<source>`` lists the source's prefix and requests a run (run key ``key:ETag``, the
sensor's) for every delivery whose ``<source>/warehouse`` partition has no materialization or was
last materialized from another ETag, adding missing dynamic partitions first. A delivery with a
run already queued or in progress for the same ETag is left alone; one whose run failed is
requested again (and, if it fails again, alerts again). A Dagster schedule launches one job, so
there is one reconcile schedule per source (same cron), then ``nightly_leads_refresh`` and
``nightly_freshness`` (the freshness checks job) after them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone

from dagster import (
    AssetRecordsFilter,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from etl_assets.orchestration.assets.factory import SourceAssets
from etl_assets.orchestration.assets.keys import ingest_job_name, partitions_name
from etl_assets.ingest.discovery import Cursor, Delivery, discover
from etl_assets.ingest.s3 import list_objects
from etl_assets.orchestration.resources import DeliveryBucket

RECONCILE_CRON = "0 3 * * *"
LEADS_CRON = "30 3 * * *"
FRESHNESS_CRON = "0 4 * * *"
TIMEZONE = "UTC"
IN_FLIGHT = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def _day(context: ScheduleEvaluationContext) -> str:
    return f"{context.scheduled_execution_time or datetime.now(timezone.utc):%Y-%m-%d}"


def reconcile_schedule_name(source: str) -> str:
    return f"reconcile_{source}"


def key_prefix(pattern: str) -> str:
    """The literal start of a key glob ('nevada/*.csv' → 'nevada/'): the listing's prefix."""
    return re.split(r"[*?\[]", pattern, maxsplit=1)[0]


def loaded_etags(instance: DagsterInstance, chain: SourceAssets) -> dict[str, str | None]:
    """Partition → ETag of its latest ``<source>/warehouse`` materialization (None if unknown)."""
    key = chain.warehouse_key
    latest = instance.event_log_storage.get_latest_storage_id_by_partition(key, DagsterEventType.ASSET_MATERIALIZATION)
    if not latest:
        return {}
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, storage_ids=list(latest.values())), limit=len(latest)
    ).records
    etags: dict[str, str | None] = {}
    for record in records:
        etag = record.asset_materialization.metadata.get("etag")
        if etag is None:  # loaded before the etag was recorded: fall back to the run's tag
            run = instance.get_run_by_id(record.run_id)
            etags[record.partition_key] = run.tags.get("etl/etag") if run else None
        else:
            etags[record.partition_key] = str(etag.value)
    return etags


def in_flight(instance: DagsterInstance, job_name: str) -> set[tuple[str, str]]:
    runs = instance.get_runs(RunsFilter(job_name=job_name, statuses=IN_FLIGHT))
    return {(r.tags.get("dagster/partition", ""), r.tags.get("etl/etag", "")) for r in runs}


def unloaded_deliveries(instance: DagsterInstance, chain: SourceAssets, deliveries: Sequence[Delivery]) -> list[Delivery]:
    """Deliveries of the chain's source not loaded with their current ETag and not in flight."""
    loaded = loaded_etags(instance, chain)
    busy = in_flight(instance, ingest_job_name(chain.spec.source))
    return [
        d for d in deliveries
        if d.source == chain.spec.source and loaded.get(d.key) != d.etag and (d.key, d.etag) not in busy
    ]


def build_reconcile_schedule(chain: SourceAssets, ingest_job, specs):
    source = chain.spec.source

    @schedule(
        name=reconcile_schedule_name(source),
        job=ingest_job,
        cron_schedule=RECONCILE_CRON,
        execution_timezone=TIMEZONE,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"Nightly: requests every {source} delivery in the bucket that is not loaded with its current ETag.",
    )
    def reconcile(context: ScheduleEvaluationContext, bucket: DeliveryBucket):
        objects = list_objects(bucket.client(), bucket.bucket, key_prefix(chain.spec.deliveries.key_pattern))
        found = discover(objects, specs, Cursor())
        missing = unloaded_deliveries(context.instance, chain, found.deliveries)
        if not missing:
            return SkipReason(f"every {source} delivery in the bucket is loaded")
        known = set(context.instance.get_dynamic_partitions(partitions_name(source)))
        new_keys = [d.key for d in missing if d.key not in known]
        if new_keys:  # a schedule cannot return partition requests: add them before requesting runs
            context.instance.add_dynamic_partitions(partitions_name(source), new_keys)
        context.log.info(f"reconcile {source}: {len(missing)} deliveries to (re)load, {len(new_keys)} new partitions")
        return [
            RunRequest(
                run_key=d.run_key,
                partition_key=d.key,
                tags={"etl/source": source, "etl/etag": d.etag, "etl/trigger": "reconcile"},
            )
            for d in missing
        ]

    return reconcile


def build_schedules(chains: Sequence[SourceAssets], ingest_jobs: Sequence, leads_job, freshness_job) -> list:
    specs = tuple(c.spec for c in chains)
    schedules = [build_reconcile_schedule(c, j, specs) for c, j in zip(chains, ingest_jobs)]

    @schedule(
        name="nightly_leads_refresh",
        job=leads_job,
        cron_schedule=LEADS_CRON,
        execution_timezone=TIMEZONE,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Nightly warehouse/leads refresh (after the reconcile schedules), with its checks.",
    )
    def nightly_leads_refresh(context: ScheduleEvaluationContext):
        return RunRequest(run_key=f"leads:{_day(context)}")

    @schedule(
        name="nightly_freshness",
        job=freshness_job,
        cron_schedule=FRESHNESS_CRON,
        execution_timezone=TIMEZONE,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Nightly freshness checks: each source's newest delivery date vs deliveries.freshness_days.",
    )
    def nightly_freshness(context: ScheduleEvaluationContext):
        return RunRequest(run_key=f"freshness:{_day(context)}")

    return [*schedules, nightly_leads_refresh, nightly_freshness]
