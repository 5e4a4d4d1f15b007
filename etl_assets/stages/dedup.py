"""Within one delivery: collapse records that share a record key into one survivor.

A full-refresh delivery should hold each record key once; registries sometimes repeat a record.
Survivorship: the most complete row wins (most non-null business columns), ties go to the later
row in the file. The survivor lists the row numbers it absorbed in ``_collapsed_rows`` so every
collapsed row stays traceable to its line.

Records with *different* keys that describe the same provider are not collapsed here: two license
numbers are two licenses. They are linked, not merged, by entity resolution at ``warehouse/leads``.

How, over the normalized stage file: the rule is decided in DuckDB SQL (:func:`survivors_sql`)
over only the columns it needs (record key, row number, which business columns are null), so no
step holds the delivery: the survivors' row numbers (8 bytes a record) are then picked out of the
normalized file row group by row group (Arrow, no pandas round trip), in file order, into the
deduped file, each survivor with its history row hash (``_row_hash``, ``history/row_hash.py``):
computed here once, read by the delete guard's preview and the load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from etl_assets import progress
from etl_assets.records import COLLAPSED_ROWS, QUARANTINE_REASON, RECORD_KEY, ROW_NUMBER, STRING, is_meta
from etl_assets.stages.files import StageFile, StageFileWriter, release_memory
from etl_assets.stages.history.row_hash import ROW_HASH, row_hashes
from etl_assets.warehouse import spill
from etl_assets.warehouse.backend import quote_ident

# DuckDB's working memory for the key-set queries (they spill past it; they are narrow), in the
# process's shared in-memory database of these settings (spill.shared: no connection to create per query).
MEMORY_LIMIT = "512MB"


@dataclass(frozen=True)
class DedupedFile:
    file: StageFile
    collapsed: int  # rows absorbed into a survivor


def survivors_sql(columns: tuple[str, ...] | list[str], relation: str) -> str:
    """Per record key of the clean rows, the survivor's row number and the absorbed row numbers."""
    business = [c for c in columns if not is_meta(c)]
    completeness = " + ".join(f"CAST({quote_ident(c)} IS NOT NULL AS INTEGER)" for c in business) or "0"
    return f"""
    WITH ranked AS (
        SELECT _record_key, _row_number,
               row_number() OVER (PARTITION BY _record_key ORDER BY {completeness} DESC, _row_number DESC) AS _rank
        FROM {relation} WHERE {quote_ident(QUARANTINE_REASON)} IS NULL
    ), absorbed AS (
        SELECT _record_key, string_agg(CAST(_row_number AS VARCHAR), ',' ORDER BY _row_number) AS rows
        FROM ranked WHERE _rank > 1 GROUP BY _record_key
    )
    SELECT r._row_number, a.rows AS {quote_ident(COLLAPSED_ROWS)}
    FROM ranked AS r LEFT JOIN absorbed AS a USING (_record_key)
    WHERE r._rank = 1 ORDER BY r._row_number"""


def dedup_file(normalized: StageFile, writer: StageFileWriter) -> DedupedFile:
    """Write the clean rows of ``normalized``, one per record key, into ``writer``."""
    with spill.shared(memory_limit=MEMORY_LIMIT, threads=2) as con:
        relation = "read_parquet($path)"  # DuckDB's own reader: streamed within its memory limit
        path = {"path": str(normalized.path)}
        clean, keys = con.execute(f"SELECT count(*), count(DISTINCT {quote_ident(RECORD_KEY)}) FROM {relation} "
                                  f"WHERE {quote_ident(QUARANTINE_REASON)} IS NULL", path).fetchall()[0]
        found = None
        if keys < clean:  # some key repeats (a null key is quarantined): rank the rows
            found = con.sql(survivors_sql(normalized.columns, relation), params=path).to_arrow_table()
    if found is None:  # every clean row survives, nothing absorbed
        keep = None
        collapsed = pa.nulls(0, pa.string())
    else:
        keep = found.column(ROW_NUMBER).to_numpy()
        collapsed = found.column(COLLAPSED_ROWS).combine_chunks().cast(pa.string())
    del found
    big = normalized.row_groups > 1
    if big:
        release_memory()  # DuckDB's and the scan's pages
    schema = None
    business = [c for c in normalized.columns if not is_meta(c)]
    with spill.shared(memory_limit=MEMORY_LIMIT, threads=2) as hasher:  # the key queries' database
        for table in normalized.tables():
            clean_rows = table.column(QUARANTINE_REASON).is_null().to_numpy(zero_copy_only=False)
            if keep is None:
                out = table if clean_rows.all() else table.filter(pa.array(clean_rows))
                out = out.append_column(COLLAPSED_ROWS, pa.nulls(out.num_rows, pa.string()))
            else:
                numbers = table.column(ROW_NUMBER).to_numpy()
                at = np.minimum(np.searchsorted(keep, numbers), max(len(keep) - 1, 0))
                kept = (keep[at] == numbers) if len(keep) else np.zeros(len(numbers), dtype=bool)
                kept &= clean_rows
                out = table.filter(pa.array(kept)).append_column(COLLAPSED_ROWS, collapsed.take(pa.array(at[kept])))
            out = out.append_column(ROW_HASH, row_hashes(hasher, out, business))
            if schema is None:
                schema = out.schema.with_metadata(_pandas_metadata(normalized, out.schema))
                writer.start(schema)
            writer.write_table(out)
            del table, out
            if big:
                release_memory(collect=False)
    if schema is None:  # an empty normalized file: an empty deduped file of the same columns
        writer.write(_empty(normalized))
    progress.advance(clean)
    return DedupedFile(writer.close(), collapsed=0 if keep is None else int(clean - len(keep)))


def _empty(normalized: StageFile) -> pd.DataFrame:
    """No rows, the deduped file's columns: the normalized ones plus ``_collapsed_rows`` and ``_row_hash`` (text)."""
    return normalized.head(0).assign(**{COLLAPSED_ROWS: pd.array([], dtype=STRING), ROW_HASH: pd.array([], dtype=STRING)})


def _pandas_metadata(normalized: StageFile, schema: pa.Schema) -> dict:
    """The normalized file's pandas metadata plus the deduped file's own columns (as a frame of text would have them)."""
    return pa.Table.from_pandas(_empty(normalized), preserve_index=False).schema.metadata


def unique_key_problems(deduped: StageFile, limit: int = 20) -> tuple[int, list[str], int]:
    """(record keys appearing twice, the first `limit` of them sorted, null keys) of a stage file, in SQL."""
    with spill.shared(memory_limit=MEMORY_LIMIT, threads=2) as con:
        path = {"path": str(deduped.path)}
        dup = con.execute(
            f"SELECT _record_key FROM read_parquet($path) WHERE {quote_ident(RECORD_KEY)} IS NOT NULL "
            "GROUP BY 1 HAVING count(*) > 1 ORDER BY 1", path
        ).fetchall()
        nulls = con.execute(f"SELECT count(*) FROM read_parquet($path) WHERE {quote_ident(RECORD_KEY)} IS NULL", path).fetchall()[0][0]
    return len(dup), [str(r[0]) for r in dup[:limit]], int(nulls)
