"""An organisation written where a registry expects a person (an owner column) is no person's name."""

from etl_assets.transforms.people import parse_contact


def test_an_organisation_as_owner_gives_no_first_or_last_name_and_says_why():
    (first, last, title), problems = parse_contact("Riverside School District")
    assert (first, last, title) == (None, None, None)
    assert problems == ["name: 'Riverside School District' names an organisation, not a person"]


def test_people_are_still_people():
    assert parse_contact("Maria Lopez")[0] == ("Maria", "Lopez", None)
    assert parse_contact("HELLSTROM, ELIZABETH")[0][:2] == ("Elizabeth", "Hellstrom")
    assert parse_contact("Elizabeth Hellstrom\r\nPrimary Caregiver")[0] == ("Elizabeth", "Hellstrom", "Primary Caregiver")
