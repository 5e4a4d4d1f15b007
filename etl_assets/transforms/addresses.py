"""Postal addresses: street lines, ZIP codes, state codes and the address matching key.

Why: the registries write the same place as ``150 N. WILLOW ST MESQUITE, NV 89027`` (Nevada, one
field), ``1410 N. CHEYENNE AVE.`` (Oklahoma), ``19290 K ST `` (Texas, trailing spaces) or
``525 Comanche Street,`` (Salesforce). Display columns keep the registry's text, cleaned; the
matching column ``address_std`` is a deterministic USPS-style key for the duplicate finder.
Nevada's one-field addresses are split by ``one_line_addresses.py`` into the parts read here.

Rules:
- ``street_address``: white space collapsed, stray leading/trailing punctuation removed; PO boxes and
  lines with no digit at all are kept verbatim and flagged.
- ``zip5``: 5 digits as text; ZIP+4 (``73099-1234``, ``730991234``) is cut to 5. A 4-digit value is
  a ZIP whose leading zero was lost by a numeric export (New England, NJ, PR: ``7309`` → ``07309``):
  it is padded and flagged. Anything else (including ``00000`` and Canadian postal codes) → null + flag.
- ``state_code``: 2-letter USPS code from a code, a full name or an AP abbreviation (``New York``,
  ``Okla.``, ``N.Y.``), including DC, the territories (PR, GU, VI, AS, MP, UM, FM, MH, PW) and the
  military codes (AA, AE, AP). Canadian provinces (``Alberta``, ``BC``) and anything else → null +
  flag: the leads warehouse is US-only and its ``state`` column must be a US code.
- ``address_std`` (address1, zip): upper case, punctuation removed, ``&`` → ``AND``, every word of the
  USPS tables (``vocab.py``) abbreviated wherever it occurs (STREET→ST, AVENUE→AVE, DRIVE→DR, PARKWAY→PKWY,
  NORTH→N, SUITE→STE, SAINT→ST …) and the 5-digit ZIP appended. It is a matching key, not a display
  value: abbreviating street-name words too (``LAKE MEAD`` → ``LK MEAD``) keeps it deterministic and
  idempotent.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, quote
from etl_assets.transforms.registry import Parsed, transform
from etl_assets.transforms.vocab import STREET_ABBREVIATIONS, US_STATES

# --- states ----------------------------------------------------------------------------------

_STATE_ALIASES = {
    "WASHINGTON DC": "DC", "WASHINGTON D C": "DC", "D C": "DC", "DIST OF COLUMBIA": "DC",
    "US VIRGIN ISLANDS": "VI", "U S VIRGIN ISLANDS": "VI", "VIRGIN ISLANDS OF THE UNITED STATES": "VI",
    "ALA": "AL", "ARIZ": "AZ", "ARK": "AR", "CALIF": "CA", "CAL": "CA", "COLO": "CO", "CONN": "CT",
    "DEL": "DE", "FLA": "FL", "ILL": "IL", "IND": "IN", "KAN": "KS", "KANS": "KS", "MASS": "MA",
    "MICH": "MI", "MINN": "MN", "MISS": "MS", "MONT": "MT", "NEB": "NE", "NEBR": "NE", "NEV": "NV",
    "N H": "NH", "N J": "NJ", "N M": "NM", "N MEX": "NM", "N Y": "NY", "N C": "NC", "N D": "ND",
    "N DAK": "ND", "OKLA": "OK", "ORE": "OR", "OREG": "OR", "PENN": "PA", "PENNA": "PA", "R I": "RI",
    "S C": "SC", "S D": "SD", "S DAK": "SD", "TENN": "TN", "TEX": "TX", "VT": "VT", "WASH": "WA",
    "W VA": "WV", "WIS": "WI", "WISC": "WI", "WYO": "WY",
}  # fmt: skip
_PROVINCES = {
    "AB": "ALBERTA", "BC": "BRITISH COLUMBIA", "MB": "MANITOBA", "NB": "NEW BRUNSWICK",
    "NL": "NEWFOUNDLAND AND LABRADOR", "NS": "NOVA SCOTIA", "NT": "NORTHWEST TERRITORIES",
    "NU": "NUNAVUT", "ON": "ONTARIO", "PE": "PRINCE EDWARD ISLAND", "QC": "QUEBEC",
    "SK": "SASKATCHEWAN", "YT": "YUKON",
}  # fmt: skip
_PROVINCE_ALIASES = {"NEWFOUNDLAND": "NL", "LABRADOR": "NL", "QUÉBEC": "QC", "PQ": "QC", "YUKON TERRITORY": "YT",
                     "NF": "NL", "PEI": "PE", "P E I": "PE"}  # fmt: skip

_STATE_LOOKUP: dict[str, str] = {
    **{code: code for code in US_STATES},
    **{name: code for code, name in US_STATES.items()},
    **_STATE_ALIASES,
}
_PROVINCE_LOOKUP: dict[str, str] = {
    **{code: code for code in _PROVINCES},
    **{name: code for code, name in _PROVINCES.items()},
    **_PROVINCE_ALIASES,
}
_STATE_PUNCT = re.compile(r"[.\-_,]+")
_SPACES = re.compile(r"\s+")


def _state_key(text: str) -> str:
    key = _SPACES.sub(" ", _STATE_PUNCT.sub(" ", text.upper())).strip()
    return key.replace(" AND ", " AND ").replace("&", "AND")


def parse_state(value: Any) -> tuple[str | None, str | None]:
    """(USPS code, problem) for a state code/name; problem None when fine or empty."""
    text = as_text(value)
    if text is None:
        return None, None
    key = _state_key(text)
    code = _STATE_LOOKUP.get(key) or _STATE_LOOKUP.get(key.replace(" ", ""))
    if code:
        return code, None
    if key in _PROVINCE_LOOKUP or key.replace(" ", "") in _PROVINCE_LOOKUP:
        return None, f"Canadian province {quote(text)} is not a US state"
    return None, f"unknown state {quote(text)}"


@transform("state_code", outputs=["state"])
def state_code(value: Any) -> Parsed:
    """2-letter USPS state code from a code or full name (``New York`` → ``NY``); non-US → null + flag."""
    code, problem = parse_state(value)
    return Parsed((code,), flag=f"state: {problem}" if problem else None)


# --- ZIP codes -------------------------------------------------------------------------------

_ZIP = re.compile(r"^([0-9]{5})(?:\s*-?\s*[0-9]{4})?$", re.ASCII)
_ZIP_LOST_ZERO = re.compile(r"^([0-9]{4})(?:-[0-9]{4})?$", re.ASCII)
_ZIP_FLOAT = re.compile(r"^([0-9]{4,5})\.0+$", re.ASCII)
_CANADIAN_POSTAL = re.compile(r"^[A-Z][0-9][A-Z]\s?[0-9][A-Z][0-9]$", re.IGNORECASE | re.ASCII)


def parse_zip(value: Any) -> tuple[str | None, str | None]:
    """(5-digit ZIP, problem-or-note); see the module docstring for the rules."""
    text = as_text(value)
    if text is None:
        return None, None
    float_match = _ZIP_FLOAT.match(text)
    body = float_match.group(1) if float_match else text
    match = _ZIP.match(body)
    if match:
        zip5 = match.group(1)
        if zip5 == "00000":
            return None, f"invalid ZIP {quote(text)}"
        return zip5, None
    lost = _ZIP_LOST_ZERO.match(body)
    if lost:
        zip5 = "0" + lost.group(1)
        return zip5, f"padded {quote(text)} to {quote(zip5)}"
    if _CANADIAN_POSTAL.match(text):
        return None, f"Canadian postal code {quote(text)} is not a US ZIP"
    return None, f"invalid ZIP {quote(text)}"


@transform("zip5", outputs=["zip"])
def zip5(value: Any) -> Parsed:
    """5-digit ZIP text, leading zeros kept, ZIP+4 cut; a 4-digit ZIP is zero-padded + flagged."""
    code, problem = parse_zip(value)
    if code is not None and problem:
        return Parsed((code,), flag=f"zip: {problem}")
    return Parsed((code,), flag=f"zip: {problem}" if problem else None)


# --- street lines ----------------------------------------------------------------------------

_PO_BOX = re.compile(r"\b(?:P\.?\s*O\.?\s*B(?:OX)?|POST\s+OFFICE\s+BOX|BOX)\s*#?\s*[0-9]+", re.IGNORECASE)
EDGE_PUNCT = " ,;:"
_SPACE_BEFORE_COMMA = re.compile(r"\s+,")
DIGIT = re.compile(r"[0-9]")


def clean_street(value: Any) -> str | None:
    """A street line with white space collapsed and stray edge punctuation removed."""
    text = as_text(value)
    if text is None:
        return None
    text = _SPACE_BEFORE_COMMA.sub(",", text).strip(EDGE_PUNCT)
    return text or None


def street_problem(street: str) -> str | None:
    if _PO_BOX.search(street):
        return f"PO box {quote(street)}"
    if not DIGIT.search(street):
        return f"no street number in {quote(street)}"
    return None


@transform("street_address", outputs=["address1"])
def street_address(value: Any) -> Parsed:
    """A street line, trimmed with spaces collapsed; PO boxes and number-less lines flagged, kept."""
    street = clean_street(value)
    if street is None:
        return Parsed((None,))
    problem = street_problem(street)
    return Parsed((street,), flag=f"address: {problem}" if problem else None)


# --- USPS street key ------------------------------------------------------------------------

_STD_DROP = re.compile(r"[.'’`]")
_STD_SPACE = re.compile(r"[^A-Z0-9]+")
_STD_PO_BOX = re.compile(r"\b(?:P ?O|POST OFFICE) ?BOX\b")


def standardize_street(value: Any) -> str | None:
    """USPS-style upper-case form of a street line (no ZIP): ``150 N. Willow Street`` → ``150 N WILLOW ST``."""
    text = as_text(value)
    if text is None:
        return None
    text = _STD_DROP.sub("", text.upper()).replace("&", " AND ")
    text = _STD_SPACE.sub(" ", text).strip()
    text = _STD_PO_BOX.sub("PO BOX", text)
    words = [STREET_ABBREVIATIONS.get(w, w) for w in text.split()]
    return " ".join(words) or None


def address_key(address1: Any, zip_code: Any) -> str | None:
    """The matching key: standardized street + 5-digit ZIP (ZIP not repeated when already there)."""
    street = standardize_street(address1)
    if street is None:
        return None
    zip_5, _ = parse_zip(zip_code)
    if zip_5 and street.split()[-1] != zip_5:
        return f"{street} {zip_5}"
    return street


@transform("address_std", outputs=["address_std"], n_inputs=2)
def address_std(address1: Any, zip_code: Any) -> Parsed:
    """Matching key from (address1, zip): upper case, USPS abbreviations, no punctuation, ZIP appended."""
    return Parsed((address_key(address1, zip_code),))
