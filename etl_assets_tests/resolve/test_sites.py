"""One provider at one site: house numbers as whole tokens, the site rule, records without an address.

Real ``resolve_leads`` runs on small frames. ``BIG`` links with the rules that link on their own in
a warehouse of more than ``splink_em_min_records`` records (Splink off: what is left is what the
rules alone do there); ``ResolveConfig()`` on a handful of records links with every rule.
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from etl_assets.resolve import keys
from etl_assets.resolve.model import SELF_LINKING_RULES, linking_rules
from etl_assets.resolve.resolver import ResolveConfig, resolve_leads
from etl_assets_tests.resolve import test_incremental as incremental

BIG = ResolveConfig(deterministic_rules=SELF_LINKING_RULES, use_splink=False)


@pytest.mark.parametrize("line, token, street", [
    ("100-05 39 AVE", "100-05", "39 AVE"), ("1400-1410 MAIN ST", "1400-1410", "MAIN ST"),
    ("12A MAIN ST", "12A", "MAIN ST"), ("12 A MAIN ST", "12A", "MAIN ST"), ("12-A MAIN ST", "12A", "MAIN ST"),
    ("2344 C S 4TH PKWY", "2344C", "4TH PKWY"), ("1200 1/2 MAIN ST", "1200 1/2", "MAIN ST"),
    ("1200 MAIN ST", "1200", "MAIN ST"),
    ("19290 K ST", "19290", "K ST"),  # K Street, not house 19290 K
    ("12 N MAIN ST", "12", "MAIN ST"),  # a direction, not a letter of the house
    ("1ST ST", None, "1ST ST"), ("MAIN ST", None, "MAIN ST"),
])
def test_a_house_number_is_one_whole_token(line, token, street):
    lines = pd.Series([line], dtype=object)
    house = keys.house_number(lines)
    assert house.tolist() == [token]
    assert keys.street_key(lines, house).tolist() == [street]


def test_tokens_that_share_their_first_digits_are_different_houses():
    lines = pd.Series(["100-05 39 AVE", "100-09 39 AVE", "12A MAIN ST", "12B MAIN ST", "1200 MAIN ST",
                       "1200 1/2 MAIN ST"], dtype=object)
    house = keys.house_number(lines)
    street = keys.street_key(lines, house)
    t = [(v, h, "11354", s, "NY") for v, h, s in zip(lines, house, street)]
    for a, b in ((0, 1), (2, 3), (4, 5)):
        assert house[a] != house[b]
        assert not keys.address_compatible(t[a], t[b])  # the cluster constraint reads the same token
        assert keys.address_compatible(t[a], t[a])


def test_a_house_number_address_std_split_is_read_as_address1_writes_it():
    """The platform's address_std writes 100-05 as ``100 05``: the line takes the registry's token back."""
    line, z = keys.address_parts(pd.Series(["100 05 39 AVE 11354", "1200 1 2 MAIN ST 73102", "500 OAK ST 73102"]),
                                 pd.Series(["100-05 39 Avenue", "1200 1/2 Main St", "500 Oak Street"]),
                                 pd.Series([None, None, None], dtype=object))
    assert line.tolist() == ["100-05 39 AVE", "1200 1/2 MAIN ST", "500 OAK ST"]
    assert z.tolist() == ["11354", "73102", "73102"]
    assert keys.house_number(line).tolist() == ["100-05", "1200 1/2", "500"]


def test_a_unit_is_compared_without_its_unit_words():
    units = pd.Series(["Apt. 3A", "#3A", "Unit 3a", "Suite 200", None, ""], dtype=object)
    assert keys.unit_key(units).tolist() == ["3A", "3A", "3A", "200", None, None]


def _rec(key, company, address1, phone, license_number, source="state_registry", zip_="73102", **extra):
    return {"_source": source, "_record_key": key, "company": company, "address1": address1, "zip": zip_,
            "city": "Oklahoma City" if address1 else None, "state": "OK", "phone": phone,
            "license_number": license_number, **extra}


def _resolve(rows, cfg):
    result = resolve_leads(pd.DataFrame(rows), None, cfg)
    return result, result.crosswalk.set_index("_record_key")


@pytest.mark.parametrize("cfg", [BIG, ResolveConfig()], ids=["rules-alone", "small"])
def test_two_licenses_of_one_registry_at_one_site_are_one_lead(cfg):
    result, cw = _resolve([
        _rec("a", "PEARL ACADEMY (DUAL LICENSE)", "4410 N Meridian Ave", "+14055550101", "K-100", license_type="CENTER"),
        _rec("b", "PEARL ACADEMY", "4410 N Meridian Ave", "+14055550101", "K-200", license_type="FAMILY CARE"),
        _rec("c", "PEARL ACADEMY", "4416 N Meridian Ave", "+14055550101", "K-300"),  # the brand's other site
    ], cfg)
    assert cw.loc["a", "lead_id"] == cw.loc["b", "lead_id"] != cw.loc["c", "lead_id"]
    joined = cw.loc[["a", "b"]]
    assert set(joined["match_rule"]) == {"deterministic:site"}
    assert joined["match_evidence"].str.startswith("one site, two licenses").all()
    assert len(cw) == 3  # one crosswalk row per record
    licenses = result.leads.set_index("lead_id")["licenses"]
    assert licenses[cw.loc["a", "lead_id"]] == "K-100|K-200"
    assert licenses[cw.loc["c", "lead_id"]] == "K-300"


def test_per_age_group_permits_at_one_site_and_their_second_scrape_are_one_lead():
    rows = []
    for source in ("city_scrape_1", "city_scrape_2"):
        rows += [_rec(f"{source}-0", "TINY SPROUTS PRESCHOOL, INC.", "202-11 Main Street", "+17185550101", "PRM1",
                      source=source, zip_="11354", license_type="GROUP DAY CARE (0-2 YEARS)"),
                 _rec(f"{source}-1", "THE TINY SPROUTS PRESCHOOL", "202-11 Main Street", "+17185550101", "PRM2",
                      source=source, zip_="11354", license_type="GROUP DAY CARE (2-5 YEARS)")]
    rows.append(_rec("other", "TINY SPROUTS PRESCHOOL", "202-15 Main Street", "+17185550199", "PRM3",
                     source="city_scrape_1", zip_="11354"))  # the brand's center next door
    result, cw = _resolve(rows, ResolveConfig())  # the scrapes are two sources: phone + address joins them
    assert cw.loc[[r["_record_key"] for r in rows[:4]], "lead_id"].nunique() == 1
    assert cw.loc["other", "lead_id"] != cw.loc["city_scrape_1-0", "lead_id"]
    assert result.leads.set_index("lead_id").loc[cw.loc["city_scrape_1-0", "lead_id"], "licenses"] == "PRM1|PRM2"


@pytest.mark.parametrize("cfg", [BIG, ResolveConfig()], ids=["rules-alone", "small"])
def test_a_districts_schools_on_one_phone_at_different_sites_stay_apart(cfg):
    rows = [_rec(f"s{i}", f"{hero} ELEMENTARY SCHOOL PRE-K PROGRAM", street, "+14055550100", f"D-{i}")
            for i, (hero, street) in enumerate([("LINCOLN", "100 Elm St"), ("PARKS", "2200 Oak Ave"),
                                                 ("CARVER", "31 Pine Rd"), ("TRUMAN", "4500 Cedar Ln")])]
    rows.append(_rec("dir", "Parks Elementary School Pre-K Program", None, "+14055550100", None,
                     source="directory", zip_=None))  # the directory: name and district phone only
    _, cw = _resolve(rows, cfg)
    assert cw.loc[["s0", "s1", "s2", "s3"], "lead_id"].nunique() == 4
    assert cw.loc["dir", "lead_id"] == cw.loc["s1", "lead_id"]


@pytest.mark.parametrize("cfg", [BIG, ResolveConfig()], ids=["rules-alone", "small"])
def test_people_in_different_apartments_of_one_building_stay_apart(cfg):
    rows = [
        _rec("h0", "GARCIA, MARIA", "900 Harvey Ave", "+14055550111", "F-1", address2="Apt 3A"),
        _rec("h1", "GARCIA, ROSA", "900 Harvey Ave", "+14055550111", "F-2", address2="Apt 4B"),  # building phone, kin
        _rec("h2", "Maria Garcia Family Child Care", "900 Harvey Ave #5C", "+14055550111", "F-3"),
        _rec("h3", "Maria Garcia Family Child Care", "900 Harvey Ave #6D", "+14055550111", "F-4"),
    ]
    _, cw = _resolve(rows, cfg)
    assert cw["lead_id"].nunique() == 4


def test_one_unit_with_two_licenses_is_one_lead():
    _, cw = _resolve([_rec("h0", "MARIA GARCIA FAMILY CHILD CARE", "900 Harvey Ave", "+14055550111", "F-1",
                           address2="Apt 3A"),
                      _rec("h1", "Maria Garcia Family Child Care", "900 Harvey Ave", "+14055550111", "F-2",
                           address2="#3A")], BIG)
    assert cw["lead_id"].nunique() == 1


@pytest.mark.parametrize("cfg", [BIG, ResolveConfig()], ids=["rules-alone", "small"])
def test_a_chains_sites_at_different_house_tokens_stay_apart(cfg):
    rows = [_rec(f"r{i}", "TENDER LAMBS EARLY LEARNING ACADEMY", f"{house} Corona Ave", "+17185550123", f"P-{i}",
                 source="city_scrape_1", zip_="11354") for i, house in enumerate(["120-11", "120-53"])]
    rows += [_rec(f"d{i}", "Tender Lambs Early Learning Academy", f"{house} Corona Ave", "+17185550123", None,
                  source="directory", zip_="11354") for i, house in enumerate(["120-11", "120-53"])]
    _, cw = _resolve(rows, cfg)
    lead = cw["lead_id"]
    assert lead["r0"] != lead["r1"] and lead["d0"] != lead["d1"] and lead["d0"] != lead["r1"]
    if cfg is not BIG:  # the directory's copies join their sites (by phone + address)
        assert lead["d0"] == lead["r0"] and lead["d1"] == lead["r1"]


def test_co_located_programs_with_unrelated_names_keep_their_licenses_apart():
    rows = [_rec("p0", "FIRST BAPTIST CHURCH MOTHER'S DAY OUT", "12 Church St", "+14055550130", "C-1"),
            _rec("p1", "HAPPY HEARTS PRESCHOOL", "12 Church St", "+14055550130", "C-2")]
    _, cw = _resolve(rows, BIG)
    assert cw["lead_id"].nunique() == 2


def test_a_record_without_an_address_links_on_phone_and_name_on_its_own():
    """An API export (name, phone, no address) against a directory: linked by the rules alone, as
    Splink would leave it under its threshold; one phone under two names stays two leads."""
    assert "deterministic:phone+name" in linking_rules(ResolveConfig(), 50_000)
    rows = [_rec("api0", "Bright Owls Academy, LLC", None, "+14055550140", None, source="api_export", zip_=None),
            _rec("dir0", "BRIGHT OWLS ACADEMY", "77 Yale Ave", "+14055550140", None, source="directory"),
            _rec("api1", "Willow Bees Daycare", None, "+14055550150", None, source="api_export", zip_=None),
            _rec("dir1", "Golden Seeds Playhouse", "80 Yale Ave", "+14055550150", None, source="directory")]
    _, cw = _resolve(rows, BIG)
    assert cw.loc["api0", "lead_id"] == cw.loc["dir0", "lead_id"]
    assert "deterministic:phone+name" in set(cw.loc[["api0", "dir0"], "match_rule"])
    assert cw.loc["api1", "lead_id"] != cw.loc["dir1", "lead_id"]


# --------------------------------------------------------------------------- real refreshes of a warehouse
SITE_CONFIG = dataclasses.replace(incremental.CONFIG, deterministic_rules=SELF_LINKING_RULES)


def test_a_dual_licensed_provider_is_one_lead_in_the_warehouse_incrementally_and_in_full(tmp_path):
    """Two real DuckDB warehouses (history, refresh, match state): a registry's center and family-home
    license at one site are one lead listing both licenses with a crosswalk row each; a third
    license at the site (added by the next delivery) joins it in the incremental refresh exactly as
    in a full re-resolve, and the brand's other site stays its own lead."""
    pearl = {"company": "PEARL ACADEMY (DUAL LICENSE)", "address": ("4410 N MERIDIAN AVE", "73112", "OKLAHOMA CITY"),
             "phone": "+14055550101", "phone2": None, "email": None, "license_number": "K-100"}
    other_site = {**pearl, "company": "PEARL ACADEMY", "address": ("4416 N MERIDIAN AVE", "73112", "OKLAHOMA CITY"),
                  "license_number": "K-300"}
    first = {"k0": pearl, "k1": {**pearl, "company": "PEARL ACADEMY", "license_number": "K-200"}, "k2": other_site}
    modes = incremental._run([("deliveries", (("oklahoma", first),)),
                              ("delivery", "oklahoma", {**first, "k3": {**pearl, "license_number": "K-400"}})],
                             tmp_path, config=SITE_CONFIG)
    assert modes == [(False, "full"), (True, "incremental")]
    with duckdb.connect(str(tmp_path / "incremental.duckdb"), read_only=True) as con:
        leads = con.execute("SELECT lead_id, licenses, record_count FROM leads ORDER BY licenses").fetchall()
        rows = con.execute("SELECT _record_key, match_rule, match_evidence FROM lead_sources "
                           "WHERE _source = 'oklahoma' ORDER BY 1").fetchall()
    assert [(licenses, n) for _, licenses, n in leads] == [("K-100|K-200|K-400", 3), ("K-300", 1)]
    assert [r[0] for r in rows] == ["k0", "k1", "k2", "k3"]  # one crosswalk row per record
    assert [r[1] for r in rows] == ["deterministic:site", "deterministic:site", "singleton", "deterministic:site"]
    assert all(r[2].startswith("one site, two licenses") for r in rows if r[1] == "deterministic:site")


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps_=incremental.steps)
def test_with_the_site_rule_linking_on_its_own_an_incremental_refresh_equals_a_full_one(steps_, tmp_path_factory):
    """The property of ``test_incremental`` with the rules that link on their own in a large
    warehouse: its pools put one source's licenses at one address under similar names."""
    modes = incremental._run(steps_, tmp_path_factory.mktemp("wh"), config=SITE_CONFIG)
    assert all(mode == "incremental" for had_state, mode in modes if had_state)


@pytest.mark.parametrize(
    "company, same_as",
    [("A.B.C. LEARNING CENTER", "ABC LEARNING CENTER"), ("A B C LEARNING CENTER", "ABC LEARNING CENTER"),
     ("1-2-3 KIDS", "123 KIDS")],
)
def test_a_word_spelled_letter_by_letter_is_one_word_in_the_name_key(company, same_as):
    names = pd.Series([company, same_as], dtype=object)
    key = keys.name_key(names, names)
    assert key[0] == key[1]


def test_single_letters_apart_from_each_other_stay_words_of_their_own():
    names = pd.Series(["KIDS R US", "KIDSRUS"], dtype=object)
    key = keys.name_key(names, names)
    assert key[0] != key[1]
