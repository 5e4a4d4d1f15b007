"""Lead resolution: source records of every source → one row per real-world provider.

``resolve_leads(records, previous_crosswalk, config) -> ResolveResult`` is pure (an in-memory
DuckDB connection is used inside). Steps:

1. Keys (``resolve_keys``): folded name, person name, address line without zip, zip, city,
   canonical phones, email.
2. Candidate pairs (DuckDB): records sharing a block key — license number within a source, phone
   (phone or phone2), address line, email, zip/city + house number, zip/city + token-sorted company
   or person name (a person ``LAST FIRST`` also meets a company named after the person). Blocks
   larger than ``max_block_size`` (license blocks: ``max_license_block``) are skipped and reported
   (``stats["oversized_blocks"]``), so a record has a bounded number of candidates and cost grows
   with n, not n², whatever the data (thousands of copies of one listing share every key).
3. Pair features: phone agreement, address level (2 same line, 1 close: same house number and
   line ratio >= ``address_similarity``, 0 unknown, -1 same house number but another street text,
   -2 conflict: another house number or street, or different zips on different lines; city text
   is never a conflict, only ``city_eq``), name similarity (rapidfuzz ``token_set_ratio`` over the folded company and person
   names, best of the combinations; and ``token_sort_ratio``), email agreement, zip agreement.
4. Deterministic rules, in order of strength:
   ``deterministic:license``        same source, same license number;
   ``deterministic:site``           same source, two licenses at one site, name or phone (``resolve_sites``);
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
   house numbers or streets, zips on different lines; ``resolve_keys.address_compatible``), or (with
   ``license_cannot_link``) when they hold two licenses of one source, but along a site pair. This
   stops chaining through shared phones (chain sites at different addresses stay apart).
   Co-location is evidence, not identity (``resolve_pairs.pair_veto``): unrelated name cores, or
   one source's two names at one address, are never linked unless a license or email agrees.
   A reviewer's accepts (``resolve_review``) come first; rejects are cannot-links on whole clusters.
7. Stable lead ids and merge/split events (``resolve_ids``), survivorship (``survivorship``); the
   review queue (uncertain Splink band, co-located pairs) and every link's evidence.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl_assets.records import RECORD_KEY, SOURCE
from etl_assets.resolve import keys
from etl_assets.resolve.keys import STR
from etl_assets.resolve.cluster import cluster
from etl_assets.resolve.config import ResolveConfig
from etl_assets.resolve.ids import assign_lead_ids, explain
from etl_assets.resolve.model import ResolveModel, linking_rules, train_model  # noqa: F401 (linking_rules: re-exported)
from etl_assets.resolve.pairs import (RULE_RANK, block_sizes, candidate_pairs, colocated_review,  # noqa: F401
                                             components, deterministic_rule, email_counts, evidence_text,
                                             pair_features, splink_guard)
from etl_assets.resolve.oversized import largest_component, oversized_blocks  # noqa: F401 (re-exported)
from etl_assets.resolve.review import decided_pairs, decision_pairs, review_queue
from etl_assets.resolve.survivorship import build_leads
from etl_assets.warehouse import spill
from etl_assets.warehouse.tables import LEAD_SOURCES, REVIEW_SIDE_COLUMNS, TABLES

log = logging.getLogger(__name__)

CROSSWALK_COLUMNS = tuple(TABLES[LEAD_SOURCES].columns)  # lead_sources as declared



@dataclass
class ResolveResult:
    crosswalk: pd.DataFrame | None  # _source, _record_key, lead_id, match_rule, match_score, matched_to (None: written by ``ids``)
    leads: pd.DataFrame | None  # lead_id, lead columns, source_count, sources, is_existing_crm_lead, is_live
    events: pd.DataFrame  # event_type, lead_id, related_lead_ids, record_count, detail
    review: pd.DataFrame = field(default_factory=pd.DataFrame)  # lead_review rows (resolve_review)
    stats: dict = field(default_factory=dict)  # n_records, candidate_pairs, scored_pairs, timings
    model: ResolveModel | None = None  # the model the pairs were scored with (trained here when none was given)
    prep: pd.DataFrame | None = None  # the records' matching keys (uid = row of records and crosswalk)
    component_root: np.ndarray | None = None  # per record: uid of the first record of its candidate-graph component


# --------------------------------------------------------------------------- preparation
def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """Matching keys per record, indexed by a dense integer ``uid``.

    Each family of keys is computed once per distinct combination of the columns it reads, then
    spread to the records (the key functions are per row, their street-word table depends only on
    the set of values): a million copies of a hundred listings cost a hundred, and every distinct
    string is one Python object."""
    n = len(records)
    col = lambda c: records[c].reset_index(drop=True) if c in records else pd.Series([None] * n, dtype=object)  # noqa: E731
    p = pd.DataFrame({"uid": np.arange(n, dtype=np.int64)})
    source = col(SOURCE).astype(str).to_numpy()
    p["key"] = (pd.Series(source, dtype=object) + ":" + col(RECORD_KEY).astype(str).to_numpy()).to_numpy()
    p["source"] = _shared(source)
    for columns, family in _FAMILIES:
        codes, first = _distinct([col(c) for c in columns])
        found = family(*(col(c).iloc[first].reset_index(drop=True) for c in columns))
        for name, values in found.items():
            p[name] = _shared(np.asarray(values, dtype=object))[codes]
    return p[["uid", "source", "key", *_KEY_ORDER]]


def _license(number: pd.Series) -> dict:
    return {"license": number.astype(STR).str.upper().str.replace(r"[^A-Z0-9]", "", regex=True).replace("", pd.NA).astype(object).to_numpy()}


def _names(company_std: pd.Series, company: pd.Series, first: pd.Series, last: pd.Series, licensee: pd.Series) -> dict:
    name_key = keys.name_key(company_std, company).to_numpy()
    person_key = keys.person_key(first, last, licensee).to_numpy()
    return {"name_key": name_key, "person_key": person_key,
            "name_sorted": keys.sorted_tokens(pd.Series(name_key)).to_numpy(),
            "person_sorted": keys.sorted_tokens(pd.Series(person_key)).to_numpy(),
            "name_core": keys.name_core(pd.Series(name_key)).to_numpy()}


def _address(address_std: pd.Series, address1: pd.Series, zip_: pd.Series) -> dict:
    line, z = keys.address_parts(address_std, address1, zip_)
    house = keys.house_number(line).to_numpy()
    return {"addr_line": line.to_numpy(), "zip": z.to_numpy(), "house": house,
            "street": keys.street_key(line, pd.Series(house)).to_numpy()}


def _city(city: pd.Series) -> dict:
    return {"city": city.astype(STR).str.upper().str.replace(r"[^A-Z ]", "", regex=True).str.strip().replace("", pd.NA).astype(object).to_numpy()}


def _state(state: pd.Series) -> dict:
    state = state.astype(STR).str.upper().str.strip()
    return {"state": state.where(state.str.fullmatch(r"[A-Z]{2}").fillna(False).astype(bool)).astype(object).to_numpy()}


def _phones(phone: pd.Series, phone2: pd.Series) -> dict:
    return {"phone": keys.canonical_phone(phone).to_numpy(), "phone2": keys.canonical_phone(phone2).to_numpy()}


def _email(email: pd.Series) -> dict:
    return {"email": email.astype(STR).str.lower().str.strip().replace("", pd.NA).astype(object).to_numpy()}


_FAMILIES = ((("license_number",), _license), (("company_std", "company", "first_name", "last_name", "licensee_name"), _names),
             (("address_std", "address1", "zip"), _address), (("city",), _city), (("state",), _state),
             (("phone", "phone2"), _phones), (("email",), _email), (("address2",), lambda a2: {"unit": keys.unit_key(a2)}))
# The record columns matching reads (keys, review queue); survivorship alone reads the other lead columns.
MATCH_COLUMNS = tuple(dict.fromkeys([SOURCE, RECORD_KEY, *(c for cols, _ in _FAMILIES for c in cols), *REVIEW_SIDE_COLUMNS]))
_KEY_ORDER = ("license", "name_key", "person_key", "name_sorted", "person_sorted", "addr_line", "zip", "house", "street",
              "name_core", "city", "state", "phone", "phone2", "email", "unit")


def _distinct(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the number of its distinct combination of ``columns`` (missing values alike), and
    the first row of each combination."""
    codes = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for c in columns:
        values, _ = pd.factorize(c, use_na_sentinel=True)
        codes, _ = pd.factorize(codes * (int(values.max(initial=-1)) + 2) + values + 1)
    _, first = np.unique(codes, return_index=True)
    return codes, first


def _shared(values: np.ndarray) -> np.ndarray:
    """The same values, each distinct string one Python object: a million records of one source
    hold one ``"texas"``, not a million (object columns cost ~60 bytes per value otherwise)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    out = np.full(len(values), None, dtype=object)
    found = codes >= 0
    out[found] = np.asarray(uniques, dtype=object)[codes[found]]
    return out


# --------------------------------------------------------------------------- entry point
def resolve_leads(records: pd.DataFrame, previous_crosswalk: pd.DataFrame | None,
                  config: ResolveConfig | None = None, decisions: pd.DataFrame | None = None, *,
                  model: ResolveModel | None = None, sizes: pd.DataFrame | None = None,
                  reserved_ids=None, previous_model: ResolveModel | None = None,
                  survivorship: bool = True, prep: pd.DataFrame | None = None, side_rows=None,
                  ids=None) -> ResolveResult:
    """Resolve live source records into leads; see the module docstring for the rules.

    ``decisions``: a reviewer's rows of ``lead_review_decisions`` (must-link / cannot-link).
    ``model``: the stored matching model (``resolve_model``); None trains one on these records
    (``previous_model``, the stored one being replaced, lends m values EM cannot estimate).
    An incremental refresh (``resolve_refresh``) passes a closed part of the live records — whole
    components of the candidate graph — with ``sizes``, the block sizes over every live record, and
    ``reserved_ids``, lead ids held outside the part; the part then resolves exactly as it would
    within all records. Ties are broken by row order, so both pass records in the warehouse's
    order (``_source``, ``_record_key``), in which a part keeps the relative order of the whole.
    ``survivorship=False``: no leads (``leads`` is None), so ``records`` need only ``MATCH_COLUMNS``
    (a full refresh builds the leads from the warehouse in batches, ``resolve_full``). ``prep``: the
    records' ``prepare`` made elsewhere (``full_prep``), so ``records`` need only ``_source`` and
    ``_record_key``, with ``side_rows(uids)`` giving the review queue's columns of those records.
    ``ids(roots, explained, previous_crosswalk) -> (lead id per record, events)``: the lead ids
    assigned and the crosswalk written elsewhere (``full_ids``; the result's ``crosswalk`` is None)."""
    cfg = config or ResolveConfig()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    records = records.reset_index(drop=True)
    if records.duplicated([SOURCE, RECORD_KEY]).any():
        raise ValueError("records: (_source, _record_key) must be unique")
    prep = prepare(records) if prep is None else prep
    timings["prepare_s"] = time.perf_counter() - t0
    with spill.connect() as con:
        if sizes is None:
            sizes = block_sizes(con, prep)
        pairs = candidate_pairs(con, prep, cfg, sizes)
        emails = email_counts(con, prep, sizes)
        oversized = oversized_blocks(con, prep, cfg, sizes)
    timings["candidates_s"] = time.perf_counter() - t0 - sum(timings.values())
    accepts, rejects = decision_pairs(prep, decisions)
    reject_l, reject_r = (np.array(x, dtype=np.int64) for x in (zip(*rejects) if rejects else ([], [])))
    component_root = components(len(prep), (pairs["l"].to_numpy(), pairs["r"].to_numpy()),
                                (accepts["l"].to_numpy(), accepts["r"].to_numpy()), (reject_l, reject_r))
    f = pair_features(prep, pairs, cfg, email_count=emails)
    all_rules = deterministic_rule(f, cfg)
    n_rule_pairs = int(all_rules.notna().sum())  # pairs some rule would link: the prior's evidence
    timings["deterministic_s"] = time.perf_counter() - t0 - sum(timings.values())
    if model is None:
        model = train_model(prep, n_rule_pairs, cfg, previous_model)
        timings["train_s"] = time.perf_counter() - t0 - sum(timings.values())
    f["rule"] = all_rules.where(all_rules.isin(model.linking_rules), None)
    del all_rules
    f["strength"] = f["name_sim"].astype(float) + f["name_sort"].astype(float) / 1000
    f["score"] = np.nan
    det = f[f["rule"].notna()]
    det = det.assign(evidence=evidence_text(det), match_weight=np.nan)
    open_pairs = f[f["rule"].isna() & splink_guard(f, cfg)]
    colocated = f[f["rule"].isna() & colocated_review(f, cfg)]
    review_pairs = [colocated[["l", "r"]].assign(reason="co-located: one phone and address, names differ",
                                                 match_probability=np.nan, match_weight=np.nan,
                                                 evidence=evidence_text(colocated))]
    n_candidates = len(pairs)
    scored = 0
    splink_edges = f.iloc[0:0]
    del f, pairs  # the candidate table is the largest intermediate at scale
    if cfg.use_splink and model.splink is not None and len(open_pairs):
        from etl_assets.resolve.splink_scoring import splink_score

        sp = prep.rename(columns={"uid": "unique_id"})
        scores = splink_score(sp, open_pairs[["l", "r"]], model.splink)
        scored = len(scores)
        m = open_pairs.merge(scores, on=["l", "r"], how="inner")
        m["evidence"] = evidence_text(m) + [f"; match weight {w:.1f}" for w in m["match_weight"]]
        band = m[(m["match_probability"] >= cfg.review_min_probability) & (m["match_probability"] < cfg.splink_match_probability)]
        review_pairs.append(band[["l", "r", "match_probability", "match_weight", "evidence"]].assign(
            reason="splink: uncertain band"))
        m = m[m["match_probability"] >= cfg.splink_match_probability]
        splink_edges = m.assign(rule="splink", strength=m["match_probability"], score=m["match_probability"])[det.columns]
    timings["splink_s"] = time.perf_counter() - t0 - sum(timings.values())
    edges = pd.concat([accepts, det, splink_edges], ignore_index=True)
    roots, accepted = cluster(prep, edges, cfg, rejects)
    timings["cluster_s"] = time.perf_counter() - t0 - sum(timings.values())

    explained = explain(prep["key"].to_numpy(), accepted)  # per record: the first accepted edge touching it
    if ids is None:
        crosswalk = pd.DataFrame({SOURCE: records[SOURCE].astype(str).to_numpy(),
                                  RECORD_KEY: records[RECORD_KEY].astype(str).to_numpy(), "cluster": roots, **explained})
        crosswalk, events = assign_lead_ids(crosswalk, previous_crosswalk, reserved_ids)
        crosswalk = crosswalk.drop(columns="cluster")[list(CROSSWALK_COLUMNS)]
        lead_ids = crosswalk["lead_id"].to_numpy()
    else:  # the full refresh writes the crosswalk itself (``full_ids``)
        crosswalk = None
        lead_ids, events = ids(roots, explained, previous_crosswalk)
    del explained
    timings["ids_s"] = time.perf_counter() - t0 - sum(timings.values())
    review = review_queue(prep, records if side_rows is None else side_rows, pd.concat(review_pairs, ignore_index=True),
                          lead_ids, decided_pairs(decisions))
    leads = build_leads(records, lead_ids, cfg) if survivorship else None
    timings["survivorship_s"] = time.perf_counter() - t0 - sum(timings.values())
    n = len(prep)
    stats = {
        "n_records": n, "candidate_pairs": n_candidates, "deterministic_pairs": len(det),
        "splink_scored_pairs": scored, "splink_accepted_pairs": len(splink_edges),
        "accepted_edges": len(accepted), "n_leads": int(pd.unique(lead_ids).size), "review_pairs": len(review),
        "reviewer_accepts": len(accepts), "reviewer_rejects": len(rejects),
        "share_of_all_pairs_scored": n_candidates / max(n * (n - 1) / 2, 1),
        "oversized_blocks": oversized, "largest_component": largest_component(component_root, prep["key"].array),
        **timings, "total_s": time.perf_counter() - t0,
    }
    log.info("resolve_leads: %s", stats)
    return ResolveResult(crosswalk=crosswalk, leads=leads, events=events, stats=stats,
                         review=review, model=model, prep=prep,
                         component_root=component_root)

