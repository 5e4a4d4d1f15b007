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

from botocore.exceptions import BotoCoreError, ClientError


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


class DownloadError(OSError):
    """The object could not be downloaded (after botocore's retries); the message names it.
    Transient: the raw asset's retry policy tries again."""


class DeliveryGoneError(LookupError):
    """The object was listed but is no longer there (deleted or renamed since): not transient."""


_GONE = {"NoSuchKey", "404", "NotFound"}


def download(client: Any, bucket: str, key: str) -> Download:
    """Stream one object into a temp file; memory stays flat whatever the object's size.

    Throttling (503 SlowDown), 500s and dropped connections before the response are retried by
    botocore (the resource's ``max_attempts``); what is left fails with the object named: a
    dropped connection mid-body or a short body as ``DownloadError``, a missing object as
    ``DeliveryGoneError``."""
    url = f"s3://{bucket}/{key}"
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code"))
        if code in _GONE:
            raise DeliveryGoneError(f"{url}: the object is gone (deleted after it was listed): {exc}") from exc
        raise DownloadError(f"{url}: download failed: {exc}") from exc
    except BotoCoreError as exc:
        raise DownloadError(f"{url}: download failed: {exc}") from exc
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    body = response["Body"]
    expected = int(response["ContentLength"])
    received = 0
    try:
        while True:
            try:
                chunk = body.read(1 << 20)
            except Exception as exc:  # noqa: BLE001 - botocore/urllib3/http.client errors differ by version
                raise DownloadError(
                    f"{url}: connection dropped after {received} of {expected} bytes: {type(exc).__name__}: {exc}"
                ) from exc
            if not chunk:
                break
            spool.write(chunk)  # a full disk raises here as itself (OSError), not as a dropped connection
            received += len(chunk)
        if received != expected:
            raise DownloadError(f"{url}: connection dropped: {received} of {expected} bytes received")
    except BaseException:
        spool.close()
        raise
    finally:
        body.close()
    spool.seek(0)
    return Download(
        file=spool,
        etag=clean_etag(response["ETag"]),
        last_modified=response["LastModified"],
        size=int(response["ContentLength"]),
    )
