"""Which objects in the bucket are new deliveries: the pure core of the S3 sensor and `make ingest`.

The cursor is a watermark on LastModified plus the ETags seen inside a look-back window behind it.
Objects are taken in (LastModified, key) order, so objects sharing a timestamp are never skipped;
a re-upload (new ETag) is new again; the same content is never requested twice (the run key is
key + ETag, which Dagster also de-duplicates). The window keeps the cursor small on a bucket of
any size; anything older than the window that was missed is found by the nightly reconcile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from dagster._core.definitions.partitions.utils.base import INVALID_PARTITION_SUBSTRINGS

from etl_assets.ingest.s3 import S3Object
from etl_assets.sources.registry import spec_for_key
from etl_assets.sources.spec import MappingError, SourceSpec

LOOKBACK = timedelta(hours=6)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Delivery:
    source: str
    key: str
    etag: str
    last_modified: datetime

    @property
    def run_key(self) -> str:
        return f"{self.key}:{self.etag}"


@dataclass
class Cursor:
    watermark: datetime = EPOCH
    seen: dict[str, str] = field(default_factory=dict)  # key -> ETag, for objects inside the window

    def dumps(self) -> str:
        return json.dumps({"watermark": self.watermark.isoformat(), "seen": self.seen}, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(watermark=datetime.fromisoformat(data["watermark"]), seen=dict(data["seen"]))


@dataclass
class Discovery:
    deliveries: list[Delivery]
    unknown_keys: list[str]  # keys no source claims
    rejected: dict[str, str]  # key -> why it cannot be a delivery
    cursor: Cursor


def invalid_key_reason(key: str) -> str | None:
    bad = [s for s in INVALID_PARTITION_SUBSTRINGS if s in key]
    return f"key contains {bad!r}, which cannot name a partition" if bad else None


def discover(objects: Iterable[S3Object], specs: tuple[SourceSpec, ...], cursor: Cursor) -> Discovery:
    window_start = cursor.watermark - LOOKBACK
    candidates = sorted(o for o in objects if o.last_modified >= window_start and not o.key.endswith("/"))
    deliveries: list[Delivery] = []
    unknown: list[str] = []
    rejected: dict[str, str] = {}
    for obj in candidates:
        if cursor.seen.get(obj.key) == obj.etag:
            continue
        try:
            spec = spec_for_key(obj.key, specs)
        except MappingError as exc:
            rejected[obj.key] = str(exc)
            continue
        if spec is None:
            unknown.append(obj.key)
            continue
        reason = invalid_key_reason(obj.key)
        if reason:
            rejected[obj.key] = reason
            continue
        deliveries.append(Delivery(spec.source, obj.key, obj.etag, obj.last_modified))
    watermark = max([cursor.watermark, *(o.last_modified for o in candidates)])
    keep_from = watermark - LOOKBACK
    seen = {k: v for k, v in cursor.seen.items()}
    seen.update({o.key: o.etag for o in candidates})
    last_modified = {o.key: o.last_modified for o in candidates}
    seen = {k: v for k, v in seen.items() if last_modified.get(k, EPOCH) >= keep_from}
    return Discovery(deliveries, unknown, rejected, Cursor(watermark=watermark, seen=seen))
