"""One provider at one site under several licenses of one registry: the rule ``deterministic:site``.

A registry gives one provider a license per program (a center and a family-home license, a
city's permit per age group), so two licenses of one registry are not always two providers. Two
records of one source with different license numbers link when they are at one site and agree on
the name (or the phone, names not vetoed):

* one site: the same address line, or the same house number token and street (``resolve_keys``:
  ``100-05`` is not ``100-09``, ``12A`` is not ``12B``), with the same unit (``address2`` folded;
  none on both sides counts as the same), and no other zip, city or state on the other side;
* agreement: name (``max(name_sim, name_core) >= site_name_threshold``) or phone, and no name veto
  (``resolve_pairs.pair_veto`` without its license part): co-located programs with unrelated names
  stay apart, and so do one source's differently named listings at one address.

Everywhere else the license cannot-link stands: a district's schools at different sites on one
phone, a chain's sites at different house numbers, people in different apartments of one building.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etl_assets.resolve.columns import codes

if TYPE_CHECKING:
    from etl_assets.resolve.config import ResolveConfig

SITE_RULE = "deterministic:site"
EVIDENCE = "one site, two licenses"


def _codes(prep: pd.DataFrame, column: str) -> np.ndarray:
    return codes(prep[column])[0]


def same_site(prep: pd.DataFrame, l: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Per pair (uids ``l``, ``r`` of ``prep``): are both records at one site (see the module docstring)?"""
    line, house, street, unit = (_codes(prep, c) for c in ("addr_line", "house", "street", "unit"))
    both_line = (line[l] >= 0) & (line[r] >= 0)
    same_line = both_line & (line[l] == line[r])
    same_house = (house[l] >= 0) & (house[l] == house[r]) & (street[l] >= 0) & (street[l] == street[r])
    placed = np.ones(len(l), dtype=bool)
    for column in ("zip", "city", "state"):  # another zip, city or state: another place
        c = _codes(prep, column)
        placed &= (c[l] < 0) | (c[r] < 0) | (c[l] == c[r])
    return both_line & (same_line | same_house) & (unit[l] == unit[r]) & placed


def one_site(f: pd.DataFrame, cfg: ResolveConfig, name_veto: pd.Series) -> pd.Series:
    """Pairs the site rule links: one source, two licenses, one site (``same_site``), name or phone
    agreeing, no ``name_veto`` (the pair veto without its license part)."""
    name_ok = np.maximum(f["name_sim"], f["name_core"]) >= cfg.site_name_threshold
    return f["license_conflict"] & f["same_site"] & (name_ok | f["phone_eq"]) & ~name_veto


def evidence(f: pd.DataFrame) -> np.ndarray:
    """The site rule's words in ``match_evidence`` (empty for every other pair)."""
    rule = f["rule"].to_numpy() if "rule" in f else np.full(len(f), None, dtype=object)
    return np.where(rule == SITE_RULE, EVIDENCE, "")
