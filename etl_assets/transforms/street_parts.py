"""A street split over several columns: number + name + additional line, floor / apartment / unit.

Why: some registries (a city's permit list) deliver ``Street Number``, ``Street Name``,
``Additional Address``, ``Floor``, ``Apartment`` as separate columns; a lead needs one ``address1``
(the line a sales rep mails to, and entity resolution's secondary identifier) and one ``address2``.

Rules:
- ``street_parts`` (any number of columns, in the mapping's order): the non-empty parts joined with
  one space (``120`` + ``W 97th St`` → ``120 W 97th St``), then read as ``street_address`` does
  (trimmed, PO boxes and number-less lines flagged, kept);
- ``unit_parts`` (any number of columns): the non-empty parts joined with ``, ``; ``params.labels``
  (one per column, e.g. ``[Floor, Apt]``) is put before a bare value (``2`` → ``Floor 2``), not before
  one already naming itself (``Apt 3B``, ``2nd Floor``, ``Suite 100``);
- ``address_std_parts`` (the street columns, then the ZIP column last): the matching key of the
  joined street and the ZIP, as ``address_std``.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text
from etl_assets.transforms.addresses import address_key, street_address
from etl_assets.transforms.registry import Parsed, transform

_NAMED = re.compile(r"[A-Za-z]{2,}")  # a value with a word in it says what it is (Apt 3B, 2nd Floor)


def join_street(*parts: Any) -> str | None:
    """The street line from its parts, in order, empty parts skipped."""
    texts = [t for t in (as_text(p) for p in parts) if t]
    return " ".join(texts) or None


@transform("street_parts", outputs=["address1"], n_inputs=None)
def street_parts(*parts: Any) -> Parsed:
    """Street number, name and additional line (any number of columns, in order) → ``address1``."""
    return street_address(join_street(*parts))


@transform("unit_parts", outputs=["address2"], n_inputs=None)
def unit_parts(*parts: Any, labels: list[str] | None = None) -> Parsed:
    """Floor, apartment, unit columns → ``address2`` (``Floor 2, Apt 3B``); ``labels`` name bare values."""
    out: list[str] = []
    for i, part in enumerate(parts):
        text = as_text(part)
        if text is None:
            continue
        label = labels[i] if labels and i < len(labels) else None
        out.append(f"{label} {text}" if label and not _NAMED.search(text) else text)
    return Parsed((", ".join(out) or None,))


@transform("address_std_parts", outputs=["address_std"], n_inputs=None)
def address_std_parts(*parts: Any) -> Parsed:
    """Matching key from the street's parts and, last, the ZIP column (as ``address_std``)."""
    if len(parts) < 2:
        return Parsed((None,), flag="address_std_parts: needs the street columns and the ZIP column")
    return Parsed((address_key(join_street(*parts[:-1]), parts[-1]),))
