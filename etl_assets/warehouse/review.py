"""The review queue's tables: ``lead_review`` (replaced by each leads refresh) and
``lead_review_decisions`` (a reviewer's accepts, rejects and undos, appended, read by every refresh;
``decide`` is the one writer, for the CLI and the review console)."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

from etl_assets.warehouse import backend, frames
from etl_assets.warehouse.tables import LEAD_REVIEW, LEAD_REVIEW_DECISIONS

DECISIONS = ("accept", "reject", "undo")  # undo: the pair's earlier decision withdrawn


class UnknownPair(LookupError):
    """The pair id is not in lead_review."""


def review_decisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every decision in the order it was made (the latest of a pair wins)."""
    if not backend.table_exists(con, LEAD_REVIEW_DECISIONS):
        return pd.DataFrame(columns=["pair_id", "source_l", "record_key_l", "source_r", "record_key_r", "decision"])
    return con.execute(
        f"SELECT pair_id, source_l, record_key_l, source_r, record_key_r, decision FROM {LEAD_REVIEW_DECISIONS} "
        "ORDER BY decided_at, pair_id"
    ).fetch_df()


def replace_review(con: duckdb.DuckDBPyConnection, review: pd.DataFrame) -> None:
    frames.replace_table(con, LEAD_REVIEW, review)


def review_pairs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The queue, most likely matches first."""
    if not backend.table_exists(con, LEAD_REVIEW):
        return pd.DataFrame()
    order = "match_probability DESC NULLS LAST, pair_id" if "pair_id" in backend.columns(con, LEAD_REVIEW) else "1"
    return con.execute(f"SELECT * FROM {LEAD_REVIEW} ORDER BY {order} LIMIT {int(limit)}").fetch_df()


def decide(con: duckdb.DuckDBPyConnection, pair_id: str, decision: str, decided_by: str | None,
           note: str | None = None, *, decided_at: pd.Timestamp | None = None,
           pair: Mapping[str, str] | None = None) -> dict:
    """Keep a reviewer's decision on a pair (the one path of the CLI and the review console); returns
    the row written. The pair is looked up in ``lead_review``; an ``undo`` of a decision the last
    refresh already applied (the pair has left the queue) is named by the caller's ``pair`` (its
    ``source_l``, ``record_key_l``, ``source_r``, ``record_key_r`` from ``lead_review_decisions``).
    ``decided_at``: when the reviewer decided, if earlier than now (a decision queued while a run
    held the DuckDB file)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    sides = ("source_l", "record_key_l", "source_r", "record_key_r")
    found = None
    if backend.table_exists(con, LEAD_REVIEW):
        found = con.execute(
            f"SELECT source_l, record_key_l, source_r, record_key_r FROM {LEAD_REVIEW} WHERE pair_id = ?", [pair_id]
        ).fetchone()
    if found is None and decision == "undo" and pair is not None:
        found = tuple(pair[c] for c in sides)
    if found is None:
        raise UnknownPair(f"pair {pair_id!r} is not in lead_review (list the queue with `etl-assets review list`)")
    row = {"pair_id": pair_id, **dict(zip(sides, found)), "decision": decision,
           "decided_at": decided_at if decided_at is not None else pd.Timestamp.now(tz="UTC"), "note": note,
           "decided_by": decided_by}
    backend.add_columns(con, LEAD_REVIEW_DECISIONS, {"decided_by": "VARCHAR"})  # a warehouse older than the column
    backend.insert_row(con, LEAD_REVIEW_DECISIONS, row)
    return row
