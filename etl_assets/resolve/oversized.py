"""The candidate blocks too large to be blocking keys, for the leads materialization's metadata.

Thousands of records sharing one phone, address or name (a registry of franchise sites, a bulk
re-registration) make blocks whose pairs would grow as the square of their size; they are skipped
(``resolve_pairs.usable_block``) and named here with their size, so a reader sees which listings
no key could pair, instead of a refresh that runs out of memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from etl_assets.resolve.pairs import BLOCK_HASH, BLOCK_KEYS_SQL, PREP_BLOCK_COLUMNS, usable_block

if TYPE_CHECKING:
    from etl_assets.resolve.config import ResolveConfig

BLOCK_NAMES = {"L": "license", "P": "phone", "A": "address", "E": "email", "HZ": "zip + house number",
               "HC": "city + house number", "QZ": "zip + name", "QC": "city + name"}


def oversized_blocks(con: duckdb.DuckDBPyConnection, prep: pd.DataFrame, cfg: ResolveConfig,
                     sizes: pd.DataFrame, limit: int = 5) -> dict:
    """The blocks of ``prep``'s records too large to be blocking keys: how many, the records in
    them, and the largest ``limit`` (kind, key, records), for the materialization's metadata."""
    con.register("prep_in", prep[["uid", *PREP_BLOCK_COLUMNS]])
    con.register("sizes_in", sizes[["h", "n"]])
    try:
        rows = con.execute(f"""
            WITH bk AS ({BLOCK_KEYS_SQL.format(id="uid", records="prep_in")}),
            big AS (SELECT bk.k, any_value(s.n) AS n, count(*) AS here FROM bk JOIN sizes_in s
                    ON s.h = {BLOCK_HASH.format(k="bk.k")} WHERE NOT ({usable_block("bk.k", "s.n", cfg)}) GROUP BY bk.k)
            SELECT k, n, count(*) OVER () AS blocks, sum(here) OVER () AS records FROM big
            ORDER BY n DESC, k LIMIT {int(limit)}
        """).fetchall()
    finally:
        con.unregister("prep_in")
        con.unregister("sizes_in")
    if not rows:
        return {"blocks": 0, "record_keys": 0, "largest": []}
    largest = [{"block": BLOCK_NAMES.get(k.split("|", 1)[0], k.split("|", 1)[0]), "key": k.split("|", 1)[1],
                "records": int(n)} for k, n, _, _ in rows]
    return {"blocks": int(rows[0][2]), "record_keys": int(rows[0][3]), "largest": largest}


def largest_component(root: np.ndarray, keys_arr: np.ndarray) -> dict:
    """Size of the largest candidate-graph component and its first record: what one change there
    makes an incremental refresh re-resolve."""
    if not len(root):
        return {"records": 0, "first_record": None}
    sizes = np.bincount(root)
    top = int(np.argmax(sizes))
    return {"records": int(sizes[top]), "first_record": str(keys_arr[top])}
