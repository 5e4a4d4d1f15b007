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
from etl_assets.transforms.vocab import (BUSINESS_ABBREVIATIONS, RESOLVER_DROPPED_WORDS, RESOLVER_STREET_WORDS,
                                         STREET_SUFFIX_WORDS, UNIT_WORDS)

STR = STRING
_KEEP = re.compile(r"[^A-Z0-9 ]")
_TRAILING_ZIP = re.compile(r"\s+(\d{5})(?:-?\d{4})?$")
_PARENTHESIZED = re.compile(r"\([^)]*\)")
_SPELLED = re.compile(r"\b[A-Z0-9](?: [A-Z0-9]\b)+")  # single letters or digits in a row: one word

_ORDINALS = {"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6, "SEVENTH": 7, "EIGHTH": 8,
             "NINTH": 9, "TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13, "FOURTEENTH": 14,
             "FIFTEENTH": 15, "SIXTEENTH": 16, "SEVENTEENTH": 17, "EIGHTEENTH": 18, "NINETEENTH": 19, "TWENTIETH": 20}
_TENS = {"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50}


def _suffixed(n: int) -> str:
    return f"{n}{'TH' if 10 <= n % 100 <= 20 else {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH')}"


# Street words the resolver folds beyond the shared table: every ordinal word up to 59 (TWENTY-THIRD
# -> 23RD) and the short spellings registries use for street types (BLV., PKY).
RESOLVER_EXTRA_STREET_WORDS = {
    **{w: _suffixed(n) for w, n in _ORDINALS.items()},
    **{f"{t}-{w}": _suffixed(tn + n) for t, tn in _TENS.items() for w, n in _ORDINALS.items() if n < 10},
    **{t[:-1] + "IETH": _suffixed(tn) for t, tn in _TENS.items()},  # THIRTIETH -> 30TH
    "BLV": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD", "PKY": "PKWY", "PKWAY": "PKWY", "AVN": "AVE", "AVENU": "AVE",
}
_DIRECTIONS = frozenset({"N", "S", "E", "W", "NE", "NW", "SE", "SW"})

# Name words the resolver spells out (CDC -> CHILD DEVELOPMENT CENTER), and the generic words of
# childcare names: the rest of a name (its "core") is what tells two providers apart.
RESOLVER_NAME_ABBREVIATIONS = {
    **BUSINESS_ABBREVIATIONS, "CDC": "CHILD DEVELOPMENT CENTER", "ELC": "EARLY LEARNING CENTER",
    "DCC": "DAY CARE CENTER", "LC": "LEARNING CENTER", "CCC": "CHILD CARE CENTER",
}
GENERIC_NAME_WORDS = frozenset(
    "ACADEMY CENTER SCHOOL PRESCHOOL CHILD CARE DAY EARLY LEARNING DEVELOPMENT MONTESSORI KIDS KID CLUB PLAYHOUSE "
    "NURSERY HOME FAMILY PROGRAM OF AND AT CHILDREN CHILDRENS INFANT TODDLER".split()
)


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


def _singular(text):
    """Plural and possessive forms fold together (KID'S, KIDS, KID -> KID; CLASS stays)."""
    if text is None:
        return None
    return " ".join(t[:-1] if len(t) > 3 and t.endswith("S") and not t.endswith("SS") else t for t in text.split())


def name_key(company_std: pd.Series, company: pd.Series) -> pd.Series:
    """Company name for matching: upper, parenthesized qualifiers, punctuation, legal suffixes, THE and DBA
    out (wherever the article stands), abbreviations expanded, plurals and possessives folded, a word
    spelled out letter by letter written whole (``A.B.C.``, ``A B C``, ``1-2-3``, ``L L C``)."""
    base = company_std.where(company_std.notna(), company)
    qualified = company.astype(STR).str.contains("(", regex=False).fillna(False).astype(bool)
    base = base.where(~qualified, company.astype(STR).str.replace(_PARENTHESIZED, " ", regex=True))
    spelled = _clean_upper(base).str.replace(_SPELLED, lambda m: m.group(0).replace(" ", ""), regex=True)
    folded = _fold_tokens(spelled, RESOLVER_NAME_ABBREVIATIONS, RESOLVER_DROPPED_WORDS)
    return pd.Series([_singular(v) for v in folded.tolist()], index=folded.index, dtype=object)


def name_core(names: pd.Series) -> pd.Series:
    """A folded name without the generic childcare words (None when nothing else is left)."""
    def core(v):
        if v is None:
            return None
        kept = [t for t in v.split() if t not in GENERIC_NAME_WORDS]
        return " ".join(kept) or None
    return pd.Series([core(v) for v in names.tolist()], index=names.index, dtype=object)


def person_key(*parts: pd.Series) -> pd.Series:
    joined = parts[0].astype(STR).fillna("")
    for p in parts[1:]:
        joined = joined + " " + p.astype(STR).fillna("")
    return _fold_tokens(_clean_upper(joined), {}, RESOLVER_DROPPED_WORDS)


def sorted_tokens(s: pd.Series) -> pd.Series:
    return pd.Series([" ".join(sorted(v.split())) if isinstance(v, str) else None for v in s.tolist()],
                     index=s.index, dtype=object)


def _clean_line(text: pd.Series) -> pd.Series:
    line = text.str.replace(r"[.,'#]", " ", regex=True).str.replace(r"[^A-Z0-9 /-]", " ", regex=True)
    return line.str.replace(r"\s+-\s+", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()


def address_parts(address_std: pd.Series, address1: pd.Series, zip_: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(address line without zip, folded; zip5): from address_std when present, else address1. A
    house number address_std split (``100-05`` -> ``100 05``, ``1/2`` -> ``1 2``) is taken back
    as address1 writes it, so a line reads the same from either column."""
    std = address_std.astype(STR).str.upper().str.strip()
    trailing = std.str.extract(_TRAILING_ZIP, expand=False)
    line = std.str.replace(_TRAILING_ZIP, "", regex=True)
    raw = _clean_line(address1.astype(STR).str.upper())
    line = _clean_line(line)
    line = pd.Series([_written_house(v, w) for v, w in zip(line.tolist(), raw.tolist())], index=line.index, dtype=object)
    line = line.where(line.notna(), raw).replace("", pd.NA)
    line = _fold_tokens(line, {**_fuzzy_street_table(line), **RESOLVER_EXTRA_STREET_WORDS})
    z = zip_.astype(STR).str.extract(r"^(\d{5})", expand=False)
    z = z.where(z.notna(), trailing)
    return line, z.astype(object).where(z.notna(), None)


def _written_house(line, raw):
    """``line`` (from address_std) with its house number as ``raw`` (address1) writes it."""
    if not isinstance(line, str) or not isinstance(raw, str):
        return None if not isinstance(line, str) else line
    found = _house_at(raw)
    if found is None or not re.search(r"[-/]", raw[:found[1]]):
        return line
    split = re.sub(r"[-/ ]+", " ", raw[:found[1]])
    return raw[:found[1]] + line[len(split):] if line == split or line.startswith(split + " ") else line


def canonical_phone(s: pd.Series) -> pd.Series:
    digits = s.astype(STR).str.replace(r"[^0-9]", "", regex=True)
    digits = digits.where(~(digits.str.len() == 10), "1" + digits)
    out = "+" + digits
    return out.where(digits.str.len() >= 8).astype(object).where(lambda x: x.notna(), None)


# A house number as one token, with what belongs to it: ``100-05`` (Queens) and ranges ``1400-1410``,
# ``12A`` / ``12-A`` / ``12 A`` (a letter before the street, not a direction or a street type: ``19290
# K ST`` is K Street), ``1200 1/2``. Two tokens are two houses (``100-05`` / ``100-09``, ``12A`` / ``12B``).
_HOUSE = re.compile(r"(\d+)(?:-(\d+|[A-Z])|([A-Z])|[ -](\d+/\d+))?(?= |$)")
_SPACED_LETTER = re.compile(r"(\d+) ([A-Z]) (\S+)")


def _house_at(line: str) -> tuple[str, int] | None:
    """(house token, characters of ``line`` it takes), None when the line starts without one."""
    m = _HOUSE.match(line)
    if m is None:
        return None
    number, dashed, letter, fraction = m.groups()
    if dashed:
        return (f"{number}-{dashed}" if dashed.isdigit() else number + dashed), m.end()
    if letter or fraction:
        return (number + letter if letter else f"{number} {fraction}"), m.end()
    spaced = _SPACED_LETTER.match(line)
    if spaced and spaced.group(2) not in _DIRECTIONS and spaced.group(3) not in STREET_SUFFIX_WORDS:
        return number + spaced.group(2), len(number) + 2
    return number, m.end()


def house_token(line) -> str | None:
    """The house number of one address line as a whole token (see ``_HOUSE``); None without one.
    The one definition of a house number: blocks, address levels, Splink's house comparison and
    the cluster constraint all read it (``house_number``)."""
    found = _house_at(line) if isinstance(line, str) else None
    return found[0] if found else None


def house_number(line: pd.Series) -> pd.Series:
    return pd.Series([house_token(v) for v in line.tolist()], index=line.index, dtype=object)


def street_key(line: pd.Series, house: pd.Series) -> pd.Series:
    """The street without house number and directions ("1200 W 3RD ST" -> "3RD ST"): two lines on one
    street when a house number or a direction is missing on one side."""
    def key(v, h):
        if v is None or v is pd.NA:
            return None
        found = _house_at(v) if isinstance(h, str) else None
        tokens = v[found[1]:].split() if found else v.split()
        return " ".join(t for t in tokens if t not in _DIRECTIONS) or None
    return pd.Series([key(v, h) for v, h in zip(line.tolist(), house.tolist())], index=line.index, dtype=object)


def unit_key(address2: pd.Series) -> pd.Series:
    """The unit of a second address line without its unit words (``Apt. 3A``, ``#3A``, ``Unit 3A`` -> ``3A``)."""
    return _fold_tokens(_clean_upper(address2), {}, UNIT_WORDS)


def address_compatible(a: tuple, b: tuple) -> bool:
    """Cluster constraint on (line, house, zip, street, state) tuples: False only for a true
    contradiction — two states, different zips on different lines, two house numbers, or two
    streets. City text is never a conflict (it is spelled every way: OKC, a neighbourhood);
    missing is compatible."""
    line_a, house_a, zip_a, street_a, state_a = a
    line_b, house_b, zip_b, street_b, state_b = b
    if state_a and state_b and state_a != state_b:
        return False
    if line_a and line_b and line_a == line_b:
        return True
    if zip_a and zip_b and zip_a != zip_b:
        return False
    if not line_a or not line_b:
        return True
    if house_a and house_b:
        return house_a == house_b  # one house number, the street text spelled two ways
    return street_a is not None and street_a == street_b  # a house number missing: the same street
