"""Candidates for one sample column: which kinds of leads value it could be, and how sure.

Why apart from ``propose.py``: ``check-mapping`` asks the same question of a sample's columns to
list the leads columns the sample could fill against those its mapping fills (``check_rules.py``).

confidence = 0.6 x header similarity + 0.4 x value agreement when the header matches (>= 0.8);
0.5 + 0.3 x value share when only the values speak (files without a header row). Value agreement
is the sniffed share for value kinds, 0.5 + half the company-like share for company names, and a
neutral 0.5 for plain text kinds (0 when the values are clearly phones, dates ...). A column with
few distinct values for its size is never a business or person name: it is a type, kind or status.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl_assets.onboarding.kinds import KIND_BY_NAME, KINDS, Kind, header_similarity
from etl_assets.onboarding.sniff import Sniffed, few_distinct

HEADER_MATCH = 0.8  # header similarity (0..1) from which the header counts as evidence
ACCEPT = 0.6  # minimum confidence to map a column
_STRONG_VALUES = ("phone", "email", "zip", "date", "one_line_address", "url", "yes_no", "type_and_number", "ages",
                  "hours")  # fmt: skip
_NAME_VALUES = ("company", "person")


@dataclass
class Candidate:
    column: str
    kind: Kind
    confidence: float
    why: str


def _value_agreement(kind: Kind, s: Sniffed) -> float:
    if kind.value == "id":
        return s.share("id") * (1.0 if s.n_distinct >= 0.95 * s.n_values else 0.6)
    if kind.value == "person":
        return s.shares.get("person", 0.5 if s.share("company") < 0.5 else 0.2)
    if kind.value == "company":
        strong = max([s.share(v) for v in _STRONG_VALUES] + [s.share("id") if s.share("company") < 0.5 else 0.0])
        return 0.5 + 0.5 * s.share("company") if strong < 0.5 else 0.0
    if kind.value == "integer":
        return s.share("integer")
    if kind.value:
        return s.share(kind.value)
    # a text kind: no evidence either way (0.5) unless the values are clearly something else
    strong = max((s.share(v) for v in _STRONG_VALUES), default=0.0)
    return 0.5 * (1.0 - strong)


def _date_kind_by_values(s: Sniffed) -> str:
    return "certificate_expiration_date" if s.date and s.date.future_share > 0.5 else "license_issued"


def candidates_for(column: str, s: Sniffed, header: bool,
                   learned: dict[str, dict[str, str]] | None = None) -> list[Candidate]:  # fmt: skip
    """The kinds ``column`` could be, with their confidence; ``learned`` (``learned.py``) adds the
    headers committed mappings map to each kind: kind name -> {header: the mapping it comes from}."""
    out: list[Candidate] = []
    if s.n_values == 0:
        return out
    learned = learned or {}
    for kind in KINDS:
        if kind.value in _NAME_VALUES and few_distinct(s):
            continue  # a handful of values over many records: a type, kind or status, not a name
        h, syn = header_similarity(column, kind, tuple(learned.get(kind.name, ()))) if header else (0.0, "")
        note = f", as in {learned[kind.name][syn]}" if syn in learned.get(kind.name, {}) else ""
        v = _value_agreement(kind, s)
        value_word = {"integer": "integers", "id": "id-like", "yes_no": "Y/N", "type_and_number": "'type - number'",
                      "ages": "ages served", "hours": "opening hours"}.get(kind.value or "", kind.value)
        shown = s.share("company") if kind.value == "company" else v
        value_note = f"{shown:.0%} of values {value_word}" if kind.value else "text"
        if h >= HEADER_MATCH:
            confidence = 0.6 * h + 0.4 * v
            why = f"header {column!r} ~ {syn!r} ({h * 100:.0f}{note}); {value_note}"
        elif (
            kind.value_only is not None
            and (vo := s.share("company") if kind.value == "company" else v) >= kind.value_only
            and (not header or kind.value in _STRONG_VALUES + ("state",))
        ):
            confidence = 0.5 + 0.3 * vo
            why = f"values only: {value_note}"
        elif kind.value == "date" and s.date and s.share("date") >= 0.8 and kind.name == _date_kind_by_values(s):
            confidence = 0.5 + 0.2 * s.share("date")
            why = f"values only: {s.share('date'):.0%} dates, {s.date.future_share:.0%} in the future"
        else:
            continue
        if kind.value in ("phone", "email", "zip", "state", "date", "one_line_address", "yes_no", "type_and_number",
                          "ages", "hours") and v < 0.5:
            continue  # the header says phone, the values say otherwise: not a match
        if kind.name == "one_line_address" and v < 0.5:
            continue
        if confidence >= ACCEPT:
            out.append(Candidate(column, kind, round(confidence, 2), why))
    return out


_DATE_KINDS = ("license_issued", "certificate_expiration_date", "license_renewed")


def order_value_only_dates(candidates: list[Candidate], sniffed: dict[str, Sniffed]) -> list[Candidate]:
    """Date columns known by their values only: the earliest (by median) is the issue date, the
    latest the expiration date, one in between the renewal date."""
    blind = [c for c in candidates if c.kind.name in _DATE_KINDS and c.why.startswith("values only")]
    if len(blind) < 2:
        return candidates
    blind.sort(key=lambda c: sniffed[c.column].date.median)
    names = ["license_issued", *(["license_renewed"] * (len(blind) - 2)), "certificate_expiration_date"]
    rest = [c for c in candidates if c not in blind]
    for cand, name in zip(blind, names):
        note = f"; {'earliest' if name == 'license_issued' else 'latest' if name.startswith('cert') else 'middle'} date column"
        rest.append(Candidate(cand.column, KIND_BY_NAME[name], cand.confidence, cand.why + note))
    return rest


