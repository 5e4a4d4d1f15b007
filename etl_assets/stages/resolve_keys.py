"""Matching keys for lead resolution, derived from the normalized leads columns.

The inputs (``company_std``, ``address_std``, ``phone`` …) are already standardized upstream; the
folding here is a defensive, idempotent second pass so that formatting differences never count as
differences even when an upstream standardizer misses one (``STREET``/``ST``, ``L.L.C.``/``LLC``,
``LAST, FIRST``, punctuation, case, a trailing zip on ``address_std``).
All functions are vectorized over pandas Series; the word lists are the shared ones of
``transforms/vocab.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein

from etl_assets.records import STRING
from etl_assets.transforms.vocab import BUSINESS_ABBREVIATIONS, RESOLVER_DROPPED_WORDS, RESOLVER_STREET_WORDS

STR = STRING
_KEEP = re.compile(r"[^A-Z0-9 ]")
_TRAILING_ZIP = re.compile(r"\s+(\d{5})(?:-?\d{4})?$")


def _fuzzy_street_table(values: pd.Series) -> dict[str, str]:
    """RESOLVER_STREET_WORDS plus misspellings of its long words seen in ``values`` (STREEET, BOULEAVRD…):
    a token of 4+ letters within Damerau-Levenshtein distance 2 (1 for short words) of a street
    word with the same first letter. Computed over the distinct tokens only."""
    table = dict(RESOLVER_STREET_WORDS)
    targets = [w for w in RESOLVER_STREET_WORDS if len(w) >= 4]
    abbrevs = set(RESOLVER_STREET_WORDS.values())
    vocab = {t for v in values.dropna().tolist() for t in v.split()[1:]}
    for tok in vocab:
        if tok in table or tok in abbrevs or len(tok) < 4 or not tok.isalpha():
            continue
        for w in targets:
            if w[0] != tok[0] or abs(len(w) - len(tok)) > 2:
                continue
            limit = 1 if len(w) <= 5 else 2
            if DamerauLevenshtein.distance(tok, w, score_cutoff=limit) <= limit:
                table[tok] = RESOLVER_STREET_WORDS[w]
                break
    return table


def _fold_tokens(text: pd.Series, table: dict[str, str], drop: frozenset[str] = frozenset()) -> pd.Series:
    def fold(s):
        if s is None or s is pd.NA or (isinstance(s, float) and np.isnan(s)):
            return None
        out = " ".join(t2 for t in s.split() if t not in drop for t2 in table.get(t, t).split())
        return out or None
    return pd.Series([fold(s) for s in text.tolist()], index=text.index, dtype=object)


def _clean_upper(s: pd.Series) -> pd.Series:
    s = s.astype(STR).str.upper().str.replace("&", " AND ", regex=False)
    s = s.str.replace(r"[.'’`]", "", regex=True).str.replace(_KEEP, " ", regex=True)
    return s.str.replace(r"\s+", " ", regex=True).str.strip().replace("", pd.NA)


def name_key(company_std: pd.Series, company: pd.Series) -> pd.Series:
    """Company name for matching: upper, punctuation out, legal suffixes/THE/DBA out, abbreviations expanded."""
    base = company_std.where(company_std.notna(), company)
    return _fold_tokens(_clean_upper(base), BUSINESS_ABBREVIATIONS, RESOLVER_DROPPED_WORDS)


def person_key(*parts: pd.Series) -> pd.Series:
    joined = parts[0].astype(STR).fillna("")
    for p in parts[1:]:
        joined = joined + " " + p.astype(STR).fillna("")
    return _fold_tokens(_clean_upper(joined), {}, RESOLVER_DROPPED_WORDS)


def sorted_tokens(s: pd.Series) -> pd.Series:
    return pd.Series([" ".join(sorted(v.split())) if isinstance(v, str) else None for v in s.tolist()],
                     index=s.index, dtype=object)


def address_parts(address_std: pd.Series, address1: pd.Series, zip_: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(address line without zip, folded; zip5): from address_std when present, else address1."""
    std = address_std.astype(STR).str.upper().str.strip()
    trailing = std.str.extract(_TRAILING_ZIP, expand=False)
    line = std.str.replace(_TRAILING_ZIP, "", regex=True)
    line = line.where(line.notna(), address1.astype(STR).str.upper())
    line = line.str.replace(r"[.,'#]", " ", regex=True).str.replace(r"[^A-Z0-9 /-]", " ", regex=True)
    line = line.str.replace(r"\s+-\s+", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    line = line.replace("", pd.NA)
    line = _fold_tokens(line, _fuzzy_street_table(line))
    z = zip_.astype(STR).str.extract(r"^(\d{5})", expand=False)
    z = z.where(z.notna(), trailing)
    return line, z.astype(object).where(z.notna(), None)


def canonical_phone(s: pd.Series) -> pd.Series:
    digits = s.astype(STR).str.replace(r"[^0-9]", "", regex=True)
    digits = digits.where(~(digits.str.len() == 10), "1" + digits)
    out = "+" + digits
    return out.where(digits.str.len() >= 8).astype(object).where(lambda x: x.notna(), None)


def house_number(line: pd.Series) -> pd.Series:
    return line.astype(STR).str.extract(r"^(\d+[A-Z]?)\b", expand=False).astype(object)


def address_compatible(a: tuple, b: tuple) -> bool:
    """Cluster constraint on (line, house, zip, city) tuples: False only for a hard conflict —
    different zips, different cities when a zip is missing, or both lines present with different
    house numbers (or one without a house number and different lines). Missing is compatible."""
    line_a, house_a, zip_a, city_a = a
    line_b, house_b, zip_b, city_b = b
    if zip_a and zip_b and zip_a != zip_b:
        return False
    if not (zip_a and zip_b) and city_a and city_b and city_a != city_b:
        return False
    if not line_a or not line_b or line_a == line_b:
        return True
    return house_a is not None and house_a == house_b
