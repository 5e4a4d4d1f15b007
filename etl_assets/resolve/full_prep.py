"""The matching keys of every live record, computed from the warehouse over distinct values.

Why: ``resolver.prepare`` computes each family of keys once per distinct combination of the columns
it reads and spreads the result to the records, but it needs the records as a pandas frame: at a
million records the matching columns alone were ~700 MiB of text held through the whole resolve.
Here DuckDB finds the distinct combinations of each family and every record's combination number
(``uid`` order, as ``full.number_live`` numbers them); only the distinct rows pass through pandas and
the key functions, so the frame is the same as ``prepare`` of the records (a test checks), without
the records. Its text columns are Arrow-backed (``columns``): every name, address and phone of a
million diverse records as Python strings was ~0.8 GiB, held through the whole resolve; and a
family's keys are computed ``CHUNK`` combinations at a time (their Python strings are temporaries).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from etl_assets.records import RECORD_KEY, SOURCE
from etl_assets.resolve.columns import spread, text
from etl_assets.resolve.resolver import _FAMILIES, _KEY_ORDER, _address, _shared
from etl_assets.warehouse import backend
from etl_assets.warehouse.queries import resolution_frame
from etl_assets.warehouse.tables import CURRENT

FAMILY = "_lr_family"  # per distinct combination of one family's columns: its number (code)
CHUNK = 100_000  # distinct combinations per call of a family whose keys are per row (all but the address's)


def live_prep(con: duckdb.DuckDBPyConnection, live: str, key_sql: str) -> pd.DataFrame:
    """``prepare`` of the live records in ``live`` (``uid``, ``key_sql`` columns), row = uid."""
    n = int(con.execute(f"SELECT count(*) FROM {live}").fetchall()[0][0])
    present = set(backend.columns(con, CURRENT))
    p = pd.DataFrame({"uid": np.arange(n, dtype=np.int64)})
    key = con.sql(f"SELECT {SOURCE} || ':' || {RECORD_KEY} AS key FROM {live} ORDER BY uid").to_arrow_table()
    p["key"] = pd.arrays.ArrowStringArray(key.column("key").cast(pa.large_string()))
    del key
    codes, distinct = _family_codes(con, live, key_sql, (SOURCE,), present)
    p["source"] = spread(text(_shared(distinct[SOURCE].astype(str).to_numpy())), codes)
    for columns, family in _FAMILIES:
        codes, distinct = _family_codes(con, live, key_sql, columns, present)
        step = len(distinct) if family is _address else CHUNK  # the street-word table reads every line at once
        parts: dict[str, list[pa.Array]] = {}
        for start in range(0, max(len(distinct), 1), max(step, 1)):
            part = distinct.iloc[start:start + step].reset_index(drop=True)
            none = pd.Series([None] * len(part), dtype=object)
            found = family(*(part[c] if c in part else none for c in columns))
            for name, values in found.items():
                parts.setdefault(name, []).append(text(_shared(np.asarray(values, dtype=object))))
            del part, found
        for name, chunks in parts.items():
            p[name] = spread(pa.concat_arrays(chunks), codes)
        del codes, distinct, parts
    return p[["uid", "source", "key", *_KEY_ORDER]]


def _family_codes(con, live: str, key_sql: str, columns: tuple[str, ...], present: set[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Per uid, the number of its record's combination of ``columns`` (missing values alike), and
    the distinct combinations (row = number) as ``resolution_frame`` reads the records."""
    cols = [c for c in columns if c in present]
    if not cols:
        n = int(con.execute(f"SELECT count(*) FROM {live}").fetchall()[0][0])
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=range(1))
    quoted = [backend.quote_ident(c) for c in cols]
    cols_sql = ", ".join(quoted)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {FAMILY} AS
                    SELECT row_number() OVER () - 1 AS code, * FROM (SELECT DISTINCT {cols_sql} FROM {CURRENT})""")
    distinct = resolution_frame(con, f"SELECT {cols_sql} FROM {FAMILY} ORDER BY code")
    same = " AND ".join(f"c.{backend.quote_ident(c)} IS NOT DISTINCT FROM f.{backend.quote_ident(c)}"
                        for c in cols)  # missing values alike
    codes = con.execute(f"""SELECT f.code FROM {live} l JOIN {CURRENT} c USING ({key_sql}) JOIN {FAMILY} f ON {same}
                            ORDER BY l.uid""").fetchnumpy()["code"]
    con.execute(f"DROP TABLE {FAMILY}")
    return np.asarray(codes, dtype=np.int64), distinct
