"""Environment → settings: the one reader (and, for local runs, writer) of the environment.

Every knob has a local default. AWS credentials come from the standard AWS chain (boto3) and are
never stored or logged; the only secrets asked for here are the alert webhook URLs, read at the
moment an alert is sent (``webhook_url``) and handed straight to the request.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_BUCKET = "childcare-deliveries"
DEFAULT_UI_URL = "http://127.0.0.1:3000"
SLACK_WEBHOOK_VAR = "ETL_SLACK_WEBHOOK_URL"
ALERT_WEBHOOK_VAR = "ETL_ALERT_WEBHOOK_URL"


def _path_from_env(name: str, default: str) -> Path:
    value = os.environ.get(name) or default
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


def mappings_dir() -> Path:
    return _path_from_env("ETL_MAPPINGS_DIR", "mappings")


def bucket() -> str:
    return os.environ.get("ETL_S3_BUCKET") or DEFAULT_BUCKET


def bucket_is_set() -> bool:
    """ETL_S3_BUCKET names a bucket (`make ingest` then uses it instead of a local S3 server)."""
    return bool(os.environ.get("ETL_S3_BUCKET"))


def s3_endpoint_url() -> str | None:
    """Unset means real AWS; set it to a local S3-compatible server for development."""
    return os.environ.get("AWS_ENDPOINT_URL") or None


def warehouse_path() -> Path:
    return _path_from_env("ETL_WAREHOUSE_PATH", ".local/warehouse.duckdb")


def warehouse_url() -> str | None:
    """``ETL_WAREHOUSE_URL`` (``postgresql://user@host:port/db``): the warehouse in PostgreSQL;
    unset, the DuckDB file at ``warehouse_path()``. Callers keep only ``without_password`` of it."""
    return os.environ.get("ETL_WAREHOUSE_URL") or None


def warehouse_password() -> str | None:
    """The warehouse password: from ``ETL_WAREHOUSE_URL`` if it has one, else ``PGPASSWORD``
    (libpq's own variable, also read by libpq when this returns None). Never log it."""
    from urllib.parse import unquote, urlsplit

    url = warehouse_url()
    password = urlsplit(url).password if url else None
    return unquote(password) if password else (os.environ.get("PGPASSWORD") or None)


DAGSTER_POSTGRES_VAR = "DAGSTER_POSTGRES_URL"
_DAGSTER_DRIVER = "postgresql+psycopg2://"
_DAGSTER_SCHEMES = ("postgresql://", "postgres://")


def dagster_postgres_url() -> str | None:
    """``DAGSTER_POSTGRES_URL``: Dagster's own storage in PostgreSQL (read by deploy/dagster.yaml
    through ``orchestration/dagster_storage.py``), as SQLAlchemy must see it (``storage_url``)."""
    value = os.environ.get(DAGSTER_POSTGRES_VAR) or None
    return storage_url(value) if value else None


def storage_url(url: str) -> str:
    """A PostgreSQL URL as psql, SQLAlchemy users and PaaS write it → with the psycopg2 driver named.

    Why: SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3, with which Dagster's event log
    fails deep inside a run (``syntax error at or near "$1"``); dagster-postgres depends on psycopg2.
    Anything else (another driver, another database) is refused here, at start, naming what to
    write; the message never holds the URL itself (it may carry a password)."""
    stripped = url.strip()
    lowered = stripped.lower()
    if lowered.startswith(_DAGSTER_DRIVER):
        return _DAGSTER_DRIVER + stripped[len(_DAGSTER_DRIVER):]
    for scheme in _DAGSTER_SCHEMES:
        if lowered.startswith(scheme):
            return _DAGSTER_DRIVER + stripped[len(scheme):]
    scheme = lowered.split("://", 1)[0] if "://" in lowered else ""
    shown = f"a {scheme}:// URL" if re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) else "no PostgreSQL URL"
    raise ValueError(
        f"{DAGSTER_POSTGRES_VAR} is {shown}: write postgresql://user:password@host:5432/dagster "
        "(postgres:// and postgresql+psycopg2:// work too; no other driver or database)")


def storage_dir() -> Path:
    """Where the intermediate stages (raw, normalized, deduped) keep one Parquet file per delivery."""
    return _path_from_env("ETL_STORAGE_DIR", ".local/storage")


def duckdb_memory_limit() -> str:
    """``ETL_DUCKDB_MEMORY_LIMIT``: the working memory of each DuckDB connection (DuckDB's own default
    is 80% of the machine); past it DuckDB spills under the storage directory (``warehouse/spill.py``)."""
    return os.environ.get("ETL_DUCKDB_MEMORY_LIMIT") or "512MB"


def aws_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def warehouse_lock_timeout_seconds() -> float:
    """How long a step waits for another process to release the DuckDB warehouse file (default 5 min)."""
    return float(os.environ.get("ETL_WAREHOUSE_LOCK_TIMEOUT_SECONDS") or 300)


def aws_credentials_or(defaults: dict[str, str]) -> dict[str, str]:
    """The AWS variables named in ``defaults`` as set, else the defaults (the local S3 server's)."""
    return {k: os.environ.get(k) or v for k, v in defaults.items()}


def use_local_s3(endpoint: str, credentials: dict[str, str]) -> None:
    """Point this process (and the runs it starts) at a local S3 server: its endpoint, and dummy
    credentials unless real ones are set."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    for k, v in credentials.items():
        os.environ.setdefault(k, v)


def dagster_home() -> Path:
    """The Dagster instance directory: DAGSTER_HOME, else .local/dagster_home."""
    return Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".local" / "dagster_home")


# --- alerts ------------------------------------------------------------------------------------


def alerts_path() -> Path:
    """The JSON-lines file every alert is appended to."""
    return _path_from_env("ETL_ALERTS_PATH", ".local/alerts.jsonl")


def dagster_ui_url() -> str:
    """The base of the run links in alerts."""
    return os.environ.get("ETL_DAGSTER_UI_URL") or DEFAULT_UI_URL


def webhook_url(variable: str) -> str | None:
    """A webhook URL (a secret) from ``variable``, read when sending: never cache or log it."""
    return os.environ.get(variable) or None


# --- the review console --------------------------------------------------------------------------

REVIEW_TOKEN_VAR = "ETL_REVIEW_TOKEN"
DEFAULT_REVIEW_PORT = 3100


def review_token() -> str | None:
    """``ETL_REVIEW_TOKEN``: the secret a reviewer signs in to the review console with; unset, the
    console is read-only. Read when checked, never cached, logged or shown."""
    return os.environ.get(REVIEW_TOKEN_VAR) or None


def review_port() -> int:
    """``REVIEW_PORT``: the review console's port (default 3100, beside the Dagster UI's 3000)."""
    return int(os.environ.get("REVIEW_PORT") or DEFAULT_REVIEW_PORT)


def review_console_url() -> str:
    """``ETL_REVIEW_URL``: where reviewers reach the console (linked from warehouse/leads' metadata)."""
    return os.environ.get("ETL_REVIEW_URL") or f"http://127.0.0.1:{review_port()}"


def reviewer() -> str:
    """Who the CLI's decisions are recorded as: ``ETL_REVIEWER``, else the login name."""
    import getpass

    try:
        return os.environ.get("ETL_REVIEWER") or getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's uid without a passwd entry)
        return "unknown"


def review_outbox_path() -> Path:
    """Decisions the review console could not write yet (a run held the DuckDB file), one JSON per line."""
    return _path_from_env("ETL_REVIEW_OUTBOX", ".local/review_outbox.jsonl")
