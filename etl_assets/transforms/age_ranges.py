"""Ages served written as a range or as named groups with counts → ``ages_served``, ``min_age``, ``max_age``.

Why: registries write ages served as free text: ``6 WKS To 13 YRS``, ``2 YEARS - 5 YEARS``,
``18 months - 5 years``, ``Birth to 12``, or as the groups a provider is licensed for with their
slots, ``Infant (7); Toddler (10); Two's (5)``. The warehouse keeps one vocabulary and one unit
(months, ``ages.py``).

Rules (``age_range``, one column):

- a range ``<low> [unit] (-|to|thru|through) <high> unit``: units weeks (``WKS``, ``weeks``), months
  (``MOS``, ``mo``) or years (``YRS``, ``y``); a low without a unit takes the high's; ``Birth``/
  ``newborn`` is 0. ``min_age`` is the low in whole months (6 weeks → 1); ``max_age`` is the high in
  months, where a high in years means *through* that age (5 years → 71 months, as school age's
  bound 155 is through 12); ``ages_served`` holds every term whose months overlap the range;
- otherwise named groups (``Infant``, ``Toddler``, ``Two's``, ``Threes``, ``Preschool``, ``Pre-K``,
  ``School Age``; a count in parentheses or after a colon, a group with a count of 0 is not served;
  a note in parentheses, ``Toddlers (12-23 months; 1yr.)``, is ignored)
  → the terms and their fixed bounds, as ``ages_from_labels``;
- anything else → null + flag; a low above the high → null + flag.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.age_groups import AGE_TERMS, age_terms
from etl_assets.transforms.ages import ages_result
from etl_assets.transforms.registry import Parsed, transform

_UNIT = r"(?P<{}>w(?:ee)?ks?|weeks?|m(?:o|os|onths?|nths?)|y(?:rs?|ears?)?)\.?"
_NUM = r"(?P<{}>\d{{1,3}}(?:\.\d+)?|birth|newborns?|infancy)"
_RANGE = re.compile(
    rf"^{_NUM.format('low')}\s*(?:{_UNIT.format('low_unit')})?\s*(?:-|–|to|thru|through|until)\s*"
    rf"{_NUM.format('high')}\s*(?:{_UNIT.format('high_unit')})?(?:\s*old)?$",
    re.IGNORECASE,
)
_EXTRA_GROUPS = (
    ("toddler", re.compile(r"\bones?\b|\bone'?s\b|\b1'?s\b", re.IGNORECASE)),
    ("preschool", re.compile(r"\btwo'?s\b|\btwos\b|\bthree'?s\b|\bthrees\b|\bfour'?s\b|\bfours\b|\b[234]'?s\b|"
                             r"\bpre-?k\b|\bkindergarten\b", re.IGNORECASE)),
)  # fmt: skip
_GROUP_SPLIT = re.compile(r"\s*[;,/|]\s*|\s+and\s+", re.IGNORECASE)
_COUNT = re.compile(r"\(\s*(\d+)\s*\)|:\s*(\d+)\s*$")
_NOTE = re.compile(r"\((?!\s*\d+\s*\))[^()]*\)")  # ``(12-23 months; 1yr.)``: a label's note, not a count


def _months(number: str, unit: str | None, upper: bool) -> int | None:
    if number.lower().startswith(("birth", "newborn", "infancy")):
        return 0
    value = float(number)
    u = (unit or "y").lower()
    if u.startswith("w"):
        return int(value * 7 // 30.4375)
    if u.startswith("m"):
        return int(value)
    return int(value * 12) + (11 if upper else 0)


def parse_range(text: str) -> tuple[int, int] | None:
    """(min_age, max_age) in months for ``6 WKS To 13 YRS``; None when the text is not a range."""
    match = _RANGE.match(text.strip())
    if not match or not (match.group("high_unit") or match.group("low_unit") or match.group("low").isalpha()):
        return None
    high_unit = match.group("high_unit") or match.group("low_unit")
    low = _months(match.group("low"), match.group("low_unit") or high_unit, upper=False)
    high = _months(match.group("high"), high_unit, upper=True)
    return (low, high) if low is not None and high is not None else None


def terms_in_range(low: int, high: int) -> set[str]:
    return {term for term, (a, b) in AGE_TERMS.items() if a <= high and low <= b}


def group_terms(text: str) -> tuple[set[str], list[str]]:
    """(terms served, parts not understood) for ``Infant (7); Toddler (10); Two's (5)``."""
    terms: set[str] = set()
    unknown: list[str] = []
    for part in (p for p in _GROUP_SPLIT.split(_NOTE.sub(" ", text)) if p.strip()):
        count = _COUNT.search(part)
        label = _COUNT.sub("", part).strip()
        found = age_terms(label) or {t for t, pattern in _EXTRA_GROUPS if pattern.search(label)}
        if not found:
            unknown.append(part)
        elif not count or int(count.group(1) or count.group(2)) > 0:
            terms |= found
    return terms, unknown


@transform("age_range", outputs=["ages_served", "min_age", "max_age"])
def age_range(value: Any) -> Parsed:
    """``6 WKS To 13 YRS`` or ``Infant (7); Toddler (10)`` → ages_served, min_age, max_age (months)."""
    text = as_text(value)
    if text is None:
        return Parsed((None, None, None))
    bounds = parse_range(text)
    if bounds:
        low, high = bounds
        if low > high:
            return Parsed((None, None, None), flag=f"ages: range {quote(text)} ends before it starts")
        served = [t for t in AGE_TERMS if t in terms_in_range(low, high)]
        return Parsed(("|".join(served) or None, low, high))
    terms, unknown = group_terms(text)
    if terms and not unknown:
        return Parsed(ages_result(terms))
    if terms:
        return Parsed(ages_result(terms), flag=f"ages: unknown group {quote('; '.join(unknown))}")
    return Parsed((None, None, None), flag=f"ages: not an age range or age groups {quote(text)}")


def looks_like_ages(text: str) -> bool:
    """For the onboarding sniffer: a range with a unit, or named age groups."""
    if parse_range(text):
        return True
    terms, unknown = group_terms(text)
    return bool(terms) and not unknown
