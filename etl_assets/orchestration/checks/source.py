"""Asset checks of one source's chain (partitioned like the chain: one evaluation per delivery).

Blocking checks fail with ERROR and stop the delivery before it reaches the warehouse; the
warehouse keeps its previous state. WARN checks show in the UI and raise an alert.

``quarantine_share``, ``null_rates`` and ``record_key_unique`` are evaluated inside their asset's
step (``InStepChecks``: ``check_specs`` on the asset; the same check names on the same assets in the
UI): a step of its own costs a small delivery ~0.1 s of Dagster events and an input load. ``row_count_vs_previous``
and ``delete_guard`` keep their own ops because operators override them by op name (run config
``ops: <source>__raw_row_count_vs_previous`` / ``<source>__deduped_delete_guard``, docs/operations.md),
and ``schema_drift`` because a delivery it holds fails at the step named after it.
"""


import warnings
from datetime import date

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    PreviewWarning,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from etl_assets import warehouse
from etl_assets.warehouse import scopes
from etl_assets.orchestration.assets.keys import asset_key
from etl_assets.orchestration.checks import rules
from etl_assets.sources.spec import SourceSpec
from etl_assets.records import DELIVERY_DATE, DELIVERY_KEY, QUARANTINE_REASON, ROW_NUMBER
from etl_assets.stages.files import StageFile
from etl_assets.stages.dedup import unique_key_problems
from etl_assets.stages.load import null_rates as stage_null_rates
from etl_assets.stages.load import quarantined_rows
from etl_assets.stages import preview

# Partitioned asset checks are a preview feature in dagster 1.13; we rely on it knowingly.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*", category=PreviewWarning)


class DeleteGuardConfig(Config):
    allow_mass_delete: bool = False


class RowDropConfig(Config):
    allow_row_drop: bool = False


def _delivery(context: AssetCheckExecutionContext | AssetExecutionContext, stage: StageFile, spec: SourceSpec) -> tuple[str, date]:
    """The delivery's partition key and date (from the stage file, else the key, else the far future)."""
    key = context.partition_key if context.has_partition_key else str(stage.first(DELIVERY_KEY))
    if len(stage):
        return key, stage.first(DELIVERY_DATE)
    return key, spec.deliveries.date.from_key(key) or date.max


class InStepChecks:
    """The checks of one source evaluated in their asset's step: its ``check_specs`` and, after the
    asset has written its stage file, their results (each as its own asset_check was before)."""

    DESCRIPTIONS = {
        ("normalized", "quarantine_share"): (False, "WARN when any record of the delivery was quarantined; shows the share and reasons."),
        ("normalized", "null_rates"): (False, "WARN when a mapped column's null rate rose by more than {increase:.0%} "
                                              "(absolute) since the previous delivery (profiles in the warehouse table column_profiles)."),
        ("deduped", "record_key_unique"): (True, "Blocks the load if a record key is null or repeated after dedup (a guard on dedup itself)."),
    }

    def __init__(self, spec: SourceSpec, partitions):
        self.spec = spec
        self.partitions = partitions

    def specs(self, stage: str) -> list[AssetCheckSpec]:
        return [
            AssetCheckSpec(name, asset=asset_key(self.spec.source, stage), blocking=blocking, partitions_def=self.partitions,
                           description=text.format(increase=self.spec.max_null_rate_increase))
            for (of, name), (blocking, text) in self.DESCRIPTIONS.items() if of == stage
        ]

    def normalized(self, context: AssetExecutionContext, duckdb: DuckDBResource, normalized: StageFile) -> list[AssetCheckResult]:
        spec = self.spec
        bad = quarantined_rows(normalized)
        share = rules.quarantine_share_of(spec, normalized.rows, len(bad), bad[[ROW_NUMBER, QUARANTINE_REASON]].head(10))
        key, delivery_date = _delivery(context, normalized, spec)
        current = stage_null_rates(normalized, spec.target_columns)
        with duckdb.open(scopes.source_read(spec.source)) as con:
            previous = warehouse.previous_delivery(con, spec.source, key, delivery_date)
            before = warehouse.column_profile(con, spec.source, previous["delivery_key"]) if previous else {}
        nulls = rules.null_rates(spec, current, before, previous["delivery_key"] if previous else None)
        return [self._named("normalized", "quarantine_share", share), self._named("normalized", "null_rates", nulls)]

    def deduped(self, deduped: StageFile) -> list[AssetCheckResult]:
        duplicates, examples, nulls = unique_key_problems(deduped)
        return [self._named("deduped", "record_key_unique", rules.record_key_unique_of(deduped.rows, duplicates, examples, nulls))]

    def _named(self, stage: str, name: str, result: AssetCheckResult) -> AssetCheckResult:
        return result._replace(asset_key=asset_key(self.spec.source, stage), check_name=name)


def build_source_checks(spec: SourceSpec, partitions) -> list[AssetChecksDefinition]:
    """The checks with an op of their own: the overridable guards, and schema_drift (a delivery held
    by it fails at the step ``<source>__raw_schema_drift``, which names the check)."""
    source = spec.source
    relaxed = rules.without_required(spec)

    @asset_check(
        asset=asset_key(source, "raw"),
        name="schema_drift",
        blocking=True,
        partitions_def=partitions,
        description=(
            "ERROR (blocking) when a required mapped column is missing from the header; "
            "WARN on other drift (renamed or missing optional columns)."
        ),
    )
    def schema_drift(raw: StageFile) -> AssetCheckResult:
        return rules.schema_drift(spec, relaxed, [c for c in raw.columns if not c.startswith("_")])

    @asset_check(
        asset=asset_key(source, "raw"),
        name="row_count_vs_previous",
        blocking=True,
        partitions_def=partitions,
        description=(
            f"Blocks the delivery when it has more than {spec.max_row_drop_share:.0%} fewer rows than "
            f"{source}'s previous delivery (by delivery date). Config allow_row_drop: true overrides."
        ),
    )
    def row_count_vs_previous(
        context: AssetCheckExecutionContext, config: RowDropConfig, duckdb: DuckDBResource, raw: StageFile
    ) -> AssetCheckResult:
        key, delivery_date = _delivery(context, raw, spec)
        with duckdb.open(scopes.source_read(source)) as con:
            previous = warehouse.previous_delivery(con, source, key, delivery_date)
        return rules.row_count_vs_previous(spec, len(raw), previous, config.allow_row_drop)

    @asset_check(
        asset=asset_key(source, "deduped"),
        name="delete_guard",
        blocking=True,
        partitions_def=partitions,
        description=(
            f"Blocks the warehouse load when the delivery would soft-delete more than "
            f"{spec.max_delete_share:.0%} of {source}'s live records. Config allow_mass_delete: true overrides."
        ),
    )
    def delete_guard(
        context: AssetCheckExecutionContext, config: DeleteGuardConfig, duckdb: DuckDBResource, deduped: StageFile
    ) -> AssetCheckResult:
        key = context.partition_key if context.has_partition_key else str(deduped.first(DELIVERY_KEY))
        delivery_date = deduped.first(DELIVERY_DATE) if len(deduped) else None
        with duckdb.open(scopes.source_read(source)) as con:
            warehouse.ensure_warehouse(con)
            live = warehouse.live_count(con, source)
            counts = preview.preview_delivery(con, source, key, delivery_date, deduped) if delivery_date else None
        return rules.delete_guard(spec, live, counts, config.allow_mass_delete)

    return [schema_drift, row_count_vs_previous, delete_guard]
