"""Two columns of a headerless file that only their shape and place give away: city and type.

Why apart: with a header, ``City`` and ``Type`` are matched by name; without one, a city is just
words and a type is just words, which the value sniffers cannot tell from any other text. Two
weak but honest signs are used, each said in the proposal's reason: a column of short place-like
words right before the state or ZIP column is the city; a column of few distinct business-worded
values (``CHILD CARE CENTER``, ``FAMILY CHILD CARE HOME``) is the facility type.
"""

from __future__ import annotations

import re

from etl_assets.onboarding.sniff import Sniffed

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
    return out
