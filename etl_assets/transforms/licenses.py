"""Licenses: type, number and status, split out of the combined cells some registries publish.

Why: license numbers are identifiers (``1106-22``, ``K820055232``): they must stay text, never be
converted to numbers (leading zeros, dashes), and compare equal across deliveries, so they are
trimmed and upper-cased. Some registries pack several facts into one cell:

- Oklahoma ``Type License``: ``CHILD CARE FAMILY - K820055232`` → license_type ``CHILD CARE FAMILY``,
  license_number ``K820055232`` (split on the last spaced dash).
- Nevada ``Credential Type`` + ``Status``: ``CENTER (PROVISIONAL)`` + ``Active``. The provisional
  state is a property of the license, not a different type of care, so license_type is ``CENTER``
  and the qualifier joins the status: license_status ``Active (Provisional)`` (``Provisional`` alone
  when Status is empty). Any trailing parenthesised qualifier is handled the same way.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.columns import upper_column
from etl_assets.transforms.registry import Parsed, transform

_TYPE_NUMBER = re.compile(r"^(?P<type>.*\S)\s+[-–—]\s+(?P<number>[^\s]+)$")
_LOOKS_LIKE_NUMBER = re.compile(r"^[#A-Z]{0,4}[-\s]?[0-9][0-9A-Z./-]*$", re.IGNORECASE)


def is_type_and_number(text: str) -> bool:
    """``CHILD CARE FAMILY - K820055232``: a type, a dash, a number with a digit (onboarding's sniffer)."""
    match = _TYPE_NUMBER.match(text.strip())
    return bool(match) and any(c.isdigit() for c in match.group("number")) and not text.strip()[0].isdigit()


_QUALIFIER = re.compile(r"^(?P<type>.*?)\s*\((?P<qualifier>[^()]*)\)$")


def clean_license_number(value: Any) -> str | None:
    """Trimmed, upper-cased license number text (``k820055232 `` → ``K820055232``)."""
    text = as_text(value)
    return text.upper() if text else None


def _qualifier_case(text: str) -> str:
    return text.capitalize() if text.isupper() or text.islower() else text


@transform("license_number", outputs=["license_number"], column=lambda values: upper_column(values, clean_license_number))
def license_number(value: Any) -> Parsed:
    """License number as trimmed upper-case text; never converted to a number."""
    return Parsed((clean_license_number(value),))


@transform("license_type_and_number", outputs=["license_type", "license_number"])
def license_type_and_number(value: Any) -> Parsed:
    """``CHILD CARE FAMILY - K820055232`` → (``CHILD CARE FAMILY``, ``K820055232``)."""
    text = as_text(value)
    if text is None:
        return Parsed((None, None))
    match = _TYPE_NUMBER.match(text)
    if match and any(c.isdigit() for c in match.group("number")):
        return Parsed((match.group("type"), clean_license_number(match.group("number"))))
    if _LOOKS_LIKE_NUMBER.match(text):
        return Parsed((None, clean_license_number(text)), flag=f"license: no type in {quote(text)}")
    return Parsed((text, None), flag=f"license: no number in {quote(text)}")


@transform("license_type_with_status", outputs=["license_type", "license_status"], n_inputs=2)
def license_type_with_status(credential_type: Any, status: Any) -> Parsed:
    """(``CENTER (PROVISIONAL)``, ``Active``) → (``CENTER``, ``Active (Provisional)``)."""
    kind = as_text(credential_type)
    state = as_text(status)
    if kind is None:
        return Parsed((None, state))
    match = _QUALIFIER.match(kind)
    if not match:
        return Parsed((kind, state))
    base = match.group("type").strip() or None
    qualifier = as_text(match.group("qualifier"))
    if qualifier is None:
        return Parsed((base, state))
    qualifier = _qualifier_case(qualifier)
    return Parsed((base, f"{state} ({qualifier})" if state else qualifier))
