"""pandera schemas: the structure of a raw delivery and the typed leads schema of normalized rows.

Both are built from the YAML (mappings/leads.yaml and the source's mapping), so a new source or
a new leads column needs no Python. The normalized schema is used *row by row*: rows that fail a
check are quarantined with the check's name, the rest pass on.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from etl_assets.records import (
    DATE,
    DELIVERY_DATE,
    DELIVERY_KEY,
    ETAG,
    EXTRA_FIELDS,
    INGESTED_AT,
    LINE_NUMBER,
    READ_ERROR,
    ROW_NUMBER,
    SOURCE,
    STRING,
    TIMESTAMP,
)
from etl_assets.sources.spec import ColumnType, LeadsSchema, SourceSpec

PANDAS_DTYPES = {"text": STRING, "date": DATE, "integer": pd.Int64Dtype(), "boolean": pd.BooleanDtype()}


def _checks(column: ColumnType) -> list[pa.Check]:
    checks = []
    if column.pattern:
        checks.append(pa.Check.str_matches(column.pattern))
    if column.min is not None or column.max is not None:
        lo = column.min if column.min is not None else -(2**62)
        hi = column.max if column.max is not None else 2**62
        checks.append(pa.Check.in_range(lo, hi))
    return checks


_BUILT: dict[tuple, tuple[object, pa.DataFrameSchema]] = {}  # (kind, ids) -> (the specs, their schema)


def _cached(kind: str, specs: tuple, build) -> pa.DataFrameSchema:
    """One schema per (frozen) spec object: built ~10-15 ms, asked for per delivery and per batch."""
    key = (kind, *map(id, specs))
    hit = _BUILT.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], specs)):
        return hit[1]
    if len(_BUILT) >= 64:
        _BUILT.clear()
    schema = build(*specs)
    _BUILT[key] = (specs, schema)  # holding the specs keeps their ids from being reused
    return schema


def raw_schema(spec: SourceSpec) -> pa.DataFrameSchema:
    """Raw structure: lineage present and typed, every field text. Source columns may drift."""
    return _cached("raw", (spec,), _raw_schema)


def normalized_schema(spec: SourceSpec, leads: LeadsSchema) -> pa.DataFrameSchema:
    """The typed leads schema for one source: types, patterns and ranges from leads.yaml;
    the record key and the mapping's required targets must be present."""
    return _cached("normalized", (spec, leads), _normalized_schema)


def _raw_schema(spec: SourceSpec) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            SOURCE: pa.Column(STRING, pa.Check.eq(spec.source)),
            DELIVERY_KEY: pa.Column(STRING),
            ETAG: pa.Column(STRING, nullable=True),
            ROW_NUMBER: pa.Column("int64", pa.Check.gt(0), unique=True),
            LINE_NUMBER: pa.Column("int64", pa.Check.gt(0)),
            INGESTED_AT: pa.Column(TIMESTAMP),
            DELIVERY_DATE: pa.Column(DATE),
            READ_ERROR: pa.Column(STRING, nullable=True),
            EXTRA_FIELDS: pa.Column(STRING, nullable=True),
            r"^[^_].*": pa.Column(STRING, nullable=True, regex=True, required=False),
        },
        strict=False,
        name=f"{spec.source}/raw",
    )


def _normalized_schema(spec: SourceSpec, leads: LeadsSchema) -> pa.DataFrameSchema:
    required = set(spec.required_targets)
    columns = {
        name: pa.Column(PANDAS_DTYPES[col.type], _checks(col), nullable=name not in required, required=True)
        for name, col in leads.all_columns.items()
    }
    return pa.DataFrameSchema(columns, strict=False, coerce=False, name=f"{spec.source}/normalized")
