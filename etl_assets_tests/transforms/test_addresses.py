"""street_address, zip5, state_code, address_std: exact outputs from the samples."""

import pytest

from etl_assets.transforms import Parsed, get_transform
from etl_assets.transforms.vocab import STREET_ABBREVIATIONS

street = get_transform("street_address").func
zip5 = get_transform("zip5").func
state = get_transform("state_code").func
std = get_transform("address_std").func


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


def test_abbreviation_table_has_no_chains():
    """Every abbreviation is a fixed point, which makes address_std idempotent."""
    assert all(STREET_ABBREVIATIONS.get(short, short) == short for short in STREET_ABBREVIATIONS.values())
