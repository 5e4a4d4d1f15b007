"""Resources: the landing bucket (S3 through dagster-aws) and the DuckDB warehouse.

Chosen per environment by settings: AWS_ENDPOINT_URL points the same code at a local
S3-compatible server; credentials come only from the AWS credential chain, never from config.
"""

from __future__ import annotations

from typing import Any

from dagster import ConfigurableResource
from dagster_aws.s3 import S3Resource
from etl_assets.warehouse_lock import WarehouseResource

from etl_assets import settings


class DeliveryBucket(ConfigurableResource):
    """The bucket registries deliver into."""

    bucket: str
    s3: S3Resource

    def client(self) -> Any:
        return self.s3.get_client()

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def default_resources() -> dict[str, Any]:
    """Resources for the current environment (read when definitions load)."""
    from etl_assets.storage import PartitionedParquetIOManager

    s3 = S3Resource(endpoint_url=settings.s3_endpoint_url(), region_name=settings.aws_region(), max_attempts=5)
    return {
        "bucket": DeliveryBucket(bucket=settings.bucket(), s3=s3),
        "duckdb": WarehouseResource(database=str(settings.warehouse_path())),
        "stage_io_manager": PartitionedParquetIOManager(base_dir=str(settings.storage_dir())),
    }
