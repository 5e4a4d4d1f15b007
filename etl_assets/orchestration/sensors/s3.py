"""The S3 sensor: new or changed deliveries in the bucket → one partitioned ingest run each."""

from collections.abc import Sequence

from dagster import (
    AddDynamicPartitionsRequest,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)


from etl_assets.orchestration.assets.factory import SourceAssets
from etl_assets.orchestration.assets.keys import ingest_job_name, partitions_name
from etl_assets.ingest.discovery import Cursor, discover
from etl_assets.ingest.s3 import list_objects
from etl_assets.orchestration.resources import DeliveryBucket

DELIVERY_SENSOR = "s3_delivery_sensor"


def build_delivery_sensor(chains: Sequence[SourceAssets], jobs: Sequence):
    specs = tuple(c.spec for c in chains)

    @sensor(
        name=DELIVERY_SENSOR,
        jobs=list(jobs),
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Lists the bucket and starts one run per new or changed delivery (run key = S3 key + ETag).",
    )
    def s3_delivery_sensor(context: SensorEvaluationContext, bucket: DeliveryBucket):
        cursor = Cursor.loads(context.cursor)
        found = discover(list_objects(bucket.client(), bucket.bucket), specs, cursor)
        for key in found.unknown_keys:
            context.log.warning(f"{bucket.url(key)}: no source in mappings/ claims this key; ignored")
        for key, why in found.rejected.items():
            context.log.error(f"{bucket.url(key)}: not ingested: {why}")
        if not found.deliveries:
            return SensorResult(
                skip_reason=SkipReason(f"no new deliveries ({len(found.unknown_keys)} unknown keys)"),
                cursor=found.cursor.dumps(),
            )
        by_source: dict[str, list[str]] = {}
        for d in found.deliveries:
            by_source.setdefault(d.source, []).append(d.key)
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=d.run_key,
                    job_name=ingest_job_name(d.source),
                    partition_key=d.key,
                    tags={"etl/source": d.source, "etl/etag": d.etag},
                )
                for d in found.deliveries
            ],
            dynamic_partitions_requests=[
                AddDynamicPartitionsRequest(partitions_name(source), keys) for source, keys in by_source.items()
            ],
            cursor=found.cursor.dumps(),
        )

    return s3_delivery_sensor
