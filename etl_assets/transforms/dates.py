"""Dates: text → ``datetime.date`` with explicit ``strptime`` formats only (no guessing).

Why: ``3/4/2023`` is March 4th in one registry and April 3rd in another, so every mapping names
its formats; nothing is inferred. ``%m/%d/%Y`` accepts ``7/31/2023`` (strptime does not need zero
padding), ``%Y-%m-%d`` is ISO, ``%Y-%m-%d %H:%M:%S`` reads Salesforce's ``2023-06-01 6:35:38`` (the
time is dropped).

Transform ``date`` (outputs [date]); params:

- ``formats``: a list of strptime formats tried in order (default ``["%Y-%m-%d"]``);
- ``prefix``: literal text stripped from the start when present, case-insensitive
  (Oklahoma: ``Monitoring since 2021-03-30`` with ``prefix: "Monitoring since "``);
- ``century_pivot`` (default 69, Python's own rule): for ``%y`` formats a two-digit year ``yy``
  becomes ``20yy`` when ``yy < century_pivot`` and ``19yy`` otherwise;
- ``on_error``: ``flag`` (default: the row is kept, the date is null and flagged) or
  ``quarantine`` (the row is quarantined with the reason) — applies to a value that fails every
  format, such as ``02/30/2023``.

Always: empty → None with no flag; a year ≥ 9000 (``12/31/9999``) is the registries' "no expiry"
placeholder → None + flag (never quarantined); a year before 1900 → None + flag (implausible).
A ``date``/``datetime`` value is passed through, so the transform is idempotent on its output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.registry import Parsed, transform

DEFAULT_FORMATS = ("%Y-%m-%d",)
PLACEHOLDER_YEAR = 9000  # 12/31/9999 and friends mean "no expiry"
MIN_YEAR = 1900
_ON_ERROR = ("flag", "quarantine")


def _formats(formats: str | Sequence[str] | None) -> tuple[str, ...]:
    if formats is None:
        return DEFAULT_FORMATS
    if isinstance(formats, str):
        return (formats,)
    result = tuple(formats)
    if not result or not all(isinstance(f, str) and f for f in result):
        raise ValueError(f"date: 'formats' must be a non-empty list of strptime formats, got {formats!r}")
    return result


def parse_date(
    text: str, formats: Sequence[str], century_pivot: int = 69
) -> dt.date | None:
    """The first format that parses ``text`` gives the date; None when none does."""
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except (ValueError, OverflowError, TypeError):
            continue
        if "%y" in fmt:
            yy = parsed.year % 100
            year = 2000 + yy if yy < century_pivot else 1900 + yy
            try:
                parsed = parsed.replace(year=year)
            except ValueError:  # 29 February in a non-leap century
                continue
        return parsed.date()
    return None


@transform("date", outputs=["date"])
def date(
    value: Any,
    formats: str | Sequence[str] | None = None,
    prefix: str | None = None,
    century_pivot: int = 69,
    on_error: str = "flag",
) -> Parsed:
    """A date parsed with the explicit ``formats``; failures flagged (or quarantined with on_error: quarantine)."""
    if on_error not in _ON_ERROR:
        raise ValueError(f"date: on_error must be one of {_ON_ERROR}, got {on_error!r}")
    fmts = _formats(formats)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        parsed: dt.date | None = value
        text = value.isoformat()
    else:
        text = as_text(value)
        if text is None:
            return Parsed((None,))
        body = text
        if prefix and body.lower().startswith(prefix.strip().lower()):
            body = body[len(prefix.strip()) :].strip()
        parsed = parse_date(body, fmts, century_pivot) if body else None
    if parsed is None:
        reason = f"date: {quote(text)} does not match {list(fmts)}"
        if on_error == "quarantine":
            return Parsed((None,), error=reason)
        return Parsed((None,), flag=reason)
    if parsed.year >= PLACEHOLDER_YEAR:
        return Parsed((None,), flag=f"date: {quote(text)} is a no-expiry placeholder")
    if parsed.year < MIN_YEAR:
        return Parsed((None,), flag=f"date: {quote(text)} is implausibly old")
    return Parsed((parsed,))
