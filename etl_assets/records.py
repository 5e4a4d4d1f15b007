"""The record's own columns: one definition of every meta column a delivery's rows carry.

Business columns (the leads columns) never start with ``_``; everything here does, so a stage tells
the two apart by the name alone (``business_columns``). The string dtype lives here too: every
stage builds text columns with the same Arrow-backed dtype, so frames concatenate and compare.
"""

from __future__ import annotations

import pandas as pd
import pyarrow

STRING = pd.StringDtype("pyarrow")
DATE = pd.ArrowDtype(pyarrow.date32())
TIMESTAMP = pd.ArrowDtype(pyarrow.timestamp("us", tz="UTC"))

# Lineage: added once at land, carried unchanged to every warehouse row.
SOURCE = "_source"
DELIVERY_KEY = "_delivery_key"  # the S3 key
ETAG = "_etag"
DELIVERY_DATE = "_delivery_date"
ROW_NUMBER = "_row_number"  # 1-based record number in the file, header excluded
LINE_NUMBER = "_line_number"  # 1-based physical line where the record starts
INGESTED_AT = "_ingested_at"  # when the delivery landed (LastModified), so replays are identical
LINEAGE_COLUMNS = (SOURCE, DELIVERY_KEY, ETAG, DELIVERY_DATE, ROW_NUMBER, LINE_NUMBER, INGESTED_AT)

# Written by the reader.
READ_ERROR = "_read_error"  # why the record could not be read as a row of the header's shape
EXTRA_FIELDS = "_extra_fields"  # fields beyond the header's width, kept as text

# Written by normalize and dedup.
RECORD_KEY = "_record_key"
DQ_FLAGS = "_dq_flags"
EXTRAS = "_extras"  # unmapped source columns, JSON
QUARANTINE_REASON = "_quarantine_reason"
RAW_RECORD = "_raw_record"  # the quarantined record as delivered, JSON
COLLAPSED_ROWS = "_collapsed_rows"
KEY_SEPARATOR = "|"

# A quarantined row in the warehouse: frame column -> quarantine table column.
QUARANTINE_COLUMNS = {
    SOURCE: SOURCE,
    DELIVERY_KEY: DELIVERY_KEY,
    ETAG: ETAG,
    ROW_NUMBER: ROW_NUMBER,
    LINE_NUMBER: LINE_NUMBER,
    QUARANTINE_REASON: "reason",
    RAW_RECORD: "raw_record",
    INGESTED_AT: INGESTED_AT,
}


def is_meta(column: object) -> bool:
    return str(column).startswith("_")


def business_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that describe the provider (not ``_``-prefixed), in the frame's order."""
    return [str(c) for c in frame.columns if not is_meta(c)]
