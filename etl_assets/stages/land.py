"""Land: one delivery's bytes and its S3 facts → the raw frame.

Read (every field text, broken records kept with their line), date the delivery, add the lineage
columns and validate the raw structure. Dagster-free: the raw asset, ``check-mapping``, the golden
files and the benchmarks all land a delivery through :func:`land_delivery`, so they read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import BinaryIO

import pandas as pd

from etl_assets.ingest.chunks import DeliveryChunks
from etl_assets.ingest.read import DeliveryReadError, ReadResult, read_delivery
from etl_assets.records import READ_ERROR, DATE, DELIVERY_DATE, DELIVERY_KEY, ETAG, INGESTED_AT, SOURCE, STRING, TIMESTAMP
from etl_assets.sources.schemas import raw_schema
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages.files import StageFile, StageFileWriter


class EmptyDeliveryError(DeliveryReadError):
    """A header and no records: a full refresh listing nothing is a broken export, not news."""


@dataclass(frozen=True)
class Landed:
    frame: pd.DataFrame  # the raw frame: lineage + every source column as text
    read: ReadResult  # header, encoding and read warnings, for metadata
    delivery_date: date


def land_delivery(
    stream: BinaryIO,
    spec: SourceSpec,
    key: str,
    etag: str | None,
    landed_at: datetime | pd.Timestamp,
    where: str,
    require_records: bool = True,
) -> Landed:
    """The delivery under S3 ``key`` (ETag, LastModified = ``landed_at``) as its raw frame.

    ``where`` names the delivery in errors (``s3://bucket/key``). Raises DeliveryReadError when the
    bytes cannot be read, EmptyDeliveryError for a header without records (unless not required)."""
    result = read_delivery(stream, spec.read, where)
    if require_records and len(result.records) == 0:
        raise EmptyDeliveryError(f"{where}: the file has a header and no records")
    day = delivery_date(spec, key, landed_at)
    frame = add_lineage(result.records, spec.source, key, etag, landed_at, day)
    raw_schema(spec).validate(frame)
    return Landed(frame=frame, read=result, delivery_date=day)


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
) -> LandedFile:
    """:func:`land_delivery`, chunk by chunk into ``writer`` (one row group per reader chunk).

    Same rows, lineage, checks and errors as the whole-frame path; memory is one chunk's."""
    chunks = DeliveryChunks(stream, spec.read, where)
    day = delivery_date(spec, key, landed_at)
    schema = raw_schema(spec)
    unreadable = 0
    sample = None
    for records in chunks:
        frame = add_lineage(records, spec.source, key, etag, landed_at, day)
        del records
        schema.validate(frame)
        unreadable += int(frame[READ_ERROR].notna().sum())
        if sample is None:
            sample = frame.head(5)
        writer.write(frame)
    result = chunks.result()
    if chunks.records == 0:
        raise EmptyDeliveryError(f"{where}: the file has a header and no records")
    return LandedFile(writer.close(), result, day, unreadable, sample)
