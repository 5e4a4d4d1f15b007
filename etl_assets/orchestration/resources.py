"""Resources: the landing bucket (S3 through dagster-aws) and the DuckDB warehouse.

Chosen per environment by settings: AWS_ENDPOINT_URL points the same code at a local
S3-compatible server; credentials come only from the AWS credential chain, never from config.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource
from dagster_aws.s3 import S3Resource
from etl_assets.orchestration.warehouse_duckdb import WarehouseResource
from etl_assets.orchestration.warehouse_postgres import PostgresWarehouseResource
from etl_assets.warehouse.postgres.server import is_postgres_url, without_password

from etl_assets import settings


# what the AWS credential chain reads from the environment: a change makes a new client
_CREDENTIAL_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                   "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")
_CLIENTS: OrderedDict[str, Any] = OrderedDict()
_CLIENTS_LOCK = threading.Lock()


class DeliveryBucket(ConfigurableResource):
    """The bucket registries deliver into."""

    bucket: str
    s3: S3Resource

    def client(self) -> Any:
        """The boto3 client, one per process for these settings and credentials (building one
        parses botocore's service models: ~0.2 s, once per delivery before; clients are thread-safe)."""
        key = hashlib.sha256(repr((self.s3.model_dump_json(), *map(os.environ.get, _CREDENTIAL_ENV))).encode()).hexdigest()
        with _CLIENTS_LOCK:
            client = _CLIENTS.pop(key, None) or self.s3.get_client()
            _CLIENTS[key] = client  # most recent last; a few kept (tests make many endpoints)
            while len(_CLIENTS) > 8:
                _CLIENTS.popitem(last=False)
            return client

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def build_resources(
    *,
    bucket: str | None = None,
    endpoint_url: str | None = None,
    warehouse: str | Path | None = None,
    storage_dir: str | Path | None = None,
    region: str | None = None,
    max_attempts: int = 5,
) -> dict[str, Any]:
    """The resource set every run uses: the delivery bucket, the DuckDB warehouse, the stage files.

    Why one function: Dagster's definitions, `make ingest`, the tests and the benchmarks must run
    the same resources; each argument overrides the setting of its name (a test's moto endpoint,
    bucket and temp dirs). The warehouse is the DuckDB file, or PostgreSQL when the
    warehouse (argument or ETL_WAREHOUSE_URL) is a ``postgresql://`` URL.
    """
    from etl_assets.orchestration.io_manager import PartitionedParquetIOManager

    s3 = S3Resource(
        endpoint_url=endpoint_url or settings.s3_endpoint_url(),
        region_name=region or settings.aws_region(),
        max_attempts=max_attempts,
    )
    return {
        "bucket": DeliveryBucket(bucket=bucket or settings.bucket(), s3=s3),
        "duckdb": warehouse_resource(warehouse, storage_dir),
        "stage_io_manager": PartitionedParquetIOManager(base_dir=str(storage_dir or settings.storage_dir())),
    }


def warehouse_resource(warehouse: str | Path | None = None, storage_dir: str | Path | None = None,
                       lock_timeout_seconds: float | None = None) -> WarehouseResource | PostgresWarehouseResource:
    """A ``postgresql://`` URL (argument, else ETL_WAREHOUSE_URL) → PostgreSQL; else the DuckDB file.
    DuckDB spills under ``storage_dir`` (default: the settings'); ``lock_timeout_seconds``: the wait
    for another writer (default: the settings')."""
    target = warehouse or settings.warehouse_url() or settings.warehouse_path()
    spill_at = str(storage_dir or settings.storage_dir())
    wait = {} if lock_timeout_seconds is None else {"lock_timeout_seconds": lock_timeout_seconds}
    if is_postgres_url(target):
        return PostgresWarehouseResource(database=without_password(str(target)), storage_dir=spill_at, **wait)
    return WarehouseResource(database=str(target), storage_dir=spill_at, **wait)


def default_resources() -> dict[str, Any]:
    """The resource set from the environment alone (read when definitions load)."""
    return build_resources()
