"""Stable lead ids across runs, and the merge / split events relative to the previous crosswalk.

Rules:
- a new cluster takes the previous lead id held by most of its records (ties: the smallest id);
  each previous id goes to at most one cluster: the cluster holding most of its records (ties:
  the cluster with the smallest ``source:key``), so on a split one side keeps the id;
- any other cluster gets ``L`` + the first 12 hex digits of sha1 of its smallest ``source:key``
  (re-salted with ``#1``, ``#2``… if that id is already taken), so ids are deterministic;
- events: ``merge`` (one cluster holds records of several previous ids: ``lead_id`` is the id kept,
  ``related_lead_ids`` the ids merged into it), ``split`` (a previous id's live records are now in
  several clusters: ``lead_id`` is the previous id, ``related_lead_ids`` the ids of the other
  parts), ``retired`` (a previous id has no live record left). Nothing is silently renumbered.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from etl_assets.records import RECORD_KEY, SOURCE

EVENT_COLUMNS = ["event_type", "lead_id", "related_lead_ids", "record_count", "detail"]


def new_lead_id(smallest_key: str, taken: set[str]) -> str:
    salt = 0
    while True:
        text = smallest_key if salt == 0 else f"{smallest_key}#{salt}"
        lead_id = "L" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        if lead_id not in taken:
            return lead_id
        salt += 1


def assign_lead_ids(crosswalk: pd.DataFrame, previous: pd.DataFrame | None,
                    reserved_ids=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``crosswalk`` has ``_source``, ``_record_key``, ``cluster``; returns it with ``lead_id``, and events.

    ``reserved_ids(candidates) -> set``: which of the candidate new ids are held outside this
    crosswalk (an incremental refresh resolves a part of the records; the rest keep their ids, and
    ``previous`` covers only the part). None: nothing outside."""
    cw = crosswalk.copy()
    cw["_rk"] = cw[SOURCE].astype(str) + ":" + cw[RECORD_KEY].astype(str)
    if previous is not None and len(previous):
        prev = previous[[SOURCE, RECORD_KEY, "lead_id"]].astype(str).rename(columns={"lead_id": "_prev"})
        cw = cw.merge(prev, on=[SOURCE, RECORD_KEY], how="left")
        previous_ids = set(prev["_prev"].unique())
    else:
        cw["_prev"] = None
        previous_ids = set()
    first = cw[["cluster", "_rk"]].sort_values(["cluster", "_rk"], kind="stable").drop_duplicates("cluster")
    min_key = pd.Series(first["_rk"].to_numpy(), index=first["cluster"].to_numpy())
    size = cw.groupby("cluster").size()

    # previous ids -> clusters, greedily by the number of records they share
    counts = cw[cw["_prev"].notna()].groupby(["cluster", "_prev"]).size().rename("n").reset_index()
    counts["_mk"] = counts["cluster"].map(min_key)
    counts = counts.sort_values(["n", "_prev", "_mk"], ascending=[False, True, True], kind="stable")
    assigned: dict = {}
    used: set[str] = set()
    for c, p in zip(counts["cluster"].to_numpy(), counts["_prev"].to_numpy()):
        if c not in assigned and p not in used:
            assigned[c] = p
            used.add(p)
    todo = min_key[~min_key.index.isin(list(assigned))].sort_values(kind="stable")
    outside: set[str] = set()
    while True:  # new ids avoid every id taken, here or (reserved_ids) outside; rarely more than one pass
        taken = previous_ids | used | outside
        fresh = {}
        for c, mk in zip(todo.index.to_numpy(), todo.to_numpy()):
            fresh[c] = new_lead_id(mk, taken)
            taken.add(fresh[c])
        more = set(reserved_ids(set(fresh.values()))) - outside if reserved_ids is not None and fresh else set()
        if not more:
            break
        outside |= more
    assigned.update(fresh)
    cw["lead_id"] = cw["cluster"].map(pd.Series(assigned, dtype=object))

    events: list[dict] = []
    if previous_ids:
        # merges: several previous ids in one cluster
        per_cluster = counts.groupby("cluster")["_prev"].agg(lambda s: sorted(set(s)))
        for c, ids in per_cluster.items():
            if len(ids) > 1:
                kept = assigned[c]
                others = [i for i in ids if i != kept]
                events.append({"event_type": "merge", "lead_id": kept, "related_lead_ids": ",".join(others),
                               "record_count": int(size[c]), "detail": f"{len(ids)} previous leads now one provider"})
        # splits: one previous id in several clusters
        per_prev = counts.groupby("_prev")["cluster"].agg(lambda s: sorted(set(s)))
        for p, clusters in per_prev.items():
            if len(clusters) > 1:
                parts = [assigned[c] for c in clusters]
                others = sorted(x for x in parts if x != p)
                events.append({"event_type": "split", "lead_id": p, "related_lead_ids": ",".join(others),
                               "record_count": int(counts.loc[counts["_prev"] == p, "n"].sum()),
                               "detail": "kept by one part" if p in parts else "id moved to another cluster"})
        live_prev = set(counts["_prev"].unique())
        for p in sorted(previous_ids - live_prev):
            events.append({"event_type": "retired", "lead_id": p, "related_lead_ids": "", "record_count": 0,
                           "detail": "no live source record left"})
    ev = pd.DataFrame(events, columns=EVENT_COLUMNS)
    return cw.drop(columns=["_rk", "_prev"]), ev


def explain(keys: np.ndarray, accepted: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per record (row = uid), the crosswalk's explanation: the first accepted edge (``cluster``'s
    order, strongest first) that touches it — its rule, score, weight, evidence and the other record's key."""
    n = len(keys)
    rule = np.full(n, "singleton", dtype=object)
    score, weight = np.full(n, np.nan), np.full(n, np.nan)
    evidence, matched = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    seen = np.zeros(n, dtype=bool)
    for l, r, ru, sc, w, ev in zip(accepted["l"].to_numpy(), accepted["r"].to_numpy(), accepted["rule"].to_numpy(),
                                   accepted["score"].to_numpy(), accepted["match_weight"].to_numpy(),
                                   accepted["evidence"].to_numpy()):
        for x, y in ((l, r), (r, l)):
            if not seen[x]:
                seen[x] = True
                rule[x], score[x], matched[x], weight[x], evidence[x] = ru, sc, keys[y], w, ev
    return {"match_rule": rule, "match_score": score, "matched_to": matched, "match_weight": weight,
            "match_evidence": evidence}
