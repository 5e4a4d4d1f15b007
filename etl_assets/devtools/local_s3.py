"""A local S3-compatible server for development and tests: moto in server mode on 127.0.0.1.

It is a real HTTP endpoint (boto3 talks to it exactly as to AWS), started as a child process so
that Dagster's run and daemon processes reach it too. Never used when AWS_ENDPOINT_URL points
elsewhere or is unset in production.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from etl_assets import settings

HOST = "127.0.0.1"
# moto accepts any credentials; these dummy values are set only for the local server's clients.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local-dev", "AWS_SECRET_ACCESS_KEY": "local-dev", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"local S3 server did not open {HOST}:{port} within {timeout}s")


@contextlib.contextmanager
def moto_server(port: int | None = None) -> Iterator[str]:
    """Run `moto_server` on 127.0.0.1 in a child process; yields the endpoint URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://{HOST}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def client(endpoint_url: str) -> Any:
    env = settings.aws_credentials_or(LOCAL_CREDENTIALS)
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def seed(s3: Any, bucket: str, sample_dir: Path) -> list[str]:
    """Create the bucket (if needed) and upload every file under sample_dir, keyed by its relative path."""
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        s3.create_bucket(Bucket=bucket)
    keys = []
    for path in sorted(p for p in sample_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".csv"):
        key = path.relative_to(sample_dir).as_posix()
        s3.upload_file(str(path), bucket, key)
        keys.append(key)
    return keys
