"""Checks on the warehouse as a whole: the leads table (after each refresh) and source freshness.

``lead_ids_unique`` and ``records_resolved_once`` run with every ``warehouse/leads`` refresh
(non-blocking, ERROR). ``freshness`` (one per source with ``deliveries.freshness_days``) is not
tied to a delivery: it runs in the ``freshness_checks`` job, started by the nightly schedule.
"""


from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Optional

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetSelection,
    Config,
    asset_check,
    define_asset_job,
)
from dagster_duckdb import DuckDBResource

from etl_assets import warehouse
from etl_assets.warehouse import scopes
from etl_assets.orchestration.assets.keys import LEADS_KEY, asset_key
from etl_assets.orchestration.checks import rules
from etl_assets.sources.spec import SourceSpec

FRESHNESS_JOB = "freshness_checks"


class FreshnessConfig(Config):
    as_of: Optional[str] = None  # ISO date to evaluate against (default: today, UTC)


def build_leads_checks() -> list[AssetChecksDefinition]:
    @asset_check(
        asset=LEADS_KEY,
        name="lead_ids_unique",
        description="ERROR when two rows of leads share a lead_id.",
    )
    def lead_ids_unique(duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.open(scopes.leads_read()) as con:
            found = warehouse.lead_id_collisions(con)
        return rules.lead_ids_unique(found)

    @asset_check(
        asset=LEADS_KEY,
        name="records_resolved_once",
        description="ERROR when a live source record (source_current) is not in lead_sources exactly once.",
    )
    def records_resolved_once(duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.open(scopes.leads_read()) as con:
            warehouse.ensure_warehouse(con)
            found = warehouse.resolution_coverage(con)
        return rules.records_resolved_once(found)

    return [lead_ids_unique, records_resolved_once]


def build_freshness_check(spec: SourceSpec) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_key(spec.source, "warehouse"),
        name="freshness",
        description=(
            f"WARN when {spec.source}'s newest loaded delivery is dated more than "
            f"{spec.deliveries.freshness_days} days ago (deliveries.freshness_days). Run nightly."
        ),
    )
    def freshness(context: AssetCheckExecutionContext, config: FreshnessConfig, duckdb: DuckDBResource) -> AssetCheckResult:
        today = date.fromisoformat(config.as_of) if config.as_of else datetime.now(timezone.utc).date()
        with duckdb.open(scopes.leads_read()) as con:
            newest = warehouse.newest_delivery_dates(con).get(spec.source)
        return rules.freshness(spec, newest, today)

    return freshness


def build_freshness_checks(specs: Sequence[SourceSpec]) -> list[AssetChecksDefinition]:
    return [build_freshness_check(s) for s in specs if s.deliveries.freshness_days is not None]


def freshness_check_keys(checks: Sequence[AssetChecksDefinition]) -> list[AssetCheckKey]:
    return [k for c in checks for k in c.check_keys]


def build_freshness_job(checks: Sequence[AssetChecksDefinition]):
    return define_asset_job(
        FRESHNESS_JOB,
        selection=AssetSelection.checks(*freshness_check_keys(checks)),
        description="Evaluates every source's freshness check against the warehouse load log.",
    )
