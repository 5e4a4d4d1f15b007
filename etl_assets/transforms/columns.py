"""Whole-column (vectorized) twins of scalar transforms whose values are mostly distinct (ids, free text).

Why: ``apply_transform`` calls a scalar transform once per distinct value, which is cheap for
states or cities but costs a Python call per row for record ids (Texas ``Operation #``: 3.3 s of
a 14 s normalize of 200k records, cProfile). These twins give exactly the scalar result with
Arrow string kernels; ``etl_assets_tests/transforms/test_columns.py`` checks that on arbitrary
text (hypothesis). Only Arrow-backed text columns take this path; anything else stays scalar.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Python's ``\s`` (str patterns) and ``str.strip()`` both mean ``str.isspace()``; RE2's ``\s`` is
# ASCII only, so the class is spelled out with every such character.
_SPACE_CHARS = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
_SPACE_RUN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS) + "]+"


def is_arrow_text(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


# The column path costs per row (0.08 s per 200k ids), the scalar path per distinct value (2.6 s for
# 200k distinct ids, 0.17 s for 200k cells of 3 values, where the column path takes 0.41 s).
DISTINCT_SAMPLE = 2_000


def mostly_distinct(values: pd.Series) -> bool:
    """More than half of the first DISTINCT_SAMPLE cells differ: ids and free text, not categories."""
    head = values.iloc[:DISTINCT_SAMPLE]
    return len(head) > 0 and head.nunique(dropna=False) > len(head) // 2


def _arrow(values: pd.Series) -> pa.ChunkedArray:
    return pa.chunked_array(values.array._pa_array)  # noqa: SLF001 - the Arrow data behind the column


def collapse_spaces(values: pd.Series) -> pd.Series:
    """``as_text`` / ``clean_text`` on a text column: white-space runs → one space, trimmed, empty → null."""
    arr = pc.replace_substring_regex(_arrow(values), pattern=_SPACE_RUN, replacement=" ")
    arr = pc.utf8_trim(arr, characters=" ")  # after the collapse, any edge white space is one " "
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.large_string())), index=values.index)


def text_column(values: pd.Series) -> pd.Series:
    """The ``text`` transform on a whole column."""
    return collapse_spaces(values)


def upper_column(values: pd.Series, scalar) -> pd.Series:
    """``collapse_spaces`` then upper case: ASCII by Arrow's kernel, other values by ``scalar`` (Python's
    ``str.upper`` differs from Arrow's for some letters, e.g. ``ß`` → ``SS``)."""
    text = collapse_spaces(values)
    arr = _arrow(text)
    ascii_ = pc.fill_null(pc.string_is_ascii(arr), True)
    upper = pd.Series(pd.arrays.ArrowStringArray(pc.ascii_upper(arr).cast(pa.large_string())), index=values.index)
    if pc.all(ascii_).as_py():
        return upper
    other = np.flatnonzero(~ascii_.to_numpy(zero_copy_only=False))
    fixed = [scalar(v) for v in values.iloc[other].tolist()]
    upper.iloc[other] = pd.Series(pd.array(fixed, dtype=values.dtype), index=values.index[other])
    return upper


# A formula (transforms/text.py FORMULA_PATTERN) starts, after white space, with one of these.
_FORMULA_FIRST = pa.array(sorted(set("=@+-") | set(_SPACE_CHARS)), type=pa.string())


def formula_candidates(values: pd.Series) -> np.ndarray:
    """Positions of the text cells whose first character is white space or ``= @ + -``: the only
    ones FORMULA_PATTERN can match (the regex then runs on those alone)."""
    first = pc.utf8_slice_codeunits(_arrow(values), 0, 1)
    return np.flatnonzero(pc.fill_null(pc.is_in(first, value_set=_FORMULA_FIRST), False).to_numpy(zero_copy_only=False))
