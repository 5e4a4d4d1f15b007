"""ages_from_labels (Oklahoma) and ages_from_flags (Texas): exact outputs."""

import pytest

from etl_assets.transforms import Parsed, get_transform

from_labels = get_transform("ages_from_labels").func
from_flags = get_transform("ages_from_flags").func

INF = "Infants (0-11 months)"
TOD = "Toddlers (12-23 months; 1yr.)"
PRE = "Preschool (24-48 months; 2-4 yrs.)"
SCH = "School-age (5 years-older)"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ((INF, TOD, PRE, SCH), ("infant|toddler|preschool|school_age", 0, 155)),
        ((TOD, PRE, "", ""), ("toddler|preschool", 12, 59)),
        ((PRE, SCH, "", ""), ("preschool|school_age", 24, 155)),
        ((SCH, "", "", ""), ("school_age", 60, 155)),
        ((INF, "", "", SCH), ("infant|school_age", 0, 155)),
        # AA1..AA4 + the shifted trailing columns (School Year Only, Evening Hours)
        ((TOD, "", "", "", "Year Round", PRE), ("toddler|preschool", 12, 59)),
        ((PRE, "", "", "", "School Year Only", ""), ("preschool", 24, 59)),
        ((INF, TOD, "", "", "Accepts Subsidy", "Daytime Hours"), ("infant|toddler", 0, 23)),
        ((None, None, None, None, None, None), (None, None, None)),
        ((SCH, INF), ("infant|school_age", 0, 155)),  # order of columns does not matter
    ],
)
def test_from_labels(row, expected):
    assert from_labels(*row) == Parsed(expected)


def test_from_labels_unknown_label_is_flagged_and_others_kept():
    r = from_labels(INF, "Teens (13-17)", "")
    assert r == Parsed(("infant", 0, 11), flag="ages: unknown label 'Teens (13-17)'")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("Y", "Y", "Y", "Y"), ("infant|toddler|preschool|school_age", 0, 155)),
        (("N", "Y", "Y", "N"), ("toddler|preschool", 12, 59)),
        (("N", "N", "N", "Y"), ("school_age", 60, 155)),
        (("Y", "N", "N", "N"), ("infant", 0, 11)),
        ((None, None, None, None), (None, None, None)),
    ],
)
def test_from_flags(row, expected):
    assert from_flags(*row) == Parsed(expected)


def test_from_flags_problems_are_flagged():
    assert from_flags("N", "N", "N", "N") == Parsed((None, None, None), flag="ages: no age group marked")
    r = from_flags("Y", "?", "N", "N")
    assert r == Parsed(("infant", 0, 11), flag="ages: toddler not a yes/no value '?'")
