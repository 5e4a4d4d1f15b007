"""Land: one delivery's bytes and its S3 facts → the raw stage file, chunk by chunk.

Read (every field text, broken records kept with their line), date the delivery, add the lineage
columns and validate the raw structure, one reader chunk at a time (memory is one chunk's).
Dagster-free: the raw asset, ``check-mapping``, the golden files and the benchmarks all land a
delivery through :func:`land_to_file`, so they read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import BinaryIO

import pandas as pd

from etl_assets.ingest.read import DeliveryChunks, DeliveryReadError, ReadResult
from etl_assets.records import READ_ERROR, DATE, DELIVERY_DATE, DELIVERY_KEY, ETAG, INGESTED_AT, SOURCE, STRING, TIMESTAMP
from etl_assets.sources.schemas import raw_schema
from etl_assets.sources.validation import validate
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages.files import StageFile, StageFileWriter


class EmptyDeliveryError(DeliveryReadError):
    """A header and no records: a full refresh listing nothing is a broken export, not news."""


def delivery_date(spec: SourceSpec, key: str, landed_at: datetime | pd.Timestamp) -> date:
    """The date in the key (the source's ``deliveries.date``), else the day it landed (UTC)."""
    return spec.deliveries.date.from_key(key) or pd.Timestamp(landed_at).astimezone(timezone.utc).date()


def add_lineage(records: pd.DataFrame, source, key, etag, landed_at, delivery_date) -> pd.DataFrame:
    """Lineage columns, added once here and carried unchanged to the warehouse.

    ``_ingested_at`` is when the delivery landed (the object's LastModified), not the wall clock,
    so replaying a delivery yields identical rows; load times and run ids live in the load log.
    """
    n = len(records)
    frame = records.copy()
    frame.insert(0, SOURCE, pd.array([source] * n, dtype=STRING))
    frame.insert(1, DELIVERY_KEY, pd.array([key] * n, dtype=STRING))
    frame.insert(2, ETAG, pd.array([etag] * n, dtype=STRING))
    frame.insert(3, INGESTED_AT, pd.array([pd.Timestamp(landed_at).tz_convert("UTC")] * n, dtype=TIMESTAMP))
    frame.insert(4, DELIVERY_DATE, pd.array([delivery_date] * n, dtype=DATE))
    return frame


@dataclass(frozen=True)
class LandedFile:
    """The raw stage streamed into its file: the handle and what metadata needs, no records held."""

    file: StageFile
    read: ReadResult  # header, encoding, warnings, placeholder counts (``records`` is empty)
    delivery_date: date
    records_unreadable: int
    sample: pd.DataFrame  # the first rows (preview, column schema)


def land_to_file(
    stream: BinaryIO,
    spec: SourceSpec,
    key: str,
    etag: str | None,
    landed_at: datetime | pd.Timestamp,
    where: str,
    writer: StageFileWriter,
    require_records: bool = True,
) -> LandedFile:
    """The delivery under S3 ``key`` (ETag, LastModified = ``landed_at``) into ``writer``, one row
    group per reader chunk; ``writer`` is closed (the file published) at the end.

    ``where`` names the delivery in errors (``s3://bucket/key``). Raises DeliveryReadError when the
    bytes cannot be read, EmptyDeliveryError for a header without records (unless not required:
    ``check-mapping`` reports it)."""
    chunks = DeliveryChunks(stream, spec.read, where)
    day = delivery_date(spec, key, landed_at)
    schema = raw_schema(spec)
    unreadable = 0
    sample = None
    for records in chunks:
        frame = add_lineage(records, spec.source, key, etag, landed_at, day)
        del records
        validate(schema, frame)
        unreadable += int(frame[READ_ERROR].notna().sum())
        if sample is None:
            sample = frame.head(5)
        writer.write(frame)
    result = chunks.result()
    if require_records and chunks.records == 0:
        raise EmptyDeliveryError(f"{where}: the file has a header and no records")
    return LandedFile(writer.close(), result, day, unreadable, sample)
