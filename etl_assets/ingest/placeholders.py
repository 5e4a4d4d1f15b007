"""Placeholder cells (``N/A``, ``NULL``, ``-``, ``unknown``, whitespace ...) read as missing values.

Why at read, before any transform: a registry writing ``N/A`` for a withheld street means "no
value". Kept as text it would become ``address1 = 'N/A'`` with a parse flag on every such row;
read as null it is simply missing, like an empty cell. What was nulled is not lost from view:
the reader counts it once per column (``ReadResult.placeholders``, raw asset metadata
``placeholders_as_null``), never per row. Matching is on the trimmed cell, case-insensitive;
the default list can be extended (``read: {null_values: [...]}``) or switched off
(``read: {default_null_values: false}``) per source.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_assets.records import STRING

DEFAULT_NULL_VALUES: tuple[str, ...] = (
    "N/A", "NA", "n/a", "NULL", "None", "-", "--", "?", "unknown", "not available", "not applicable",
    "(none)", "TBD",
)  # fmt: skip


def null_value_set(extra: Iterable[str] = (), defaults: bool = True) -> frozenset[str]:
    """The placeholder spellings a source reads as null, folded (trimmed, lower case)."""
    values = [*(DEFAULT_NULL_VALUES if defaults else ()), *extra]
    return frozenset(v.strip().lower() for v in values if v.strip())


def null_placeholders(records: pd.DataFrame, columns: list[str], placeholders: frozenset[str]) -> dict[str, dict[str, int]]:
    """Set placeholder and whitespace-only cells of ``columns`` to null, in place.

    Returns, per column with any, how many cells of each spelling were nulled (an empty cell is
    already missing and not counted). Arrow compute kernels over each column: no Python per cell."""
    value_set = pa.array(sorted(placeholders), type=pa.string())
    found: dict[str, dict[str, int]] = {}
    for column in columns:
        values = pa.array(records[column].array)  # zero-copy view of the Arrow-backed strings
        folded = pc.utf8_lower(pc.utf8_trim_whitespace(values))
        hit = pc.and_(pc.or_(pc.is_in(folded, value_set=value_set), pc.equal(folded, "")), pc.not_equal(values, ""))
        hit = pc.fill_null(hit, False)
        del folded
        if not pc.any(hit).as_py():
            continue
        counts = pc.value_counts(pc.filter(values, hit))
        found[column] = {str(v): int(n) for v, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())}
        nulled = pc.if_else(hit, pa.scalar(None, pa.string()), values)
        records[column] = pd.Series(pd.array(nulled, dtype=STRING), index=records.index)
    return found


def describe(found: dict[str, dict[str, int]]) -> list[str]:
    """One line per column: ``column 'Street': 40 placeholder cells read as missing ('N/A' x38, '-' x2)``."""
    out = []
    for column, spellings in found.items():
        shown = ", ".join(f"{value!r} x{n}" for value, n in spellings.items())
        out.append(f"column {column!r}: {sum(spellings.values())} placeholder cells read as missing ({shown})")
    return out
