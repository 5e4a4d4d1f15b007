"""The key columns of ``prepare``'s frame, read the same whether they hold Python strings or Arrow text.

Why: at a million diverse records (every name, address and phone distinct) the keys as Python
``str`` objects are ~0.8 GiB (~70 bytes per value, pointer included), held through candidate pairs,
features, training, scoring and clustering. The full refresh keeps them as Arrow text (``full_prep``:
~20 bytes per value); ``prepare`` of a part of the records keeps Python objects. Readers take a
column's values (``objects``: Python objects, ``None`` when missing, equal strings one object),
integer codes (``codes``) or Arrow array (``arrow``) through here, so every rule sees the same values
from either kind, and an object column is read exactly as before (its own array).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT = pd.StringDtype("pyarrow")  # as ``warehouse.queries.resolution_frame`` reads text


def is_text(column: pd.Series) -> bool:
    """Is ``column`` Arrow-backed text (not an object column)?"""
    return isinstance(column.dtype, (pd.StringDtype, pd.ArrowDtype))


def text(values: np.ndarray) -> pa.Array:
    """Python strings (None, NaN: missing) as Arrow text."""
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def spread(distinct: pa.Array, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Per record (``codes``: its row of ``distinct``) that value (``text``)."""
    return pd.arrays.ArrowStringArray(distinct.take(pa.array(np.asarray(codes, dtype=np.int64))))


def objects(column: pd.Series) -> np.ndarray:
    """The values as a numpy object array (None when missing): an object column's own array; Arrow
    text built once per distinct value (a million records of one zip hold one ``"75001"``)."""
    if not is_text(column):
        return column.to_numpy()
    found, uniques = pd.factorize(column, use_na_sentinel=True)
    out = np.full(len(found), None, dtype=object)
    present = found >= 0
    out[present] = np.asarray(uniques.to_numpy(dtype=object), dtype=object)[found[present]]
    return out


def codes(*columns: pd.Series) -> list[np.ndarray]:
    """Shared integer codes for several columns (equal values equal codes; missing -1)."""
    joined = columns[0] if len(columns) == 1 else pd.concat([c.reset_index(drop=True) for c in columns],
                                                             ignore_index=True)
    found, _ = pd.factorize(joined, use_na_sentinel=True)
    out, start = [], 0
    for c in columns:
        out.append(found[start:start + len(c)])
        start += len(c)
    return out


def arrow(column: pd.Series) -> pa.Array:
    """The values as an Arrow ``string`` array (Arrow text without a copy of Python objects)."""
    if is_text(column):
        return pa.array(column.array).cast(pa.string())
    return pa.array(column.to_numpy(), type=pa.string())
