"""yes_no, accepts_subsidy, oklahoma_program_flags: real strings from the samples."""

import pytest

from etl_assets.transforms import Parsed, get_transform
from etl_assets.transforms.flags import program_attributes, subsidy_contract

yes_no = get_transform("yes_no").func
accepts_subsidy = get_transform("accepts_subsidy").func
program_flags = get_transform("oklahoma_program_flags").func

PRESCHOOL = "Preschool (24-48 months; 2-4 yrs.)"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Y", True), ("N", False), ("TRUE", True), ("FALSE", False), ("Yes", True), ("no", False), (" y ", True),
     ("1", True), ("0", False), (None, None), ("", None)],
)
def test_yes_no(raw, expected):
    assert yes_no(raw) == Parsed((expected,))


def test_yes_no_unknown_is_flagged():
    assert yes_no("maybe") == Parsed((None,), flag="yes_no: not a yes/no value 'maybe'")


@pytest.mark.parametrize(
    ("flag_text", "contract", "expected", "flag"),
    [
        ("Accepts Subsidy", "Subsidy Contract Number: 59884", True, None),
        ("", "Subsidy Contract Number: N/A", False, None),
        (None, "Subsidy Contract Number: N/A", False, None),
        ("Accepts Subsidy", "Subsidy Contract Number: N/A", True, None),
        (None, None, None, None),
        ("", "Subsidy Contract Number: 40040", True, "subsidy: contract number without 'Accepts Subsidy'"),
        ("Y", "59884", True, None),
        ("N", "N/A", False, None),
        ("N", "Subsidy Contract Number: 1", True, "subsidy: says no subsidy but gives a contract number"),
        ("perhaps", None, None, "subsidy: not a yes/no value 'perhaps'"),
    ],
)
def test_accepts_subsidy(flag_text, contract, expected, flag):
    assert accepts_subsidy(flag_text, contract) == Parsed((expected,), flag=flag)


def test_subsidy_contract():
    assert subsidy_contract("Subsidy Contract Number: 59884") == (True, "59884")
    assert subsidy_contract("Subsidy Contract Number: N/A") == (False, None)
    assert subsidy_contract("59884") is None
    assert subsidy_contract("59884", bare_ok=True) == (True, "59884")
    assert subsidy_contract("Year Round") is None


# Oklahoma rows: Accepts Subsidy, Year Round, Daytime Hours, School Year Only, Evening Hours, Subsidy Contract Number
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (("", "Year Round", "Daytime Hours", "Year Round", "", "Subsidy Contract Number: N/A"), False),
        (("Accepts Subsidy", "Year Round", "Daytime Hours", "Accepts Subsidy", "Daytime Hours",
          "Subsidy Contract Number: 59884"), True),
        (("", "Year Round", "Daytime Hours", "Year Round", PRESCHOOL, "Subsidy Contract Number: N/A"), False),
        (("", "", "Daytime Hours", "School Year Only", "", "Subsidy Contract Number: N/A"), False),
        # the shifted columns alone still reveal the subsidy
        (("", "", "", "Accepts Subsidy", "Evening Hours", None), True),
        # Oklahoma's short row: nothing after Daytime Hours
        (("", "", "Daytime Hours", None, None, None), False),
        ((None, None, None, None, None, None), None),
    ],
)
def test_oklahoma_program_flags(row, expected):
    assert program_flags(*row) == Parsed((expected,))


def test_oklahoma_program_flags_unknown_value_is_flagged():
    r = program_flags("Accepts Subsidy", "Weekends", None)
    assert r == Parsed((True,), flag="program: unknown value 'Weekends'")


def test_program_attributes_by_pattern_not_position():
    attrs, unknown = program_attributes("", "", "Daytime Hours", "School Year Only", "", "Subsidy Contract Number: N/A")
    assert attrs == {
        "year_round": False,
        "school_year_only": True,
        "daytime_hours": True,
        "evening_hours": False,
        "accepts_financial_aid": False,
    }
    assert unknown == []
