"""Assembles the Definitions: every source's chain from mappings/, leads, jobs, sensors, resources."""

from __future__ import annotations

from dagster import Definitions

from etl_assets.orchestration.assets.analyst import analyst_views, net_new_leads_export
from etl_assets.orchestration.assets.factory import SourceAssets, build_source_assets
from etl_assets.orchestration.assets.leads import build_leads_asset
from etl_assets.orchestration.checks import build_freshness_checks, build_freshness_job, build_leads_checks
from etl_assets.orchestration.jobs import build_ingest_job, leads_job
from etl_assets.orchestration.resources import build_resources
from etl_assets.orchestration.schedules import build_schedules
from etl_assets.orchestration.sensors import build_alert_sensors, build_delivery_sensor, build_leads_sensor, build_reaper_sensor
from etl_assets.sources.registry import load_specs


def build_chains() -> list[SourceAssets]:
    return [build_source_assets(spec) for spec in load_specs()]


def build_definitions(resources: dict | None = None) -> Definitions:
    chains = build_chains()
    ingest_jobs = [build_ingest_job(c) for c in chains]
    freshness_checks = build_freshness_checks([c.spec for c in chains])
    freshness_job = build_freshness_job(freshness_checks)
    return Definitions(
        assets=[a for c in chains for a in c.assets] + [build_leads_asset([c.warehouse_key for c in chains]),
                                                        analyst_views, net_new_leads_export],
        asset_checks=[check for c in chains for check in c.checks] + build_leads_checks() + freshness_checks,
        jobs=[*ingest_jobs, leads_job, freshness_job],
        sensors=[
            build_delivery_sensor(chains, ingest_jobs),
            build_leads_sensor(chains, leads_job),
            build_reaper_sensor(),
            *build_alert_sensors(),
        ],
        schedules=build_schedules(chains, ingest_jobs, leads_job, freshness_job),
        resources=resources if resources is not None else build_resources(),
    )


defs = build_definitions()
