"""Jobs: one ingest job per source (its partitioned chain) and the leads refresh."""

from __future__ import annotations

from dagster import AssetCheckKey, AssetSelection, define_asset_job, in_process_executor

from etl_assets.orchestration.assets.factory import SourceAssets
from etl_assets.orchestration.assets.keys import LEADS_KEY, NET_NEW_EXPORT_KEY, VIEW_KEYS, ingest_job_name


def build_ingest_job(chain: SourceAssets):
    selection = AssetSelection.assets(*chain.keys)
    if chain.spec.deliveries.freshness_days is not None:
        # freshness judges the source over time, not this delivery: it runs in the nightly job
        selection = selection - AssetSelection.checks(AssetCheckKey(chain.warehouse_key, "freshness"))
    return define_asset_job(
        ingest_job_name(chain.spec.source),
        selection=selection,
        partitions_def=chain.partitions,
        description=f"Ingest one {chain.spec.source} delivery: raw → normalized → deduped → warehouse.",
        # The chain is sequential (each step needs the previous one), so a process per step buys no
        # parallelism but costs a Python start-up and code load per step (~3 s CPU, 10+ steps with
        # the checks): one process per run instead. Runs still run side by side (dagster.yaml).
        executor_def=in_process_executor,
    )


# the analyst views and the net-new export follow every leads refresh (same run)
leads_job = define_asset_job(
    "leads_refresh", selection=AssetSelection.assets(LEADS_KEY, *VIEW_KEYS.values(), NET_NEW_EXPORT_KEY),
    executor_def=in_process_executor,
)
