"""The rules behind the asset checks, as plain functions: data in, an AssetCheckResult out.

Kept apart from the Dagster wiring (``source.py``, ``warehouse.py``) so each rule is testable on
a crafted frame or the values a warehouse query returned, without a run or a database.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from etl_assets.orchestration import metadata as md
from etl_assets.records import QUARANTINE_REASON, RECORD_KEY, ROW_NUMBER
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages.headers import resolve_columns
from etl_assets.stages.history import ChangeCounts
from etl_assets.warehouse.queries import LeadIdCollisions, ResolutionCoverage

ERROR, WARN = AssetCheckSeverity.ERROR, AssetCheckSeverity.WARN
_SAMPLE = 20  # offending values listed in metadata


def without_required(spec: SourceSpec) -> SourceSpec:
    """The same mapping with nothing required: resolves a header without raising, to name what is missing."""
    data = spec.model_dump(by_alias=True)
    data["fields"] = [{**f, "required": False} for f in data["fields"]]
    return SourceSpec.model_validate(data)


def schema_drift(spec: SourceSpec, relaxed: SourceSpec, header: list[str]) -> AssetCheckResult:
    """ERROR when a required mapped column is missing (the delivery cannot be normalized), WARN on
    other drift: new unmapped columns, renamed or missing optional columns."""
    found, drift = resolve_columns(relaxed, header, where=spec.source)
    mapped = set(found.values())
    unmapped = [c for c in header if c not in mapped]
    missing_required = [c for c in spec.required_source_columns if c not in found]
    if missing_required:
        drift = [f"required column {c!r} is missing" for c in missing_required] + drift
    return AssetCheckResult(
        passed=not drift,
        severity=ERROR if missing_required else WARN,
        description=(
            f"required column(s) {missing_required} missing: the delivery is held back" if missing_required
            else "; ".join(drift[:5]) if drift else f"no drift ({len(unmapped)} unmapped column(s) kept in _extras)"
        ),
        metadata={
            "missing_required": MetadataValue.json(missing_required),
            "drift": MetadataValue.json(drift),
            "unmapped_columns": MetadataValue.json(unmapped),
        },
    )


def row_count_vs_previous(spec: SourceSpec, rows: int, previous: dict | None, allow: bool = False) -> AssetCheckResult:
    """ERROR when the delivery has lost more than ``max_row_drop_share`` of the previous delivery's rows."""
    if previous is None:
        return AssetCheckResult(passed=True, description="first delivery of the source", metadata={"rows": rows})
    before = previous["rows_read"]
    drop = (before - rows) / before if before else 0.0
    return _held_above(
        drop, spec.max_row_drop_share, allow,
        f"{rows} rows vs {before} in {previous['delivery_key']} ({drop:+.0%} drop)",
        {
            "rows": rows,
            "previous_rows": before,
            "previous_delivery": str(previous["delivery_key"]),
            "previous_delivery_date": str(previous["delivery_date"]),
            "row_drop_share": float(round(drop, 4)),
            "max_row_drop_share": spec.max_row_drop_share,
            "override": allow,
        },
    )


def _held_above(share: float, limit: float, allow: bool, what: str, metadata: dict) -> AssetCheckResult:
    """The blocking guards' verdict: ERROR (the delivery is held) above ``limit`` unless the run allows it."""
    held = share > limit and not allow
    return AssetCheckResult(
        passed=not held, severity=ERROR, description=f"{what}; " + ("held back" if held else "allowed"), metadata=metadata
    )


def null_rates(spec: SourceSpec, current: dict[str, float], previous: dict[str, float], previous_key: str | None) -> AssetCheckResult:
    """WARN when a mapped column's null rate rose by more than ``max_null_rate_increase`` (absolute)."""
    rises = {c: round(r - previous[c], 4) for c, r in current.items() if c in previous}
    risen = {c: d for c, d in rises.items() if d > spec.max_null_rate_increase}
    return AssetCheckResult(
        passed=not risen,
        severity=WARN,
        description=(
            "no previous delivery profile to compare with" if previous_key is None
            else f"{len(risen)} column(s) with a null rate up by more than {spec.max_null_rate_increase:.0%} vs {previous_key}"
        ),
        metadata={
            "risen": MetadataValue.json({c: {"now": round(current[c], 4), "before": round(previous[c], 4)} for c in risen}),
            "null_rates": MetadataValue.json({c: round(r, 4) for c, r in current.items()}),
            "previous_delivery": previous_key or "",
            "max_null_rate_increase": spec.max_null_rate_increase,
        },
    )


def quarantine_share(spec: SourceSpec, normalized: pd.DataFrame) -> AssetCheckResult:
    """WARN when any record of the delivery was quarantined (above the threshold the step itself failed)."""
    bad = normalized[normalized[QUARANTINE_REASON].notna()]
    return quarantine_share_of(spec, len(normalized), len(bad), bad[[ROW_NUMBER, QUARANTINE_REASON]].head(10))


def quarantine_share_of(spec: SourceSpec, rows: int, quarantined: int, first_reasons: pd.DataFrame) -> AssetCheckResult:
    """:func:`quarantine_share` from counts and the first quarantined rows (a stage file's column reads)."""
    share = quarantined / rows if rows else 0.0
    return AssetCheckResult(
        passed=quarantined == 0,
        severity=WARN,
        metadata={
            "rows": rows,
            "quarantined": quarantined,
            "share": float(round(share, 4)),
            "threshold_for_failure": spec.quarantine_threshold,
            "reasons": md.preview(first_reasons, rows=10, columns=[ROW_NUMBER, QUARANTINE_REASON]),
        },
    )


def delete_guard(spec: SourceSpec, live: int, counts: ChangeCounts | None, allow: bool = False) -> AssetCheckResult:
    """ERROR when the delivery would soft-delete more than ``max_delete_share`` of the live records
    (``counts``: the history's preview; None when the delivery has no date: every live record)."""
    deleted = counts.deleted if counts else live
    share = deleted / live if live else 0.0
    return _held_above(
        share, spec.max_delete_share, allow,
        f"would soft-delete {deleted} of {live} live records ({share:.0%})",
        {
            "live_records": live,
            "would_delete": deleted,
            "delete_share": float(round(share, 4)),
            "max_delete_share": spec.max_delete_share,
            "override": allow,
            **(counts.as_metadata() if counts else {}),
        },
    )


def record_key_unique(frame: pd.DataFrame) -> AssetCheckResult:
    """ERROR when a record key is null or appears twice (dedup guarantees it; this guards the guarantee)."""
    keys = frame[RECORD_KEY]
    duplicated = keys[keys.duplicated(keep=False) & keys.notna()]
    examples = sorted(map(str, duplicated.unique()))[:_SAMPLE]
    return record_key_unique_of(len(frame), int(duplicated.nunique()), examples, int(keys.isna().sum()))


def record_key_unique_of(rows: int, duplicate_keys: int, examples: list[str], nulls: int) -> AssetCheckResult:
    """:func:`record_key_unique` from counts (computed in SQL over the deduped stage file)."""
    return AssetCheckResult(
        passed=not duplicate_keys and not nulls,
        severity=ERROR,
        metadata={
            "rows": rows,
            "duplicate_keys": duplicate_keys,
            "null_keys": nulls,
            "examples": MetadataValue.json(examples[:_SAMPLE]),
        },
    )


def lead_ids_unique(found: LeadIdCollisions) -> AssetCheckResult:
    """ERROR when two rows of ``leads`` share a lead id."""
    return AssetCheckResult(
        passed=not found.colliding,
        severity=ERROR,
        metadata={
            "leads": found.leads,
            "colliding_lead_ids": len(found.colliding),
            "examples": MetadataValue.json([str(r[0]) for r in found.colliding[:_SAMPLE]]),
        },
    )


def records_resolved_once(found: ResolutionCoverage) -> AssetCheckResult:
    """ERROR when a live source record is missing from ``lead_sources`` or in it more than once."""
    bad = found.off
    missing = [r for r in bad if r[2] == 0]
    return AssetCheckResult(
        passed=not bad,
        severity=ERROR,
        metadata={
            "live_records": found.live_records,
            "unresolved": len(missing),
            "resolved_more_than_once": len(bad) - len(missing),
            "examples": MetadataValue.json([f"{s}:{k} x{n}" for s, k, n in bad[:_SAMPLE]]),
        },
    )


def freshness(spec: SourceSpec, newest: date | None, today: date) -> AssetCheckResult:
    """WARN when the source's newest delivery is older than ``deliveries.freshness_days``."""
    limit = spec.deliveries.freshness_days
    age = (today - newest).days if newest else None
    stale = age is None or age > limit
    return AssetCheckResult(
        passed=not stale,
        severity=WARN,
        description=(
            f"no {spec.source} delivery loaded yet" if newest is None
            else f"newest delivery dated {newest} is {age} day(s) old (expected at least every {limit})"
        ),
        metadata={
            "newest_delivery_date": str(newest) if newest else "",
            "age_days": -1 if age is None else age,
            "freshness_days": limit,
            "as_of": str(today),
        },
    )
