"""us_address_one_line, address_std_one_line: Nevada's one-field addresses, exact outputs from the samples."""

import pytest

from etl_assets.transforms import Parsed, get_transform
from etl_assets.transforms.one_line_addresses import _split_street_city

one_line = get_transform("us_address_one_line").func
std_one_line = get_transform("address_std_one_line").func


# --- us_address_one_line ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("150 N. WILLOW ST MESQUITE, NV 89027", ("150 N. WILLOW ST", "Mesquite", "NV", "89027")),
        ("2845 MOHAWK ST LAS VEGAS, NV 89146", ("2845 MOHAWK ST", "Las Vegas", "NV", "89146")),
        ("470 GYPSUM DRIVE SPRING CREEK, NV 89815", ("470 GYPSUM DRIVE", "Spring Creek", "NV", "89815")),
        ("3980 W. ANN RD., STE 1 NORTH LAS VEGAS, NV 89031", ("3980 W. ANN RD. STE 1", "North Las Vegas", "NV", "89031")),
        ("1915 SIMMONS STREET SUITE B LAS VEGAS, NV 89106", ("1915 SIMMONS STREET SUITE B", "Las Vegas", "NV", "89106")),
        ("8125 W. SAHARA LAS VEGAS, NV 89117", ("8125 W. SAHARA", "Las Vegas", "NV", "89117")),
        ("2401 TECH CENTER CT LAS VEGAS, NV 89128", ("2401 TECH CENTER CT", "Las Vegas", "NV", "89128")),
        ("3135 FLORENTINE DRIVE CARSON CITY, NV 89701", ("3135 FLORENTINE DRIVE", "Carson City", "NV", "89701")),
        ("123 Main St Apt 4 Springfield, Illinois 62701-1234", ("123 Main St Apt 4", "Springfield", "IL", "62701")),
    ],
)
def test_one_line(raw, expected):
    assert one_line(raw) == Parsed(expected)


def test_one_line_city_is_title_cased_like_the_other_sources():
    # golden review: Nevada cities came out "LAS VEGAS" while Oklahoma/Texas/Salesforce cities
    # (name_case) are "Las Vegas"; one city must be one value in the warehouse.
    assert one_line("6044 RIVER BELLE ST NORTH LAS VEGAS, NV 89031").values[1] == "North Las Vegas"
    assert one_line("100 ST. JUDE ST BOULDER CITY, NV 89005").values[1] == "Boulder City"
    assert one_line("123 Main St Springfield, IL 62701").values[1] == "Springfield"  # mixed case kept


def test_one_line_empty():
    assert one_line(None) == Parsed((None, None, None, None))


def test_one_line_po_box_is_parsed_and_flagged():
    assert one_line("PO BOX 123 LAS VEGAS, NV 89101") == Parsed(
        ("PO BOX 123", "Las Vegas", "NV", "89101"), flag="address: PO box 'PO BOX 123'"
    )


def test_one_line_unparseable_keeps_raw_in_address1():
    assert one_line("hello world") == Parsed(
        ("hello world", None, None, None), flag="address: could not parse 'hello world'"
    )


def test_one_line_canadian_address_is_flagged():
    r = one_line("3103 - 52 AVENUE Lloydminster, Alberta T9V 1M9")
    assert r.values == ("3103 - 52 AVENUE", "Lloydminster", None, None)
    assert r.flag == "address: Canadian address '3103 - 52 AVENUE Lloydminster, Alberta T9V 1M9'"


def test_one_line_zip_problems_are_reported():
    r = one_line("150 N. WILLOW ST MESQUITE, NV 9027")
    assert r.values == ("150 N. WILLOW ST", "Mesquite", "NV", "09027")
    assert r.flag == "zip: padded '9027' to '09027'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150 N. WILLOW ST MESQUITE", ("150 N. WILLOW ST", "MESQUITE")),
        ("3980 W. ANN RD., STE 1 NORTH LAS VEGAS", ("3980 W. ANN RD., STE 1", "NORTH LAS VEGAS")),
        ("470 GYPSUM DRIVE SPRING CREEK", ("470 GYPSUM DRIVE", "SPRING CREEK")),
        ("150 N. WILLOW ST, MESQUITE", ("150 N. WILLOW ST", "MESQUITE")),
        ("8125 W. SAHARA LAS VEGAS", ("8125 W. SAHARA LAS VEGAS", None)),  # no suffix: cannot tell
        ("LAS VEGAS", (None, "LAS VEGAS")),
    ],
)
def test_fallback_split(text, expected):
    assert _split_street_city(text) == expected


def test_address_std_one_line():
    assert std_one_line("150 N. WILLOW ST MESQUITE, NV 89027") == Parsed(("150 N WILLOW ST 89027",))
    assert std_one_line(None) == Parsed((None,))
