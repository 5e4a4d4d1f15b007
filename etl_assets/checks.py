"""Asset checks per source chain: visible in the UI, blocking where data would be harmed.

- ``<source>/raw`` schema_drift: unmapped new columns or missing optional columns → WARN.
- ``<source>/normalized`` quarantine_share: any quarantined row → WARN with the share and reasons.
- ``<source>/deduped`` delete_guard (blocking): a delivery that would soft-delete more than the
  source's ``max_delete_share`` of its live records (a truncated file, a partial export) is held
  back before it reaches the warehouse. Re-run with the check's config ``allow_mass_delete: true``
  to apply it on purpose.
"""


import warnings

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    Config,
    MetadataValue,
    PreviewWarning,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from etl_assets import metadata as md
from etl_assets.assets.keys import WAREHOUSE_POOL, asset_key
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages import history
from etl_assets.stages.normalize import QUARANTINE_REASON, resolve_columns


# Partitioned asset checks are a preview feature in dagster 1.13; we rely on it knowingly.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*", category=PreviewWarning)


class DeleteGuardConfig(Config):
    allow_mass_delete: bool = False


def build_source_checks(spec: SourceSpec, partitions) -> list[AssetChecksDefinition]:
    source = spec.source

    @asset_check(
        asset=asset_key(source, "raw"),
        name="schema_drift",
        partitions_def=partitions,
        description="WARN when the delivery's header differs from the mapping (new or missing columns).",
    )
    def schema_drift(raw: pd.DataFrame) -> AssetCheckResult:
        header = [c for c in raw.columns if not c.startswith("_")]
        found, warnings = resolve_columns(spec, header, where=source)
        unmapped = [c for c in header if c not in set(found.values())]
        return AssetCheckResult(
            passed=not warnings,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "drift": MetadataValue.json(warnings),
                "unmapped_columns": MetadataValue.json(unmapped),
            },
        )

    @asset_check(
        asset=asset_key(source, "normalized"),
        name="quarantine_share",
        partitions_def=partitions,
        description="WARN when any record of the delivery was quarantined; shows the share and reasons.",
    )
    def quarantine_share(normalized: pd.DataFrame) -> AssetCheckResult:
        bad = normalized[normalized[QUARANTINE_REASON].notna()]
        share = len(bad) / len(normalized) if len(normalized) else 0.0
        return AssetCheckResult(
            passed=bad.empty,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "rows": len(normalized),
                "quarantined": len(bad),
                "share": float(round(share, 4)),
                "threshold_for_failure": spec.quarantine_threshold,
                "reasons": md.preview(bad, rows=10, columns=["_row_number", QUARANTINE_REASON]),
            },
        )

    @asset_check(
        asset=asset_key(source, "deduped"),
        name="delete_guard",
        blocking=True,
        partitions_def=partitions,
        pool=WAREHOUSE_POOL,
        description=(
            f"Blocks the warehouse load when the delivery would soft-delete more than "
            f"{spec.max_delete_share:.0%} of {source}'s live records. Config allow_mass_delete: true overrides."
        ),
    )
    def delete_guard(
        context: AssetCheckExecutionContext, config: DeleteGuardConfig, duckdb: DuckDBResource, deduped: pd.DataFrame
    ) -> AssetCheckResult:
        key = context.partition_key if context.has_partition_key else str(deduped["_delivery_key"].iat[0])
        delivery_date = deduped["_delivery_date"].iat[0] if len(deduped) else None
        with duckdb.get_connection() as con:
            history.ensure_history_tables(con)
            live = con.execute("SELECT count(*) FROM source_current WHERE _source = ?", [source]).fetchone()[0]
            counts = history.preview_delivery(con, source, key, delivery_date, deduped) if delivery_date else None
        deleted = counts.deleted if counts else live
        share = deleted / live if live else 0.0
        held = share > spec.max_delete_share and not config.allow_mass_delete
        return AssetCheckResult(
            passed=not held,
            severity=AssetCheckSeverity.ERROR,
            description=(
                f"would soft-delete {deleted} of {live} live records ({share:.0%}); "
                + ("held back" if held else "allowed")
            ),
            metadata={
                "live_records": live,
                "would_delete": deleted,
                "delete_share": float(round(share, 4)),
                "max_delete_share": spec.max_delete_share,
                "override": config.allow_mass_delete,
                **(counts.as_metadata() if counts else {}),
            },
        )

    return [schema_drift, quarantine_share, delete_guard]
