"""A leads refresh that costs what changed: re-resolve only what the changed records can reach.

Resolution is local given the model: a pair's outcome depends on its two records, the stored model
(``resolve_model``) and two counts over all live records (a block's size, an email's share);
clusters, lead ids, survivorship and the review queue depend only on the pairs inside one
component of the candidate graph (records joined by shared usable block keys or a reviewer's
decision). So a refresh finds the records whose row changed or went away since the last one
(``lead_state.find_changes``), marks the part a change can reach — the changed records, their new
block neighbours, members of blocks whose usability flipped, and every record of the previous
components they touch (``lead_state.mark_part``) — and resolves only that part, with the global
block sizes and the ids held outside it. The result equals a full re-resolve with the same model,
ids included (``etl_assets_tests/resolve/test_incremental.py`` checks it on random
delivery sequences).

A full re-resolve runs when asked for (run config ``full``), when there is no state yet, when the
leads tables are not in their declared shape (``warehouse/tables.py``; the full refresh writes
them so), or when the model must be retrained (``retrain``, or
``resolve_model.retrain_reason``: rules changed, live records outgrew the training set).

On PostgreSQL the refresh runs in the server session (``scopes.leads_refresh``): the incremental
one's SQL there, only the part's records fetched and resolved here, their rows written back; a full
re-resolve on a DuckDB mirror of the refresh's rows, in the same transaction.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from etl_assets.records import INGESTED_AT, RECORD_KEY, SOURCE
from etl_assets.resolve.resolver import ResolveConfig, ResolveResult, prepare, resolve_leads
from etl_assets.resolve.model import ResolveModel, retrain_reason
from etl_assets.resolve.pairs import PREP_BLOCK_COLUMNS
from etl_assets.resolve.splink_scoring import SplinkModel, TF_COLUMNS
from etl_assets.stages.files import release_memory
from etl_assets.warehouse import backend, frames, scopes, spill
from etl_assets.warehouse.postgres import mirror
from etl_assets.resolve import full as resolve_full
from etl_assets.resolve import full_ids
from etl_assets.resolve import state as lead_state
from etl_assets.warehouse.columns import leads_columns
from etl_assets.warehouse.queries import previous_crosswalk
from etl_assets.warehouse.review import replace_review, review_decisions
from etl_assets.warehouse.tables import LEAD_REVIEW, LEAD_SOURCES, LEADS


@dataclass
class RefreshResult:
    mode: str  # "full" or "incremental"
    reason: str  # why this mode
    result: ResolveResult | None  # of the records resolved (all, or the part); None when nothing changed
    changed: int = 0  # live records new or changed since the last refresh
    gone: int = 0  # records live at the last refresh and not now
    resolved: int = 0  # records resolved by this refresh
    retrained: bool = False
    timings: dict = field(default_factory=dict)

    @property
    def events(self) -> pd.DataFrame:
        return self.result.events if self.result is not None else pd.DataFrame()


def refresh_leads(con: duckdb.DuckDBPyConnection, cfg: ResolveConfig, *, full: bool = False,
                  retrain: bool = False) -> RefreshResult:
    """Bring leads, lead_sources, lead_review and the match state up to the live records, in the
    caller's transaction. Events are returned, not written (the caller appends them with its run id)."""
    t0 = time.perf_counter()
    if cfg.lead_columns is None:  # the records carry the history's own columns too: a lead has the declared ones
        cfg = dataclasses.replace(cfg, lead_columns=tuple(c.name for c in leads_columns()))
    model = _stored_model(con)
    n_live = lead_state.live_total(con)
    reason = "retrain requested" if retrain else retrain_reason(model, n_live, cfg)
    if reason is not None:
        return _full(con, cfg, None, reason, t0, previous=model)
    if full:
        return _full(con, cfg, model, "full re-resolve requested", t0)
    if not lead_state.has_state(con) or not backend.table_exists(con, LEADS):
        return _full(con, cfg, model, "no match state from an earlier refresh", t0)
    if not all(frames.conforms(con, t) for t in (LEADS, LEAD_SOURCES, LEAD_REVIEW)):
        return _full(con, cfg, model, "the leads tables are not in their declared shape", t0)
    return _incremental(con, cfg, model, t0)


def _full(con, cfg: ResolveConfig, model: ResolveModel | None, reason: str, t0: float,
          previous: ResolveModel | None = None) -> RefreshResult:
    """Every live record re-resolved; the records' lead columns stay in the warehouse (``resolve_full``).
    In the PostgreSQL server it runs on a DuckDB mirror of the refresh's rows (its batches are DuckDB's
    work over local files), written back in the server session's transaction."""
    if backend.is_server(con):
        with mirror.within(con, scopes.leads_refresh()) as local:
            return _full(local, cfg, model, reason, t0, previous)
    timings: dict[str, float] = {}
    n = resolve_full.number_live(con)
    records, rids, prep = resolve_full.live_keys(con)  # keys over distinct values: no frame of the records' text
    release_memory()  # the queries' Arrow and DuckDB pages: a million records' peaks must not stack
    if model is not None and model.splink is not None:  # every value's term frequency: all records resolve
        model = _with_tf(model, lead_state.read_model_tf(con))
    timings["read_s"] = time.perf_counter() - t0
    result = resolve_leads(records, previous_crosswalk(con), cfg, review_decisions(con), model=model,
                           previous_model=previous, survivorship=False, prep=prep,
                           side_rows=resolve_full.side_rows(con), ids=full_ids.crosswalk_writer(con, resolve_full.LIVE))
    del records, prep  # lead_sources is written (``full_ids``); the leads are built from it
    release_memory()  # resolve's temporaries (ids, review) before the writes' DuckDB work
    timings["resolve_s"] = time.perf_counter() - t0 - sum(timings.values())
    with spill.temp_directory() as where:  # the keys to a file, then out of memory, before DuckDB's work on them
        keys = resolve_full.state_keys_file(where, rids[result.component_root], result.prep)
        result.prep = None
        release_memory()
        resolve_full.replace_state(con, keys)
    release_memory()
    replace_review(con, result.review)
    n_leads = resolve_full.write_leads(con, cfg)
    if model is None:
        _store_model(con, result.model)
    timings["write_s"] = time.perf_counter() - t0 - sum(timings.values())
    timings["refresh_s"] = time.perf_counter() - t0
    result.stats["n_leads"] = n_leads
    return RefreshResult("full", reason, result, changed=n, resolved=n, retrained=model is None,
                         timings={**{f"resolve_leads.{k}": v for k, v in result.stats.items() if k.endswith("_s")},
                                  **timings})


def _incremental(con, cfg: ResolveConfig, model: ResolveModel, t0: float) -> RefreshResult:
    timings: dict[str, float] = {}
    changed, gone = lead_state.find_changes(con)
    decisions = review_decisions(con)
    decision_keys = pd.concat([
        decisions[["source_l", "record_key_l"]].set_axis([SOURCE, RECORD_KEY], axis=1),
        decisions[["source_r", "record_key_r"]].set_axis([SOURCE, RECORD_KEY], axis=1)], ignore_index=True)
    if changed == 0 and gone == 0 and decision_keys.empty:
        return RefreshResult("incremental", "nothing changed since the last refresh", None,
                             timings={"refresh_s": time.perf_counter() - t0})
    timings["find_changes_s"] = time.perf_counter() - t0
    changed_rows = lead_state.changed_records(con)
    lead_state.replace_changed_block_keys(con, _numbered_prep(prepare(changed_rows), changed_rows))
    del changed_rows
    n_part = lead_state.mark_part(con, cfg.max_block_size, cfg.max_identifier_share, decision_keys, cfg.max_license_block)
    timings["mark_part_s"] = time.perf_counter() - t0 - sum(timings.values())
    records = lead_state.part_records(con)
    part_model = _with_part_tf(con, model, records)
    result = resolve_leads(records, lead_state.touched_crosswalk(con), cfg, decisions, model=part_model,
                           sizes=lead_state.part_block_sizes(con),
                           reserved_ids=lambda ids: lead_state.ids_held_outside(con, ids))
    timings["resolve_s"] = time.perf_counter() - t0 - sum(timings.values())
    lead_state.replace_part(con, _leads_frame(result), result.crosswalk, result.review, _state(result, records))
    timings["write_s"] = time.perf_counter() - t0 - sum(timings.values())
    timings["refresh_s"] = time.perf_counter() - t0
    return RefreshResult("incremental", f"{changed} changed and {gone} gone record(s) reached {n_part} to re-resolve",
                         result, changed=changed, gone=gone, resolved=n_part,
                         timings={**{f"resolve_leads.{k}": v for k, v in result.stats.items() if k.endswith("_s")}, **timings})


def _leads_frame(result: ResolveResult) -> pd.DataFrame:
    result.leads["is_net_new"] = ~result.leads["is_existing_crm_lead"]  # in place: a million leads are not copied
    return result.leads


def _state(result: ResolveResult, records: pd.DataFrame) -> pd.DataFrame:
    """lead_match_state rows of the records resolved (row i = record i = uid i): number, row hash and
    load time (to see what changes next), component (what a change can reach)."""
    rids = records["_rid"].to_numpy(dtype="int64")
    return pd.DataFrame({"rid": rids, SOURCE: records[SOURCE].astype(str).to_numpy(),
                         RECORD_KEY: records[RECORD_KEY].astype(str).to_numpy(),
                         "row_hash": records["row_hash"].to_numpy(), INGESTED_AT: records[INGESTED_AT].to_numpy(),
                         "component": rids[result.component_root]})


def _numbered_prep(prep: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The columns the block keys are made of, with each record's ``rid``."""
    return prep[PREP_BLOCK_COLUMNS].assign(rid=records["_rid"].to_numpy(dtype="int64"))


# --------------------------------------------------------------------------- the stored model
def _stored_model(con) -> ResolveModel | None:
    row = lead_state.read_model(con)
    if row is None:
        return None
    settings = row.pop("splink_settings")
    splink = SplinkModel(settings=settings, tf_tables={}) if settings is not None else None
    return ResolveModel(splink=splink, **row)


def _with_part_tf(con, model: ResolveModel, records: pd.DataFrame) -> ResolveModel:
    """The model with the term frequencies of the values the part's records hold (all a part needs)."""
    if model.splink is None or records.empty:
        return model
    prep = prepare(records)
    values = pd.concat([pd.DataFrame({"column_name": c, "value": prep[c].dropna().astype(str).unique()})
                        for c in TF_COLUMNS], ignore_index=True)
    return _with_tf(model, lead_state.read_model_tf(con, values))


def _with_tf(model: ResolveModel, tf: dict[str, pd.DataFrame]) -> ResolveModel:
    tables = {c: tf.get(c, pd.DataFrame({c: pd.Series([], dtype=object), f"tf_{c}": pd.Series([], dtype=float)}))
              for c in TF_COLUMNS}
    return dataclasses.replace(model, splink=SplinkModel(settings=model.splink.settings, tf_tables=tables))


def _store_model(con, model: ResolveModel) -> None:
    row = {"trained_on_records": model.trained_on_records, "fingerprint": model.fingerprint,
           "linking_rules": model.linking_rules, "prior": model.prior,
           "splink_settings": model.splink.settings if model.splink is not None else None}
    lead_state.replace_model(con, row, model.splink.tf_tables if model.splink is not None else {})
