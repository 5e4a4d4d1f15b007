"""The shared vocabularies: the resolver's selections read exactly the words it always used."""

from etl_assets.transforms.vocab import (
    BUSINESS_ABBREVIATIONS,
    LEGAL_SUFFIXES,
    NO_WORDS,
    RESOLVER_DROPPED_WORDS,
    RESOLVER_STREET_WORDS,
    STREET_ABBREVIATIONS,
    YES_WORDS,
)


def test_resolver_street_words_are_the_usps_table_plus_ordinals_in_their_old_order():
    # the misspelling repair tries targets in this order and takes the first: order is behaviour
    assert list(RESOLVER_STREET_WORDS.items()) == list({
        "STREET": "ST", "STR": "ST", "AVENUE": "AVE", "AV": "AVE", "BOULEVARD": "BLVD", "DRIVE": "DR",
        "ROAD": "RD", "LANE": "LN", "PLACE": "PL", "COURT": "CT", "CIRCLE": "CIR", "PARKWAY": "PKWY",
        "HIGHWAY": "HWY", "TERRACE": "TER", "TRAIL": "TRL", "FREEWAY": "FWY", "EXPRESSWAY": "EXPY",
        "SQUARE": "SQ", "CROSSING": "XING", "SUITE": "STE", "APARTMENT": "APT", "BUILDING": "BLDG",
        "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE", "NORTHWEST": "NW",
        "SOUTHEAST": "SE", "SOUTHWEST": "SW", "FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD",
    }.items())  # fmt: skip
    extension = {w for w in RESOLVER_STREET_WORDS if w not in STREET_ABBREVIATIONS}
    assert extension == {"FIRST", "SECOND", "THIRD"}


def test_resolver_drops_the_legal_forms_it_always_dropped():
    assert RESOLVER_DROPPED_WORDS == {
        "LLC", "INC", "CORP", "CORPORATION", "INCORPORATED", "LTD", "CO", "PLLC", "LLP", "LP", "PC", "COMPANY", "THE", "DBA",
    }  # fmt: skip
    assert RESOLVER_DROPPED_WORDS - {"THE", "DBA"} <= set(LEGAL_SUFFIXES)
    assert BUSINESS_ABBREVIATIONS["CTR"] == "CENTER"


def test_yes_and_no_words_do_not_overlap():
    assert not YES_WORDS & NO_WORDS
