"""One factory builds every source's asset chain from its YAML: raw → normalized → deduped → warehouse.

Assets are thin: read inputs, call one stage function, record metadata, return. The logic lives
in ``etl_assets.stages`` and ``etl_assets.transforms``, testable without Dagster.
Partitions: one DynamicPartitionsDefinition per source; a partition key is the delivery's S3 key.
"""


from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
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
    RetryPolicy,
    TableColumnDep,
    TableColumnLineage,
    asset,
)
from dagster_duckdb import DuckDBResource

from etl_assets import metadata as md
from etl_assets import warehouse
from etl_assets.assets.docs import source_warehouse_metadata
from etl_assets.warehouse import scopes
from etl_assets.assets.keys import asset_key, partitions_name
from etl_assets.ingest import s3
from etl_assets.ingest.read import DeliveryReadError
from etl_assets.onboarding.coverage import without_address
from etl_assets.records import DELIVERY_KEY, QUARANTINE_REASON, READ_ERROR, ROW_NUMBER
from etl_assets.resources import DeliveryBucket
from etl_assets.sources.registry import leads_schema
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages.dedup import dedup_delivery
from etl_assets.stages.land import land_delivery
from etl_assets.stages.load import load_delivery
from etl_assets.stages.normalize import check_quarantine_share, normalize_delivery

S3_RETRY = RetryPolicy(max_retries=3, delay=1, backoff=Backoff.EXPONENTIAL)


@dataclass(frozen=True)
class SourceAssets:
    spec: SourceSpec
    partitions: DynamicPartitionsDefinition
    assets: tuple[AssetsDefinition, ...]
    checks: tuple[AssetChecksDefinition, ...]

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
    source = spec.source
    partitions = DynamicPartitionsDefinition(name=partitions_name(source))
    common = dict(partitions_def=partitions, group_name=source)

    @asset(
        key=asset_key(source, "raw"),
        io_manager_key="stage_io_manager",
        retry_policy=S3_RETRY,
        kinds={"s3", "pandas"},
        description=f"{source}: one delivery as landed in the bucket, every field text, plus lineage columns.",
        **common,
    )
    def raw(context: AssetExecutionContext, bucket: DeliveryBucket) -> Output[pd.DataFrame]:
        key = context.partition_key
        where = bucket.url(key)
        try:
            download = s3.download(bucket.client(), bucket.bucket, key)
        except s3.DeliveryGoneError as exc:  # listed, then deleted: retrying cannot bring it back
            raise Failure(description=str(exc), allow_retries=False) from exc
        try:
            landed = land_delivery(download.file, spec, key, download.etag, download.last_modified, where)
        except DeliveryReadError as exc:  # the bytes will not change: fail now, no retries
            raise Failure(description=str(exc), allow_retries=False) from exc
        finally:
            download.file.close()
        frame, result = landed.frame, landed.read
        for warning in result.warnings:
            context.log.warning(f"{where}: {warning}")
        return Output(
            frame,
            metadata={
                "dagster/row_count": len(frame),
                "delivery": where,
                "etag": download.etag,
                "bytes": download.size,
                "encoding": result.encoding,
                "delivery_date": str(landed.delivery_date),
                "records_unreadable": int(frame[READ_ERROR].notna().sum()),
                "placeholders_as_null": MetadataValue.json(result.placeholders),
                "header": MetadataValue.json(result.header),
                "warnings": MetadataValue.json(result.warnings),
                "preview": md.preview(frame),
                "dagster/column_schema": md.column_schema(frame),
            },
        )

    @asset(
        key=asset_key(source, "normalized"),
        ins={"raw": AssetIn(asset_key(source, "raw"))},
        io_manager_key="stage_io_manager",
        kinds={"pandas", "pandera"},
        description=f"{source}: every record typed onto the leads schema; failing rows marked for quarantine.",
        **common,
    )
    def normalized(context: AssetExecutionContext, raw: pd.DataFrame) -> Output[pd.DataFrame]:
        where = raw[DELIVERY_KEY].iat[0] if len(raw) else context.partition_key
        result = normalize_delivery(raw, spec, leads_schema(), where=str(where))
        for warning in result.warnings:
            context.log.warning(f"{where}: schema drift: {warning}")
        check_quarantine_share(result, spec, str(where))
        rows = result.rows
        quarantined = result.quarantined
        return Output(
            rows,
            metadata={
                "dagster/row_count": len(rows),
                "rows_clean": len(rows) - len(quarantined),
                "rows_quarantined": len(quarantined),
                "records_without_address": without_address(result.clean),
                "quarantine_reasons": md.preview(quarantined, rows=10, columns=[ROW_NUMBER, QUARANTINE_REASON]),
                "column_map": MetadataValue.json(result.column_map),
                "unmapped_columns": MetadataValue.json(result.unmapped_columns),
                "drift_warnings": MetadataValue.json(result.warnings),
                "preview": md.preview(result.clean),
                "dagster/column_schema": md.column_schema(rows),
                "dagster/column_lineage": column_lineage(spec, result.column_map, asset_key(source, "raw")),
            },
        )

    @asset(
        key=asset_key(source, "deduped"),
        ins={"normalized": AssetIn(asset_key(source, "normalized"))},
        io_manager_key="stage_io_manager",
        kinds={"pandas"},
        description=f"{source}: clean records of one delivery, one row per record key.",
        **common,
    )
    def deduped(context: AssetExecutionContext, normalized: pd.DataFrame) -> Output[pd.DataFrame]:
        clean = normalized[normalized[QUARANTINE_REASON].isna()]
        result = dedup_delivery(clean)
        return Output(
            result.records,
            metadata={
                "dagster/row_count": len(result.records),
                "rows_collapsed": result.collapsed,
                "preview": md.preview(result.records),
            },
        )

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
        context: AssetExecutionContext, duckdb: DuckDBResource, normalized: pd.DataFrame, deduped: pd.DataFrame
    ) -> MaterializeResult:
        with duckdb.open(scopes.source_load(source)) as con:
            counts = load_delivery(con, spec, context.partition_key, normalized, deduped, context.run.run_id)
            docs = source_warehouse_metadata(con)
            live = warehouse.live_count(con, source)
        share = counts.rows_quarantined / counts.rows_read if counts.rows_read else 0.0
        return MaterializeResult(metadata={**counts.as_metadata(), **docs, "quarantined_share": share, "live_records": live})

    from etl_assets.checks import build_source_checks

    checks = tuple(build_source_checks(spec, partitions))
    return SourceAssets(spec=spec, partitions=partitions, assets=(raw, normalized, deduped, warehouse_asset), checks=checks)


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
