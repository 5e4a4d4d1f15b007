"""license_number, license_type_and_number, license_type_with_status: exact outputs."""

import pytest

from etl_assets.transforms import Parsed, get_transform

number = get_transform("license_number").func
type_and_number = get_transform("license_type_and_number").func
type_with_status = get_transform("license_type_with_status").func


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1106-22", "1106-22"), (" k820055232 ", "K820055232"), ("0012345", "0012345"), ("773628", "773628"),
     (None, None), ("", None)],
)
def test_license_number_stays_text(raw, expected):
    assert number(raw) == Parsed((expected,))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CHILD CARE FAMILY - K820055232", ("CHILD CARE FAMILY", "K820055232")),
        ("CHILD CARE CENTER - K830056761", ("CHILD CARE CENTER", "K830056761")),
        ("CHILD CARE CENTER  -  k830056761 ", ("CHILD CARE CENTER", "K830056761")),
        ("PART-DAY - K123", ("PART-DAY", "K123")),
        (None, (None, None)),
    ],
)
def test_type_and_number(raw, expected):
    assert type_and_number(raw) == Parsed(expected)


def test_type_and_number_missing_parts_are_flagged():
    assert type_and_number("CHILD CARE FAMILY") == Parsed(
        ("CHILD CARE FAMILY", None), flag="license: no number in 'CHILD CARE FAMILY'"
    )
    assert type_and_number("K820055232") == Parsed((None, "K820055232"), flag="license: no type in 'K820055232'")


@pytest.mark.parametrize(
    ("kind", "status", "expected"),
    [
        ("CENTER", "Active", ("CENTER", "Active")),
        ("CENTER (PROVISIONAL)", "Active", ("CENTER", "Active (Provisional)")),
        ("FAMILY CARE (PROVISIONAL)", "Active", ("FAMILY CARE", "Active (Provisional)")),
        ("GROUP CARE (PROVISIONAL)", "", ("GROUP CARE", "Provisional")),
        ("ACCOMMODATION", None, ("ACCOMMODATION", None)),
        (None, "Active", (None, "Active")),
        ("CENTER ()", "Active", ("CENTER", "Active")),
    ],
)
def test_type_with_status(kind, status, expected):
    assert type_with_status(kind, status) == Parsed(expected)
