"""street_parts, unit_parts, address_std_parts: a street split over several columns."""

from etl_assets.transforms import get_transform
from etl_assets.transforms.addresses import address_key

street_parts = get_transform("street_parts").func
unit_parts = get_transform("unit_parts").func
address_std_parts = get_transform("address_std_parts").func


def test_number_name_and_additional_line_join_in_order():
    assert street_parts("120", "W 97th  St", None).values == ("120 W 97th St",)
    assert street_parts("55", "Water St", "Building B").values == ("55 Water St Building B",)
    assert street_parts(None, None, None).values == (None,)
    assert street_parts(None, "Broadway", None).flag  # no house number: kept, flagged as street_address does


def test_units_are_labelled_when_bare():
    assert unit_parts("2", "3B", labels=["Floor", "Apt"]).values == ("Floor 2, Apt 3B",)
    assert unit_parts("2nd Floor", "Apt 3B", labels=["Floor", "Apt"]).values == ("2nd Floor, Apt 3B",)
    assert unit_parts(None, None, labels=["Floor", "Apt"]).values == (None,)
    assert unit_parts("Suite 100").values == ("Suite 100",)


def test_the_matching_key_is_the_joined_street_and_the_zip():
    assert address_std_parts("120", "W 97th Street", None, "10025").values == (address_key("120 W 97th Street", "10025"),)
