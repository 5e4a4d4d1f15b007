"""Counts such as licensed capacity: text → ``int``, or null + flag. Never a wrong number.

Why: capacities arrive as ``82``, ``1,200`` or, from spreadsheet exports, ``82.0``. Anything that
is not clearly a whole, non-negative count in range (``-5``, ``1e9``, ``12.5``, ``about 30``) is
nulled and flagged rather than guessed at: a wrong capacity is worse than a missing one.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.registry import Parsed, transform

CAPACITY_MAX = 100_000  # mappings/leads.yaml: capacity max
_PLAIN = re.compile(r"^\+?([0-9]+)(?:\.0+)?$", re.ASCII)
_THOUSANDS = re.compile(r"^\+?([0-9]{1,3}(?:,[0-9]{3})+)(?:\.0+)?$", re.ASCII)
_NEGATIVE = re.compile(r"^-\s*[0-9][0-9,]*(?:\.[0-9]+)?$", re.ASCII)


def parse_count(value: Any, maximum: int = CAPACITY_MAX) -> tuple[int | None, str | None]:
    """(whole count in 0..maximum, problem) — the problem is None when the count is good or empty."""
    text = as_text(value)
    if text is None:
        return None, None
    match = _PLAIN.match(text) or _THOUSANDS.match(text)
    if not match:
        if _NEGATIVE.match(text):
            return None, f"negative {quote(text)}"
        return None, f"not a whole number {quote(text)}"
    digits = match.group(1).replace(",", "").lstrip("0") or "0"
    if len(digits) > len(str(maximum)):  # also keeps int() clear of its 4300-digit limit
        return None, f"out of range {quote(text)}"
    number = int(digits)
    if number > maximum:
        return None, f"out of range {quote(text)}"
    return number, None


@transform("capacity", outputs=["capacity"])
def capacity(value: Any) -> Parsed:
    """Licensed capacity as an int (``1,200`` → 1200); negative, huge or non-numeric → null + flag."""
    number, problem = parse_count(value)
    return Parsed((number,), flag=f"capacity: {problem}" if problem else None)
