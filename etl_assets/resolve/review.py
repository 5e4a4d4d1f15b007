"""The review queue of lead resolution: uncertain pairs out, a reviewer's decisions back in.

Out: pairs a person should decide — Splink pairs scored in the uncertain band
(``review_min_probability`` ≤ p < ``splink_match_probability``) and co-located pairs (one phone, one
address, names too different to link on their own) — whose records ended in different leads,
side by side (``lead_review``). In: rows of ``lead_review_decisions`` (``accept``: must-link,
``reject``: cannot-link, ``undo``: the pair's earlier decision withdrawn), honoured by every later refresh. A pair is named by ``pair_id``: ``R`` +
sha1 of its two ``source:key`` strings in sorted order, so it is the same id in every refresh.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from etl_assets.warehouse.tables import REVIEW_SIDE_COLUMNS

DECISION_COLUMNS = ("pair_id", "source_l", "record_key_l", "source_r", "record_key_r", "decision")
DECISIONS = ("accept", "reject")


def decided_pairs(decisions: pd.DataFrame | None) -> set[str]:
    """The pairs a reviewer has decided: the latest row of the pair is an accept or a reject (an undo
    puts the pair back in the queue)."""
    if decisions is None or decisions.empty:
        return set()
    latest = decisions.drop_duplicates("pair_id", keep="last")
    return set(latest.loc[latest["decision"].isin(DECISIONS), "pair_id"])


def pair_id(key_a: str, key_b: str) -> str:
    a, b = sorted((key_a, key_b))
    return "R" + hashlib.sha1(f"{a}|{b}".encode("utf-8")).hexdigest()[:12]


def decision_pairs(prep: pd.DataFrame, decisions: pd.DataFrame | None) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """(must-link edges with rule ``review:accept``, cannot-link uid pairs) for decisions whose two
    records are both live; the latest decision of a pair wins (the rows come in decision order)."""
    empty = pd.DataFrame({"l": pd.Series([], dtype=np.int64), "r": pd.Series([], dtype=np.int64)})
    if decisions is None or decisions.empty:
        return empty.assign(rule="review:accept"), []
    uid = pd.Series(prep["uid"].to_numpy(), index=prep["key"].to_numpy())
    d = decisions.drop_duplicates("pair_id", keep="last")
    a = (d["source_l"].astype(str) + ":" + d["record_key_l"].astype(str)).map(uid)
    b = (d["source_r"].astype(str) + ":" + d["record_key_r"].astype(str)).map(uid)
    live = a.notna() & b.notna()
    lo, hi = np.minimum(a[live], b[live]).astype(np.int64), np.maximum(a[live], b[live]).astype(np.int64)
    kind = d.loc[live, "decision"].to_numpy()
    accept = pd.DataFrame({"l": lo[kind == "accept"].to_numpy(), "r": hi[kind == "accept"].to_numpy()})
    accept = accept.assign(rule="review:accept", strength=np.inf, score=np.nan,
                           evidence="accepted by a reviewer", match_weight=np.nan)
    reject = list(zip(lo[kind == "reject"].tolist(), hi[kind == "reject"].tolist()))
    return accept, reject


def review_queue(prep: pd.DataFrame, records, pairs: pd.DataFrame, lead_ids: np.ndarray,
                 decided: set[str]) -> pd.DataFrame:
    """``pairs`` (l, r, reason, match_probability, match_weight, evidence) → ``lead_review`` rows:
    undecided pairs whose records are in different leads, both records side by side, most likely first.
    ``records``: the records (row = uid), or a function of uids giving those records' rows in order."""
    keys = prep["key"].to_numpy()
    p = pairs[lead_ids[pairs["l"].to_numpy()] != lead_ids[pairs["r"].to_numpy()]].copy()
    # typed as text even when empty: an empty list would make a float column (and a float table)
    p["pair_id"] = pd.Series([pair_id(keys[a], keys[b]) for a, b in zip(p["l"], p["r"])], index=p.index, dtype=object)
    p = p[~p["pair_id"].isin(decided)].drop_duplicates("pair_id")
    out = p[["pair_id", "reason", "match_probability", "match_weight", "evidence"]].reset_index(drop=True)
    for side in ("l", "r"):
        idx = p[side].to_numpy()
        out[f"source_{side}"] = prep["source"].to_numpy()[idx]
        out[f"record_key_{side}"] = pd.Series([k.split(":", 1)[1] for k in keys[idx]], dtype=object)
        out[f"lead_id_{side}"] = lead_ids[idx]
        rows = records(idx) if callable(records) else None
        for col in REVIEW_SIDE_COLUMNS:
            if rows is not None:
                out[f"{col}_{side}"] = rows[col].to_numpy() if col in rows else np.full(len(idx), None, dtype=object)
                continue
            values = records[col].to_numpy() if col in records else np.full(len(records), None, dtype=object)
            out[f"{col}_{side}"] = values[idx]
    out = out.sort_values(["match_probability", "pair_id"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)
