"""pandera validation with a fast path: skip pandera when a cheap pass proves it would pass.

Why: pandera's fixed cost per column (a copy, a backend per component, failure-case frames) is
~0.2 s per validate of a 40-column frame whatever its length; a small delivery validates twice
(raw, normalized), and the clean case is the common one. :func:`passes` runs the same rules over
the same schema object: pandera's own dtype check, the null and unique rules, and each check's
own function (``check._check_fn``) on the non-null values. It accepts only the schema features
it knows (those of ``schemas.py``); anything else, and any rule that does not hold, returns False,
and then pandera itself runs, so errors, failure cases and quarantine reasons are pandera's.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.backends.pandas import builtin_checks  # noqa: F401 - registers the checks' pandas functions
from pandera.engines.pandas_engine import Engine

# Element-wise builtin checks whose function is applied to the column's non-null values.
_CHECKS = frozenset({"str_matches", "in_range", "equal_to", "greater_than"})


def validate(schema: pa.DataFrameSchema, frame: pd.DataFrame, lazy: bool = False) -> pd.DataFrame:
    """``schema.validate(frame, lazy=lazy)``, without pandera when :func:`passes` shows it would pass."""
    if passes(schema, frame):
        return frame
    return schema.validate(frame, lazy=lazy)


def passes(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> bool:
    """True only if pandera's validation of ``frame`` by ``schema`` raises nothing (False: unsure)."""
    if not _supported_schema(schema) or frame.columns.has_duplicates:
        return False
    names = [str(c) for c in frame.columns]
    for key, column in schema.columns.items():
        if not _supported_column(column):
            return False
        if column.regex:
            matched = [c for c, n in zip(frame.columns, names) if re.match(key, n)]
            if not matched:  # pandera's own handling of an unmatched pattern decides
                return False
        elif key in frame.columns:
            matched = [key]
        elif column.required:
            return False
        else:
            matched = []
        if not all(_column_passes(column, frame[c]) for c in matched):
            return False
    return True


def _supported_schema(schema: pa.DataFrameSchema) -> bool:
    return (
        type(schema) is pa.DataFrameSchema and not schema.checks and not schema.parsers and schema.index is None
        and schema.dtype is None and not schema.coerce and not schema.strict and not schema.ordered
        and not schema.unique and not schema.unique_column_names and not schema.add_missing_columns
        and not schema.drop_invalid_rows
    )


def _supported_column(column: pa.Column) -> bool:
    return (
        not column.parsers and not column.coerce and column.default is None and not column.drop_invalid_rows
        and column.dtype is not None
        and all(c.name in _CHECKS and c.ignore_na and not c.element_wise and c.groupby is None
                and not c.raise_warning and c.n_failure_cases is None for c in column.checks)
    )


def _column_passes(column: pa.Column, values: pd.Series) -> bool:
    try:  # as pandera's check_dtype: a bool, or one per element (the string types)
        dtype_ok = column.dtype.check(Engine.dtype(values.dtype), values)
    except Exception:  # noqa: BLE001 - a dtype pandera's engine does not know: let pandera say
        return False
    if not (dtype_ok is True or (isinstance(dtype_ok, np.ndarray) and dtype_ok.dtype == bool and dtype_ok.all())):
        return False
    if (not column.nullable or column.unique) and values.hasnans:
        return False
    if column.unique and values.duplicated().any():
        return False
    present = values.dropna() if column.checks else values  # (a nullable column's nulls: nothing to check)
    for check in column.checks:
        try:
            result = check._check_fn(present, **check._check_kwargs)  # noqa: SLF001 - the check's own rule
        except Exception:  # noqa: BLE001 - not dispatchable on this data: let pandera say
            return False
        if not isinstance(result, pd.Series) or not bool(result.fillna(False).all()):
            return False
    return True
