"""The bucket side: list deliveries (paginated) and download one to a local temp file.

Only boto3 calls through dagster-aws's S3Resource client; the same code runs against AWS and
against the local S3-compatible server used for development and tests. Transient errors are
retried by botocore (``max_attempts`` on the resource) and by the raw asset's retry policy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any


@dataclass(frozen=True, order=True)
class S3Object:
    last_modified: datetime
    key: str
    etag: str
    size: int


def clean_etag(etag: str) -> str:
    return etag.strip('"')


def list_objects(client: Any, bucket: str, prefix: str = "") -> Iterator[S3Object]:
    """Every object under ``prefix``, page by page (1,000 keys a page), in S3's key order."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield S3Object(
                last_modified=item["LastModified"],
                key=item["Key"],
                etag=clean_etag(item["ETag"]),
                size=int(item["Size"]),
            )


@dataclass
class Download:
    file: IO[bytes]  # a seekable temp file holding the object's bytes (deleted on close)
    etag: str
    last_modified: datetime
    size: int


def download(client: Any, bucket: str, key: str) -> Download:
    """Stream one object into a temp file; memory stays flat whatever the object's size."""
    response = client.get_object(Bucket=bucket, Key=key)
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    body = response["Body"]
    try:
        for chunk in iter(lambda: body.read(1 << 20), b""):
            spool.write(chunk)
    finally:
        body.close()
    spool.seek(0)
    return Download(
        file=spool,
        etag=clean_etag(response["ETag"]),
        last_modified=response["LastModified"],
        size=int(response["ContentLength"]),
    )
