"""The full leads refresh with the records kept in the warehouse: matching keys computed there over
distinct values, survivorship in batches of whole leads, the match state written in SQL.

Why: at a million records, the live records with every lead column as one pandas frame (~1 GiB),
the leads frame built from it (~0.7 GiB) and the state frame stacked to 3 GiB of peak RSS; even the
matching columns alone (``resolver.MATCH_COLUMNS``) were ~0.7 GiB of text. So the keys come from
``full_prep`` (distinct combinations, one number per record), the lead ids and crosswalk from
``full_ids``; the other lead columns are needed only by survivorship, one lead at a time, so they
stay in DuckDB (on the refresh's memory-limited connection) and are read ``LEADS_BATCH`` records at
a time, whole leads per batch, each batch resolved by ``build_leads`` (the one survivorship rule; an
incremental refresh calls it on its part), so a full and an incremental refresh write the same leads.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl_assets.records import INGESTED_AT, RECORD_KEY, SOURCE
from etl_assets.resolve.columns import arrow
from etl_assets.resolve.pairs import BLOCK_KEYS_SQL, PREP_BLOCK_COLUMNS
from etl_assets.resolve.full_prep import live_prep
from etl_assets.resolve.state import KEY, insert_block_keys
from etl_assets.resolve.survivorship import build_leads
from etl_assets.stages.files import release_memory
from etl_assets.warehouse import backend, frames, spill
from etl_assets.warehouse.queries import resolution_columns, resolution_frame
from etl_assets.warehouse.tables import (CURRENT, LEAD_BLOCK_KEYS, LEAD_MATCH_STATE, LEAD_SOURCES, LEADS,
                                        REVIEW_SIDE_COLUMNS, TABLES)

LIVE = "_lr_live"  # per live record: uid (its row in key order), key, rid
BATCHES = "_lr_lead_batches"  # per crosswalk row: its lead's batch
LEADS_BATCH = 100_000  # records per survivorship batch (whole leads: a batch ends after a lead)


def number_live(con: duckdb.DuckDBPyConnection) -> int:
    """``_lr_live``: every live record's ``uid`` (row number in key order, as the records are read)
    and ``rid`` (the state's, or the next free numbers in key order, as ``state.find_changes`` numbers new ones).
    Returns the number of live records."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {LIVE} AS
        WITH k AS (SELECT c.{SOURCE}, c.{RECORD_KEY}, s.rid FROM (SELECT {KEY} FROM {CURRENT}) c
                   LEFT JOIN {LEAD_MATCH_STATE} s USING ({KEY}))
        SELECT row_number() OVER (ORDER BY {KEY}) - 1 AS uid, {KEY},
               coalesce(rid, (SELECT coalesce(max(rid), 0) FROM {LEAD_MATCH_STATE})
                             + row_number() OVER (PARTITION BY rid IS NULL ORDER BY {KEY})) AS rid
        FROM k
    """)
    return int(con.execute(f"SELECT count(*) FROM {LIVE}").fetchall()[0][0])  # fetched to the end: a pending result blocks con.sql


def live_keys(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """(the live records' ``_source`` and ``_record_key``, their rids, their matching keys), row = uid:
    what ``resolve_leads`` needs of them besides the review queue's columns (``side_rows``)."""
    records = resolution_frame(con, f"SELECT {KEY} FROM {LIVE} ORDER BY uid")
    rids = con.execute(f"SELECT rid FROM {LIVE} ORDER BY uid").fetchnumpy()["rid"]
    prep = live_prep(con, LIVE, KEY)
    trim(con)
    return records, np.asarray(rids, dtype=np.int64), prep


def trim(con) -> None:
    """Give back the memory DuckDB holds for pages its queries read: it keeps them (and its allocator
    the memory) up to the memory limit, ~0.5 GiB under the whole resolve after the keys' queries at a
    million records; a lower limit for a moment evicts them (temp tables spill, read back as needed)."""
    if backend.is_server(con):
        return
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute("SET memory_limit = '32MB'")
    con.execute(f"SET memory_limit = '{limit}'")  # as DuckDB wrote it (rounded to 0.1 MiB)


def side_rows(con: duckdb.DuckDBPyConnection):
    """``uids -> frame``: those live records' review-queue columns, in the order of ``uids``."""
    present = backend.columns(con, CURRENT)
    cols = ", ".join(f"c.{backend.quote_ident(c)}" for c in REVIEW_SIDE_COLUMNS if c in present) or "NULL AS _none"

    def rows(uids: np.ndarray) -> pd.DataFrame:
        wanted = pd.DataFrame({"pos": np.arange(len(uids), dtype=np.int64), "uid": np.asarray(uids, dtype=np.int64)})
        with backend.registered(con, wanted) as name:
            return resolution_frame(con, f"SELECT {cols} FROM {name} w JOIN {LIVE} l USING (uid) "
                                         f"JOIN {CURRENT} c USING ({KEY}) ORDER BY w.pos")
    return rows


def state_keys_file(where, component: np.ndarray, prep: pd.DataFrame):
    """``where/keys.parquet``: per uid its ``component`` (the rid of its component's first record)
    and the block key columns of ``prep`` (row = uid), written in slices (the Arrow copy of one at a time)."""
    path = where / "keys.parquet"
    with pq.ParquetWriter(path, _KEYS_SCHEMA) as out:
        for start in range(0, len(prep), LEADS_BATCH):
            part = prep.iloc[start:start + LEADS_BATCH]
            out.write_table(pa.table({"uid": part["uid"].to_numpy(dtype=np.int64),
                                      "component": np.asarray(component[start:start + LEADS_BATCH], dtype=np.int64),
                                      **{c: arrow(part[c]) for c in PREP_BLOCK_COLUMNS}},
                                     schema=_KEYS_SCHEMA))
    return path


def replace_state(con: duckdb.DuckDBPyConnection, keys_file) -> None:
    """``lead_match_state`` and ``lead_block_keys`` of every live record from ``keys_file``
    (``state_keys_file``), row hash and load time from the warehouse."""
    con.execute(f"DELETE FROM {LEAD_MATCH_STATE}")
    con.execute(f"DELETE FROM {LEAD_BLOCK_KEYS}")
    cols_sql = ", ".join(TABLES[LEAD_MATCH_STATE].columns)  # declared names
    relation = "read_parquet('" + str(keys_file).replace("'", "''") + "')"
    con.execute(f"""INSERT INTO {LEAD_MATCH_STATE} ({cols_sql})
                    SELECT l.rid, l.{SOURCE}, l.{RECORD_KEY}, c.row_hash, c.{INGESTED_AT}, x.component
                    FROM {LIVE} l JOIN {relation} x USING (uid) JOIN {CURRENT} c USING ({KEY})""")
    numbered = f"(SELECT p.*, l.rid FROM {relation} p JOIN {LIVE} l ON l.uid = p.uid)"
    insert_block_keys(con, BLOCK_KEYS_SQL.format(id="rid", records=numbered))


_KEYS_SCHEMA = pa.schema([("uid", pa.int64()), ("component", pa.int64()), *((c, pa.string()) for c in PREP_BLOCK_COLUMNS)])


def write_leads(con: duckdb.DuckDBPyConnection, cfg) -> int:
    """``leads`` replaced from ``lead_sources`` (just written) and the live records, batch by batch
    of whole leads in lead id order, each through a Parquet file. Returns the number of leads."""
    frames.create_table(con, LEADS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {BATCHES} AS
        WITH sized AS (SELECT lead_id, count(*) AS n FROM {LEAD_SOURCES} GROUP BY 1),
        placed AS (SELECT lead_id, (sum(n) OVER (ORDER BY lead_id ROWS UNBOUNDED PRECEDING) - n) // {int(LEADS_BATCH)}
                              AS batch FROM sized)
        SELECT x.{SOURCE}, x.{RECORD_KEY}, x.lead_id, p.batch FROM {LEAD_SOURCES} x JOIN placed p USING (lead_id)
    """)
    batches = [b for (b,) in con.execute(f"SELECT DISTINCT batch FROM {BATCHES} ORDER BY 1").fetchall()]
    leads = 0
    with spill.temp_directory() as where:
        for batch in batches:
            records = resolution_frame(con, f"SELECT {resolution_columns(con, 'c')}, b.lead_id AS _lead_id FROM {CURRENT} c JOIN {BATCHES} b "
                                            f"USING ({KEY}) WHERE b.batch = {int(batch)} ORDER BY c.{SOURCE}, c.{RECORD_KEY}")
            lead_ids = records.pop("_lead_id").to_numpy(dtype=object)
            part = build_leads(records, lead_ids, cfg)
            del records
            part["is_net_new"] = ~part["is_existing_crm_lead"]
            path = where / f"leads-{batch}.parquet"
            part.to_parquet(path, index=False)
            frames.insert_parquet(con, LEADS, path, part.columns)
            path.unlink()
            leads += len(part)
            del part
            if len(batches) > 1:
                release_memory()
    con.execute(f"DROP TABLE {BATCHES}")
    return leads
