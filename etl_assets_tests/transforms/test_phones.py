"""phone_e164: real strings from the samples, exact E.164 outputs."""

import pytest

from etl_assets.transforms import Parsed, get_transform
from etl_assets.transforms.phones import parse_phone

phone = get_transform("phone_e164").func


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(209) 747-1797", "+12097471797"),  # Oklahoma
        ("346-393-9400", "+13463939400"),  # Nevada
        ("702-374-1129", "+17023741129"),
        ("830-429-1010", "+18304291010"),  # Texas
        ("2097471797", "+12097471797"),
        ("1-209-747-1797", "+12097471797"),
        ("+1 (209) 747-1797", "+12097471797"),
        ("  209.747.1797 ", "+12097471797"),
        ("+12097471797", "+12097471797"),
    ],
)
def test_valid_numbers(raw, expected):
    assert phone(raw) == Parsed((expected,))


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_is_null_without_flag(raw):
    r = phone(raw)
    assert r.values == (None,) and r.flag is None and r.error is None


@pytest.mark.parametrize("raw", ["1234567890", "1234567928", "123", "call me", "000-000-0000"])
def test_invalid_numbers_are_null_and_flagged(raw):
    """Salesforce's synthetic 1234567890… have area code 123, which does not exist."""
    r = phone(raw)
    assert r.values == (None,)
    assert r.flag == f"phone: invalid number {raw!r}"
    assert r.error is None


@pytest.mark.parametrize(
    ("raw", "ext"),
    [("209-747-1797 x123", "123"), ("209.747.1797 ext. 12", "12"), ("(209) 747-1797, ext. 12", "12")],
)
def test_extension_kept_apart(raw, ext):
    assert parse_phone(raw) == ("+12097471797", ext, None)
    r = phone(raw)
    assert r.values == ("+12097471797",)
    assert r.flag == f"phone: extension {ext!r} not kept"


def test_several_numbers_keep_the_first():
    r = phone("209-747-1797; 346-393-9400")
    assert r.values == ("+12097471797",)
    assert r.flag == "phone: several numbers, kept the first"
    assert phone("2097471797 or 3463939400").values == ("+12097471797",)


def test_foreign_number_in_international_form_is_kept():
    assert phone("+44 20 7946 0958").values == ("+442079460958",)
