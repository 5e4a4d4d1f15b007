"""Weekly opening hours: seven day columns → one compact text, e.g. ``Mon-Fri 07:30-17:30; Sat 08:00-12:00``.

Why: Oklahoma publishes one column per weekday (``7:30AM - 5:30PM``, ``CLOSED``); sales needs one
readable value, identical for identical hours, so schedules can be compared and filtered.

Rules (``weekly_schedule``, 7 inputs in the order Mon, Tue, Wed, Thu, Fri, Sat, Sun):

- times become 24-hour ``HH:MM``; ``12:00AM`` is ``00:00`` as an opening time and ``24:00`` as a
  closing time, so Oklahoma's ``12:00AM - 12:00AM`` (open around the clock) is ``00:00-24:00``, as is
  ``24 hours``; a closing time earlier than the opening time (overnight care) is kept as written;
- several ranges in one day (``7:00AM - 12:00PM, 1:00PM - 5:00PM``) are joined with ``,``;
- consecutive days with the same hours are grouped (``Mon-Fri``); ``CLOSED`` days are omitted;
- an unreadable day is kept verbatim in the schedule and flagged; an empty day among filled ones is
  omitted and flagged; all seven empty → null without a flag; closed every day → null + flag.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.registry import Parsed, transform

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_CLOSED = re.compile(r"^(?:closed|close|none|not open|-+)$", re.IGNORECASE)
_ALL_DAY = re.compile(r"^(?:open\s+)?24\s*(?:hours?|hrs?)(?:\s+a\s+day)?$|^24/7$", re.IGNORECASE)
_TIME = re.compile(
    r"^(?:(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))?\s*(?P<ampm>[ap])\.?\s*m?\.?|(?P<h24>[0-9]{1,2}):(?P<m24>[0-9]{2})"
    r"|(?P<word>noon|midnight))$",
    re.IGNORECASE | re.ASCII,
)
_RANGE = re.compile(r"^(?P<start>.+?)\s*(?:-|–|—|\bto\b|\bthru\b|\buntil\b)\s*(?P<end>.+)$", re.IGNORECASE)
_RANGES = re.compile(r"\s*(?:[,;&/]|\band\b)\s*", re.IGNORECASE)


def parse_time(text: str, closing: bool) -> str | None:
    """``7:30AM`` → ``07:30``; ``12:00AM`` → ``00:00`` (opening) or ``24:00`` (closing); else None."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    if match.group("word"):
        word = match.group("word").lower()
        if word == "noon":
            return "12:00"
        return "24:00" if closing else "00:00"
    if match.group("h24") is not None:
        hour, minute = int(match.group("h24")), int(match.group("m24"))
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            return None
        if hour == 0 and minute == 0 and closing:
            hour = 24
        return f"{hour:02d}:{minute:02d}"
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return None
    pm = match.group("ampm").lower() == "p"
    hour = hour % 12 + (12 if pm else 0)
    if hour == 0 and minute == 0 and closing:
        return "24:00"
    return f"{hour:02d}:{minute:02d}"


def parse_day(value: Any) -> tuple[str, str | None]:
    """(kind, hours) for one day cell: kind is 'empty', 'closed', 'open' (hours = ``07:30-17:30``) or 'raw'."""
    text = as_text(value)
    if text is None:
        return "empty", None
    if _CLOSED.match(text):
        return "closed", None
    if _ALL_DAY.match(text):
        return "open", "00:00-24:00"
    ranges = []
    for piece in _RANGES.split(text):
        if not piece:
            continue
        match = _RANGE.match(piece)
        start = parse_time(match.group("start"), closing=False) if match else None
        end = parse_time(match.group("end"), closing=True) if match else None
        if start is None or end is None:
            return "raw", text
        ranges.append(f"{start}-{end}")
    if not ranges:
        return "raw", text
    return "open", ",".join(ranges)


def compact_week(hours: list[str | None]) -> str | None:
    """Group consecutive days with the same hours: ``Mon-Fri 07:30-17:30; Sat 08:00-12:00``."""
    parts: list[str] = []
    i = 0
    while i < len(hours):
        if hours[i] is None:
            i += 1
            continue
        j = i
        while j + 1 < len(hours) and hours[j + 1] == hours[i]:
            j += 1
        days = DAYS[i] if i == j else f"{DAYS[i]}-{DAYS[j]}"
        parts.append(f"{days} {hours[i]}")
        i = j + 1
    return "; ".join(parts) or None


@transform("weekly_schedule", outputs=["schedule"], n_inputs=7)
def weekly_schedule(mon: Any, tue: Any, wed: Any, thu: Any, fri: Any, sat: Any, sun: Any) -> Parsed:
    """Seven day columns (Mon..Sun) → ``Mon-Fri 07:30-17:30; Sat 08:00-12:00`` (24 h, CLOSED days omitted)."""
    parsed = [parse_day(v) for v in (mon, tue, wed, thu, fri, sat, sun)]
    kinds = [k for k, _ in parsed]
    if all(k == "empty" for k in kinds):
        return Parsed((None,))
    problems = [f"schedule: unreadable {day} {quote(h)}" for day, (k, h) in zip(DAYS, parsed) if k == "raw"]
    empty = [day for day, k in zip(DAYS, kinds) if k == "empty"]
    if empty:
        problems.append(f"schedule: no hours for {', '.join(empty)}")
    if all(k in ("closed", "empty") for k in kinds):
        return Parsed((None,), flag=join_flags("schedule: closed every day", *problems))
    schedule = compact_week([h if k in ("open", "raw") else None for k, h in parsed])
    return Parsed((schedule,), flag=join_flags(*problems))
