"""Within one delivery: collapse records that share a record key into one survivor.

A full-refresh delivery should hold each record key once; registries sometimes repeat a record.
Survivorship (documented in the README): the most complete row wins (most non-null business
columns), ties go to the later row in the file. The survivor lists the row numbers it absorbed
in ``_collapsed_rows`` so every collapsed row stays traceable to its line.

Records with *different* keys that describe the same provider are not collapsed here: two license
numbers are two licenses. They are linked, not merged, by entity resolution at ``warehouse/leads``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl_assets import progress
from etl_assets.records import COLLAPSED_ROWS, RECORD_KEY, ROW_NUMBER, STRING, business_columns


@dataclass
class DedupResult:
    records: pd.DataFrame  # one row per record key
    collapsed: int  # rows absorbed into a survivor


def dedup_delivery(clean: pd.DataFrame) -> DedupResult:
    """Keep one row per ``_record_key`` by the survivorship rule above."""
    frame = clean.copy()
    frame["_completeness"] = frame[business_columns(frame)].notna().sum(axis=1)
    frame = frame.sort_values([RECORD_KEY, "_completeness", ROW_NUMBER], ascending=[True, False, False], kind="stable")
    duplicated = frame.duplicated(RECORD_KEY, keep="first")
    absorbed = (
        frame.loc[duplicated]
        .groupby(RECORD_KEY, sort=False)[ROW_NUMBER]
        .agg(lambda rows: ",".join(str(r) for r in sorted(rows)))
    )
    survivors = frame.loc[~duplicated].drop(columns="_completeness")
    survivors[COLLAPSED_ROWS] = pd.array(survivors[RECORD_KEY].map(absorbed), dtype=STRING)
    survivors = survivors.sort_values(ROW_NUMBER, kind="stable").reset_index(drop=True)
    progress.advance(len(clean))
    return DedupResult(records=survivors, collapsed=int(duplicated.sum()))
