"""The age-group vocabulary (infant, toddler, preschool, school_age) and how a label names it.

Why its own module: ``ages.py`` turns labels into ``ages_served`` and ``flags.py`` must tell an age
label from an unknown program value in Oklahoma's shifted columns; both read the labels the same way
from here (the bounds in months are documented in ``ages.py``).
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text

AGE_TERMS: dict[str, tuple[int, int]] = {
    "infant": (0, 11),
    "toddler": (12, 23),
    "preschool": (24, 59),
    "school_age": (60, 155),
}

_LABEL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("infant", re.compile(r"\binfan(?:t|ts|cy)\b|\bbab(?:y|ies)\b", re.IGNORECASE)),
    ("toddler", re.compile(r"\btoddlers?\b", re.IGNORECASE)),
    ("preschool", re.compile(r"\bpre-?\s?(?:school|k|kindergarten)\b", re.IGNORECASE)),
    ("school_age", re.compile(r"(?<![-\w])school[\s-]*(?:age|aged|ager|agers)?\b(?!\s*year)", re.IGNORECASE)),
)


def age_terms(label: Any) -> set[str]:
    """The vocabulary terms one label names (``Preschool (24-48 months…)`` → {'preschool'})."""
    text = as_text(label)
    if text is None:
        return set()
    found = {term for term, pattern in _LABEL_PATTERNS if pattern.search(text)}
    return found
