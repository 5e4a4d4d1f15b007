"""Five registries in the shapes that real ones come in, onboarded with zero edits, end to end.

``scripts/make_onboarding_registries.py`` writes them: trailing delimiters on every record (with
and without one on the header), a street split over five columns and a borough for a city, ages
as ranges and as named groups with counts, hours and days in one column or two, Y/N and Yes/No
subsidy flags, names wrapped in backslashes, and a headerless directory whose type column is more
business-worded than its names. Each is proposed (``propose-mapping``), checked
(``check-mapping``) and delivered: moto S3 → the delivery sensor → one run per delivery →
warehouse. The figure: per registry, the share of the leads columns its file holds that
``source_current`` fills (filled = non-null on at least 90% of the records holding it); at least 90%.
"""

from __future__ import annotations


import duckdb
from dagster import instance_for_test

from etl_assets.cli import main as cli
from etl_assets_tests.support.onboarding import propose_and_check
from etl_assets_tests.support.pipeline import ingest_new_mappings
from etl_assets_tests.support.scripts import load_script

make = load_script("make_onboarding_registries")


def test_the_proposals_fill_what_the_files_hold_and_say_why(tmp_path, mappings_dir, capsys):
    registries = make.make_onboarding_registries(tmp_path / "bucket")
    proposals, reports = propose_and_check(registries, mappings_dir, capsys)
    for source, text in proposals.items():
        assert "# Unmatched columns: none" in text, (source, text)
        assert "left out: none" in reports[source], reports[source]

    trail = proposals["trailbrook"]
    assert "# note: every record has 15 fields, the header 14, and the last field is empty: a trailing delimiter" in trail
    assert "{from: [Hours, Days], to: schedule, transform: hours_and_days}" in trail
    assert "{from: Ages Served, to: [ages_served, min_age, max_age], transform: age_range}" in trail
    assert "{from: Currently_Accepts_Subsidy, to: accepts_financial_aid, transform: yes_no}" in trail
    assert "{from: Facility Status, to: license_status" in trail and "{from: FacilityTypeDescription, to: facility_type" in trail
    assert "WARN read: every record has 15 fields, the header 14" in reports["trailbrook"]

    harbor = proposals["harborcity"]
    assert "{from: [Street Number, Street Name, Additional Address], to: address1, transform: street_parts}" in harbor
    assert "{from: [Floor, Apartment], to: address2, transform: unit_parts, params: {labels: [Floor, Apt]}}" in harbor
    assert "{from: Borough, to: city" in harbor and "{value: NY, to: state, transform: state_code}" in harbor
    assert "{from: Permit Holder, to: operator, transform: operator_name}" in harbor

    maple = proposals["maplestate"]
    assert "{from: [OperatingHours, OperatingDays], to: schedule" in maple and "{from: ApplicantName, to: operator" in maple
    assert "{from: AgeGroups, to: [ages_served, min_age, max_age], transform: age_range}" in maple

    assert "(once its own empty last cell is dropped)" in proposals["pinewood"]
    assert "{from: Schedule, to: schedule, transform: hours_and_days}" in proposals["pinewood"]

    dun = proposals["dunmore"]  # the names, not the four-valued type column, are the name
    assert "{from: column_1, to: [company, licensee_name, operator, company_std], transform: company_name" in dun
    assert "{from: column_2, to: facility_type, transform: text}" in dun


def test_a_type_column_taken_as_the_name_is_refused_with_the_cause_named(tmp_path, mappings_dir, capsys):
    dunmore = make.make_onboarding_registries(tmp_path / "bucket")["dunmore"]
    assert cli(["propose-mapping", str(dunmore.path), "--source", "dunmore"]) == 0
    path = mappings_dir / "dunmore.yaml"
    wrong = "\n".join(line for line in path.read_text().splitlines() if "to: facility_type" not in line)
    wrong = wrong.replace("from: column_1, to: [company", "from: column_2, to: [company")
    path.write_text(wrong.replace(wrong[wrong.index("record_key: "):].split("\n")[0], "record_key: [company_std, zip, phone]"))
    capsys.readouterr()
    assert cli(["check-mapping", "dunmore", str(dunmore.path)]) == 1
    out = capsys.readouterr().out
    assert "ERROR column 'column_2' (mapped to company, licensee_name) has 4 distinct values over 300 records (1.3%" in out
    assert "ERROR dedup on record key ['company_std', 'zip', 'phone'] would collapse 12 of 300 records as duplicates " \
           "although they differ (4.0%, limit 3%)" in out  # fmt: skip


def test_a_trailing_delimiter_with_a_non_empty_extra_field_is_refused_naming_the_cause(tmp_path, mappings_dir, capsys):
    path = tmp_path / "2024-05-01 broken.csv"
    path.write_text("License Number,Facility Name\nA-1,Sunny Days Academy,x\nA-2,Blue Sky Preschool,y\n")
    assert cli(["propose-mapping", str(path), "--source", "broken"]) == 1
    err = capsys.readouterr().err
    assert "no record of the sample could be read: every record has 3 fields, the header 2" in err


def test_five_registries_onboard_with_zero_edits_and_fill_what_they_hold(
    tmp_path, mappings_dir, resources, bucket_name, s3_client, capsys
):
    registries = make.make_onboarding_registries(tmp_path / "bucket")
    propose_and_check(registries, mappings_dir, capsys)

    with instance_for_test() as instance:
        chains = ingest_new_mappings(instance, resources, s3_client, bucket_name, list(registries.values()))
        assert set(chains) == set(registries)

    figures = {}
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        for source, r in registries.items():
            live = con.execute("SELECT count(*) FROM source_current WHERE _source = ?", [source]).fetchone()[0]
            quarantined = con.execute("SELECT count(*) FROM quarantine WHERE _source = ?", [source]).fetchone()[0]
            assert (live, quarantined) == (r.records, 0), source
            filled = []
            for column, rows in r.holds.items():
                rows_list = sorted(rows)
                n = con.execute(f"SELECT count({column}) FROM source_current WHERE _source = ? AND _row_number IN "  # noqa: S608
                                f"(SELECT unnest(?::BIGINT[]))", [source, rows_list]).fetchone()[0]  # fmt: skip
                filled.append(column) if n >= 0.9 * len(rows) else None
            figures[source] = (len(filled), len(r.holds), sorted(set(r.holds) - set(filled)))
        sample = dict(con.execute("""SELECT _source, max(company) FILTER (WHERE company LIKE '%\\%' OR company LIKE '"%')
                                     FROM source_current GROUP BY _source""").fetchall())  # fmt: skip
        harbor = con.execute("""SELECT address1, address2, city, state FROM source_current
                                WHERE _source = 'harborcity' AND address2 IS NOT NULL LIMIT 1""").fetchone()
        maple = con.execute("""SELECT company, operator, schedule, ages_served FROM source_current
                               WHERE _source = 'maplestate' ORDER BY _row_number LIMIT 1""").fetchone()
    print("leads columns held by the file and filled in source_current:",
          {s: f"{f}/{h} ({f / h:.0%})" for s, (f, h, _) in figures.items()})  # fmt: skip
    for source, (n_filled, n_held, missing) in figures.items():
        assert n_filled / n_held >= 0.9, (source, missing)
    assert all(v is None for v in sample.values()), sample  # no wrapper characters left in any company
    assert harbor[0][0].isdigit() and harbor[1].startswith(("Floor ", "Apt ")) and harbor[3] == "NY"
    # the first Maple State record: \Puddle Jumpers Nursery School\, \Olga Petrov\, 06:30 AM - 06:00 PM on
    # Mo Tu We Th Fr Sa, School Age (8); Toddler (8); Preschool (6)
    assert maple == ("Puddle Jumpers Nursery School", "Olga Petrov", "Mon-Sat 06:30-18:00", "toddler|preschool|school_age")


def test_a_header_seen_in_a_committed_mapping_is_never_unmatched_again(mappings_dir):
    from etl_assets.onboarding.learned import learned_synonyms
    from etl_assets.onboarding.propose import propose_mapping

    (mappings_dir / "first.yaml").write_text(
        "source: first\ndeliveries: {key_pattern: 'first/*.csv'}\nrecord_key: [license_number]\nfields:\n"
        "  - {from: Lic, to: license_number, transform: license_number}\n"
        "  - {from: Kiddo Count Now, to: capacity, transform: capacity, aliases: {Kiddo Count Now: [Slots Today]}}\n"
    )
    data = ("Lic,Slots Today,Name\n" + "".join(f"L-{i},{i + 5},Sunny Days Academy {i}\n" for i in range(20))).encode()
    without = propose_mapping(data, "second", "second.csv")
    assert "Slots Today" in without.unmatched
    learned = learned_synonyms(mappings_dir, skip="second")
    assert learned["capacity"] == {"Kiddo Count Now": "first.yaml", "Slots Today": "first.yaml"}
    proposal = propose_mapping(data, "second", "second.csv", learned)
    (field,) = [f for f in proposal.fields if f.from_ == ("Slots Today",)]
    assert field.to == ("capacity",) and "as in first.yaml" in field.why


def test_check_mapping_lists_the_leads_columns_a_mapping_leaves_out(tmp_path, mappings_dir, capsys):
    trail = make.make_onboarding_registries(tmp_path / "bucket")["trailbrook"]
    assert cli(["propose-mapping", str(trail.path), "--source", "trailbrook"]) == 0
    path = mappings_dir / "trailbrook.yaml"
    path.write_text("\n".join(line for line in path.read_text().splitlines()
                              if "to: schedule" not in line and "to: license_status" not in line))  # fmt: skip
    capsys.readouterr()
    assert cli(["check-mapping", "trailbrook", str(trail.path)]) == 0  # listed for the reviewer, not a failure
    out = capsys.readouterr().out
    assert ("the sample's columns could fill 18 leads columns, the mapping fills 16 of them; left out: "
            "license_status ('Facility Status'), schedule ('Hours + Days')") in out
