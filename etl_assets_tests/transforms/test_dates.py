"""date: real strings from the samples, exact outputs."""

import datetime as dt

import pytest

from etl_assets.transforms import Parsed, get_transform

date = get_transform("date").func
US = ["%m/%d/%Y"]


@pytest.mark.parametrize(
    ("raw", "params", "expected"),
    [
        ("7/31/2023", {"formats": US}, dt.date(2023, 7, 31)),  # Nevada Expiration Date
        ("10/13/2011", {"formats": US}, dt.date(2011, 10, 13)),  # Texas Issue Date
        ("07/01/2022", {"formats": US}, dt.date(2022, 7, 1)),
        ("2024-05-17", {}, dt.date(2024, 5, 17)),  # default ISO
        ("2023-06-01 6:35:38", {"formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]}, dt.date(2023, 6, 1)),  # Salesforce
        ("2019-06-27", {"formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]}, dt.date(2019, 6, 27)),
        ("Monitoring since 2021-03-30", {"prefix": "Monitoring since "}, dt.date(2021, 3, 30)),  # Oklahoma
        ("monitoring since 2021-03-30", {"prefix": "Monitoring since "}, dt.date(2021, 3, 30)),
        ("2021-03-30", {"prefix": "Monitoring since "}, dt.date(2021, 3, 30)),
        ("1/2/23", {"formats": ["%m/%d/%y"]}, dt.date(2023, 1, 2)),
        ("1/2/75", {"formats": ["%m/%d/%y"]}, dt.date(1975, 1, 2)),
        ("1/2/30", {"formats": ["%m/%d/%y"], "century_pivot": 30}, dt.date(1930, 1, 2)),
        ("1/2/29", {"formats": ["%m/%d/%y"], "century_pivot": 30}, dt.date(2029, 1, 2)),
        ("7/31/2023", {"formats": "%m/%d/%Y"}, dt.date(2023, 7, 31)),  # a single format as a string
        (dt.date(2023, 7, 31), {"formats": US}, dt.date(2023, 7, 31)),  # idempotent on its output
    ],
)
def test_valid(raw, params, expected):
    assert date(raw, **params) == Parsed((expected,))


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty_is_null_without_flag(raw):
    assert date(raw, formats=US) == Parsed((None,))
    assert date(raw, formats=US, on_error="quarantine") == Parsed((None,))


def test_invalid_day_is_flagged_by_default():
    assert date("02/30/2023", formats=US) == Parsed(
        (None,), flag="date: '02/30/2023' does not match ['%m/%d/%Y']"
    )


def test_invalid_day_is_quarantined_on_request():
    assert date("02/30/2023", formats=US, on_error="quarantine") == Parsed(
        (None,), error="date: '02/30/2023' does not match ['%m/%d/%Y']"
    )


def test_no_swapped_day_month_guessing():
    assert date("31/07/2023", formats=US).values == (None,)
    assert date("2023-07-31", formats=US).values == (None,)


def test_no_expiry_placeholder():
    assert date("12/31/9999", formats=US, on_error="quarantine") == Parsed(
        (None,), flag="date: '12/31/9999' is a no-expiry placeholder"
    )


def test_implausibly_old():
    assert date("1/1/1800", formats=US) == Parsed((None,), flag="date: '1/1/1800' is implausibly old")


def test_bad_params_fail_loudly():
    with pytest.raises(ValueError):
        date("2023-01-01", on_error="ignore")
    with pytest.raises(ValueError):
        date("2023-01-01", formats=[])
