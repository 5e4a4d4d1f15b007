"""pandera schemas: the structure of a raw delivery and the typed leads schema of normalized rows.

Both are built from the YAML (mappings/leads.yaml and the source's mapping), so a new source or
a new leads column needs no Python. The normalized schema is used *row by row*: rows that fail a
check are quarantined with the check's name, the rest pass on.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pyarrow

from etl_assets.sources.spec import ColumnType, LeadsSchema, SourceSpec

STRING = pd.StringDtype("pyarrow")
DATE = pd.ArrowDtype(pyarrow.date32())
TIMESTAMP = pd.ArrowDtype(pyarrow.timestamp("us", tz="UTC"))

PANDAS_DTYPES = {"text": STRING, "date": DATE, "integer": pd.Int64Dtype(), "boolean": pd.BooleanDtype()}

# Lineage columns: added once at raw, carried unchanged to the warehouse.
LINEAGE_COLUMNS = ("_source", "_delivery_key", "_etag", "_delivery_date", "_row_number", "_line_number", "_ingested_at")


def _checks(column: ColumnType) -> list[pa.Check]:
    checks = []
    if column.pattern:
        checks.append(pa.Check.str_matches(column.pattern))
    if column.min is not None or column.max is not None:
        lo = column.min if column.min is not None else -(2**62)
        hi = column.max if column.max is not None else 2**62
        checks.append(pa.Check.in_range(lo, hi))
    return checks


def raw_schema(spec: SourceSpec) -> pa.DataFrameSchema:
    """Raw structure: lineage present and typed, every field text. Source columns may drift."""
    return pa.DataFrameSchema(
        {
            "_source": pa.Column(STRING, pa.Check.eq(spec.source)),
            "_delivery_key": pa.Column(STRING),
            "_etag": pa.Column(STRING, nullable=True),
            "_row_number": pa.Column("int64", pa.Check.gt(0), unique=True),
            "_line_number": pa.Column("int64", pa.Check.gt(0)),
            "_ingested_at": pa.Column(TIMESTAMP),
            "_delivery_date": pa.Column(DATE),
            "_read_error": pa.Column(STRING, nullable=True),
            "_extra_fields": pa.Column(STRING, nullable=True),
            r"^[^_].*": pa.Column(STRING, nullable=True, regex=True, required=False),
        },
        strict=False,
        name=f"{spec.source}/raw",
    )


def normalized_schema(spec: SourceSpec, leads: LeadsSchema) -> pa.DataFrameSchema:
    """The typed leads schema for one source: types, patterns and ranges from leads.yaml;
    the record key and the mapping's required targets must be present."""
    required = set(spec.required_targets)
    columns = {
        name: pa.Column(PANDAS_DTYPES[col.type], _checks(col), nullable=name not in required, required=True)
        for name, col in leads.all_columns.items()
    }
    return pa.DataFrameSchema(columns, strict=False, coerce=False, name=f"{spec.source}/normalized")
