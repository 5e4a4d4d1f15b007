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

Per delivery, a column-level pre-pass (``infer_formats``, run by the normalize stage before the
scalar function) chooses the format of *this* delivery's column among the allowed ``formats`` and
their two-digit-year twins (``%m/%d/%Y`` also allows ``%m/%d/%y`` and vice versa: the field order is
the same, only the year width differs): the format that parses every non-empty value. A ``%Y``
format does not accept a two-digit year (``7/1/22`` is not year 22). Two formats that both parse
every value and disagree on some (``%m/%d/%Y`` vs ``%d/%m/%Y`` on ``3/4/2023``) make the column
ambiguous: an error naming the column and examples, never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.registry import Parsed, Prepared, transform

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
        if "%Y" in fmt and parsed.year < 100:  # '7/1/22' is not the year 22: leave it to a %y format
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


def _strip_prefix(body: str, prefix: str | None) -> str:
    if prefix and body.lower().startswith(prefix.strip().lower()):
        return body[len(prefix.strip()) :].strip()
    return body


def year_twin(fmt: str) -> str | None:
    """The same format with the other year width (``%Y`` ↔ ``%y``), None without a year."""
    if "%Y" in fmt:
        return fmt.replace("%Y", "%y")
    if "%y" in fmt:
        return fmt.replace("%y", "%Y")
    return None


MAX_EXAMPLES = 3


def infer_formats(inputs, params: dict[str, Any]) -> Prepared:
    """Column-level pre-pass of ``date``: this delivery's format among the allowed ones.

    Candidates are grouped in families (a format and its year twin). The family parsing every
    non-empty value wins; when several do, they must agree on every value, else the column is
    ambiguous (``Prepared.error`` with examples). When none parses everything, the family parsing
    the most values wins (the rest is flagged per row as before) if it is the only one with that
    coverage or all such agree. The result's ``formats`` lists the members of the chosen family
    that parse something, most used first.
    """
    (column,) = inputs
    allowed = _formats(params.get("formats"))
    prefix = params.get("prefix")
    pivot = params.get("century_pivot", 69)
    bodies: list[str] = []
    seen: set[str] = set()
    for value in column.dropna().unique():
        if isinstance(value, dt.date):
            continue
        text = as_text(value)
        body = _strip_prefix(text, prefix) if text else None
        if body and body not in seen:
            seen.add(body)
            bodies.append(body)
    if not bodies:
        return Prepared(params)
    families: dict[str, list[str]] = {}
    for fmt in allowed:
        twin = year_twin(fmt)
        family = fmt.replace("%y", "%Y")
        members = families.setdefault(family, [])
        for member in (fmt, twin):
            if member and member not in members:
                members.append(member)
    parsed: dict[str, dict[str, dt.date]] = {}  # family -> body -> date
    used: dict[str, dict[str, int]] = {}  # family -> member -> values it parsed
    for family, members in families.items():
        got: dict[str, dt.date] = {}
        counts = dict.fromkeys(members, 0)
        for body in bodies:
            for member in members:
                d = parse_date(body, [member], pivot)
                if d is not None:
                    got[body] = d
                    counts[member] += 1
                    break
        parsed[family], used[family] = got, counts
    best = max(len(p) for p in parsed.values())
    if best == 0:
        return Prepared(params)
    top = [f for f in families if len(parsed[f]) == best]
    first = top[0]
    disagree = [
        (other, [b for b in parsed[first] if b in parsed[other] and parsed[first][b] != parsed[other][b]])
        for other in top[1:]
    ]
    disagree = [(other, bad) for other, bad in disagree if bad]
    if disagree:
        other, bad = disagree[0]
        examples = ", ".join(
            f"{b!r} is {parsed[first][b].isoformat()} or {parsed[other][b].isoformat()}" for b in bad[:MAX_EXAMPLES]
        )
        return Prepared(
            params,
            error=(
                f"ambiguous date format: {first!r} and {other!r} both read {best} of {len(bodies)} "
                f"distinct values and disagree on {len(bad)} ({examples}); list only the right one in 'formats'"
            ),
        )
    chosen = [m for m, n in sorted(used[first].items(), key=lambda kv: -kv[1]) if n] or families[first][:1]
    warnings: list[str] = []
    if chosen != list(allowed[:1]):
        warnings.append(f"dates read as {chosen} in this delivery (allowed: {list(allowed)})")
    if best < len(bodies):
        misses = [b for b in bodies if b not in parsed[first]]
        warnings.append(
            f"{len(misses)} of {len(bodies)} distinct values match none of {chosen} "
            f"(e.g. {', '.join(repr(m) for m in misses[:MAX_EXAMPLES])}); they are flagged per row"
        )
    return Prepared({**params, "formats": chosen}, warnings=tuple(warnings))


@transform("date", outputs=["date"], prepare=infer_formats)
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
        body = _strip_prefix(text, prefix)
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
