"""Asset checks of one source's chain (partitioned like the chain: one evaluation per delivery).

Blocking checks fail with ERROR and stop the delivery before it reaches the warehouse; the
warehouse keeps its previous state. WARN checks show in the UI and raise an alert.

Every check is evaluated inside its asset's step (``InStepChecks``: ``check_specs`` on the asset, the
same check names on the same assets in the UI, blocking as before): a step of its own costs a small
delivery ~0.1 s of Dagster events and an input load. A blocking failure fails the asset's step after
its stage file is stored (Dagster's ``DagsterAssetCheckFailedError``), so nothing downstream runs.
The overrides are the asset's run config: ``ops: <source>__raw: config: allow_row_drop: true``,
``ops: <source>__deduped: config: allow_mass_delete: true`` (docs/operations.md).
"""


import warnings
from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    PreviewWarning,
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


def _delivery(context: AssetExecutionContext, stage: StageFile, spec: SourceSpec) -> tuple[str, date]:
    """The delivery's partition key and date (from the stage file, else the key, else the far future)."""
    key = context.partition_key if context.has_partition_key else str(stage.first(DELIVERY_KEY))
    if len(stage):
        return key, stage.first(DELIVERY_DATE)
    return key, spec.deliveries.date.from_key(key) or date.max


class InStepChecks:
    """The checks of one source evaluated in their asset's step: its ``check_specs`` and, after the
    asset has written its stage file, their results (each as its own asset_check was before)."""

    DESCRIPTIONS = {
        ("raw", "schema_drift"): (True, "ERROR (blocking) when a required mapped column is missing from the header; "
                                        "WARN on other drift (renamed or missing optional columns)."),
        ("raw", "row_count_vs_previous"): (True, "Blocks the delivery when it has more than {row_drop:.0%} fewer rows than "
                                                 "{source}'s previous delivery (by delivery date). Config allow_row_drop: true "
                                                 "(on the op {source}__raw) overrides."),
        ("normalized", "quarantine_share"): (False, "WARN when any record of the delivery was quarantined; shows the share and reasons."),
        ("normalized", "null_rates"): (False, "WARN when a mapped column's null rate rose by more than {increase:.0%} "
                                              "(absolute) since the previous delivery (profiles in the warehouse table column_profiles)."),
        ("deduped", "record_key_unique"): (True, "Blocks the load if a record key is null or repeated after dedup (a guard on dedup itself)."),
        ("deduped", "delete_guard"): (True, "Blocks the warehouse load when the delivery would soft-delete more than "
                                            "{delete:.0%} of {source}'s live records. Config allow_mass_delete: true "
                                            "(on the op {source}__deduped) overrides."),
    }

    def __init__(self, spec: SourceSpec, partitions):
        self.spec = spec
        self.partitions = partitions
        self.relaxed = rules.without_required(spec)

    def specs(self, stage: str) -> list[AssetCheckSpec]:
        spec = self.spec
        values = dict(source=spec.source, increase=spec.max_null_rate_increase, row_drop=spec.max_row_drop_share,
                      delete=spec.max_delete_share)
        return [
            AssetCheckSpec(name, asset=asset_key(spec.source, stage), blocking=blocking, partitions_def=self.partitions,
                           description=text.format(**values))
            for (of, name), (blocking, text) in self.DESCRIPTIONS.items() if of == stage
        ]

    def raw(self, context: AssetExecutionContext, config: RowDropConfig, duckdb: DuckDBResource, raw: StageFile) -> list[AssetCheckResult]:
        spec = self.spec
        drift = rules.schema_drift(spec, self.relaxed, [c for c in raw.columns if not c.startswith("_")])
        key, delivery_date = _delivery(context, raw, spec)
        with duckdb.open(scopes.source_read(spec.source)) as con:
            previous = warehouse.previous_delivery(con, spec.source, key, delivery_date)
        rows = rules.row_count_vs_previous(spec, len(raw), previous, config.allow_row_drop)
        return [self._named("raw", "schema_drift", drift), self._named("raw", "row_count_vs_previous", rows)]

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

    def deduped(self, context: AssetExecutionContext, config: DeleteGuardConfig, duckdb: DuckDBResource,
                deduped: StageFile) -> list[AssetCheckResult]:
        spec = self.spec
        duplicates, examples, nulls = unique_key_problems(deduped)
        unique = rules.record_key_unique_of(deduped.rows, duplicates, examples, nulls)
        key = context.partition_key if context.has_partition_key else str(deduped.first(DELIVERY_KEY))
        delivery_date = deduped.first(DELIVERY_DATE) if len(deduped) else None
        with duckdb.open(scopes.source_read(spec.source)) as con:
            warehouse.ensure_warehouse(con)
            live = warehouse.live_count(con, spec.source)
            counts = preview.preview_delivery(con, spec.source, key, delivery_date, deduped) if delivery_date else None
        guard = rules.delete_guard(spec, live, counts, config.allow_mass_delete)
        return [self._named("deduped", "record_key_unique", unique), self._named("deduped", "delete_guard", guard)]

    def _named(self, stage: str, name: str, result: AssetCheckResult) -> AssetCheckResult:
        return result._replace(asset_key=asset_key(self.spec.source, stage), check_name=name)
