"""Survivorship: one leads row per lead id from its member source records.

Rule (documented, configurable through ``ResolveConfig``): for every lead column independently,
take the first non-null value among the lead's records ordered by
1. source priority (``source_priority``; sources not listed come after, alphabetically),
2. most recent (``recency_column`` descending, when the records have it),
3. most complete (number of non-null lead columns, descending),
4. ``_source``, ``_record_key`` (deterministic tie-break).
Extra columns: ``record_count``, ``source_count`` (distinct sources), ``sources`` (comma list,
sorted), ``licenses`` (every distinct ``license_number`` of its records, ``|``-joined, sorted: a
provider at one site may hold several, ``resolve_sites``), ``is_existing_crm_lead`` (a member comes from ``crm_source``), ``is_live`` (always True:
only live records are resolved).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl_assets.records import RECORD_KEY, SOURCE


def lead_columns(records: pd.DataFrame, cfg) -> list[str]:
    if cfg.lead_columns is not None:
        return [c for c in cfg.lead_columns if c in records.columns]
    return [c for c in records.columns if not str(c).startswith("_")]


def build_leads(records: pd.DataFrame, lead_ids: np.ndarray, cfg) -> pd.DataFrame:
    cols = lead_columns(records, cfg)
    lead_ids = np.asarray(lead_ids, dtype=object)
    counts = pd.Series(lead_ids).value_counts()
    multi = pd.Series(lead_ids).isin(counts.index[counts > 1]).to_numpy()
    leads = _multi_record_leads(records, lead_ids, multi, cols, cfg)
    # singletons keep their own values (most leads at scale). The frame is assembled column by
    # column in lead id order, so a million records are copied once, not once per step.
    single = np.flatnonzero(~multi)
    order = np.argsort(np.concatenate([leads.index.to_numpy(dtype=object), lead_ids[single]]), kind="stable")
    sources = records[SOURCE].astype(str).to_numpy()[single]
    singles = {"record_count": np.ones(len(single), dtype=np.int64), "source_count": np.ones(len(single), dtype=np.int64),
               "sources": sources, "licenses": _licenses(records.iloc[single]).to_numpy(),
               "is_existing_crm_lead": sources == cfg.crm_source}

    def column(name: str) -> pd.Series:
        single_part = pd.Series(singles[name]) if name in singles else records[name].iloc[single]
        joined = pd.concat([leads[[name]], single_part.to_frame(name)], ignore_index=True)[name]  # frames: pandas' dtype rules
        return joined.iloc[order].reset_index(drop=True)

    out = pd.DataFrame({"lead_id": _ids(leads, lead_ids, single, order)})
    for name in [*cols, "record_count", "source_count", "sources", "licenses", "is_existing_crm_lead"]:
        out[name] = column(name)
    out["is_live"] = True
    return out


def _licenses(records: pd.DataFrame) -> pd.Series:
    """Each record's license number as text (None without one)."""
    if "license_number" not in records:
        return pd.Series([None] * len(records), index=records.index, dtype=object)
    text = records["license_number"].astype("string").str.strip()
    return text.where(text.notna() & (text != ""), None).astype(object)


def _ids(leads: pd.DataFrame, lead_ids: np.ndarray, single: np.ndarray, order: np.ndarray) -> np.ndarray:
    return np.concatenate([leads.index.to_numpy(dtype=object), lead_ids[single]])[order]


def _multi_record_leads(records: pd.DataFrame, lead_ids: np.ndarray, multi: np.ndarray, cols: list[str], cfg) -> pd.DataFrame:
    """Leads of several records, indexed by lead id: per column the first non-null in survivorship order."""
    df = records.loc[multi, [*cols, SOURCE, RECORD_KEY]].copy()
    df["lead_id"] = lead_ids[multi]
    df["_lic"] = _licenses(records.loc[multi]).to_numpy()
    if cfg.recency_column and cfg.recency_column in records.columns:
        df["_recency"] = records.loc[multi, cfg.recency_column].to_numpy()
    priority = {s: i for i, s in enumerate(cfg.source_priority)}
    df["_prio"] = df[SOURCE].map(priority).fillna(len(priority)).astype(int)
    df["_complete"] = df[cols].notna().sum(axis=1)
    sort_cols = ["lead_id", "_prio"] + (["_recency"] if "_recency" in df else []) + ["_complete", SOURCE, RECORD_KEY]
    ascending = [True, True] + ([False] if "_recency" in df else []) + [False, True, True]
    df = df.sort_values(sort_cols, ascending=ascending, kind="stable", na_position="last")
    g = df.groupby("lead_id", sort=True)
    leads = g[cols].first()
    leads["record_count"] = g.size()
    # distinct sources per lead as a bit mask (vectorized; there are only a handful of sources)
    names = sorted(df[SOURCE].astype(str).unique())
    if len(names) > 62:
        raise ValueError("survivorship: more than 62 distinct sources")
    bit = df[SOURCE].astype(str).map({n: 1 << i for i, n in enumerate(names)}).astype(np.int64)
    src = pd.DataFrame({"lead_id": df["lead_id"].to_numpy(), "bit": bit.to_numpy()}).drop_duplicates()
    mask = src.groupby("lead_id")["bit"].sum()
    labels = {m: [n for i, n in enumerate(names) if m >> i & 1] for m in mask.unique()}
    leads["source_count"] = mask.map({m: len(v) for m, v in labels.items()})
    leads["sources"] = mask.map({m: ",".join(v) for m, v in labels.items()})
    held = df[["lead_id", "_lic"]].dropna().drop_duplicates().sort_values(["lead_id", "_lic"], kind="stable")
    joined = held.groupby("lead_id")["_lic"].agg("|".join).reindex(leads.index).astype(object)
    leads["licenses"] = joined.where(joined.notna(), None)
    leads["is_existing_crm_lead"] = (df[SOURCE] == cfg.crm_source).groupby(df["lead_id"]).any()
    return leads
