"""street_address, us_address_one_line, zip5, state_code, address_std: exact outputs from the samples."""

import pytest

from etl_assets.transforms import Parsed, get_transform
from etl_assets.transforms.addresses import ABBREVIATIONS, _split_street_city

street = get_transform("street_address").func
one_line = get_transform("us_address_one_line").func
zip5 = get_transform("zip5").func
state = get_transform("state_code").func
std = get_transform("address_std").func
std_one_line = get_transform("address_std_one_line").func


# --- street_address ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19290 K ST ", "19290 K ST"),  # Texas trailing space
        ("6355 S.  PEEK RD STE. 90", "6355 S. PEEK RD STE. 90"),
        ("525 Comanche Street,", "525 Comanche Street"),  # Salesforce trailing comma
        ("1410 N. CHEYENNE AVE.", "1410 N. CHEYENNE AVE."),  # Oklahoma
        ("10900 NW 38TH TERRACE", "10900 NW 38TH TERRACE"),
        ("3242 BELTWAY S # FM707", "3242 BELTWAY S # FM707"),
    ],
)
def test_street_address(raw, expected):
    assert street(raw) == Parsed((expected,))


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_street_address_empty(raw):
    assert street(raw) == Parsed((None,))


def test_street_address_po_box_and_unparseable_kept_and_flagged():
    assert street("P.O. Box 55") == Parsed(("P.O. Box 55",), flag="address: PO box 'P.O. Box 55'")
    assert street("Other") == Parsed(("Other",), flag="address: no street number in 'Other'")


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


# --- zip5 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("73099", "73099"), ("73099-1234", "73099"), ("46342-4210", "46342"), ("730991234", "73099"),
     (" 89027 ", "89027"), ("07309", "07309"), ("89027.0", "89027"), (None, None), ("", None)],
)
def test_zip5(raw, expected):
    assert zip5(raw) == Parsed((expected,))


def test_zip5_lost_leading_zero_is_padded_and_flagged():
    assert zip5("7309") == Parsed(("07309",), flag="zip: padded '7309' to '07309'")
    assert zip5("7309-1234") == Parsed(("07309",), flag="zip: padded '7309-1234' to '07309'")


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("A2N 2Z6", "zip: Canadian postal code 'A2N 2Z6' is not a US ZIP"),
        ("T9V 1M9", "zip: Canadian postal code 'T9V 1M9' is not a US ZIP"),
        ("123", "zip: invalid ZIP '123'"),
        ("00000", "zip: invalid ZIP '00000'"),
        ("ABCDE", "zip: invalid ZIP 'ABCDE'"),
        ("٧٣٠٩٩", "zip: invalid ZIP '٧٣٠٩٩'"),
    ],
)
def test_zip5_invalid(raw, flag):
    assert zip5(raw) == Parsed((None,), flag=flag)


# --- state_code -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("NV", "NV"), ("ok", "OK"), ("New York", "NY"), ("Oklahoma", "OK"), ("WEST VIRGINIA", "WV"),
     ("West Virginia", "WV"), ("N.Y.", "NY"), ("Okla.", "OK"), ("District of Columbia", "DC"),
     ("Washington, D.C.", "DC"), ("Puerto Rico", "PR"), ("GU", "GU"), ("Virgin Islands", "VI"),
     ("AE", "AE"), (" Texas ", "TX"), (None, None), ("", None)],
)
def test_state_code(raw, expected):
    assert state(raw) == Parsed((expected,))


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("Alberta", "state: Canadian province 'Alberta' is not a US state"),
        ("BC", "state: Canadian province 'BC' is not a US state"),
        ("Newfoundland", "state: Canadian province 'Newfoundland' is not a US state"),
        ("Other", "state: unknown state 'Other'"),
        ("XX", "state: unknown state 'XX'"),
    ],
)
def test_state_code_non_us(raw, flag):
    assert state(raw) == Parsed((None,), flag=flag)


# --- address_std ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address1", "zip_code", "expected"),
    [
        ("150 N. WILLOW ST", "89027", "150 N WILLOW ST 89027"),
        ("496 SOUTH MAIN STREET", "89101", "496 S MAIN ST 89101"),
        ("301 SOUTH MARYLAND PARKWAY", "89101", "301 S MARYLAND PKWY 89101"),
        ("470 GYPSUM DRIVE", "89815", "470 GYPSUM DR 89815"),
        ("1915 SIMMONS STREET SUITE B", "89106", "1915 SIMMONS ST STE B 89106"),
        ("6321 LAUREN ASHTON AVENUE", "89131", "6321 LAUREN ASHTON AVE 89131"),
        ("1410 N. CHEYENNE AVE.", "73120", "1410 N CHEYENNE AVE 73120"),
        ("6355 S.  PEEK RD STE. 90", "75224-1234", "6355 S PEEK RD STE 90 75224"),
        ("525 Comanche Street,", None, "525 COMANCHE ST"),
        ("3511 ST. ROSE PARKWAY", "89052", "3511 ST ROSE PKWY 89052"),
        ("P.O. Box 55", "89101", "PO BOX 55 89101"),
        ("12 A & B Court", "7309", "12 A AND B CT 07309"),
        (None, "89101", None),
        ("", "89101", None),
    ],
)
def test_address_std(address1, zip_code, expected):
    assert std(address1, zip_code) == Parsed((expected,))


def test_address_std_same_place_same_key():
    assert std("3511 ST. ROSE PARKWAY", "89052") == std("3511 Saint Rose Pkwy", "89052-0001")
    assert std("840 NORTH BLVD", "1") == std("840 N. Boulevard", "1")


def test_address_std_one_line():
    assert std_one_line("150 N. WILLOW ST MESQUITE, NV 89027") == Parsed(("150 N WILLOW ST 89027",))
    assert std_one_line(None) == Parsed((None,))


def test_abbreviation_table_has_no_chains():
    """Every abbreviation is a fixed point, which makes address_std idempotent."""
    assert all(ABBREVIATIONS.get(short, short) == short for short in ABBREVIATIONS.values())
