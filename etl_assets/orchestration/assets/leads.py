"""warehouse/leads: every source's live records resolved into one row per real-world provider.

Thin: one transaction around ``refresh_leads`` (which re-resolves what changed since the last
refresh and writes leads, ``lead_sources``, ``lead_review`` and the match state); the merge/split
events are appended to ``lead_events`` with the run id, the metadata is read back from the tables.
"""

import contextlib
from collections.abc import Sequence
from dataclasses import fields

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from etl_assets.orchestration import metadata as md
from etl_assets.warehouse import scopes
from etl_assets.warehouse import spill
from etl_assets import settings, warehouse
from etl_assets.orchestration.assets.docs import leads_metadata
from etl_assets.orchestration.assets.keys import LEADS_KEY
from etl_assets.sources.registry import leads_schema
from etl_assets.resolve.resolver import ResolveConfig
from etl_assets.resolve.refresh import refresh_leads


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


class LeadsRefreshConfig(Config):
    """Run config of a leads refresh. By default it re-resolves only what changed since the last
    refresh (``resolve/refresh.py``); ``full`` re-resolves every live record with the stored
    model (the same result, at full cost); ``retrain`` also learns the model anew (after a rule or
    threshold change in mappings/leads.yaml the refresh retrains by itself)."""

    full: bool = False
    retrain: bool = False


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
    def leads(context: AssetExecutionContext, config: LeadsRefreshConfig, duckdb: DuckDBResource) -> MaterializeResult:
        rules = resolve_config()
        storage = getattr(duckdb, "storage_dir", None)  # the resolver's own connections spill there too
        with (spill.under(storage) if storage else contextlib.nullcontext()), \
                duckdb.open(scopes.leads_refresh()) as con, warehouse.transaction(con):
            warehouse.ensure_warehouse(con)
            refresh = refresh_leads(con, rules, full=config.full or config.retrain, retrain=config.retrain)
            warehouse.append_lead_events(con, refresh.events, context.run.run_id)
            views = warehouse.create_analyst_views(con, rules.crm_source)
            docs = leads_metadata(con)
            summary = warehouse.leads_summary(con, rules.crm_source)
            review = warehouse.review_pairs(con, limit=10)
        duckdb.publish_views(views)  # PostgreSQL: the views on the server too (DuckDB: already in the file)
        context.log.info(f"leads refresh: {refresh.mode} ({refresh.reason}); {refresh.resolved:,} record(s) resolved")
        result = refresh.result
        return MaterializeResult(
            metadata={
                **docs,
                **{k: MetadataValue.json(v) if isinstance(v, dict) else v for k, v in summary.items()},
                "refresh_mode": refresh.mode,
                "refresh_reason": refresh.reason,
                "records_changed": refresh.changed,
                "records_gone": refresh.gone,
                "records_resolved": refresh.resolved,
                "model_retrained": refresh.retrained,
                "events": MetadataValue.json(
                    refresh.events["event_type"].value_counts().to_dict() if len(refresh.events) else {}),
                "review_top_pairs": md.preview(review_preview(review), rows=10),
                "review_console": MetadataValue.url(settings.review_console_url()),  # where reviewers decide them
                "reviewer_decisions_applied": MetadataValue.json(
                    {"accept": result.stats["reviewer_accepts"], "reject": result.stats["reviewer_rejects"]}
                    if result is not None else {}),
                "timings": MetadataValue.json({k: round(v, 3) for k, v in refresh.timings.items() if k.endswith("_s")}),
                **bounds_metadata(refresh),
            }
        )

    return leads


def bounds_metadata(refresh) -> dict:
    """What the bounds left out and how the model was trained: blocks too large to be keys (size
    and key), the largest candidate-graph component, and on a retrain the EM sessions, skipped
    rules and where each comparison's m values come from."""
    out = {}
    result = refresh.result
    if result is not None:
        out["oversized_blocks"] = MetadataValue.json(result.stats.get("oversized_blocks", {}))
        out["largest_component"] = MetadataValue.json(result.stats.get("largest_component", {}))
    if refresh.retrained and result is not None and result.model is not None:
        splink = result.model.splink
        out["model_training"] = MetadataValue.json(splink.report if splink is not None else {"splink": "off"})
        warnings = splink.report.get("warnings", []) if splink is not None else []
        if warnings:
            out["model_training_warnings"] = "; ".join(warnings)
    return out


def review_preview(review: pd.DataFrame) -> pd.DataFrame:
    """The queue's top pairs, both records side by side, for the materialization's metadata."""
    cols = ["pair_id", "reason", "match_probability", "evidence", "company_l", "company_r", "address_std_l",
            "address_std_r", "phone_l", "phone_r"]
    return review.reindex(columns=cols).head(10)
