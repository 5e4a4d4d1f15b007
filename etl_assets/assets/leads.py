"""warehouse/leads: every source's live records resolved into one row per real-world provider.

Thin: read the live records and the previous crosswalk, call ``resolve_leads``, write the leads,
the crosswalk (``lead_sources``) and the merge/split events (``lead_events``) in one transaction.
"""

from collections.abc import Sequence
from dataclasses import fields

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from etl_assets import metadata as md
from etl_assets.warehouse import scopes
from etl_assets import warehouse
from etl_assets.assets.docs import leads_metadata
from etl_assets.assets.keys import LEADS_KEY
from etl_assets.records import SOURCE
from etl_assets.sources.registry import leads_schema
from etl_assets.stages.resolve import ResolveConfig, resolve_leads


def resolve_config() -> ResolveConfig:
    """ResolveConfig from the `resolution:` section of mappings/leads.yaml."""
    overrides = dict(leads_schema().resolution)
    known = {f.name for f in fields(ResolveConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"mappings/leads.yaml resolution: unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
    if "source_priority" in overrides:
        overrides["source_priority"] = tuple(overrides["source_priority"])
    return ResolveConfig(**overrides)


def build_leads_asset(upstream: Sequence[AssetKey]):
    @asset(
        key=LEADS_KEY,
        deps=list(upstream),
        group_name="warehouse",
        kinds={"duckdb", "splink"},
        owners=["team:data-platform"],
        tags={"layer": "warehouse"},
        description=(
            "One row per provider across all sources (stable lead_id), the crosswalk to source "
            "records with the rule or score that matched each (lead_sources), merge/split events."
        ),
    )
    def leads(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
        config = resolve_config()
        with duckdb.open(scopes.leads_refresh()) as con, warehouse.transaction(con):
            warehouse.ensure_warehouse(con)
            current = warehouse.live_records(con)
            previous = warehouse.previous_crosswalk(con)
            decisions = warehouse.review_decisions(con)
            result = resolve_leads(current, previous, config, decisions)
            leads_frame = result.leads.assign(is_net_new=~result.leads["is_existing_crm_lead"])
            warehouse.replace_table(con, warehouse.LEADS, leads_frame)
            warehouse.replace_table(con, warehouse.LEAD_SOURCES, result.crosswalk)
            warehouse.append_lead_events(con, result.events, context.run.run_id)
            warehouse.replace_review(con, result.review)
            views = warehouse.create_analyst_views(con, config.crm_source)
            docs = leads_metadata(con)
        duckdb.publish_views(views)  # PostgreSQL: the views on the server too (DuckDB: already in the file)
        by_source = net_new_by_source(result.crosswalk, leads_frame)
        live_by_source = result.crosswalk.groupby(SOURCE)["lead_id"].nunique()
        return MaterializeResult(
            metadata={
                **docs,
                "dagster/row_count": len(leads_frame),
                "net_new_leads": int(leads_frame["is_net_new"].sum()),
                **{f"net_new_leads/{s}": n for s, n in by_source.items()},
                **{f"live_leads/{s}": int(n) for s, n in live_by_source.items()},
                "source_records": len(current),
                "net_new_leads_by_source": MetadataValue.json(by_source),
                "existing_crm_leads": int(leads_frame["is_existing_crm_lead"].sum()),
                "match_rules": MetadataValue.json(result.crosswalk["match_rule"].value_counts().to_dict()),
                "events": MetadataValue.json(result.events["event_type"].value_counts().to_dict()),
                "review_queue": len(result.review),
                "review_top_pairs": md.preview(review_preview(result.review), rows=10),
                "reviewer_decisions_applied": MetadataValue.json(
                    {"accept": result.stats["reviewer_accepts"], "reject": result.stats["reviewer_rejects"]}),
                "preview": md.preview(leads_frame),
            }
        )

    return leads


def review_preview(review: pd.DataFrame) -> pd.DataFrame:
    """The queue's top pairs, both records side by side, for the materialization's metadata."""
    cols = ["pair_id", "reason", "match_probability", "evidence", "company_l", "company_r", "address_std_l",
            "address_std_r", "phone_l", "phone_r"]
    return review.reindex(columns=cols).head(10)


def net_new_by_source(crosswalk: pd.DataFrame, leads: pd.DataFrame) -> dict[str, int]:
    """Per source: leads holding a record of that source and no CRM record."""
    new_ids = set(leads.loc[leads["is_net_new"], "lead_id"])
    members = crosswalk[crosswalk["lead_id"].isin(new_ids)]
    return {str(k): int(v) for k, v in members.groupby(SOURCE)["lead_id"].nunique().items()}
