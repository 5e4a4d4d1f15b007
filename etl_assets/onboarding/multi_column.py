"""Leads columns a registry spreads over several source columns: the street, the unit, the week.

Why apart from one-column matching (``matching.py``): ``Street Number`` + ``Street Name`` +
``Additional Address`` are one ``address1`` only together, ``Floor`` + ``Apartment`` one ``address2``,
``0600 To 1800`` + ``MTWTHF`` one ``schedule``; matched one by one they are no street (a number alone)
or left out. The headers say so (``normalize_header`` against the short lists below) and the values
agree (house numbers, street words, day letters), checked on the sample. A city column holding New
York City's boroughs implies the state, proposed as a constant.
"""

from __future__ import annotations

import re

from etl_assets.onboarding.kinds import normalize_header
from etl_assets.onboarding.proposal import FieldProposal
from etl_assets.onboarding.sniff import Sniffed

_NUMBER = {"street number", "house number", "building number", "address number", "bldg number", "street num",
           "house num", "number", "street number"}  # fmt: skip
_NAME = {"street name", "street", "street name and suffix", "name of street"}
_ADDITIONAL = {"additional address", "address additional", "additional address line", "additional street address",
               "address extra", "additional address information"}  # fmt: skip
_UNIT_LABELS = {"floor": "Floor", "floor number": "Floor", "apartment": "Apt", "apartment number": "Apt",
                "apt": "Apt", "apt number": "Apt", "unit": "Unit", "unit number": "Unit", "suite": "Suite",
                "suite number": "Suite", "room": "Room", "room number": "Room"}  # fmt: skip
_SPLIT_UNITS = {"floor", "floor number", "apartment", "apartment number", "apt number", "room", "room number"}
_DAYS = {"days", "days of operation", "days open", "operating days", "days of week", "day of week", "open days",
         "days of service", "days of the week", "days operating"}  # fmt: skip
_HOUSE_NUMBER = re.compile(r"^\d+[A-Z]?(?:[-/]\d+[A-Z]?)?(?:\s*1/2)?$", re.I)
BOROUGHS = {"MANHATTAN", "BROOKLYN", "QUEENS", "BRONX", "THE BRONX", "STATEN ISLAND", "NEW YORK"}


def _first(columns: list[str], names: set[str], taken: set[str]) -> str | None:
    return next((c for c in columns if c not in taken and normalize_header(c) in names), None)


def street_fields(columns: list[str], sniffed: dict[str, Sniffed], values: dict[str, list[str]],
                  taken: set[str]) -> list[FieldProposal]:  # fmt: skip
    """address1 from number + name (+ additional line); address2 from floor / apartment / unit
    columns. Empty when the headers do not split a street. (``std_field`` adds the matching key.)"""
    out: list[FieldProposal] = []
    number, name = _first(columns, _NUMBER, taken), _first(columns, _NAME, taken)
    if number and name and _share(values[number], _HOUSE_NUMBER.match) >= 0.8 and sniffed[name].share("street") < 0.5:
        parts = [number, name] + [c for c in [_first(columns, _ADDITIONAL, taken)] if c]
        why = f"the street is split: {' + '.join(map(repr, parts))} (house numbers in {number!r}), joined in this order"
        out.append(FieldProposal(tuple(parts), ("address1",), "street_parts", 0.85, why))
    units = [c for c in columns if c not in taken and normalize_header(c) in _UNIT_LABELS]
    if units and (out or any(normalize_header(c) in _SPLIT_UNITS for c in units)):
        labels = [_UNIT_LABELS[normalize_header(c)] for c in units]
        why = f"the unit is split: {' + '.join(map(repr, units))}, joined as {', '.join(labels)}"
        out.append(FieldProposal(tuple(units), ("address2",), "unit_parts", 0.8, why, params={"labels": labels}))
    return out


def std_field(street: FieldProposal, zip_column: str) -> FieldProposal:
    """The matching key of a split street: its parts, then the ZIP column."""
    return FieldProposal((*street.from_, zip_column), ("address_std",), "address_std_parts", street.confidence,
                         "matching key of the joined street + ZIP")  # fmt: skip


_AGE_FLAGS = {"infant": "infant", "infants": "infant", "toddler": "toddler", "toddlers": "toddler",
              "preschool": "preschool", "pre school": "preschool", "school": "school", "school age": "school"}  # fmt: skip


def age_flag_field(columns: list[str], sniffed: dict[str, Sniffed]) -> FieldProposal | None:
    """Four Y/N columns named infant, toddler, preschool, school → ``ages_from_flags``."""
    found: dict[str, str] = {}
    for c in columns:
        key = _AGE_FLAGS.get(normalize_header(c))
        if key and key not in found and sniffed[c].share("yes_no") >= 0.8:
            found[key] = c
    if len(found) != 4:
        return None
    cols = tuple(found[k] for k in ("infant", "toddler", "preschool", "school"))
    return FieldProposal(cols, ("ages_served", "min_age", "max_age"), "ages_from_flags", 0.9,
                         "four Y/N columns named infant, toddler, preschool, school")  # fmt: skip


_WEEKDAYS = ({"mon", "monday"}, {"tue", "tues", "tuesday"}, {"wed", "wednesday"}, {"thu", "thur", "thurs", "thursday"},
             {"fri", "friday"}, {"sat", "saturday"}, {"sun", "sunday"})  # fmt: skip


def week_field(columns: list[str], sniffed: dict[str, Sniffed], taken: set[str]) -> FieldProposal | None:
    """Seven day columns (``Mon`` .. ``Sunday``) holding hours → ``weekly_schedule``."""
    days = [_first(columns, names, taken) for names in _WEEKDAYS]
    if None in days or max(sniffed[d].share("hours") for d in days) < 0.5:
        return None
    return FieldProposal(tuple(days), ("schedule",), "weekly_schedule", 0.85,
                         f"seven day columns {', '.join(map(repr, days))} holding opening hours")  # fmt: skip


def age_label_field(columns: list[str], sniffed: dict[str, Sniffed], taken: set[str]) -> FieldProposal | None:
    """Several columns of age-group labels (``Infants (0-11 months)`` …) → ``ages_from_labels``."""
    ages = [c for c in columns if c not in taken and sniffed[c].share("ages") >= 0.8]
    if len(ages) < 2:
        return None
    return FieldProposal(tuple(ages), ("ages_served", "min_age", "max_age"), "ages_from_labels", 0.8,
                         f"age-group labels in {', '.join(map(repr, ages))}")  # fmt: skip


def schedule_field(columns: list[str], sniffed: dict[str, Sniffed], hours_column: str | None,
                   taken: set[str]) -> FieldProposal | None:  # fmt: skip
    """``schedule`` from an hours column and a days column together (or the days alone)."""
    days = _first(columns, _DAYS, taken)
    if not days or sniffed[days].share("days") < 0.8:
        return None
    if hours_column is None:
        hours_column = next((c for c in columns if c not in taken and c != days and sniffed[c].share("hours") >= 0.8), None)
    if hours_column is None:
        return FieldProposal((days,), ("schedule",), "hours_and_days", 0.7, f"days in {days!r}, no hours column")
    why = f"hours in {hours_column!r} ({sniffed[hours_column].share('hours'):.0%} time ranges) and days in {days!r}"
    return FieldProposal((hours_column, days), ("schedule",), "hours_and_days", 0.85, why)


def implied_state(city_column: str, values: list[str]) -> FieldProposal | None:
    """``NY`` as a constant when the city column holds New York City boroughs (a city registry)."""
    present = {v.strip().upper() for v in values if isinstance(v, str) and v.strip()}
    if not present or len(present & BOROUGHS) < 0.9 * len(present) or normalize_header(city_column) not in (
        "borough", "boro", "borough name"
    ):
        return None
    why = f"{city_column!r} holds New York City boroughs ({', '.join(sorted(present)[:5])}), so the state is NY"
    return FieldProposal((), ("state",), "state_code", 0.8, why, value="NY")


def _share(values: list[str], test) -> float:
    present = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    return sum(1 for v in present if test(v)) / len(present) if present else 0.0
