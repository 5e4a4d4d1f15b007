"""Environment → settings. Every knob has a local default; secrets are never read here.

AWS credentials come from the standard AWS chain (boto3) and are never stored or logged.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_BUCKET = "childcare-deliveries"


def _path_from_env(name: str, default: str) -> Path:
    value = os.environ.get(name) or default
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def mappings_dir() -> Path:
    return _path_from_env("ETL_MAPPINGS_DIR", "mappings")


def bucket() -> str:
    return os.environ.get("ETL_S3_BUCKET") or DEFAULT_BUCKET


def s3_endpoint_url() -> str | None:
    """Unset means real AWS; set it to a local S3-compatible server for development."""
    return os.environ.get("AWS_ENDPOINT_URL") or None


def warehouse_path() -> Path:
    return _path_from_env("ETL_WAREHOUSE_PATH", ".local/warehouse.duckdb")


def storage_dir() -> Path:
    """Where the intermediate stages (raw, normalized, deduped) keep one Parquet file per delivery."""
    return _path_from_env("ETL_STORAGE_DIR", ".local/storage")


def aws_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def warehouse_lock_timeout_seconds() -> float:
    """How long a step waits for another process to release the DuckDB warehouse file (default 5 min)."""
    return float(os.environ.get("ETL_WAREHOUSE_LOCK_TIMEOUT_SECONDS") or 300)
