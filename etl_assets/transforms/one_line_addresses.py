"""One-line addresses: ``150 N. WILLOW ST MESQUITE, NV 89027`` → street, city, state, ZIP.

Why: Nevada writes the whole address in one field; the leads table wants the parts, each read by
the same rules as the other registries' separate columns (``addresses.py``).

Rules (``us_address_one_line``, ``address_std_one_line``): ``usaddress`` tags the line (results
cached); when it cannot (repeated labels, no city/ZIP), a fallback reads ``<street> <city>, <ST> <zip>``
and splits street from city after the last street-suffix/unit word (``vocab.py``). If both fail the
whole text goes to address1, flagged. The city is title-cased (``NORTH LAS VEGAS`` → ``North Las
Vegas``), as the other sources' city columns are through ``name_case``; the street keeps the
registry's casing. A Canadian address is kept in address1/city and flagged.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import usaddress

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.addresses import (
    DIGIT,
    EDGE_PUNCT,
    address_key,
    clean_street,
    parse_state,
    parse_zip,
    street_problem,
)
from etl_assets.transforms.casing import case_name
from etl_assets.transforms.registry import Parsed, transform
from etl_assets.transforms.vocab import STREET_SUFFIX_WORDS, UNIT_WORDS

_NOT_STREET = frozenset({"PlaceName", "StateName", "ZipCode", "CountryName", "Recipient", "NotAddress"})
_FALLBACK = re.compile(
    r"^(?P<street_city>.+?)\s*,\s*(?P<state>[A-Za-z]{2}|[A-Za-z][A-Za-z .]+?)\.?\s*,?\s+"
    r"(?P<zip>[0-9]{4,5}(?:\s*-\s*[0-9]{4})?)\s*$"
)


@lru_cache(maxsize=4096)
def _usaddress_tag(text: str) -> tuple[tuple[tuple[str, str], ...], str] | None:
    try:
        tagged, kind = usaddress.tag(text)
    except Exception:  # RepeatedLabelError, and anything odd in the CRF tagger
        return None
    return tuple(tagged.items()), kind


def _split_street_city(text: str) -> tuple[str | None, str | None]:
    """Fallback split of ``150 N. WILLOW ST MESQUITE`` into street and city (usaddress failed).

    A comma splits when what follows is not a unit (``RD., STE 1``); otherwise the street ends at
    the first street-suffix word after the name (plus a following unit and its identifier). Cities
    that contain suffix words can fool it, which is why usaddress is tried first. A text without
    any digit is taken as a city alone.
    """
    words = text.replace(",", ", ").split()
    if "," in text:
        street, _, city = text.rpartition(",")
        first = city.split()[0].upper().strip(".,#") if city.split() else ""
        if city.strip() and first not in UNIT_WORDS and not first[:1].isdigit():
            return street.strip(EDGE_PUNCT) or None, city.strip(EDGE_PUNCT) or None
    if not DIGIT.search(text):
        return None, text.strip(EDGE_PUNCT) or None
    bare = [w.upper().strip(".,") for w in words]
    cut = next((i + 1 for i in range(2, len(words) - 1) if bare[i] in STREET_SUFFIX_WORDS), None)
    if cut is None:
        return text.strip(EDGE_PUNCT), None
    if cut < len(words) - 2 and bare[cut] in UNIT_WORDS:
        cut += 2
    street = " ".join(words[:cut]).replace(" ,", ",").strip(EDGE_PUNCT)
    city = " ".join(words[cut:]).replace(" ,", ",").strip(EDGE_PUNCT)
    return street or None, city or None


_CANADIAN_TAIL = re.compile(r"^(?P<street_city>.+?)\s*,\s*(?P<province>[A-Za-z .]+?)\.?,?\s+(?P<postal>[A-Z][0-9][A-Z]\s?[0-9][A-Z][0-9])$", re.IGNORECASE)


def parse_one_line(value: Any) -> tuple[tuple[str | None, str | None, str | None, str | None], list[str]]:
    """((address1, city, state, zip), problems) for ``<street> <city>, <ST> <zip>``."""
    text = as_text(value)
    if text is None:
        return (None, None, None, None), []
    canadian = _CANADIAN_TAIL.match(text)
    if canadian:
        street, city = _split_street_city(canadian.group("street_city"))
        return (clean_street(street), city, None, None), [f"address: Canadian address {quote(text)}"]
    street = city = state_raw = zip_raw = None
    parsed = False
    tagged = _usaddress_tag(text)
    if tagged is not None:
        parts, _kind = tagged
        labels = dict(parts)
        if labels.get("PlaceName") and labels.get("ZipCode"):
            street = " ".join(v.strip(EDGE_PUNCT) for k, v in parts if k not in _NOT_STREET) or None
            city = labels["PlaceName"].strip(EDGE_PUNCT) or None
            state_raw = labels.get("StateName")
            zip_raw = labels["ZipCode"]
            parsed = True
    if not parsed:
        match = _FALLBACK.match(text)
        if match:
            street, city = _split_street_city(match.group("street_city"))
            state_raw, zip_raw = match.group("state"), match.group("zip")
            parsed = True
    if not parsed:
        return (text, None, None, None), [f"address: could not parse {quote(text)}"]
    problems: list[str] = []
    if street is None:
        problems.append(f"address: no street in {quote(text)}")
    if city is None:
        problems.append(f"address: no city found in {quote(text)}")
    state, state_problem = parse_state(state_raw)
    if state_problem:
        problems.append(f"state: {state_problem}")
    zip_5, zip_problem = parse_zip(zip_raw)
    if zip_problem:
        problems.append(f"zip: {zip_problem}")
    street = clean_street(street)
    if street:
        problem = street_problem(street)
        if problem:
            problems.append(f"address: {problem}")
    return (street, city, state, zip_5), problems


@transform("us_address_one_line", outputs=["address1", "city", "state", "zip"])
def us_address_one_line(value: Any) -> Parsed:
    """``150 N. WILLOW ST MESQUITE, NV 89027`` → (``150 N. WILLOW ST``, ``Mesquite``, ``NV``, ``89027``).

    The city is title-cased like every other source's ``city`` column (mapped through ``name_case``),
    so one city is one value in the warehouse whichever registry it came from.
    """
    (street, city, state, zip_5), problems = parse_one_line(value)
    return Parsed((street, case_name(city), state, zip_5), flag=join_flags(*problems))


@transform("address_std_one_line", outputs=["address_std"])
def address_std_one_line(value: Any) -> Parsed:
    """Matching key for a one-line address (parsed as ``us_address_one_line``, then ``address_std``)."""
    (street, _city, _state, zip_5), _problems = parse_one_line(value)
    return Parsed((address_key(street, zip_5),))
