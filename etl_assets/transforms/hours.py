"""Opening hours and days in one column or two → ``schedule`` (``Mon-Fri 06:00-18:00``).

Why: besides Oklahoma's seven day columns (``schedules.py``), registries write a week as hours plus
days: ``0600 To 1800`` with ``MTWTHF``, ``06:30 AM - 06:00 PM`` with ``Mo Tu We Th Fr``, or one cell
``M-F 7:00am-6:00pm; Sat 8am-12pm``. The warehouse keeps the one compact form of ``schedules.py``.

Rules (``hours_and_days``, one or two columns in any order; their texts are read together):

- segments split on ``;``; in each, the time range (12-hour ``06:30 AM``, ``6pm``, 24-hour ``18:00``
  or ``1800``, ``noon``, ``midnight``; joined by ``-``, ``to``, ``thru``, ``until``) is the hours, the
  rest the days;
- days: names or abbreviations (``Monday``, ``Mon``, ``Mo``, ``M``, ``Tu``, ``T``, ``W``, ``Th``,
  ``R``, ``F``, ``Sa``, ``S`` = Saturday, ``Su``, ``U``), run together (``MTWTHF``) or separated,
  ranges (``M-F``, ``Monday through Friday``), ``daily``/``7 days`` (every day), ``weekdays``;
- a segment with hours and no days gives the hours alone (``06:00-18:00``); days without hours give
  the days (``Mon-Fri``); an unreadable text is kept verbatim and flagged; empty → null.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.registry import Parsed, transform
from etl_assets.transforms.schedules import DAYS, compact_week, parse_time

_T = r"(?:\d{1,2}(?::\d{2})?\s*[ap]\.?\s*m?\.?|\d{1,2}:\d{2}|\d{3,4}|noon|midnight)"
_HOURS = re.compile(rf"(?<![\w:])(?P<start>{_T})\s*(?:-|–|—|\bto\b|\bthru\b|\buntil\b)\s*(?P<end>{_T})(?![\w:])", re.I)
_ALIASES = {
    "monday": 0, "mon": 0, "mo": 0, "m": 0, "tuesday": 1, "tues": 1, "tue": 1, "tu": 1, "t": 1,
    "wednesday": 2, "wed": 2, "we": 2, "w": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "th": 3,
    "r": 3, "friday": 4, "fri": 4, "fr": 4, "f": 4, "saturday": 5, "sat": 5, "sa": 5, "s": 5,
    "sunday": 6, "sun": 6, "su": 6, "u": 6,
}  # fmt: skip
_DAY = re.compile("|".join(sorted(_ALIASES, key=len, reverse=True)), re.I)
_EVERY_DAY = re.compile(r"^(?:daily|every\s*day|7\s*days(?:\s*a\s*week)?|mon(?:day)?\s*-\s*sun(?:day)?)$", re.I)
_WEEKDAYS = re.compile(r"^(?:weekdays?|week\s*days)$", re.I)
_RANGE_WORD = re.compile(r"\s*(?:-|–|—|\bthru\b|\bthrough\b|\bto\b)\s*", re.I)


def parse_clock(text: str, closing: bool) -> str | None:
    """``1800`` → ``18:00``, else as ``schedules.parse_time`` (``06:30 AM`` → ``06:30``)."""
    text = text.strip()
    if re.fullmatch(r"\d{3,4}", text):
        hour, minute = int(text[:-2]), int(text[-2:])
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            return None
        if closing and hour in (0, 24) and not minute:
            return "24:00"  # 0000 / 2400 closing: open until midnight
        return f"{hour if closing else hour % 24:02d}:{minute:02d}"
    return parse_time(text, closing)


def parse_days(text: str) -> list[int] | None:
    """Day indexes (0 = Monday) for ``MTWTHF``, ``Mo Tu We``, ``M-F``, ``Monday through Friday``; None if unreadable."""
    text = text.strip(" ,;:")
    if not text:
        return []
    if _EVERY_DAY.match(text):
        return list(range(7))
    if _WEEKDAYS.match(text):
        return list(range(5))
    text = _RANGE_WORD.sub("-", text)
    days: list[int] = []
    pos, pending_range = 0, False
    while pos < len(text):
        ch = text[pos]
        if ch in " ,/&.":
            pos += 1
            continue
        if ch == "-":
            pending_range, pos = True, pos + 1
            continue
        match = _DAY.match(text, pos)
        if not match:
            return None
        day = _ALIASES[match.group(0).lower()]
        if pending_range and days:
            start = days[-1]
            days.extend(range(start + 1, day + 1) if day > start else [*range(start + 1, 7), *range(0, day + 1)])
        else:
            days.append(day)
        pending_range, pos = False, match.end()
    return sorted(set(days))


def parse_segment(text: str) -> tuple[list[int] | None, str | None] | None:
    """(days, hours) of one segment; days None = not given; None when unreadable."""
    match = _HOURS.search(text)
    hours = None
    if match:
        start, end = parse_clock(match.group("start"), False), parse_clock(match.group("end"), True)
        if start is None or end is None:
            return None
        hours = f"{start}-{end}"
        text = text[: match.start()] + " " + text[match.end() :]
    days = parse_days(text)
    if days is None or (hours is None and not days):
        return None
    return (days or None), hours


@transform("hours_and_days", outputs=["schedule"], n_inputs=None)
def hours_and_days(*values: Any) -> Parsed:
    """Hours and days (one column or two, any order) → ``Mon-Fri 06:00-18:00``."""
    texts = [t for t in (as_text(v) for v in values) if t]
    if not texts:
        return Parsed((None,))
    text = " ".join(texts)
    week: list[str | None] = [None] * 7
    alone: list[str] = []
    for segment in (s for s in re.split(r"\s*;\s*", text) if s):
        parsed = parse_segment(segment)
        if parsed is None:
            return Parsed((text,), flag=f"schedule: unreadable hours {quote(text)}")
        days, hours = parsed
        if days is None:
            alone.append(hours)
            continue
        for d in days:
            week[d] = ",".join(filter(None, (week[d], hours))) if hours else (week[d] or "")
    parts = []
    if any(h is not None for h in week):
        parts.append(compact_week([h if h is None else (h or "open") for h in week]).replace(" open", ""))
    parts.extend(alone)
    return Parsed(("; ".join(parts) or None,))


def looks_like_hours(text: str) -> bool:
    """For the onboarding sniffer: a time range, with or without days (``0600 To 1800``)."""
    if not _HOURS.search(text):
        return False
    parsed = parse_segment(text.split(";")[0])
    return parsed is not None and parsed[1] is not None


def looks_like_days(text: str) -> bool:
    """For the onboarding sniffer: days only (``MTWTHF``, ``Mo Tu We Th Fr``, ``M-F``)."""
    return not any(c.isdigit() for c in text) and bool(parse_days(text))
