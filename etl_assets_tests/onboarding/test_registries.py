"""Registries without a license number, onboarded with no hand edit and ingested end to end.

``scripts/make_registries.py`` writes three invented registries: a headerless directory with
``N/A`` streets (lakeshore), a provider-API export with an opaque id and no address (kidfinder), a
county list with blank family-home streets and repeated rows (pinecounty). Each is proposed
(``propose-mapping``), checked (``check-mapping``) and then delivered: moto S3 → the delivery
sensor → one partitioned run per delivery → warehouse → ``warehouse/leads``. The same provider
across the three is one lead; the school district's pre-K sites sharing one phone are not.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
from dagster import instance_for_test, materialize

from etl_assets.cli import main as cli
from etl_assets_tests.support.onboarding import propose_and_check
from etl_assets_tests.support.pipeline import ingest_new_mappings
from etl_assets_tests.support.scripts import load_script

make_registries = load_script("make_registries")


def test_the_proposals_need_no_edit_and_say_what_they_chose(tmp_path, mappings_dir, capsys):
    registries = make_registries.make_registries(tmp_path / "bucket")
    proposals, reports = propose_and_check(registries, mappings_dir, capsys)

    lakeshore = proposals["lakeshore"]
    assert "header: false" in lakeshore and "record_key: [company_std, zip]" in lakeshore
    assert "#   column_3: street address, 100% parsed (22 of 38 filled)" in lakeshore
    assert "#   column_7: phone, 100% parsed (36 of 38 filled)" in lakeshore
    assert "#   column_2: facility type, 100% parsed" in lakeshore and "#   column_4: city, 100% parsed" in lakeshore
    assert "reads as a delete of the old record plus" in lakeshore and "0.0% duplicates" in lakeshore
    assert "column 'column_3': 16 placeholder cells read as missing ('N/A' x16)" in reports["lakeshore"]
    assert "records without an address (withheld, blank or placeholder): 16 (42.1%)" in reports["lakeshore"]

    assert "record_key: [provider_id]" in proposals["kidfinder"]
    assert "records without an address (withheld, blank or placeholder): 39 (100.0%)" in reports["kidfinder"]

    pine = proposals["pinecounty"]
    assert "record_key: [company_std, zip]" in pine
    assert "13.3% duplicates (6 whole-row repeats, 0 different records sharing a key)" in pine
    assert "record key company_std + zip: 0.0% of 45 records without it, 13.3% duplicates" in reports["pinecounty"]


def test_check_mapping_fails_when_the_key_repeats_above_the_users_threshold(tmp_path, mappings_dir, capsys):
    registries = make_registries.make_registries(tmp_path / "bucket")
    pine = registries["pinecounty"].path
    assert cli(["propose-mapping", str(pine), "--source", "pinecounty"]) == 0
    assert cli(["check-mapping", "pinecounty", str(pine), "--max-key-duplicate-share", "0.1"]) == 1
    out = capsys.readouterr().out
    assert "record key ['company_std', 'zip'] repeats on 6 of 45 records (13%, limit 10%; 6 whole-row repeats" in out
    path = mappings_dir / "pinecounty.yaml"
    path.write_text(path.read_text().replace("record_key: [company_std, zip]", "record_key: [company_std, address_std]"))
    assert cli(["check-mapping", "pinecounty", str(pine)]) == 1
    assert "record key ['company_std', 'address_std'] is missing on 17 of 45 records (38%, limit 10%)" in capsys.readouterr().out


def test_three_registries_ingest_end_to_end_and_one_provider_is_one_lead(
    tmp_path, mappings_dir, resources, bucket_name, s3_client, capsys
):
    registries = make_registries.make_registries(tmp_path / "bucket")
    propose_and_check(registries, mappings_dir, capsys)

    from etl_assets.orchestration.assets.keys import asset_key
    from etl_assets.orchestration.assets.leads import build_leads_asset

    with instance_for_test() as instance:
        chains = ingest_new_mappings(instance, resources, s3_client, bucket_name, list(registries.values()))
        assert set(chains) == set(registries)
        raw = instance.get_latest_materialization_event(asset_key("lakeshore", "raw")).asset_materialization
        assert raw.metadata["placeholders_as_null"].value == {"column_3": {"N/A": 16}, "column_7": {"-": 2}}
        normalized = instance.get_latest_materialization_event(asset_key("lakeshore", "normalized")).asset_materialization
        assert normalized.metadata["records_without_address"].value == 16
        leads = build_leads_asset([c.warehouse_key for c in chains.values()])
        assert materialize([leads], instance=instance, resources=resources).success

    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        for source, r in registries.items():  # nothing lost: live + quarantined + collapsed = the file's records
            live = con.execute("SELECT count(*) FROM source_current WHERE _source = ?", [source]).fetchone()[0]
            quarantined = con.execute("SELECT count(*) FROM quarantine WHERE _source = ?", [source]).fetchone()[0]
            collapsed = con.execute("SELECT rows_collapsed FROM deliveries WHERE _source = ?", [source]).fetchone()[0]
            assert (live, quarantined, collapsed) == (len(set(r.people.values())) if source == "pinecounty" else len(r.people), 0,
                                                      6 if source == "pinecounty" else 0)  # fmt: skip
        placeholders = con.execute("""SELECT count(*) FROM source_current
            WHERE address1 IN ('N/A', 'n/a', '-') OR phone = '-' OR _dq_flags LIKE '%N/A%'""").fetchone()[0]
        assert placeholders == 0
        records = con.execute("""
            SELECT c._source, c._row_number, s.lead_id, s.match_rule, c.company FROM source_current c
            JOIN lead_sources s ON s._source = c._source AND s._record_key = c._record_key""").fetchall()
    assert len(records) == sum(len(set(r.people.values())) for r in registries.values())
    leads_of: dict[str, set[str]] = defaultdict(set)
    how = defaultdict(list)
    for source, row, lead, rule, company in records:
        leads_of[registries[source].people[row]].add(lead)
        how[lead].append((source, company, rule))
    split = {pid: leads for pid, leads in leads_of.items() if len(leads) != 1}
    assert not split, f"one provider in several leads: {[(pid, [how[lead] for lead in leads]) for pid, leads in split.items()]}"
    providers_of: dict[str, set[str]] = defaultdict(set)
    for pid, (lead,) in leads_of.items():
        providers_of[lead].add(pid)
    merged = {lead: pids for lead, pids in providers_of.items() if len(pids) != 1}
    assert not merged, f"distinct providers in one lead: {[(pids, how[lead]) for lead, pids in merged.items()]}"
    schools = [next(iter(leads_of[f"S{i}"])) for i in range(4)]
    assert len(set(schools)) == 4  # four sites, one district phone: four leads
    in_all_three = [p for p in leads_of if all(p in set(r.people.values()) for r in registries.values())]
    assert len(in_all_three) >= 30
