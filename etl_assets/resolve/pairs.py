"""Candidate pairs, pair features and the deterministic rules of lead resolution (in order: ``resolve.resolver``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from etl_assets.resolve import sites
from etl_assets.resolve.columns import codes, objects

if TYPE_CHECKING:
    from etl_assets.resolve.config import ResolveConfig

RULE_RANK = {
    "review:accept": -1,  # a reviewer's must-link (lead_review_decisions) comes before every rule
    "deterministic:license": 0,
    sites.SITE_RULE: 1,  # one source, two licenses, one site (resolve_sites)
    "deterministic:phone+address": 2,
    "deterministic:address+name": 3,
    "deterministic:phone+name": 4,
    "splink": 5,
}


# One row per (record, block key): the blocks every rule and the Splink guard need agreement on
# (see candidate_pairs). Over a table or view named {records} with the columns of ``prep``; the
# warehouse keeps these rows per record (lead_state) so a refresh finds a changed record's blocks.
BLOCK_KEYS_SQL = """
    SELECT DISTINCT {id}, k FROM (
        SELECT {id}, 'L|' || source || '|' || license AS k FROM {records} WHERE license IS NOT NULL
        UNION ALL SELECT {id}, 'P|' || phone FROM {records} WHERE phone IS NOT NULL
        UNION ALL SELECT {id}, 'P|' || phone2 FROM {records} WHERE phone2 IS NOT NULL
        UNION ALL SELECT {id}, 'A|' || addr_line FROM {records} WHERE addr_line IS NOT NULL
        UNION ALL SELECT {id}, 'E|' || email FROM {records} WHERE email IS NOT NULL
        UNION ALL SELECT {id}, 'HZ|' || zip || '|' || house FROM {records} WHERE zip IS NOT NULL AND house IS NOT NULL
        UNION ALL SELECT {id}, 'HC|' || city || '|' || house FROM {records} WHERE city IS NOT NULL AND house IS NOT NULL
        UNION ALL SELECT {id}, 'QZ|' || zip || '|' || person_sorted FROM {records} WHERE zip IS NOT NULL AND person_sorted IS NOT NULL
        UNION ALL SELECT {id}, 'QC|' || city || '|' || person_sorted FROM {records} WHERE city IS NOT NULL AND person_sorted IS NOT NULL
        UNION ALL SELECT {id}, 'QZ|' || zip || '|' || name_sorted FROM {records} WHERE zip IS NOT NULL AND name_sorted IS NOT NULL
        UNION ALL SELECT {id}, 'QC|' || city || '|' || name_sorted FROM {records} WHERE city IS NOT NULL AND name_sorted IS NOT NULL
    )
"""
PREP_BLOCK_COLUMNS = ["source", "license", "phone", "phone2", "addr_line", "house", "email", "zip", "city",
                      "name_sorted", "person_sorted"]


# A block key as a number (DuckDB's 64-bit hash, one bit off to fit a signed BIGINT) and its kind:
# the warehouse keeps the numbers (lead_block_keys: integer scans, ~10x faster than text), and a
# block's size is the count of records per number in a full refresh and an incremental one alike,
# so even a collision of two keys' numbers gives both the same result. The model's fingerprint
# holds DuckDB's version: another hash function means a full re-resolve.
BLOCK_HASH = "CAST(hash({k}) >> 1 AS BIGINT)"
BLOCK_KIND = "CASE WHEN starts_with({k}, 'L|') THEN 1 WHEN starts_with({k}, 'E|') THEN 2 ELSE 0 END"  # license, email


def block_sizes(con: duckdb.DuckDBPyConnection, prep: pd.DataFrame) -> pd.DataFrame:
    """Records per block number among ``prep`` (columns ``h``, ``n``): the sizes of a full refresh."""
    con.register("prep_in", prep[["uid", *PREP_BLOCK_COLUMNS]])
    try:
        sql = BLOCK_KEYS_SQL.format(id="uid", records="prep_in")
        return con.execute(f"SELECT {BLOCK_HASH.format(k='k')} AS h, count(*) AS n FROM ({sql}) GROUP BY 1").df()
    finally:
        con.unregister("prep_in")


def email_counts(con: duckdb.DuckDBPyConnection, prep: pd.DataFrame, sizes: pd.DataFrame) -> np.ndarray:
    """Per record, how many live records hold its email (the size of its ``E|`` block; 0 for none)."""
    con.register("prep_in", prep[["uid", "email"]])
    con.register("sizes_in", sizes[["h", "n"]])
    try:
        found = con.execute(f"""SELECT p.uid, s.n FROM prep_in p JOIN sizes_in s
                                ON s.h = {BLOCK_HASH.format(k="'E|' || p.email")} WHERE p.email IS NOT NULL""").df()
    finally:
        con.unregister("prep_in")
        con.unregister("sizes_in")
    out = np.zeros(len(prep), dtype=np.int64)
    out[found["uid"].to_numpy(dtype=np.int64)] = found["n"].to_numpy(dtype=np.int64)
    return out


def candidate_pairs(con: duckdb.DuckDBPyConnection, prep: pd.DataFrame, cfg: ResolveConfig,
                    sizes: pd.DataFrame) -> pd.DataFrame:
    """Distinct (l, r) uid pairs, l < r, sharing at least one usable block key.

    The blocks follow from the rules: every deterministic rule and the Splink guard need agreement
    on a license (same source), a phone, an address line, an email, a house number in the same
    zip/city (close or misspelt address line), or a near-identical name in the same zip/city.
    So a pair outside every block could never be accepted, and candidates grow ~linearly with n.
    ``sizes`` (``h``: BLOCK_HASH, ``n``) are the blocks' sizes over every live record (``block_sizes`` on a
    full refresh, the warehouse's counts on an incremental one), so a subset of the records gets
    exactly the pairs the whole would.
    """
    con.register("prep_in", prep[["uid", *PREP_BLOCK_COLUMNS]])
    con.register("sizes_in", sizes[["h", "n"]])
    try:
        pairs = con.execute(f"""
            WITH bk AS ({BLOCK_KEYS_SQL.format(id="uid", records="prep_in")}),
            usable AS (
                SELECT bk.uid, bk.k FROM bk JOIN sizes_in s ON s.h = {BLOCK_HASH.format(k="bk.k")}
                WHERE {usable_block("bk.k", "s.n", cfg)}
            )
            SELECT DISTINCT a.uid AS l, b.uid AS r FROM usable a JOIN usable b ON a.k = b.k AND a.uid < b.uid
        """).df()
    finally:
        con.unregister("prep_in")
        con.unregister("sizes_in")
    return pairs


def usable_block(k: str, n: str, cfg: ResolveConfig) -> str:
    """SQL: is the block with key ``k`` and ``n`` records (over every live record) a blocking key?
    A license number within ``max_license_block`` records, another key within ``max_block_size``:
    so a record has at most a few hundred candidates, whatever the data (thousands of copies of one
    listing share every key; such blocks are skipped and reported, ``oversized_blocks``)."""
    return (f"CASE WHEN starts_with({k}, 'L|') THEN {n} <= {int(cfg.max_license_block)} "
            f"ELSE {n} <= {int(cfg.max_block_size)} END")


def components(n: int, *edge_lists: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Connected components of the graph on ``0..n-1`` with the given edges: per node, the smallest
    node of its component (min-label propagation with pointer jumping)."""
    labels = np.arange(n, dtype=np.int64)
    l = np.concatenate([np.asarray(e[0], dtype=np.int64) for e in edge_lists] or [np.array([], dtype=np.int64)])
    r = np.concatenate([np.asarray(e[1], dtype=np.int64) for e in edge_lists] or [np.array([], dtype=np.int64)])
    if not len(l):
        return labels
    while True:
        low = np.minimum(labels[l], labels[r])
        before = labels.copy()
        np.minimum.at(labels, l, low)
        np.minimum.at(labels, r, low)
        labels = np.minimum(labels, labels[labels])
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


def _sim(a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
    mask = np.array([x is not None and y is not None for x, y in zip(a, b)], dtype=bool)
    out = np.zeros(len(a), dtype=np.float32)
    if mask.any():
        out[mask] = process.cpdist(list(a[mask]), list(b[mask]), scorer=scorer, workers=1)
    return out


def pair_features(prep: pd.DataFrame, pairs: pd.DataFrame, cfg: ResolveConfig,
                  email_count: np.ndarray | None = None) -> pd.DataFrame:
    """Agreement features per candidate pair. ``email_count``: per record, the live records holding
    its email (default: counted among ``prep``), since an email shared by many is not evidence."""
    l = pairs["l"].to_numpy()
    r = pairs["r"].to_numpy()
    f = pd.DataFrame({"l": l, "r": r})
    ph1, ph2 = codes(prep["phone"], prep["phone2"])
    a1, a2, b1, b2 = ph1[l], ph2[l], ph1[r], ph2[r]
    f["phone_eq"] = ((a1 >= 0) & ((a1 == b1) | (a1 == b2))) | ((a2 >= 0) & ((a2 == b1) | (a2 == b2)))
    (em,) = codes(prep["email"])
    if email_count is None:
        em_count = np.bincount(em[em >= 0], minlength=max(em.max() + 1, 1)) if len(em) else np.array([0])
        email_count = em_count[np.maximum(em, 0)]
    f["email_eq"] = (em[l] >= 0) & (em[l] == em[r]) & (email_count[l] <= cfg.max_identifier_share)
    (src,) = codes(prep["source"])
    (lic,) = codes(prep["license"])
    f["same_source"] = src[l] == src[r]
    f["license_eq"] = f["same_source"] & (lic[l] >= 0) & (lic[l] == lic[r])
    f["license_conflict"] = f["same_source"] & (lic[l] >= 0) & (lic[r] >= 0) & (lic[l] != lic[r])
    # address level. Geography is zip + house number + street; city text is only a soft signal
    # (OKC, a neighbourhood, no zip), so it never makes a conflict.
    (line,) = codes(prep["addr_line"])
    (zc,) = codes(prep["zip"])
    (cc,) = codes(prep["city"])
    (hc,) = codes(prep["house"])
    (sk,) = codes(prep["street"])
    both_zip = (zc[l] >= 0) & (zc[r] >= 0)
    zip_conflict = both_zip & (zc[l] != zc[r])
    both_line = (line[l] >= 0) & (line[r] >= 0)
    exact = both_line & (line[l] == line[r])
    same_street = (sk[l] >= 0) & (sk[l] == sk[r])
    both_house = (hc[l] >= 0) & (hc[r] >= 0)
    maybe_close = both_line & ~exact & both_house & (hc[l] == hc[r])
    lines = objects(prep["addr_line"])
    close = maybe_close & same_street  # a direction spelled out or dropped
    todo = maybe_close & ~close
    if todo.any():
        idx = np.flatnonzero(todo)
        close[idx] = process.cpdist(list(lines[l[idx]]), list(lines[r[idx]]), scorer=fuzz.ratio, workers=1) >= cfg.address_similarity
    del lines
    no_house_same_street = both_line & ~exact & ~both_house & same_street  # "3RD ST" / "1200 W 3RD ST"
    same_house = maybe_close & ~close
    level = np.where(exact, 2, np.where(close | no_house_same_street, 1, np.where(same_house, -1, np.where(both_line, -2, 0))))
    (st,) = codes(prep["state"])
    state_conflict = (st[l] >= 0) & (st[r] >= 0) & (st[l] != st[r])  # one street text in two states: two places
    f["addr_level"] = np.where((zip_conflict & ~exact) | state_conflict, -2, level).astype(np.int8)
    f["city_eq"] = (cc[l] >= 0) & (cc[l] == cc[r])
    f["geo_both"] = both_zip | ((cc[l] >= 0) & (cc[r] >= 0))  # both sides say where they are
    # names: best of company~company, person~person, company~person, person~company
    names = objects(prep["name_key"])
    persons = objects(prep["person_key"])
    sim = _sim(names[l], names[r], fuzz.token_set_ratio)
    has_person = np.array([x is not None or y is not None for x, y in zip(persons[l], persons[r])], dtype=bool)
    if has_person.any():
        i = np.flatnonzero(has_person)
        for x, y in ((persons, persons), (names, persons), (persons, names)):
            sim[i] = np.maximum(sim[i], _sim(x[l[i]], y[r[i]], fuzz.token_set_ratio))
    f["name_sim"] = sim
    sort_sim = _sim(names[l], names[r], fuzz.token_sort_ratio)
    if has_person.any():
        sort_sim[i] = np.maximum(sort_sim[i], _sim(persons[l[i]], persons[r[i]], fuzz.token_sort_ratio))
    f["name_sort"] = sort_sim
    cores = objects(prep["name_core"])
    both_core = np.array([x is not None and y is not None for x, y in zip(cores[l], cores[r])], dtype=bool)
    f["name_core"] = np.where(both_core, _sim(cores[l], cores[r], fuzz.token_set_ratio), sim)  # generic words alone: the full name
    del cores
    known = np.array([a is not None or b is not None for a, b in zip(names, persons)], dtype=bool)
    f["names_known"] = known[l] & known[r]
    f["zip_eq"] = both_zip & (zc[l] == zc[r])
    f["same_site"] = sites.same_site(prep, l, r)
    return f


def pair_veto(f: pd.DataFrame, cfg: ResolveConfig, licenses: bool = True) -> pd.Series:
    """Pairs nothing may link. Co-location is evidence, not identity: two named records whose names
    are unrelated (``name_core`` below ``related_name_threshold``) are different providers unless an
    identifier agrees (license, email); two records of one source with different names (below
    ``name_threshold``) at one address are two listings. And (``licenses``) two licenses of one registry."""
    identifier = f["license_eq"] | f["email_eq"]
    unrelated = f["names_known"] & (f["name_core"] < cfg.related_name_threshold) & ~identifier
    same_source_other_name = (f["same_source"] & f["names_known"] & (f["name_sim"] < cfg.name_threshold)
                              & (f["addr_level"] >= 1) & ~identifier)
    veto = unrelated | same_source_other_name
    if cfg.license_cannot_link and licenses:
        veto |= f["license_conflict"]
    return veto


def deterministic_rule(f: pd.DataFrame, cfg: ResolveConfig) -> pd.Series:
    """The strongest deterministic rule each pair meets (None when none)."""
    # a name variant ("... Learning Center" / "... Child Care") keeps its core
    name_ok = np.maximum(f["name_sim"], f["name_core"]) >= cfg.name_threshold
    # the same place: a zip, a city spelling or a phone in common, or nothing to tell (two cities
    # spelled differently without zips are left to Splink, where city is a soft, weighted signal)
    placed = f["zip_eq"] | f["city_eq"] | f["phone_eq"] | ~f["geo_both"]
    conds = [
        f["license_eq"],
        sites.one_site(f, cfg, pair_veto(f, cfg, licenses=False)),
        f["phone_eq"] & (f["addr_level"] >= 1),
        (f["addr_level"] >= 1) & name_ok & placed,
        f["phone_eq"] & (f["addr_level"] == 0) & name_ok,
    ]
    names = [k for k in RULE_RANK if k.startswith("deterministic:")]
    rule = np.select(conds, names, default="")
    blocked = pair_veto(f, cfg).to_numpy() & ~np.isin(rule, names[:2])  # the license and site rules
    rule = np.where(blocked, "", rule)
    return pd.Series(rule, index=f.index).replace("", None)


def splink_guard(f: pd.DataFrame, cfg: ResolveConfig) -> pd.Series:
    """Pairs worth a Splink score: two independent agreements, no hard address conflict."""
    name_ev = ((f["name_sort"] >= cfg.evidence_name_threshold) | (f["name_sim"] >= cfg.name_threshold)
               | (f["name_core"] >= cfg.name_threshold))
    evidence = (f["phone_eq"].astype(int) + (f["addr_level"] >= 1).astype(int) + name_ev.astype(int)
                + f["email_eq"].astype(int) + (f["zip_eq"] & (f["name_sort"] >= 95)).astype(int))
    return (evidence >= 2) & (f["addr_level"] >= -1) & ~pair_veto(f, cfg)


def evidence_text(f: pd.DataFrame) -> np.ndarray:
    """Per pair, the fields that agree, as a reader sees them: ``license; phone; address exact; name 93; zip``."""
    level = f["addr_level"].to_numpy()
    parts = [
        np.where(f["license_eq"], "license", sites.evidence(f)),
        np.where(f["phone_eq"], "phone", ""),
        np.where(level == 2, "address exact", np.where(level == 1, "address close", "")),
        np.array([f"name {v:.0f}" if v >= 50 else "" for v in np.maximum(f["name_sim"], f["name_core"])], dtype=object),
        np.where(f["email_eq"], "email", ""),
        np.where(f["zip_eq"], "zip", ""),
        np.where(f["city_eq"], "city", ""),
    ]
    return np.array(["; ".join(p for p in row if p) for row in zip(*parts)], dtype=object)


def colocated_review(f: pd.DataFrame, cfg: ResolveConfig) -> pd.Series:
    """Vetoed pairs a person should look at: one phone and one address, names not related enough."""
    return (f["phone_eq"] & (f["addr_level"] >= 1) & ~f["license_conflict"]
            & (np.maximum(f["name_sim"], f["name_core"]) >= cfg.review_name_floor) & pair_veto(f, cfg))
