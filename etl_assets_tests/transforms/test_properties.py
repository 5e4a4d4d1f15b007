"""Properties every registered transform must have, checked with hypothesis.

1. It never raises on arbitrary text or None, in every input position, and returns a ``Parsed``
   with one value per declared output, each a str/int/bool/date or None.
2. Where a transform maps a column onto itself, it is idempotent on its own output.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_assets.transforms import TRANSFORMS, Parsed, get_transform

get_transform("text")  # load every transform module
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cells = st.one_of(st.none(), st.text(), st.text(alphabet="0123456789 -().,:/&APMapm#xXe+", max_size=30))
VARIADIC_WIDTH = 6  # n_inputs=None transforms are tried with this many columns
ALLOWED = (str, int, bool, dt.date, type(None))


def _width(name: str) -> int:
    n = TRANSFORMS[name].n_inputs
    return VARIADIC_WIDTH if n is None else n


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@SETTINGS
@given(data=st.data())
def test_never_raises(name, data):
    t = TRANSFORMS[name]
    args = data.draw(st.tuples(*[cells] * _width(name)))
    result = t.func(*args)
    assert isinstance(result, Parsed)
    assert len(result.values) == len(t.outputs)
    assert all(isinstance(v, ALLOWED) for v in result.values), result.values
    assert result.flag is None or isinstance(result.flag, str)
    assert result.error is None or isinstance(result.error, str)


def test_every_family_is_registered():
    expected = {
        "text", "phone_e164", "email", "street_address", "us_address_one_line", "address_std",
        "address_std_one_line", "zip5", "state_code", "contact_name", "person_name", "name_case",
        "company_name", "date", "license_number", "license_type_and_number", "license_type_with_status",
        "ages_from_labels", "ages_from_flags", "weekly_schedule", "capacity", "yes_no", "accepts_subsidy",
        "oklahoma_program_flags",
    }  # fmt: skip
    assert expected <= set(TRANSFORMS)


SELF_MAPS = ["phone_e164", "email", "zip5", "state_code", "text", "license_number", "street_address", "name_case"]


@pytest.mark.parametrize("name", SELF_MAPS)
@SETTINGS
@given(value=cells)
def test_idempotent_on_own_output(name, value):
    f = TRANSFORMS[name].func
    (once,) = f(value).values
    (twice,) = f(once).values
    assert twice == once


@pytest.mark.parametrize(
    "value",
    ["(209) 747-1797", "MISS_AWESOME79@YAHOO.COM", "73099-1234", "7309", "New York", " k820055232 ", "19290 K ST "],
)
def test_idempotent_examples(value):
    for name in SELF_MAPS:
        f = TRANSFORMS[name].func
        (once,) = f(value).values
        assert f(once).values == (once,)


@SETTINGS
@given(address1=cells, zip_code=cells)
def test_address_std_idempotent(address1, zip_code):
    f = TRANSFORMS["address_std"].func
    (once,) = f(address1, zip_code).values
    assert f(once, zip_code).values == (once,)
    assert f(once, None).values == (once,)


@SETTINGS
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(8999, 12, 31)), text=cells)
def test_date_iso_idempotent(day, text):
    f = TRANSFORMS["date"].func
    assert f(day.isoformat()).values == (day,)
    (once,) = f(text).values
    assert f(once).values == (once,)
    if once is not None:
        assert f(once.isoformat()).values == (once,)
