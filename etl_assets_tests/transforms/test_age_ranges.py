"""age_range: ages served as a range (weeks / months / years) or as named groups with counts."""

import pytest

from etl_assets.transforms import get_transform
from etl_assets.transforms.age_ranges import looks_like_ages

age_range = get_transform("age_range").func
ALL = "infant|toddler|preschool|school_age"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6 WKS To 13 YRS", (ALL, 1, 167)),
        ("2 YEARS - 5 YEARS", ("preschool|school_age", 24, 71)),  # through age 5: 71 months
        ("18 months - 5 years", ("toddler|preschool|school_age", 18, 71)),
        ("3-5 yrs", ("preschool|school_age", 36, 71)),
        ("Birth to 12 years", (ALL, 0, 155)),
        ("6 weeks thru 11 months", ("infant", 1, 11)),
        ("Infant (7); Toddler (10); Two's (5)", ("infant|toddler|preschool", 0, 59)),
        ("Preschool (0); School Age (12)", ("school_age", 60, 155)),  # a group with no slots is not served
        ("Infants, Toddlers", ("infant|toddler", 0, 23)),
        (None, (None, None, None)),
    ],
)
def test_ranges_and_groups(raw, expected):
    got = age_range(raw)
    assert got.values == expected and got.flag is None


@pytest.mark.parametrize("raw", ["banana", "0 - 5", "12 - 3 years"])
def test_what_is_no_age_range_is_null_and_flagged(raw):
    got = age_range(raw)
    assert got.values == (None, None, None) and got.flag.startswith("ages: ")


def test_the_sniffer_sees_ranges_and_groups_but_not_counts():
    assert looks_like_ages("6 WKS To 13 YRS") and looks_like_ages("Infant (7); Toddler (10)")
    assert not looks_like_ages("12") and not looks_like_ages("Active") and not looks_like_ages("0600 To 1800")


def test_a_labels_note_in_parentheses_is_not_a_count():
    assert age_range("Toddlers (12-23 months; 1yr.)").values == ("toddler", 12, 23)
    assert looks_like_ages("Preschool (24-48 months; 2-4 yrs.)") and looks_like_ages("Infants (0-11 months)")
