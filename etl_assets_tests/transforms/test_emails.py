"""email: real strings from the samples, exact outputs."""

import pytest

from etl_assets.transforms import Parsed, get_transform

email = get_transform("email").func


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("symira24@gmail.com", "symira24@gmail.com"),
        ("MISS_AWESOME79@YAHOO.COM", "miss_awesome79@yahoo.com"),  # Oklahoma
        ("CreativeExpressionsLC@yahoo.com", "creativeexpressionslc@yahoo.com"),
        ("Director@epworth.info", "director@epworth.info"),
        ("katie.molleur@life.church", "katie.molleur@life.church"),
        ("  Aisforapple12345@gmail.com ", "aisforapple12345@gmail.com"),  # Texas
        ("test1@gmail.com", "test1@gmail.com"),  # Salesforce
        ("mailto:Foo@Bar.com", "foo@bar.com"),
        ("<foo@bar.com>", "foo@bar.com"),
    ],
)
def test_valid(raw, expected):
    assert email(raw) == Parsed((expected,))


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty(raw):
    assert email(raw) == Parsed((None,))


@pytest.mark.parametrize("raw", ["foo@", "foo", "@bar.com", "foo@bar", "foo@@bar.com", "a b@c", "ünï@çødé.com"])
def test_invalid(raw):
    r = email(raw)
    assert r.values == (None,)
    assert r.flag is not None and r.flag.startswith("email: invalid address")
    assert r.error is None


def test_several_addresses_keep_the_first():
    r = email("a@b.com; c@d.com")
    assert r == Parsed(("a@b.com",), flag="email: several addresses, kept the first")
