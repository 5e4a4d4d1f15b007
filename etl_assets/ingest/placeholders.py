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
    already missing and not counted). Only short cells are looked at, so long text costs nothing."""
    longest = max((len(p) for p in placeholders), default=0) + 8  # room for padding whitespace
    found: dict[str, dict[str, int]] = {}
    for column in columns:
        values = records[column]
        short = values.str.len().le(longest).fillna(False).to_numpy(dtype=bool)
        if not short.any():
            continue
        candidates = values[short]
        folded = candidates.str.strip().str.lower()
        hit = (folded.isin(placeholders) | folded.eq("")) & candidates.ne("")
        hit = hit.fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        index = candidates.index[hit]
        found[column] = {str(k): int(v) for k, v in records.loc[index, column].value_counts(sort=True).items()}
        records.loc[index, column] = None
    return found


def describe(found: dict[str, dict[str, int]]) -> list[str]:
    """One line per column: ``column 'Street': 40 placeholder cells read as missing ('N/A' x38, '-' x2)``."""
    out = []
    for column, spellings in found.items():
        shown = ", ".join(f"{value!r} x{n}" for value, n in spellings.items())
        out.append(f"column {column!r}: {sum(spellings.values())} placeholder cells read as missing ({shown})")
    return out
