"""The matching model of lead resolution, trained on a full re-resolve and reused until the next.

What a pair's outcome depends on beyond the two records is global: which deterministic rules link
on their own (``linking_rules``: every rule below ``splink_em_min_records`` records, the
``SELF_LINKING_RULES`` above), the prior, Splink's m and u, and the term frequencies of names and
cities. Re-learnt on every refresh, a 100-record delivery would move the scores of a million
untouched pairs, and no refresh could be cheaper than a full one. So they are learnt once
(``train_model``), stored with the leads (``etl_assets.resolve.state``), and every refresh,
incremental or full, scores with the stored model until a retrain: asked for in the run config, or
due (:func:`retrain_reason`) because the rules changed or the live records outgrew the ones the
model was trained on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import duckdb
import pandas as pd

from etl_assets.resolve.config import ResolveConfig
from etl_assets.resolve.pairs import RULE_RANK
from etl_assets.resolve.splink_scoring import SplinkModel

# Bump when the matching code changes what a pair's outcome is: a stored model of another version
# is retrained (its results would not be the ones today's code gives).
RULES_VERSION = 3  # 2: training guarded (resolve_training), oversized license blocks skipped;
# 3: house numbers as whole tokens, the site rule, SELF_LINKING_RULES

# The deterministic rules that link on their own where Splink decides the rest (from
# splink_em_min_records up): one license; two licenses at one site (resolve_sites); one phone and
# one name where a side has no address (missing is not disagreement, but Splink, wanting address
# agreement, scores such a pair below its threshold).
SELF_LINKING_RULES = ("deterministic:license", "deterministic:site", "deterministic:phone+name")


@dataclass(frozen=True)
class ResolveModel:
    linking_rules: tuple[str, ...]  # deterministic rules that link on their own
    prior: float  # probability that two random records match (Splink's lambda)
    splink: SplinkModel | None  # None: Splink off, or too few records to train on
    trained_on_records: int
    fingerprint: str  # of the rules (config + RULES_VERSION) the model was trained under


def fingerprint(cfg: ResolveConfig) -> str:
    """The rules a model belongs to: every matching knob (survivorship ones do not change a match),
    and DuckDB's version (its hash numbers the stored block keys)."""
    knobs = {k: v for k, v in asdict(cfg).items() if k not in ("source_priority", "recency_column", "lead_columns")}
    text = json.dumps({"rules_version": RULES_VERSION, "duckdb": duckdb.__version__, **knobs}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def linking_rules(cfg: ResolveConfig, n_records: int) -> tuple[str, ...]:
    """The deterministic rules that link on their own: ``SELF_LINKING_RULES``, and every rule when
    there are too few records for Splink to learn its m probabilities from the data."""
    if cfg.deterministic_rules is not None:
        return tuple(cfg.deterministic_rules)
    if cfg.use_splink and cfg.splink_em and n_records >= cfg.splink_em_min_records:
        return SELF_LINKING_RULES
    return tuple(k for k in RULE_RANK if k.startswith("deterministic:"))


def train_model(prep: pd.DataFrame, n_rule_pairs: int, cfg: ResolveConfig,
                previous: ResolveModel | None = None) -> ResolveModel:
    """Learn the model from every live record (``prep``: the matching keys) and the number of
    candidate pairs some deterministic rule would link (the prior's evidence). ``previous``: the
    stored model, whose m values serve where no EM session can estimate them."""
    n = len(prep)
    prior = max(n_rule_pairs, 1) / cfg.det_recall_assumption / max(n * (n - 1) / 2, 1)
    splink = None
    if cfg.use_splink and n >= 2:
        from etl_assets.resolve.splink_scoring import train_splink

        splink = train_splink(prep.rename(columns={"uid": "unique_id"}), prior=prior, u_max_pairs=cfg.u_max_pairs,
                              seed=cfg.seed, use_em=cfg.splink_em, em_min_records=cfg.splink_em_min_records,
                              em_max_pairs=cfg.splink_em_max_pairs,
                              previous=previous.splink.settings if previous is not None and previous.splink else None)
    return ResolveModel(linking_rules=linking_rules(cfg, n), prior=prior, splink=splink, trained_on_records=n,
                        fingerprint=fingerprint(cfg))


def retrain_reason(model: ResolveModel | None, n_live: int, cfg: ResolveConfig) -> str | None:
    """Why the stored model cannot serve this refresh (None: it can)."""
    if model is None:
        return "no model yet"
    if model.fingerprint != fingerprint(cfg):
        return "the resolution rules changed"
    if n_live > cfg.retrain_growth * max(model.trained_on_records, 1):
        return f"{n_live:,} live records, more than {cfg.retrain_growth:g}x the {model.trained_on_records:,} it was trained on"
    return None
