"""Shared vocabularies: yes/no words, US states, USPS street words, legal suffixes, business words.

Why one module: the transforms (addresses, names), the onboarding sniffers and the lead resolver
all recognise the same words; each list is written once here and every user imports it, so a new
suffix or state is added in one place. Data only (dicts, sets, one compiled pattern), no logic.
"""

from __future__ import annotations

import re

# --- yes / no ---------------------------------------------------------------------------------

YES_WORDS = frozenset({"Y", "YES", "TRUE", "T", "1", "X"})
NO_WORDS = frozenset({"N", "NO", "FALSE", "F", "0"})

# --- states ----------------------------------------------------------------------------------

US_STATES = {
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
"""USPS code → name: the 50 states, DC, the territories and the military codes."""

# --- USPS street words (Publication 28, the common entries): abbreviation → spellings --------

STREET_SUFFIXES = {
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
DIRECTIONALS = {
    "N": ("NORTH",), "S": ("SOUTH",), "E": ("EAST",), "W": ("WEST",),
    "NE": ("NORTHEAST",), "NW": ("NORTHWEST",), "SE": ("SOUTHEAST",), "SW": ("SOUTHWEST",),
}  # fmt: skip
UNITS = {
    "APT": ("APARTMENT",), "BLDG": ("BUILDING", "BLD"), "DEPT": ("DEPARTMENT",), "FL": ("FLOOR",),
    "OFC": ("OFFICE",), "RM": ("ROOM",), "SPC": ("SPACE",), "STE": ("SUITE", "SUIT"), "TRLR": ("TRAILER",),
    "UNIT": ("UNT",), "LOT": ("LT",), "BSMT": ("BASEMENT",), "FRNT": ("FRONT",), "REAR": ("REAR",),
}  # fmt: skip
STREET_ABBREVIATIONS: dict[str, str] = {
    long: short
    for table in (STREET_SUFFIXES, DIRECTIONALS, UNITS)
    for short, longs in table.items()
    for long in longs
}
"""Every spelling → its USPS abbreviation (``STREET`` → ``ST``, ``NORTH`` → ``N``, ``SUITE`` → ``STE``)."""
STREET_SUFFIX_WORDS = frozenset(STREET_SUFFIXES) | frozenset(w for longs in STREET_SUFFIXES.values() for w in longs)
UNIT_WORDS = frozenset(UNITS) | frozenset(w for longs in UNITS.values() for w in longs) | {"#"}

# The lead resolver's defensive second fold of address lines uses a short list: the everyday street
# words of the USPS table (whose long spellings are also the targets of its misspelling repair,
# STREEET → ST) plus spelled-out ordinals, which USPS does not abbreviate. The short list keeps the
# repair from "correcting" rare words; it is a selection of the table above, not a second table.
_RESOLVER_STREET_SPELLINGS = (
    "STREET", "STR", "AVENUE", "AV", "BOULEVARD", "DRIVE", "ROAD", "LANE", "PLACE", "COURT", "CIRCLE", "PARKWAY",
    "HIGHWAY", "TERRACE", "TRAIL", "FREEWAY", "EXPRESSWAY", "SQUARE", "CROSSING", "SUITE", "APARTMENT", "BUILDING",
    "NORTH", "SOUTH", "EAST", "WEST", "NORTHEAST", "NORTHWEST", "SOUTHEAST", "SOUTHWEST",
)  # fmt: skip
ORDINAL_WORDS = {"FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD"}
RESOLVER_STREET_WORDS: dict[str, str] = {
    **{w: STREET_ABBREVIATIONS[w] for w in _RESOLVER_STREET_SPELLINGS},
    **ORDINAL_WORDS,
}

# --- company names -----------------------------------------------------------------------------

LEGAL_SUFFIXES = {
    "LLC": "LLC", "L.L.C.": "LLC", "L.L.C": "LLC", "L L C": "LLC", "INC": "INC", "INC.": "INC", "INCORPORATED": "INC",
    "CORP": "CORP", "CORP.": "CORP", "CORPORATION": "CORP", "CO": "CO", "CO.": "CO", "COMPANY": "CO",
    "LTD": "LTD", "LTD.": "LTD", "LIMITED": "LTD", "LC": "LC", "L.C.": "LC", "LP": "LP", "L.P.": "LP",
    "LLP": "LLP", "L.L.P.": "LLP", "PLLC": "PLLC", "P.L.L.C.": "PLLC", "PC": "PC", "P.C.": "PC",
}  # fmt: skip
"""Legal-form spelling → its folded form in ``company_std`` (``L.L.C.`` → ``LLC``, ``Company`` → ``CO``)."""

# The resolver drops legal forms from company names before comparing them. It has never dropped
# LC and LIMITED (``X LIMITED`` and ``X`` stay different names); that is kept so matches do not change.
RESOLVER_DROPPED_WORDS = (frozenset(w for w in LEGAL_SUFFIXES if w.isalpha()) - {"LC", "LIMITED"}) | {"THE", "DBA"}

BUSINESS_WORDS = re.compile(
    r"\b(?:ACADEMY|ACADEMIES|CENTERS?|CENTRES?|CTR|SCHOOLS?|PRE-?SCHOOL|PRE-?K|CHILD\s*CARE|DAY\s*CARE|"
    r"LEARNING|MONTESSORI|NURSERY|KIDS|KIDZ|CHURCH|MINISTRY|MINISTRIES|HEAD\s*START|PROGRAMS?|FOUNDATION|"
    r"UNIVERSITY|COLLEGE|DEVELOPMENT|PLAYHOUSE|TOTS|CLUB|YMCA|YWCA|SERVICES|GROUP|ASSOCIATION|DISTRICT|"
    r"CHRISTIAN|ELEMENTARY|INSTITUTE|HOMES?|ENTERPRISES?|HOLDINGS|TRUST|BAPTIST|METHODIST|LUTHERAN|"
    r"CATHOLIC|EPISCOPAL|TEMPLE|DCC|CDC|DAYCARE|CHILDCARE|FAMILY\s+CHILD)\b"
    r"|\b(?:LLC|L\.L\.C\.?|INC\.?|INCORPORATED|CORP\.?|CORPORATION|LTD\.?|LC|L\.C\.|LLP|PLLC)(?=\W|$)"
    r"|[#0-9!@]",
    re.IGNORECASE,
)
"""A word (or legal form, digit, ``#``) that no person's name has: the text names a business."""

BUSINESS_ABBREVIATIONS = {
    "ACAD": "ACADEMY", "CTR": "CENTER", "CNTR": "CENTER", "CENTRE": "CENTER", "LRNG": "LEARNING",
    "SCH": "SCHOOL", "SCHL": "SCHOOL", "CHILDCARE": "CHILD CARE", "DAYCARE": "DAY CARE",
    "PRE-SCHOOL": "PRESCHOOL", "MT": "MOUNT", "STE": "SAINT", "INTL": "INTERNATIONAL",
}  # fmt: skip
"""Business-name abbreviations the resolver spells out before comparing names (``CTR`` → ``CENTER``)."""
