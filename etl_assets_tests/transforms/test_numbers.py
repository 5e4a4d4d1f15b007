"""capacity: real strings from the samples, exact outputs."""

import pytest

from etl_assets.transforms import Parsed, get_transform

capacity = get_transform("capacity").func


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("82", 82), ("7", 7), ("243", 243), (" 12 ", 12), ("1,200", 1200), ("82.0", 82), ("0", 0), ("+5", 5),
     ("100000", 100000)],
)
def test_valid(raw, expected):
    assert capacity(raw) == Parsed((expected,))


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty(raw):
    assert capacity(raw) == Parsed((None,))


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("-5", "capacity: negative '-5'"),
        ("1e9", "capacity: not a whole number '1e9'"),
        ("12.5", "capacity: not a whole number '12.5'"),
        ("about 30", "capacity: not a whole number 'about 30'"),
        ("1,20", "capacity: not a whole number '1,20'"),
        ("²", "capacity: not a whole number '²'"),
        ("100001", "capacity: out of range '100001'"),
        ("99999999999999999999", "capacity: out of range '99999999999999999999'"),
    ],
)
def test_invalid(raw, flag):
    assert capacity(raw) == Parsed((None,), flag=flag)


def test_very_long_digit_string_does_not_raise():
    assert capacity("9" * 5000).values == (None,)
