"""Lead resolution: source records of every source → one row per real-world provider.

``resolve_leads(records, previous_crosswalk, config) -> ResolveResult`` is pure (an in-memory
DuckDB connection is used inside). Steps:

1. Keys (``resolve_keys``): folded name, person name, address line without zip, zip, city,
   canonical phones, email.
2. Candidate pairs (DuckDB): records sharing a block key — license number within a source, phone
   (phone or phone2), address line, email, zip/city + house number, zip/city + token-sorted company
   or person name (a person ``LAST FIRST`` also meets a company named after the person). Blocks
   larger than ``max_block_size`` are skipped (license blocks never), so cost grows with n, not n².
3. Pair features: phone agreement, address level (2 same line, 1 close: same house number and
   line ratio >= ``address_similarity``, 0 unknown, -1 same house number but another street text,
   -2 conflict: another house number, or different zips, or different cities when a zip is
   missing), name similarity (rapidfuzz ``token_set_ratio`` over the folded company and person
   names, best of the combinations; and ``token_sort_ratio``), email agreement, zip agreement.
4. Deterministic rules, in order of strength:
   ``deterministic:license``        same source, same license number;
   ``deterministic:phone+address``  same phone and address level >= 1;
   ``deterministic:address+name``   address level >= 1 and name similarity >= ``name_threshold``;
   ``deterministic:phone+name``     same phone, no address on one side, name >= ``name_threshold``.
5. Splink (``resolve_splink``) scores the remaining candidate pairs that pass the guard: address
   level >= -1, and at least two agreements among phone / address (level >= 1) / name
   (token_sort >= ``evidence_name_threshold`` or token_set >= ``name_threshold``) / email (an email
   on at most ``max_identifier_share`` records) / zip when the names are near-identical (sort >= 95).
   A phone alone is never enough. Accepted when ``match_probability >= splink_match_probability``.
6. Clusters: union-find over accepted pairs, strongest first, with cannot-link constraints checked
   on whole clusters — two clusters never merge when any of their addresses conflict (different
   house numbers, zips, or cities; ``resolve_keys.address_compatible``), or (with
   ``license_cannot_link``) when they hold two different license numbers of the same source. This
   stops chaining through shared phones (chain sites at different addresses stay apart).
7. Stable lead ids and merge/split events (``resolve_ids``), survivorship (``survivorship``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from etl_assets.stages import resolve_keys as keys
from etl_assets.stages.resolve_keys import STR
from etl_assets.stages.resolve_ids import assign_lead_ids
from etl_assets.stages.survivorship import build_leads

log = logging.getLogger(__name__)

RULE_RANK = {
    "deterministic:license": 0,
    "deterministic:phone+address": 1,
    "deterministic:address+name": 2,
    "deterministic:phone+name": 3,
    "splink": 4,
}


@dataclass
class ResolveConfig:
    """Knobs of lead resolution; every field has a default (the platform may load them from YAML)."""

    name_threshold: float = 90.0  # token_set_ratio (0-100) for the deterministic name rules
    address_similarity: float = 90.0  # rapidfuzz ratio of address lines (same house number) = "close"
    evidence_name_threshold: float = 80.0  # name agreement counted as evidence for the Splink guard
    splink_match_probability: float = 0.9  # accept a Splink pair at or above this probability
    use_splink: bool = True
    splink_em: bool = False  # refine m with EM (blocked on phone) when >= 5,000 records
    u_max_pairs: float = 2e6  # estimate_u_using_random_sampling sample size
    det_recall_assumption: float = 0.7  # prior = deterministic pairs / recall / all pairs
    max_block_size: int = 100  # candidate blocks larger than this are skipped (not license blocks)
    max_identifier_share: int = 5  # an email on more records than this is not evidence
    license_cannot_link: bool = True  # two licenses of one registry are two providers
    seed: int = 42
    # survivorship: per column, first non-null value in (source priority, most recent, most complete)
    source_priority: tuple[str, ...] = ("nevada", "oklahoma", "texas", "salesforce")
    recency_column: str | None = "_ingested_at"  # newer wins among equal priority; ignored if absent
    crm_source: str = "salesforce"
    lead_columns: tuple[str, ...] | None = None  # None = every non-underscore column of the input


@dataclass
class ResolveResult:
    crosswalk: pd.DataFrame  # _source, _record_key, lead_id, match_rule, match_score, matched_to
    leads: pd.DataFrame  # lead_id, lead columns, source_count, sources, is_existing_crm_lead, is_live
    events: pd.DataFrame  # event_type, lead_id, related_lead_ids, record_count, detail
    stats: dict = field(default_factory=dict)  # n_records, candidate_pairs, scored_pairs, timings


# --------------------------------------------------------------------------- preparation
def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """Matching keys per record, indexed by a dense integer ``uid``."""
    n = len(records)
    col = lambda c: records[c].reset_index(drop=True) if c in records else pd.Series([None] * n, dtype=object)  # noqa: E731
    p = pd.DataFrame({"uid": np.arange(n, dtype=np.int64)})
    p["source"] = col("_source").astype(str).to_numpy()
    p["key"] = p["source"] + ":" + col("_record_key").astype(str).to_numpy()
    p["license"] = col("license_number").astype(STR).str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).replace("", pd.NA).astype(object).to_numpy()
    p["name_key"] = keys.name_key(col("company_std"), col("company")).to_numpy()
    p["person_key"] = keys.person_key(col("first_name"), col("last_name"), col("licensee_name")).to_numpy()
    p["name_sorted"] = keys.sorted_tokens(pd.Series(p["name_key"])).to_numpy()
    p["person_sorted"] = keys.sorted_tokens(pd.Series(p["person_key"])).to_numpy()
    line, z = keys.address_parts(col("address_std"), col("address1"), col("zip"))
    p["addr_line"] = line.to_numpy()
    p["zip"] = z.to_numpy()
    p["house"] = keys.house_number(line).to_numpy()
    p["city"] = col("city").astype(STR).str.upper().str.replace(r"[^A-Z ]", "", regex=True).str.strip().replace("", pd.NA).astype(object).to_numpy()
    p["phone"] = keys.canonical_phone(col("phone")).to_numpy()
    p["phone2"] = keys.canonical_phone(col("phone2")).to_numpy()
    p["email"] = col("email").astype(STR).str.lower().str.strip().replace("", pd.NA).astype(object).to_numpy()
    p = p.replace({pd.NA: None, np.nan: None})
    p["uid"] = p["uid"].astype(np.int64)
    return p


def candidate_pairs(con: duckdb.DuckDBPyConnection, prep: pd.DataFrame, cfg: ResolveConfig) -> pd.DataFrame:
    """Distinct (l, r) uid pairs, l < r, sharing at least one block key.

    The blocks follow from the rules: every deterministic rule and the Splink guard need agreement
    on a license (same source), a phone, an address line, an email, a house number in the same
    zip/city (close or misspelt address line), or a near-identical name in the same zip/city.
    So a pair outside every block could never be accepted, and candidates grow ~linearly with n.
    """
    con.register("prep_in", prep[["uid", "source", "license", "phone", "phone2", "addr_line", "house", "email",
                                  "zip", "city", "name_sorted", "person_sorted"]])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE bk AS
        SELECT uid, 'L|' || source || '|' || license AS k, true AS exempt FROM prep_in WHERE license IS NOT NULL
        UNION ALL SELECT uid, 'P|' || phone, false FROM prep_in WHERE phone IS NOT NULL
        UNION ALL SELECT uid, 'P|' || phone2, false FROM prep_in WHERE phone2 IS NOT NULL AND phone2 IS DISTINCT FROM phone
        UNION ALL SELECT uid, 'A|' || addr_line, false FROM prep_in WHERE addr_line IS NOT NULL
        UNION ALL SELECT uid, 'E|' || email, false FROM prep_in WHERE email IS NOT NULL
        UNION ALL SELECT uid, 'HZ|' || zip || '|' || house, false FROM prep_in WHERE zip IS NOT NULL AND house IS NOT NULL
        UNION ALL SELECT uid, 'HC|' || city || '|' || house, false FROM prep_in WHERE city IS NOT NULL AND house IS NOT NULL
        UNION ALL SELECT uid, 'QZ|' || zip || '|' || person_sorted, false FROM prep_in WHERE zip IS NOT NULL AND person_sorted IS NOT NULL
        UNION ALL SELECT uid, 'QC|' || city || '|' || person_sorted, false FROM prep_in WHERE city IS NOT NULL AND person_sorted IS NOT NULL
        UNION ALL SELECT uid, 'QZ|' || zip || '|' || name_sorted, false FROM prep_in WHERE zip IS NOT NULL AND name_sorted IS NOT NULL
        UNION ALL SELECT uid, 'QC|' || city || '|' || name_sorted, false FROM prep_in WHERE city IS NOT NULL AND name_sorted IS NOT NULL
    """)
    pairs = con.execute(f"""
        WITH sized AS (
            SELECT k, count(*) AS n, bool_or(exempt) AS exempt FROM bk GROUP BY k HAVING count(*) >= 2
        ), usable AS (
            SELECT bk.uid, bk.k FROM bk JOIN sized USING (k) WHERE sized.exempt OR sized.n <= {int(cfg.max_block_size)}
        )
        SELECT DISTINCT a.uid AS l, b.uid AS r FROM usable a JOIN usable b ON a.k = b.k AND a.uid < b.uid
    """).df()
    con.unregister("prep_in")
    return pairs


# --------------------------------------------------------------------------- pair features
def _codes(*arrays: np.ndarray) -> list[np.ndarray]:
    """Shared integer codes for several object arrays (None -> -1)."""
    allv = pd.Series(np.concatenate(arrays), dtype=object)
    codes, _ = pd.factorize(allv, use_na_sentinel=True)
    out, start = [], 0
    for a in arrays:
        out.append(codes[start:start + len(a)])
        start += len(a)
    return out


def _sim(a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
    mask = np.array([x is not None and y is not None for x, y in zip(a, b)], dtype=bool)
    out = np.zeros(len(a), dtype=np.float32)
    if mask.any():
        out[mask] = process.cpdist(list(a[mask]), list(b[mask]), scorer=scorer, workers=1)
    return out


def pair_features(prep: pd.DataFrame, pairs: pd.DataFrame, cfg: ResolveConfig) -> pd.DataFrame:
    l = pairs["l"].to_numpy()
    r = pairs["r"].to_numpy()
    f = pd.DataFrame({"l": l, "r": r})
    ph1, ph2 = _codes(prep["phone"].to_numpy(), prep["phone2"].to_numpy())
    a1, a2, b1, b2 = ph1[l], ph2[l], ph1[r], ph2[r]
    f["phone_eq"] = ((a1 >= 0) & ((a1 == b1) | (a1 == b2))) | ((a2 >= 0) & ((a2 == b1) | (a2 == b2)))
    (em,) = _codes(prep["email"].to_numpy())
    em_count = np.bincount(em[em >= 0], minlength=max(em.max() + 1, 1)) if len(em) else np.array([0])
    f["email_eq"] = (em[l] >= 0) & (em[l] == em[r]) & (em_count[np.maximum(em[l], 0)] <= cfg.max_identifier_share)
    (src,) = _codes(prep["source"].to_numpy())
    (lic,) = _codes(prep["license"].to_numpy())
    f["same_source"] = src[l] == src[r]
    f["license_eq"] = f["same_source"] & (lic[l] >= 0) & (lic[l] == lic[r])
    f["license_conflict"] = f["same_source"] & (lic[l] >= 0) & (lic[r] >= 0) & (lic[l] != lic[r])
    # address level
    (line,) = _codes(prep["addr_line"].to_numpy())
    (zc,) = _codes(prep["zip"].to_numpy())
    (cc,) = _codes(prep["city"].to_numpy())
    (hc,) = _codes(prep["house"].to_numpy())
    both_zip = (zc[l] >= 0) & (zc[r] >= 0)
    geo_conflict = (both_zip & (zc[l] != zc[r])) | (~both_zip & (cc[l] >= 0) & (cc[r] >= 0) & (cc[l] != cc[r]))
    both_line = (line[l] >= 0) & (line[r] >= 0)
    exact = both_line & (line[l] == line[r])
    maybe_close = both_line & ~exact & (hc[l] >= 0) & (hc[l] == hc[r])
    lines = prep["addr_line"].to_numpy()
    close = np.zeros(len(f), dtype=bool)
    if maybe_close.any():
        idx = np.flatnonzero(maybe_close)
        close[idx] = process.cpdist(list(lines[l[idx]]), list(lines[r[idx]]), scorer=fuzz.ratio, workers=1) >= cfg.address_similarity
    same_house = both_line & ~exact & ~close & (hc[l] >= 0) & (hc[l] == hc[r])
    level = np.where(exact, 2, np.where(close, 1, np.where(same_house, -1, np.where(both_line, -2, 0))))
    f["addr_level"] = np.where(geo_conflict, -2, level).astype(np.int8)
    # names: best of company~company, person~person, company~person, person~company
    names = prep["name_key"].to_numpy()
    persons = prep["person_key"].to_numpy()
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
    f["zip_eq"] = both_zip & (zc[l] == zc[r])
    return f


def deterministic_rule(f: pd.DataFrame, cfg: ResolveConfig) -> pd.Series:
    """The strongest deterministic rule each pair meets (None when none)."""
    name_ok = f["name_sim"] >= cfg.name_threshold
    conds = [
        f["license_eq"],
        f["phone_eq"] & (f["addr_level"] >= 1),
        (f["addr_level"] >= 1) & name_ok,
        f["phone_eq"] & (f["addr_level"] == 0) & name_ok,
    ]
    names = list(RULE_RANK)[:4]
    rule = np.select(conds, names, default="")
    blocked = f["license_conflict"].to_numpy() & cfg.license_cannot_link & (rule != names[0])
    rule = np.where(blocked, "", rule)
    return pd.Series(rule, index=f.index).replace("", None)


def splink_guard(f: pd.DataFrame, cfg: ResolveConfig) -> pd.Series:
    """Pairs worth a Splink score: two independent agreements, no hard address conflict."""
    name_ev = (f["name_sort"] >= cfg.evidence_name_threshold) | (f["name_sim"] >= cfg.name_threshold)
    evidence = (f["phone_eq"].astype(int) + (f["addr_level"] >= 1).astype(int) + name_ev.astype(int)
                + f["email_eq"].astype(int) + (f["zip_eq"] & (f["name_sort"] >= 95)).astype(int))
    ok = (evidence >= 2) & (f["addr_level"] >= -1)
    if cfg.license_cannot_link:
        ok &= ~f["license_conflict"]
    return ok


# --------------------------------------------------------------------------- clustering
def cluster(prep: pd.DataFrame, edges: pd.DataFrame, cfg: ResolveConfig) -> tuple[np.ndarray, pd.DataFrame]:
    """Constrained union-find over edges (strongest first). Returns root per uid and accepted edges."""
    n = len(prep)
    parent = np.arange(n)
    addr = {}  # root -> list of address tuples
    lic = {}  # root -> {source: license}
    lines, houses, zips, cities = (prep[c].to_numpy() for c in ("addr_line", "house", "zip", "city"))
    sources, licenses = prep["source"].to_numpy(), prep["license"].to_numpy()

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def addrs(root):
        if root not in addr:
            t = (lines[root], houses[root], zips[root], cities[root])
            addr[root] = [t] if any(t) else []
        return addr[root]

    def lics(root):
        if root not in lic:
            lic[root] = {sources[root]: licenses[root]} if licenses[root] is not None else {}
        return lic[root]

    order = edges.assign(_rank=edges["rule"].map(RULE_RANK)).sort_values(
        ["_rank", "strength", "l", "r"], ascending=[True, False, True, True], kind="stable")
    accepted = np.zeros(len(order), dtype=bool)
    for i, (l, r) in enumerate(zip(order["l"].to_numpy(), order["r"].to_numpy())):
        a, b = find(l), find(r)
        if a == b:
            accepted[i] = True
            continue
        la, lb = lics(a), lics(b)
        if cfg.license_cannot_link and any(s in lb and lb[s] != v for s, v in la.items()):
            continue
        aa, ab = addrs(a), addrs(b)
        if not all(keys.address_compatible(x, y) for x in aa for y in ab):
            continue
        if len(aa) < len(ab):
            a, b = b, a
            aa, ab, la, lb = ab, aa, lb, la
        parent[b] = a
        aa.extend(t for t in ab if t not in aa)
        la.update(lb)
        accepted[i] = True
        addr.pop(b, None)
        lic.pop(b, None)
    roots = np.array([find(x) for x in range(n)])
    return roots, order[accepted].drop(columns="_rank")


# --------------------------------------------------------------------------- entry point
def resolve_leads(records: pd.DataFrame, previous_crosswalk: pd.DataFrame | None,
                  config: ResolveConfig | None = None) -> ResolveResult:
    """Resolve live source records into leads; see the module docstring for the rules."""
    cfg = config or ResolveConfig()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    records = records.reset_index(drop=True)
    if records.duplicated(["_source", "_record_key"]).any():
        raise ValueError("records: (_source, _record_key) must be unique")
    prep = prepare(records)
    timings["prepare_s"] = time.perf_counter() - t0
    con = duckdb.connect()
    try:
        pairs = candidate_pairs(con, prep, cfg)
    finally:
        con.close()
    timings["candidates_s"] = time.perf_counter() - t0 - sum(timings.values())
    f = pair_features(prep, pairs, cfg)
    f["rule"] = deterministic_rule(f, cfg)
    f["strength"] = f["name_sim"].astype(float) + f["name_sort"].astype(float) / 1000
    f["score"] = np.nan
    timings["deterministic_s"] = time.perf_counter() - t0 - sum(timings.values())
    det = f[f["rule"].notna()]
    open_pairs = f[f["rule"].isna() & splink_guard(f, cfg)]
    n_candidates = len(pairs)
    scored = 0
    splink_edges = f.iloc[0:0]
    del f, pairs  # the candidate table is the largest intermediate at scale
    if cfg.use_splink and len(open_pairs):
        from etl_assets.stages.resolve_splink import splink_score

        n = len(prep)
        prior = max(len(det), 1) / cfg.det_recall_assumption / max(n * (n - 1) / 2, 1)
        sp = prep.rename(columns={"uid": "unique_id"})
        scores = splink_score(sp, open_pairs[["l", "r"]], prior=prior, u_max_pairs=cfg.u_max_pairs,
                              seed=cfg.seed, use_em=cfg.splink_em)
        scored = len(scores)
        m = open_pairs.merge(scores, on=["l", "r"], how="inner")
        m = m[m["match_probability"] >= cfg.splink_match_probability]
        splink_edges = m.assign(rule="splink", strength=m["match_probability"], score=m["match_probability"])[det.columns]
    timings["splink_s"] = time.perf_counter() - t0 - sum(timings.values())
    edges = pd.concat([det, splink_edges], ignore_index=True)
    roots, accepted = cluster(prep, edges, cfg)
    timings["cluster_s"] = time.perf_counter() - t0 - sum(timings.values())

    # crosswalk: each record explained by the first accepted edge that touches it
    keys_arr = prep["key"].to_numpy()
    rule = np.full(len(prep), "singleton", dtype=object)
    score = np.full(len(prep), np.nan)
    matched = np.full(len(prep), None, dtype=object)
    seen = np.zeros(len(prep), dtype=bool)
    for l, r, ru, sc in zip(accepted["l"].to_numpy(), accepted["r"].to_numpy(), accepted["rule"].to_numpy(),
                            accepted["score"].to_numpy()):
        for x, y in ((l, r), (r, l)):
            if not seen[x]:
                seen[x] = True
                rule[x], score[x], matched[x] = ru, sc, keys_arr[y]
    crosswalk = pd.DataFrame({
        "_source": records["_source"].astype(str).to_numpy(),
        "_record_key": records["_record_key"].astype(str).to_numpy(),
        "cluster": roots,
        "match_rule": rule, "match_score": score, "matched_to": matched,
    })
    crosswalk, events = assign_lead_ids(crosswalk, previous_crosswalk)
    crosswalk = crosswalk.drop(columns="cluster")
    timings["ids_s"] = time.perf_counter() - t0 - sum(timings.values())
    leads = build_leads(records, crosswalk["lead_id"].to_numpy(), cfg)
    timings["survivorship_s"] = time.perf_counter() - t0 - sum(timings.values())
    n = len(prep)
    stats = {
        "n_records": n, "candidate_pairs": n_candidates, "deterministic_pairs": len(det),
        "splink_scored_pairs": scored, "splink_accepted_pairs": len(splink_edges),
        "accepted_edges": len(accepted), "n_leads": len(leads),
        "share_of_all_pairs_scored": n_candidates / max(n * (n - 1) / 2, 1),
        **timings, "total_s": time.perf_counter() - t0,
    }
    log.info("resolve_leads: %s", stats)
    return ResolveResult(crosswalk=crosswalk[["_source", "_record_key", "lead_id", "match_rule", "match_score", "matched_to"]],
                         leads=leads, events=events, stats=stats)
