"""One factory builds every source's asset chain from its YAML: raw → normalized → deduped → warehouse.

Assets are thin: read inputs, call one stage function, record metadata, return. The logic lives
in ``etl_assets.stages`` and ``etl_assets.transforms``, testable without Dagster.
Partitions: one DynamicPartitionsDefinition per source; a partition key is the delivery's S3 key.
"""


from dataclasses import dataclass
from datetime import timedelta

from dagster import (
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    Backoff,
    DynamicPartitionsDefinition,
    Failure,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    Output,
    ResourceParam,
    RetryPolicy,
    TableColumnDep,
    TableColumnLineage,
    asset,
)
from dagster_duckdb import DuckDBResource

from etl_assets.orchestration import metadata as md
from etl_assets import warehouse
from etl_assets.orchestration.assets.docs import source_warehouse_metadata
from etl_assets.warehouse import scopes
from etl_assets.orchestration.assets.keys import asset_key, partitions_name
from etl_assets.ingest import s3
from etl_assets.ingest.read import DeliveryReadError
from etl_assets.records import DELIVERY_KEY, QUARANTINE_REASON, ROW_NUMBER
from etl_assets.orchestration.resources import DeliveryBucket
from etl_assets.sources.registry import leads_schema
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages.files import StageFile
from etl_assets.orchestration.io_manager import PartitionedParquetIOManager
from etl_assets.stages.dedup import dedup_file
from etl_assets.stages.land import land_to_file
from etl_assets.stages.load import load_delivery
from etl_assets.stages.normalize import normalize_file

# The stage IO manager as a resource: an asset asks it for its own output file's writer.
StageStore = ResourceParam[PartitionedParquetIOManager]
S3_RETRY = RetryPolicy(max_retries=3, delay=1, backoff=Backoff.EXPONENTIAL)


@dataclass(frozen=True)
class SourceAssets:
    spec: SourceSpec
    partitions: DynamicPartitionsDefinition
    assets: tuple[AssetsDefinition, ...]
    checks: tuple[AssetChecksDefinition, ...] = ()  # every delivery check runs in its asset's step (check_specs)

    @property
    def definitions(self) -> list:
        """Assets and their checks: what a run of this source's chain executes."""
        return [*self.assets, *self.checks]

    @property
    def keys(self) -> list[AssetKey]:
        return [k for a in self.assets for k in a.keys]

    @property
    def warehouse_key(self) -> AssetKey:
        return asset_key(self.spec.source, "warehouse")


def build_source_assets(spec: SourceSpec) -> SourceAssets:
    from etl_assets.orchestration.checks import DeleteGuardConfig, InStepChecks, RowDropConfig

    source = spec.source
    partitions = DynamicPartitionsDefinition(name=partitions_name(source))
    common = dict(partitions_def=partitions, group_name=source)
    in_step = InStepChecks(spec, partitions)  # evaluated in the asset's step, after its stage file is written

    @asset(
        key=asset_key(source, "raw"),
        io_manager_key="stage_io_manager",
        retry_policy=S3_RETRY,  # a failed blocking check is not retried (Dagster fails the step after the body)
        check_specs=in_step.specs("raw"),
        kinds={"s3", "pandas"},
        description=f"{source}: one delivery as landed in the bucket, every field text, plus lineage columns.",
        **common,
    )
    def raw(context: AssetExecutionContext, config: RowDropConfig, bucket: DeliveryBucket, stage_io_manager: StageStore,
            duckdb: DuckDBResource):
        key = context.partition_key
        where = bucket.url(key)
        try:
            download = s3.download(bucket.client(), bucket.bucket, key)
        except s3.DeliveryGoneError as exc:  # listed, then deleted: retrying cannot bring it back
            raise Failure(description=str(exc), allow_retries=False) from exc
        try:
            with _writer(context, stage_io_manager) as writer:
                landed = land_to_file(download.file, spec, key, download.etag, download.last_modified, where, writer)
        except DeliveryReadError as exc:  # the bytes will not change: fail now, no retries
            raise Failure(description=str(exc), allow_retries=False) from exc
        finally:
            download.file.close()
        result = landed.read
        for warning in result.warnings:
            context.log.warning(f"{where}: {warning}")
        yield Output(
            landed.file,
            metadata={
                "dagster/row_count": landed.file.rows,
                "delivery": where,
                "etag": download.etag,
                "bytes": download.size,
                "encoding": result.encoding,
                "delivery_date": str(landed.delivery_date),
                "records_unreadable": landed.records_unreadable,
                "placeholders_as_null": MetadataValue.json(result.placeholders),
                "header": MetadataValue.json(result.header),
                "warnings": MetadataValue.json(result.warnings),
                "row_groups": landed.file.row_groups,
                "preview": md.preview(landed.sample),
                "dagster/column_schema": md.column_schema(landed.sample),
            },
        )
        try:  # the retry policy is for S3: a warehouse the check cannot read fails now (as its own step did)
            checks = in_step.raw(context, config, duckdb, landed.file)
        except Exception as exc:
            raise Failure(description=str(exc), allow_retries=False) from exc
        yield from checks

    @asset(
        key=asset_key(source, "normalized"),
        ins={"raw": AssetIn(asset_key(source, "raw"))},
        io_manager_key="stage_io_manager",
        check_specs=in_step.specs("normalized"),
        kinds={"pandas", "pandera"},
        description=f"{source}: every record typed onto the leads schema; failing rows marked for quarantine.",
        **common,
    )
    def normalized(
        context: AssetExecutionContext, stage_io_manager: StageStore, duckdb: DuckDBResource, raw: StageFile
    ):
        where = (raw.first(DELIVERY_KEY) if raw.rows else None) or context.partition_key
        with _writer(context, stage_io_manager) as writer:
            result = normalize_file(raw, spec, leads_schema(), str(where), writer)
        for warning in result.warnings:
            context.log.warning(f"{where}: schema drift: {warning}")
        yield Output(
            result.file,
            metadata={
                "dagster/row_count": result.rows,
                "rows_clean": result.clean,
                "rows_quarantined": result.quarantined,
                "records_without_address": result.without_address,
                "quarantine_reasons": md.preview(result.reasons, rows=10, columns=[ROW_NUMBER, QUARANTINE_REASON]),
                "column_map": MetadataValue.json(result.column_map),
                "unmapped_columns": MetadataValue.json(result.unmapped_columns),
                "drift_warnings": MetadataValue.json(result.warnings),
                "row_groups": result.file.row_groups,
                "preview": md.preview(result.clean_sample),
                "dagster/column_schema": md.column_schema(result.schema_sample),
                "dagster/column_lineage": column_lineage(spec, result.column_map, asset_key(source, "raw")),
            },
        )
        yield from in_step.normalized(context, duckdb, result.file)

    @asset(
        key=asset_key(source, "deduped"),
        ins={"normalized": AssetIn(asset_key(source, "normalized"))},
        io_manager_key="stage_io_manager",
        check_specs=in_step.specs("deduped"),
        kinds={"pandas", "duckdb"},
        description=f"{source}: clean records of one delivery, one row per record key.",
        **common,
    )
    def deduped(context: AssetExecutionContext, config: DeleteGuardConfig, stage_io_manager: StageStore,
                duckdb: DuckDBResource, normalized: StageFile):
        with _writer(context, stage_io_manager) as writer:
            result = dedup_file(normalized, writer)
        yield Output(
            result.file,
            metadata={
                "dagster/row_count": result.file.rows,
                "rows_collapsed": result.collapsed,
                "preview": md.preview(result.file.head()),
            },
        )
        yield from in_step.deduped(context, config, duckdb, result.file)

    @asset(
        key=asset_key(source, "warehouse"),
        ins={
            "normalized": AssetIn(asset_key(source, "normalized")),
            "deduped": AssetIn(asset_key(source, "deduped")),
        },
        kinds={"duckdb"},
        owners=["team:data-platform"],
        tags={"layer": "warehouse"},
        freshness_policy=freshness_policy(spec),
        description=(
            f"{source}: the delivery applied to the warehouse as a full refresh (SCD2 history, "
            "quarantine, load log), in one transaction."
        ),
        **common,
    )
    def warehouse_asset(
        context: AssetExecutionContext, duckdb: DuckDBResource, normalized: StageFile, deduped: StageFile
    ) -> MaterializeResult:
        with duckdb.open(scopes.source_load(source)) as con:
            counts = load_delivery(con, spec, context.partition_key, normalized, deduped, context.run.run_id)
            docs = source_warehouse_metadata(con)
            live = warehouse.live_count(con, source)
        share = counts.rows_quarantined / counts.rows_read if counts.rows_read else 0.0
        return MaterializeResult(metadata={**counts.as_metadata(), **docs, "quarantined_share": share, "live_records": live})

    return SourceAssets(spec=spec, partitions=partitions, assets=(raw, normalized, deduped, warehouse_asset))


def _writer(context: AssetExecutionContext, stage_io_manager: StageStore):
    """The stage file this asset's output is stored as (the IO manager's path), written batch by batch."""
    return stage_io_manager.writer(context.asset_key.path, context.partition_key)


def column_lineage(spec: SourceSpec, column_map: dict[str, str], raw_key: AssetKey) -> TableColumnLineage:
    """For each leads column, the delivery's header column(s) it was computed from (the mapping's
    field map resolved against this delivery's header; constants and missing columns have none)."""
    deps: dict[str, list[TableColumnDep]] = {}
    for f in spec.fields:
        for target in f.to:
            found = deps.setdefault(target, [])
            for column in f.from_:
                if column in column_map and all(d.column_name != column_map[column] for d in found):
                    found.append(TableColumnDep(asset_key=raw_key, column_name=column_map[column]))
    return TableColumnLineage(deps_by_column={t: d for t, d in deps.items() if d})


def freshness_policy(spec: SourceSpec) -> FreshnessPolicy | None:
    """Dagster's (asset-level) freshness policy: the warehouse asset should load something at least
    every ``freshness_days``. Delivery dates are checked by the ``freshness`` asset check."""
    days = spec.deliveries.freshness_days
    return FreshnessPolicy.time_window(fail_window=timedelta(days=days)) if days else None
