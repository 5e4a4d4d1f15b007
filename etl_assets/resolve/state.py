"""What a leads refresh keeps between runs so the next one costs what changed (``resolve_refresh``).

``lead_match_state``: per live record its row hash, load time and candidate-graph component;
``lead_block_keys``: its blocking keys; ``lead_model`` / ``lead_model_tf``: the matching model.
Every statement runs on the caller's connection, inside its transaction, DuckDB's or the PostgreSQL
server's alike (``warehouse/postgres/connection.py``: portable SQL, no QUALIFY or GROUP BY ALL); the
working sets of one refresh are temp tables (``_lr_*``) that the next refresh replaces. The one
DuckDB-only step, a changed record's block numbers (DuckDB's hash), runs in a local DuckDB over the
few changed records and is staged into the server.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from etl_assets.records import INGESTED_AT, RECORD_KEY, SOURCE
from etl_assets.resolve.pairs import BLOCK_HASH, BLOCK_KEYS_SQL, BLOCK_KIND
from etl_assets.stages.history.temp import create_temp
from etl_assets.warehouse import backend, frames
from etl_assets.warehouse.queries import resolution_columns, resolution_frame
from etl_assets.warehouse.tables import (CURRENT, LEAD_BLOCK_KEYS, LEAD_MATCH_STATE, LEAD_MODEL, LEAD_MODEL_TF,
                                         LEAD_REVIEW, LEAD_SOURCES, LEADS)

KEY = f"{SOURCE}, {RECORD_KEY}"
DELTA, PART, TOUCHED = "_lr_changes", "_lr_part", "_lr_touched_records"  # changed + gone; the part re-resolved; both


# --------------------------------------------------------------------------- the model
def read_model(con: duckdb.DuckDBPyConnection) -> dict | None:
    row = con.execute(f"SELECT trained_on_records, fingerprint, linking_rules, prior, splink_settings "
                      f"FROM {LEAD_MODEL} ORDER BY trained_at DESC LIMIT 1").fetchone()
    if row is None:
        return None
    n, fp, rules, prior, settings = row
    return {"trained_on_records": int(n), "fingerprint": fp, "linking_rules": tuple(json.loads(rules)),
            "prior": float(prior), "splink_settings": json.loads(settings) if settings else None}


def read_model_tf(con: duckdb.DuckDBPyConnection, values: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Per column, its term-frequency table (``<column>``, ``tf_<column>``); with ``values``
    (columns ``column_name``, ``value``) only those rows: a part of the records needs only its own."""
    sql = f"SELECT column_name, value, tf FROM {LEAD_MODEL_TF}"
    if values is None:
        rows = con.execute(sql).fetch_df()
    else:
        with backend.registered(con, values) as name:
            rows = con.execute(f"{sql} t WHERE (column_name, value) IN (SELECT column_name, value FROM {name})"
                               ).fetch_df()
    return {c: g[["value", "tf"]].rename(columns={"value": c, "tf": f"tf_{c}"}).reset_index(drop=True)
            for c, g in rows.groupby("column_name")}


def replace_model(con: duckdb.DuckDBPyConnection, row: dict, tf: dict[str, pd.DataFrame]) -> None:
    con.execute(f"DELETE FROM {LEAD_MODEL}")
    con.execute(f"DELETE FROM {LEAD_MODEL_TF}")
    con.execute(
        f"INSERT INTO {LEAD_MODEL} VALUES (now(), ?, ?, ?, ?, ?)",
        [row["trained_on_records"], row["fingerprint"], json.dumps(list(row["linking_rules"])), row["prior"],
         json.dumps(row["splink_settings"]) if row["splink_settings"] is not None else None],
    )
    for column, table in tf.items():
        frame = pd.DataFrame({"column_name": column, "value": table[column].astype(str), "tf": table[f"tf_{column}"]})
        frames.insert_frame(con, LEAD_MODEL_TF, frame[frame["value"].notna()])


# --------------------------------------------------------------------------- what changed
def has_state(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM {LEAD_MATCH_STATE})").fetchone()[0])


def live_total(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT count(*) FROM {CURRENT}").fetchone()[0])


def find_changes(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """``_lr_delta``: keys whose live row is new or changed (``live``) or gone (not ``live``) since
    the last refresh, with their ``rid`` (new records: the next free numbers). Returns (changed, gone)."""
    create_temp(con, "_lr_delta", f"""
        SELECT coalesce(c.{SOURCE}, s.{SOURCE}) AS {SOURCE}, coalesce(c.{RECORD_KEY}, s.{RECORD_KEY}) AS {RECORD_KEY},
               s.rid, c.{SOURCE} IS NOT NULL AS live
        FROM (SELECT {KEY}, row_hash, {INGESTED_AT} FROM {CURRENT}) c
        FULL OUTER JOIN {LEAD_MATCH_STATE} s ON c.{SOURCE} = s.{SOURCE} AND c.{RECORD_KEY} = s.{RECORD_KEY}
        WHERE s.{SOURCE} IS NULL OR c.{SOURCE} IS NULL OR c.row_hash <> s.row_hash
           OR c.{INGESTED_AT} IS DISTINCT FROM s.{INGESTED_AT}
    """)
    create_temp(con, DELTA, f"""
        SELECT {KEY}, coalesce(rid, (SELECT coalesce(max(rid), 0) FROM {LEAD_MATCH_STATE})
                                    + row_number() OVER (PARTITION BY rid IS NULL ORDER BY {KEY})) AS rid, live
        FROM _lr_delta
    """)
    changed, gone = con.execute(f"SELECT count(*) FILTER (WHERE live), count(*) FILTER (WHERE NOT live) FROM {DELTA}"
                                ).fetchone()
    return int(changed), int(gone)


def changed_records(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The new and changed live rows, with their ``_rid``."""
    return resolution_frame(con, f"SELECT {resolution_columns(con, 'c')}, d.rid AS _rid FROM {CURRENT} c "
                                 f"JOIN {DELTA} d USING ({KEY}) WHERE d.live ORDER BY {KEY}")


# --------------------------------------------------------------------------- block keys
def _numbered(block_keys_sql: str) -> str:
    """Block key rows (``rid``, ``k``) as lead_block_keys rows."""
    return (f"SELECT DISTINCT rid, {BLOCK_HASH.format(k='k')} AS block_hash, {BLOCK_KIND.format(k='k')} AS block_kind "
            f"FROM ({block_keys_sql})")


def insert_block_keys(con: duckdb.DuckDBPyConnection, block_keys_sql: str) -> None:
    """Rows of ``block_keys_sql`` (``rid``, ``k``) into ``lead_block_keys``."""
    con.execute(f"INSERT INTO {LEAD_BLOCK_KEYS} {_numbered(block_keys_sql)}")


def replace_changed_block_keys(con: duckdb.DuckDBPyConnection, prep: pd.DataFrame) -> None:
    """The changed and gone records' block keys replaced by the changed records' new ones (``prep``:
    their block columns and ``rid``), keeping ``_lr_touched_keys``: every block they were or are in,
    with its size before (``n_old``) and after (``n_new``), and ``_lr_members``: those blocks' records now."""
    _new_block_keys(con, prep)
    create_temp(con, "_lr_old_bk", f"SELECT rid, block_hash, block_kind FROM {LEAD_BLOCK_KEYS} "
                                   f"WHERE rid IN (SELECT rid FROM {DELTA})")
    con.execute(f"DELETE FROM {LEAD_BLOCK_KEYS} WHERE rid IN (SELECT rid FROM {DELTA})")
    con.execute(f"INSERT INTO {LEAD_BLOCK_KEYS} SELECT rid, block_hash, block_kind FROM _lr_new_bk")
    create_temp(con, "_lr_touched", """
        SELECT block_hash, min(block_kind) AS block_kind, count(*) FILTER (WHERE old) AS was,
               count(*) FILTER (WHERE NOT old) AS now
        FROM (SELECT rid, block_hash, block_kind, true AS old FROM _lr_old_bk
              UNION ALL SELECT rid, block_hash, block_kind, false FROM _lr_new_bk) AS b
        GROUP BY block_hash
    """)
    create_temp(con, "_lr_members", f"SELECT rid, block_hash FROM {LEAD_BLOCK_KEYS} "
                                    f"WHERE block_hash IN (SELECT block_hash FROM _lr_touched)")
    create_temp(con, "_lr_touched_keys", """
        SELECT t.block_hash, t.block_kind, coalesce(m.n, 0) AS n_new, coalesce(m.n, 0) - t.now + t.was AS n_old
        FROM _lr_touched t
        LEFT JOIN (SELECT block_hash, count(*) AS n FROM _lr_members GROUP BY block_hash) m USING (block_hash)
    """)


def _new_block_keys(con, prep: pd.DataFrame) -> None:
    """``_lr_new_bk``: the changed records' block keys as numbers. DuckDB's hash makes the numbers, so
    for the server they are made in a local DuckDB over the few changed records and staged (COPY)."""
    if not backend.is_server(con):
        with backend.registered(con, prep) as name:
            create_temp(con, "_lr_new_bk", _numbered(BLOCK_KEYS_SQL.format(id="rid", records=name)))
        return
    with duckdb.connect(":memory:") as local:
        local.register("_lr_prep", prep)
        con.stage("_lr_new_bk", local, _numbered(BLOCK_KEYS_SQL.format(id="rid", records="_lr_prep")),
                  {"rid": "BIGINT", "block_hash": "BIGINT", "block_kind": "SMALLINT"})


def mark_part(con: duckdb.DuckDBPyConnection, max_block_size: int, max_identifier_share: int,
              decision_keys: pd.DataFrame, max_license_block: int = 1_000) -> int:
    """``_lr_part``: the live records to re-resolve — every record a change can reach — and
    ``_lr_touched_records``: those and the gone ones. Returns the part's size.

    Seeds: the changed records; the records sharing a usable block with one; every member of a
    block whose usability flipped (its size crossed ``max_block_size``, a license's
    ``max_license_block``, or an email ``max_identifier_share``); the records of a reviewer's decisions. The part is the seeds and
    every record of each component (last refresh's) that holds a seed or a changed or gone record.
    """
    big, share, lic = int(max_block_size), int(max_identifier_share), int(max_license_block)
    flipped = f"""SELECT block_hash FROM _lr_touched_keys WHERE (block_kind <> 1 AND (
                      (n_old <= {big}) <> (n_new <= {big})
                      OR (block_kind = 2 AND (n_old <= {share}) <> (n_new <= {share}))))
                      OR (block_kind = 1 AND (n_old <= {lic}) <> (n_new <= {lic}))"""
    usable_new = f"""SELECT block_hash FROM _lr_new_bk JOIN _lr_touched_keys USING (block_hash, block_kind)
                     WHERE CASE WHEN block_kind = 1 THEN n_new <= {lic} ELSE n_new <= {big} END"""
    with backend.registered(con, decision_keys[[SOURCE, RECORD_KEY]]) as decided:
        create_temp(con, "_lr_seeds", f"""
            SELECT rid FROM {DELTA} WHERE live
            UNION SELECT rid FROM _lr_members WHERE block_hash IN ({usable_new}) OR block_hash IN ({flipped})
            UNION SELECT rid FROM {LEAD_MATCH_STATE} WHERE ({KEY}) IN (SELECT {KEY} FROM {decided})
        """)
    create_temp(con, PART, f"""
        WITH reached AS (
            SELECT DISTINCT component FROM {LEAD_MATCH_STATE}
            WHERE rid IN (SELECT rid FROM _lr_seeds UNION SELECT rid FROM {DELTA})
        ), rids AS (
            SELECT rid FROM _lr_seeds UNION SELECT rid FROM {LEAD_MATCH_STATE} WHERE component IN (SELECT component FROM reached)
        )
        SELECT DISTINCT rid, {KEY}
        FROM (SELECT rid, {KEY} FROM {LEAD_MATCH_STATE} UNION ALL SELECT rid, {KEY} FROM {DELTA} WHERE live) AS r
        WHERE rid IN (SELECT rid FROM rids) AND rid NOT IN (SELECT rid FROM {DELTA} WHERE NOT live)
    """)
    create_temp(con, TOUCHED, f"SELECT {KEY} FROM {PART} UNION SELECT {KEY} FROM {DELTA}")
    return int(con.execute(f"SELECT count(*) FROM {PART}").fetchone()[0])


def part_records(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The part's live rows with their ``_rid``, in key order."""
    return resolution_frame(con, f"SELECT {resolution_columns(con, 'c')}, p.rid AS _rid FROM {CURRENT} c "
                                 f"JOIN {PART} p USING ({KEY}) ORDER BY {KEY}")


def part_block_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sizes (over every live record) of the blocks the part's records are in: ``h``, ``n``."""
    return con.execute(f"""
        SELECT block_hash AS h, count(*) AS n FROM {LEAD_BLOCK_KEYS}
        WHERE block_hash IN (SELECT block_hash FROM {LEAD_BLOCK_KEYS} WHERE rid IN (SELECT rid FROM {PART}))
        GROUP BY block_hash
    """).fetch_df()


def touched_crosswalk(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The last crosswalk's rows of the part and the gone records (the previous ids they held)."""
    return con.execute(f"SELECT {KEY}, lead_id FROM {LEAD_SOURCES} JOIN {TOUCHED} USING ({KEY})").fetch_df()


def ids_held_outside(con: duckdb.DuckDBPyConnection, ids: set[str]) -> set[str]:
    """Which of ``ids`` a lead outside the touched records holds."""
    if not ids:
        return set()
    with backend.registered(con, pd.DataFrame({"lead_id": sorted(ids)})) as name:
        rows = con.execute(f"""
            SELECT DISTINCT lead_id FROM {LEAD_SOURCES}
            WHERE lead_id IN (SELECT lead_id FROM {name}) AND ({KEY}) NOT IN (SELECT {KEY} FROM {TOUCHED})
        """).fetchall()
    return {r[0] for r in rows}


# --------------------------------------------------------------------------- writes
def replace_part(con: duckdb.DuckDBPyConnection, leads: pd.DataFrame, crosswalk: pd.DataFrame,
                 review: pd.DataFrame, state: pd.DataFrame) -> None:
    """The touched records' leads, crosswalk rows, review pairs and state replaced by the part's."""
    con.execute(f"""DELETE FROM {LEADS} WHERE lead_id IN (
                        SELECT lead_id FROM {LEAD_SOURCES} JOIN {TOUCHED} USING ({KEY}))""")
    con.execute(f"DELETE FROM {LEAD_SOURCES} WHERE ({KEY}) IN (SELECT {KEY} FROM {TOUCHED})")
    if backend.table_exists(con, LEAD_REVIEW) and "source_l" in backend.columns(con, LEAD_REVIEW):
        con.execute(f"""DELETE FROM {LEAD_REVIEW} WHERE (source_l, record_key_l) IN (SELECT {KEY} FROM {TOUCHED})
                        OR (source_r, record_key_r) IN (SELECT {KEY} FROM {TOUCHED})""")
    con.execute(f"DELETE FROM {LEAD_MATCH_STATE} WHERE rid IN (SELECT rid FROM {PART} UNION SELECT rid FROM {DELTA})")
    for table, frame in ((LEADS, leads), (LEAD_SOURCES, crosswalk), (LEAD_REVIEW, review), (LEAD_MATCH_STATE, state)):
        if len(frame):
            frames.insert_frame(con, table, frame)
