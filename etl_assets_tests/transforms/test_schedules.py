"""weekly_schedule: Oklahoma's day columns → compact 24-hour text."""

import pytest

from etl_assets.transforms import Parsed, get_transform
from etl_assets.transforms.schedules import parse_time

schedule = get_transform("weekly_schedule").func

WEEKDAYS = "7:30AM - 5:30PM"


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        ((WEEKDAYS,) * 5 + ("CLOSED", "CLOSED"), "Mon-Fri 07:30-17:30"),
        (("6:00AM - 6:00PM",) * 7, "Mon-Sun 06:00-18:00"),
        (("12:00AM - 12:00AM",) * 7, "Mon-Sun 00:00-24:00"),
        (("5:30AM - 11:59PM",) * 7, "Mon-Sun 05:30-23:59"),
        (("6:30AM - 11:30PM",) * 5 + ("6:00AM - 10:30PM", "CLOSED"), "Mon-Fri 06:30-23:30; Sat 06:00-22:30"),
        ((WEEKDAYS,) * 5 + ("8:00AM - 12:00PM", "CLOSED"), "Mon-Fri 07:30-17:30; Sat 08:00-12:00"),
        (("7:00AM - 4:00PM", "CLOSED", "7:00AM - 4:00PM", "CLOSED", "7:00AM - 4:00PM", "CLOSED", "CLOSED"),
         "Mon 07:00-16:00; Wed 07:00-16:00; Fri 07:00-16:00"),
        (("7:00AM - 12:00PM, 1:00PM - 5:00PM",) + ("CLOSED",) * 6, "Mon 07:00-12:00,13:00-17:00"),
        (("7 am to 5 pm", "07:30-17:30", "24 hours", "noon - midnight", "6PM - 6AM", "closed", "Closed"),
         "Mon 07:00-17:00; Tue 07:30-17:30; Wed 00:00-24:00; Thu 12:00-24:00; Fri 18:00-06:00"),
    ],
)
def test_weekly_schedule(week, expected):
    assert schedule(*week) == Parsed((expected,))


def test_all_empty_is_null_without_flag():
    assert schedule(*(None,) * 7) == Parsed((None,))
    assert schedule(*("",) * 7) == Parsed((None,))


def test_closed_every_day():
    assert schedule(*("CLOSED",) * 7) == Parsed((None,), flag="schedule: closed every day")


def test_unreadable_day_kept_verbatim_and_flagged():
    r = schedule(WEEKDAYS, "by appointment", WEEKDAYS, WEEKDAYS, WEEKDAYS, "CLOSED", "CLOSED")
    assert r == Parsed(
        ("Mon 07:30-17:30; Tue by appointment; Wed-Fri 07:30-17:30",),
        flag="schedule: unreadable Tue 'by appointment'",
    )


def test_empty_day_among_filled_ones_is_flagged():
    r = schedule(WEEKDAYS, WEEKDAYS, WEEKDAYS, WEEKDAYS, WEEKDAYS, "CLOSED", None)
    assert r == Parsed(("Mon-Fri 07:30-17:30",), flag="schedule: no hours for Sun")


@pytest.mark.parametrize(
    ("text", "closing", "expected"),
    [("7:30AM", False, "07:30"), ("5:30PM", True, "17:30"), ("12:00AM", False, "00:00"), ("12:00AM", True, "24:00"),
     ("12:00PM", False, "12:00"), ("11:59PM", True, "23:59"), ("7 a.m.", False, "07:00"), ("13:00", True, "13:00"),
     ("13:00PM", False, None), ("25:00", False, None), ("7:75AM", False, None), ("soon", False, None)],
)
def test_parse_time(text, closing, expected):
    assert parse_time(text, closing) == expected
