"""Postal addresses: street lines, one-line addresses, ZIP codes, state codes, matching keys.

Why: the registries write the same place as ``150 N. WILLOW ST MESQUITE, NV 89027`` (Nevada, one
field), ``1410 N. CHEYENNE AVE.`` (Oklahoma), ``19290 K ST `` (Texas, trailing spaces) or
``525 Comanche Street,`` (Salesforce). Display columns keep the registry's text, cleaned; the
matching column ``address_std`` is a deterministic USPS-style key for the duplicate finder.

Rules:
- ``street_address``: white space collapsed, stray leading/trailing punctuation removed; PO boxes and
  lines with no digit at all are kept verbatim and flagged.
- ``us_address_one_line``: ``usaddress`` tags the line (results cached); when it cannot (repeated
  labels, no city/ZIP), a fallback reads ``<street> <city>, <ST> <zip>`` and splits street from city
  after the last street-suffix/unit word. If both fail the whole text goes to address1, flagged.
  The city is title-cased (``NORTH LAS VEGAS`` → ``North Las Vegas``), as the other sources' city
  columns are through ``name_case``; the street keeps the registry's casing.
- ``zip5``: 5 digits as text; ZIP+4 (``73099-1234``, ``730991234``) is cut to 5. A 4-digit value is
  a ZIP whose leading zero was lost by a numeric export (New England, NJ, PR: ``7309`` → ``07309``):
  it is padded and flagged. Anything else (including ``00000`` and Canadian postal codes) → null + flag.
- ``state_code``: 2-letter USPS code from a code, a full name or an AP abbreviation (``New York``,
  ``Okla.``, ``N.Y.``), including DC, the territories (PR, GU, VI, AS, MP, UM, FM, MH, PW) and the
  military codes (AA, AE, AP). Canadian provinces (``Alberta``, ``BC``) and anything else → null +
  flag: the leads warehouse is US-only and its ``state`` column must be a US code.
- ``address_std`` (address1, zip): upper case, punctuation removed, ``&`` → ``AND``, every word of the
  USPS tables below abbreviated wherever it occurs (STREET→ST, AVENUE→AVE, DRIVE→DR, PARKWAY→PKWY,
  NORTH→N, SUITE→STE, SAINT→ST …) and the 5-digit ZIP appended. It is a matching key, not a display
  value: abbreviating street-name words too (``LAKE MEAD`` → ``LK MEAD``) keeps it deterministic and
  idempotent.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import usaddress

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.names import case_name
from etl_assets.transforms.registry import Parsed, transform

# --- states ----------------------------------------------------------------------------------

_STATES = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "FL": "FLORIDA", "GA": "GEORGIA",
    "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS", "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS",
    "KY": "KENTUCKY", "LA": "LOUISIANA", "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS",
    "MI": "MICHIGAN", "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA",
    "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY", "NM": "NEW MEXICO",
    "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO", "OK": "OKLAHOMA",
    "OR": "OREGON", "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA",
    "SD": "SOUTH DAKOTA", "TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT",
    "VA": "VIRGINIA", "WA": "WASHINGTON", "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
    "DC": "DISTRICT OF COLUMBIA", "PR": "PUERTO RICO", "GU": "GUAM", "VI": "VIRGIN ISLANDS",
    "AS": "AMERICAN SAMOA", "MP": "NORTHERN MARIANA ISLANDS", "UM": "UNITED STATES MINOR OUTLYING ISLANDS",
    "FM": "FEDERATED STATES OF MICRONESIA", "MH": "MARSHALL ISLANDS", "PW": "PALAU",
    "AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE", "AP": "ARMED FORCES PACIFIC",
}  # fmt: skip
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
    **{code: code for code in _STATES},
    **{name: code for code, name in _STATES.items()},
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
_EDGE_PUNCT = " ,;:"
_SPACE_BEFORE_COMMA = re.compile(r"\s+,")
_DIGIT = re.compile(r"[0-9]")


def clean_street(value: Any) -> str | None:
    """A street line with white space collapsed and stray edge punctuation removed."""
    text = as_text(value)
    if text is None:
        return None
    text = _SPACE_BEFORE_COMMA.sub(",", text).strip(_EDGE_PUNCT)
    return text or None


def street_problem(street: str) -> str | None:
    if _PO_BOX.search(street):
        return f"PO box {quote(street)}"
    if not _DIGIT.search(street):
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


# --- USPS abbreviations (Publication 28, the common entries) ----------------------------------

_SUFFIXES = {
    "ALY": ("ALLEY", "ALLEE", "ALLY"), "ANX": ("ANNEX", "ANNX", "ANEX"), "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BND": ("BEND",), "BLF": ("BLUFF",), "BLVD": ("BOULEVARD", "BOUL", "BOULV"), "BR": ("BRANCH", "BRNCH"),
    "BRG": ("BRIDGE", "BRDGE"), "BRK": ("BROOK",), "BYP": ("BYPASS", "BYPA", "BYPAS", "BYPS"), "CSWY": ("CAUSEWAY", "CAUSWA"),
    "CTR": ("CENTER", "CENTRE", "CEN", "CENT", "CENTR", "CNTER", "CNTR"), "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CLF": ("CLIFF",), "CLFS": ("CLIFFS",), "CMN": ("COMMON",), "COR": ("CORNER",), "CT": ("COURT", "CRT"),
    "CTS": ("COURTS",), "CV": ("COVE",), "CRK": ("CREEK",), "CRES": ("CRESCENT", "CRSENT", "CRSNT"),
    "XING": ("CROSSING", "CRSSNG"), "CYN": ("CANYON", "CANYN", "CNYN"), "DL": ("DALE",), "DM": ("DAM",),
    "DR": ("DRIVE", "DRIV", "DRV"), "DRS": ("DRIVES",), "EST": ("ESTATE",), "ESTS": ("ESTATES",),
    "EXPY": ("EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW"), "EXT": ("EXTENSION", "EXTN", "EXTNSN"),
    "FLD": ("FIELD",), "FLDS": ("FIELDS",), "FLS": ("FALLS",), "FRST": ("FOREST", "FORESTS"), "FRK": ("FORK",),
    "FRY": ("FERRY", "FRRY"), "FT": ("FORT", "FRT"), "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY"),
    "GDN": ("GARDEN", "GARDN", "GRDEN", "GRDN"), "GDNS": ("GARDENS", "GRDNS"), "GLN": ("GLEN",), "GRN": ("GREEN",),
    "GRV": ("GROVE", "GROV"), "HBR": ("HARBOR", "HARB", "HARBR", "HRBOR"), "HVN": ("HAVEN",), "HTS": ("HEIGHTS", "HT"),
    "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"), "HL": ("HILL",), "HLS": ("HILLS",),
    "HOLW": ("HOLLOW", "HLLW", "HOLLOWS", "HOLWS"), "IS": ("ISLAND", "ISLND"), "ISS": ("ISLANDS", "ISLNDS"),
    "JCT": ("JUNCTION", "JCTION", "JCTN", "JUNCTN", "JUNCTON"), "KY": ("KEY",), "LK": ("LAKE",), "LKS": ("LAKES",),
    "LNDG": ("LANDING", "LNDNG"), "LN": ("LANE",), "LGT": ("LIGHT",), "LOOP": ("LOOPS",), "MNR": ("MANOR",),
    "MDW": ("MEADOW",), "MDWS": ("MEADOWS", "MEDOWS"), "ML": ("MILL",), "MSN": ("MISSION", "MISSN", "MSSN"),
    "MT": ("MOUNT", "MNT"), "MTN": ("MOUNTAIN", "MNTAIN", "MNTN", "MOUNTIN", "MTIN"), "ORCH": ("ORCHARD", "ORCHRD"),
    "OVAL": ("OVL",), "PARK": ("PRK", "PARKS"), "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY", "PARKWAYS", "PKWYS"),
    "PASS": ("PASSES",), "PIKE": ("PIKES",), "PNE": ("PINE",), "PNES": ("PINES",), "PL": ("PLACE",),
    "PLN": ("PLAIN",), "PLNS": ("PLAINS",), "PLZ": ("PLAZA", "PLZA"), "PT": ("POINT",), "PTS": ("POINTS",),
    "PRT": ("PORT",), "PR": ("PRAIRIE", "PRR"), "RNCH": ("RANCH", "RANCHES", "RNCHS"), "RDG": ("RIDGE", "RDGE"),
    "RIV": ("RIVER", "RVR", "RIVR"), "RD": ("ROAD",), "RDS": ("ROADS",), "RTE": ("ROUTE",), "SHR": ("SHORE",),
    "SHRS": ("SHORES",), "SPG": ("SPRING", "SPNG", "SPRNG"), "SPGS": ("SPRINGS", "SPNGS", "SPRNGS"),
    "SQ": ("SQUARE", "SQR", "SQRE", "SQU"), "STA": ("STATION", "STATN", "STN"), "ST": ("STREET", "STRT", "STR", "SAINT"),
    "STS": ("STREETS",), "SMT": ("SUMMIT", "SUMIT", "SUMITT"), "TER": ("TERRACE", "TERR"), "TRCE": ("TRACE", "TRACES"),
    "TRAK": ("TRACK", "TRACKS", "TRK", "TRKS"), "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "TPKE": ("TURNPIKE", "TRNPK", "TURNPK"), "UN": ("UNION",), "VLY": ("VALLEY", "VALLY", "VLLY"), "VIA": ("VIADUCT", "VDCT", "VIADCT"),
    "VW": ("VIEW",), "VLG": ("VILLAGE", "VILL", "VILLAG", "VILLG", "VILLIAGE"), "VIS": ("VISTA", "VIST", "VST", "VSTA"),
    "WALK": ("WALKS",), "WAY": ("WY",), "WL": ("WELL",), "WLS": ("WELLS",),
}  # fmt: skip
_DIRECTIONALS = {
    "N": ("NORTH",), "S": ("SOUTH",), "E": ("EAST",), "W": ("WEST",),
    "NE": ("NORTHEAST",), "NW": ("NORTHWEST",), "SE": ("SOUTHEAST",), "SW": ("SOUTHWEST",),
}  # fmt: skip
_UNITS = {
    "APT": ("APARTMENT",), "BLDG": ("BUILDING", "BLD"), "DEPT": ("DEPARTMENT",), "FL": ("FLOOR",),
    "OFC": ("OFFICE",), "RM": ("ROOM",), "SPC": ("SPACE",), "STE": ("SUITE", "SUIT"), "TRLR": ("TRAILER",),
    "UNIT": ("UNT",), "LOT": ("LT",), "BSMT": ("BASEMENT",), "FRNT": ("FRONT",), "REAR": ("REAR",),
}  # fmt: skip
ABBREVIATIONS: dict[str, str] = {
    long: short
    for table in (_SUFFIXES, _DIRECTIONALS, _UNITS)
    for short, longs in table.items()
    for long in longs
}
STREET_SUFFIX_WORDS = frozenset(_SUFFIXES) | frozenset(w for longs in _SUFFIXES.values() for w in longs)
UNIT_WORDS = frozenset(_UNITS) | frozenset(w for longs in _UNITS.values() for w in longs) | {"#"}

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
    words = [ABBREVIATIONS.get(w, w) for w in text.split()]
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


# --- one-line addresses ----------------------------------------------------------------------

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
            return street.strip(_EDGE_PUNCT) or None, city.strip(_EDGE_PUNCT) or None
    if not _DIGIT.search(text):
        return None, text.strip(_EDGE_PUNCT) or None
    bare = [w.upper().strip(".,") for w in words]
    cut = next((i + 1 for i in range(2, len(words) - 1) if bare[i] in STREET_SUFFIX_WORDS), None)
    if cut is None:
        return text.strip(_EDGE_PUNCT), None
    if cut < len(words) - 2 and bare[cut] in UNIT_WORDS:
        cut += 2
    street = " ".join(words[:cut]).replace(" ,", ",").strip(_EDGE_PUNCT)
    city = " ".join(words[cut:]).replace(" ,", ",").strip(_EDGE_PUNCT)
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
            street = " ".join(v.strip(_EDGE_PUNCT) for k, v in parts if k not in _NOT_STREET) or None
            city = labels["PlaceName"].strip(_EDGE_PUNCT) or None
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
