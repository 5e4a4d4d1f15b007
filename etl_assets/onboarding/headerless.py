"""Columns of a headerless file that only their shape and place give away: city, type, name.

Why apart: with a header, ``City`` and ``Type`` are matched by name; without one, a city is just
words and a type is just words, which the value sniffers cannot tell from any other text. Two
weak but honest signs are used, each said in the proposal's reason: a column of short place-like
words right before the state or ZIP column is the city; a column of few distinct business-worded
values (``CHILD CARE CENTER``, ``FAMILY CHILD CARE HOME``) is the facility type. When no column
was matched as the name by its values (names without business words: ``Kim Kowalski``, ``Star
Bright``), the mostly distinct text column with the most name-like values is the name: a name is
mostly distinct, a type is not.
"""

from __future__ import annotations

import re

from etl_assets.onboarding.sniff import Sniffed, few_distinct

_PLACE = re.compile(r"^[A-Za-z][A-Za-z .'-]{1,40}$")


def guess_city_and_type(columns: list[str], sniffed: dict[str, Sniffed], assigned_columns: dict[str, str],
                        taken: set[str]) -> dict[str, tuple[str, str]]:  # fmt: skip
    """kind name -> (column, reason) for the city and facility type of a headerless file."""
    out: dict[str, tuple[str, str]] = {}
    kind_at = {col: kind for kind, col in assigned_columns.items()}
    for i, column in enumerate(columns):
        s = sniffed[column]
        strong = max((share for kind, share in s.shares.items() if kind not in ("company", "person")), default=0.0)
        if column in taken or not s.n_values or strong >= 0.5:  # phones, ZIPs, streets ...: something else
            continue
        nxt = kind_at.get(columns[i + 1]) if i + 1 < len(columns) else None
        few = s.n_distinct <= max(10, 0.2 * s.n_values)
        if "facility_type" not in out and few and s.share("company") >= 0.5 and s.n_values >= 5:
            out["facility_type"] = (column, f"values only: {s.n_distinct} distinct business-worded values (a type)")
        elif "city" not in out and nxt in ("state", "zip") and s.share("company") < 0.2 and all(
            _PLACE.match(v) and len(v.split()) <= 3 for v in s.examples
        ):
            out["city"] = (column, f"values only: place names right before the {nxt} column")
    if "company" not in assigned_columns:
        names = [c for c in columns if c not in taken and c not in {col for col, _ in out.values()}
                 and _name_like(sniffed[c]) >= 0.25 and not few_distinct(sniffed[c])
                 and sniffed[c].n_distinct >= 0.8 * sniffed[c].n_values]  # fmt: skip
        if names:
            best = max(names, key=lambda c: _name_like(sniffed[c]))
            s = sniffed[best]
            out["company"] = (best, f"values only: {s.n_distinct} distinct of {s.n_values} ({_name_like(s):.0%} "
                                    "business or person names), the most distinct text column: the name")  # fmt: skip
    return out


def _name_like(s: Sniffed) -> float:
    strong = max((share for kind, share in s.shares.items() if kind not in ("company", "person")), default=0.0)
    return 0.0 if strong >= 0.5 else s.share("company") + s.share("person")
