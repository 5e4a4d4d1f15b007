"""propose-mapping's matching (headers, value sniffers, dates, headerless files) and check-mapping's verdicts."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from etl_assets.cli import main as cli
from etl_assets.onboarding.kinds import KINDS, header_similarity
from etl_assets.onboarding.propose import header_looks_like_data, propose_mapping
from etl_assets.onboarding.sniff import guess_date_format, sniff
from etl_assets.sources.registry import leads_schema
from etl_assets.sources.spec import load_spec
from etl_assets_tests.conftest import PROJECT_ROOT, sample_file
from etl_assets_tests.support.scripts import load_script
from etl_assets_tests.support.stages import run_stages

make_new_state = load_script("make_new_state")
MAPPINGS = PROJECT_ROOT / "mappings"


def best_kind(header: str) -> str:
    return max(KINDS, key=lambda k: header_similarity(header, k)[0]).name


@pytest.mark.parametrize(
    ("header", "kind"),
    [("Phone#", "phone"), ("Telephone", "phone"), ("Contact Phone", "phone"), ("Facility Name", "company"),
     ("Operation Name", "company"), ("Provider", "company"), ("Lic #", "license_number"),
     ("License Number", "license_number"), ("Zip Code", "zip"), ("E-mail", "email"), ("Expires On", "certificate_expiration_date"),
     ("Date Licensed", "license_issued"), ("Licensed Capacity", "capacity"), ("Operation #", "provider_id"),
     ("Currently_Accepts_Subsidy", "accepts_financial_aid"), ("ProviderStatus", "license_status"),
     ("Facility Status", "license_status"), ("FacilityTypeDescription", "facility_type"), ("Site Type", "facility_type"),
     ("Permit Holder", "operator"), ("ApplicantName", "operator"), ("Borough", "city"), ("Ages Served", "ages"),
     ("Hours of Operation", "schedule")],
)  # fmt: skip
def test_header_synonyms(header, kind):
    assert best_kind(header) == kind


def test_value_sniffers():
    s = sniff(["(830) 429-1010", "210-310-3990", "", None])
    assert s.share("phone") == 1 and s.n_values == 2
    assert sniff(["78069", "89027-1234"]).share("zip") == 1
    assert sniff(["NV", "TX", "ok"]).share("state") == 1
    assert sniff(["Y", "N", "n"]).share("yes_no") == 1
    assert sniff(["150 N. WILLOW ST MESQUITE, NV 89027"]).share("one_line_address") == 1
    assert sniff(["a@b.com", "x.y@z.org"]).share("email") == 1
    assert sniff(["6 WKS To 13 YRS", "Infant (7); Toddler (10); Two's (5)"]).share("ages") == 1
    assert sniff(["0600 To 1800", "06:30 AM - 06:00 PM"]).share("hours") == 1
    assert sniff(["MTWTHF", "Mo Tu We Th Fr"]).share("days") == 1


def test_a_column_of_few_values_is_never_a_name():
    from etl_assets.onboarding.matching import candidates_for
    from etl_assets.onboarding.sniff import few_distinct

    kinds = ["Child Care Center", "Family Child Care Home", "Child Care Center", "Group Child Care Home"] * 10
    s = sniff(kinds)
    assert few_distinct(s) and s.share("company") == 1
    assert not {c.kind.name for c in candidates_for("column_2", s, header=False)} & {"company", "contact_name"}
    assert not {c.kind.name for c in candidates_for("Facility Name", s, header=True)} & {"company", "contact_name"}
    names = sniff([f"Sunny Days Academy {i}" for i in range(40)])
    assert not few_distinct(names) and "company" in {c.kind.name for c in candidates_for("column_1", names, header=False)}


def test_date_format_guess():
    assert guess_date_format(["13-Oct-2011", "01-Feb-2020"]).formats == ["%d-%b-%Y"]
    assert guess_date_format(["7/1/22", "12/31/23"]).formats == ["%m/%d/%y"]  # 2-digit years, not year 22
    assert guess_date_format(["2023-11-30"]).formats == ["%Y-%m-%d"]
    assert guess_date_format(["25/12/2022", "1/2/2023"]).formats == ["%d/%m/%Y"]
    us = guess_date_format(["3/4/2023", "5/6/2023"])
    assert us.formats == ["%m/%d/%Y"] and us.ambiguous_with == "%d/%m/%Y"


def test_headerless_file_is_detected_and_mapped_by_values(tmp_path):
    path, origins = make_new_state.make_new_state(tmp_path, header=False)
    data = path.read_bytes()
    assert header_looks_like_data(data.decode("cp1252").splitlines()[0].split(","))
    proposal = propose_mapping(data, "franklin", path.name)
    assert proposal.header is False and proposal.encoding == "cp1252"
    targets = {f.to[0]: f for f in proposal.fields}
    assert targets["phone"].from_ == ("column_4",)
    assert targets["address1"].transform == "us_address_one_line" and targets["address1"].from_ == ("column_5",)
    assert targets["license_issued"].params == {"formats": ["%d-%b-%Y"]}
    assert targets["certificate_expiration_date"].params == {"formats": ["%Y-%m-%d"]}
    assert targets["license_number"].from_ == ("column_1",) and proposal.record_key == ["license_number"]
    assert targets["email"].from_ == ("column_9",)

    out = tmp_path / "franklin.yaml"
    out.write_text(proposal.to_yaml())
    assert "header: false" in out.read_text()
    spec = load_spec(out, leads_schema(MAPPINGS))
    result = run_stages(data, spec, "k", etag="e", landed_at=pd.Timestamp("2023-08-01T00:00:00Z"), leads=leads_schema(MAPPINGS))
    assert len(result.rows) == len(origins) == 199
    assert len(result.clean) / len(result.rows) >= 0.95


def test_proposal_for_a_real_sample_is_valid_yaml_with_comments(tmp_path):
    proposal = propose_mapping(sample_file("texas").read_bytes(), "texas_copy", "texas/07-07-2023 Texas DHHS.csv")
    text = proposal.to_yaml()
    doc = yaml.safe_load(text)
    assert doc["record_key"] == ["provider_id"] and doc["deliveries"]["key_pattern"] == "texas_copy/*.csv"
    by_from = {str(f["from"]): f for f in doc["fields"]}
    assert by_from["Phone"]["transform"] == "phone_e164"
    assert by_from["Issue Date"]["params"] == {"formats": ["%m/%d/%Y"]}
    assert by_from["['Infant', 'Toddler', 'Preschool', 'School']"]["transform"] == "ages_from_flags"
    assert "# confidence" in text and "# Unmatched columns" in text
    (tmp_path / "texas_copy.yaml").write_text(text)
    load_spec(tmp_path / "texas_copy.yaml", leads_schema(MAPPINGS))


# --- check-mapping ----------------------------------------------------------------------------


@pytest.fixture
def mappings(tmp_path):
    directory = tmp_path / "m"
    directory.mkdir()
    shutil.copy(MAPPINGS / "leads.yaml", directory)
    shutil.copy(MAPPINGS / "texas.yaml", directory)
    return directory


def _check(mappings, capsys, *extra) -> tuple[int, str]:
    code = cli(["check-mapping", "texas", "--mappings", str(mappings), *map(str, extra)])
    return code, capsys.readouterr().out


def _edit(mappings, old: str, new: str) -> None:
    path = mappings / "texas.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_check_mapping_passes_on_a_good_mapping(mappings, capsys):
    code, out = _check(mappings, capsys)
    assert code == 0 and out.rstrip().endswith("OK")
    assert "99 records, 0 quarantined" in out and "coverage of leads columns" in out and "phone 100%" in out


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("transform: zip5", "transform: zip_five", "unknown transform 'zip_five'"),
        ("to: facility_type}", "to: facility_kind}", "unknown target column(s) ['facility_kind']"),
        ("{from: \"Operation #\"", "{from: \"Provider Key\"", "required column(s) ['Provider Key'] missing"),
        ("formats: ['%m/%d/%Y']", "formats: ['%Y-%m-%d']", "column 'Issue Date': 98 of 98 values (100%)"),
        ("{from: Zip, to: zip, transform: zip5}", "{from: Zip, to: zip, transform: zip5, required: true}", None),
    ],
)
def test_check_mapping_fails_with_a_readable_report(mappings, capsys, old, new, message):
    _edit(mappings, old, new)
    if message is None:  # make most rows fail a required target: quarantined share above the threshold
        _edit(mappings, "{from: Zip, to: zip", "{from: County, to: zip")
        message = "above the threshold 20%"
    code, out = _check(mappings, capsys)
    assert code == 1 and out.rstrip().endswith("FAILED")
    assert message in out, out


def test_a_combined_type_and_number_column_is_proposed_as_license_type_and_number_and_keys_the_records():
    proposal = propose_mapping(sample_file("oklahoma").read_bytes(), "ok_copy", "oklahoma/07-07-2023 x.csv")
    (combined,) = [f for f in proposal.fields if f.from_ == ("Type License",)]
    assert combined.transform == "license_type_and_number" and combined.to == ("license_type", "license_number")
    assert combined.required == ("license_number",) and proposal.record_key == ["license_number"]
    assert "'type - number'" in combined.why


def test_a_sample_without_license_or_id_gets_a_natural_key_explained_in_comments():
    text = "Name,Street,Zip,Phone\n" + "".join(
        f"Sunny Kids Center {i},{'N/A' if i % 3 else f'{100 + i} Main St'},{97034 + i % 2},(503) 641-{1000 + i}\n"
        for i in range(30)
    )  # fmt: skip
    proposal = propose_mapping(text.encode(), "plain", "plain.csv")
    assert proposal.record_key == ["company_std", "zip"]  # the street is a placeholder on 2 of 3 rows
    yaml_text = proposal.to_yaml()
    assert "composite natural key" in yaml_text and "reads as a delete of the old record plus" in yaml_text
    assert "#   company_std + zip: 0.0% of 30 records without it, 0.0% duplicates" in yaml_text
    assert "#   company_std + address_std: 66.7% of 30 records without it" in yaml_text


def test_oklahoma_day_columns_and_age_label_columns_are_proposed_together():
    path = sample_file("oklahoma")
    proposal = propose_mapping(path.read_bytes(), "okl", path.name)
    by_to = {f.to: f for f in proposal.fields}
    week = by_to[("schedule",)]
    assert (week.transform, week.from_) == ("weekly_schedule", ("Mon", "Tues", "Wed", "Thurs", "Friday", "Saturday", "Sunday"))
    ages = by_to[("ages_served", "min_age", "max_age")]
    assert (ages.transform, ages.from_) == ("ages_from_labels", ("Ages Accepted 1", "AA2", "AA3", "AA4"))
    assert "read errors (these records are quarantined): 1 of 50 records have 14 fields, the header 30" in proposal.to_yaml()
