"""hours_and_days: hours and days in one column or two, 12- and 24-hour forms → schedule."""

import pytest

from etl_assets.transforms import get_transform

hours_and_days = get_transform("hours_and_days").func


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("0600 To 1800", "MTWTHF"), "Mon-Fri 06:00-18:00"),
        (("MTWTHF", "0600 To 1800"), "Mon-Fri 06:00-18:00"),  # either order
        (("06:30 AM - 06:00 PM", "Mo Tu We Th Fr"), "Mon-Fri 06:30-18:00"),
        (("M-F 7:00am-6:00pm; Sat 8am-12pm",), "Mon-Fri 07:00-18:00; Sat 08:00-12:00"),
        (("Monday through Friday 6:30 AM to 6 PM",), "Mon-Fri 06:30-18:00"),
        (("0000 To 2400", "Daily"), "Mon-Sun 00:00-24:00"),
        (("MTWTHFS", "0630 To 1830"), "Mon-Sat 06:30-18:30"),
        (("7:00 AM - 5:30 PM",), "07:00-17:30"),  # hours without days
        (("Mon-Fri", None), "Mon-Fri"),
        ((None, None), None),
    ],
)
def test_hours_and_days(values, expected):
    got = hours_and_days(*values)
    assert got.values == (expected,) and got.flag is None


def test_unreadable_hours_are_kept_verbatim_and_flagged():
    got = hours_and_days("by appointment", "MTWTHF")
    assert got.values == ("by appointment MTWTHF",) and "unreadable hours" in got.flag
