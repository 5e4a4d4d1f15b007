"""The review queue end to end: a co-located pair is queued, a reviewer accepts it with the CLI,
and the next delivery's leads refresh (a real Dagster run) keeps it as one lead with a stable id;
on both warehouse backends."""

from __future__ import annotations

import pytest
from dagster import instance_for_test

from etl_assets import cli
from etl_assets.orchestration.resources import build_resources
from etl_assets_tests.support.backends import Warehouse
from etl_assets_tests.support.deliveries import deliver_and_refresh

HEADER = "Operation #,Operation/Caregiver Name,Address,City,State,Zip,Phone,Type,Status\n"
# one church, one switchboard: its preschool and its Mother's Day Out, listed apart by one registry
CHURCH = ("9001,Grace Methodist Preschool,12 Oak St,Austin,TX,78701,512-555-0142,Licensed Center,Full Permit\n"
          "9002,Grace Methodist Mothers Day Out,12 Oak St,Austin,TX,78701,512-555-0142,Licensed Center,Full Permit\n"
          "9003,Little Sprouts Learning Center,400 Elm Ave,Austin,TX,78702,512-555-0177,Licensed Center,Full Permit\n")
NEW = "9004,Bright Steps Daycare,77 Pine Rd,Austin,TX,78703,512-555-0199,Licensed Center,Full Permit\n"


@pytest.fixture
def resources(s3_endpoint, bucket_name, tmp_path, warehouse_backend):
    return build_resources(
        bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=warehouse_backend.target,
        storage_dir=tmp_path / "storage", region="us-east-1",
    )


def _rows(warehouse: Warehouse, query: str, params=None) -> list[tuple]:
    return list(warehouse.fetch(query, params).itertuples(index=False, name=None))


def _leads(warehouse: Warehouse) -> dict[str, str]:
    return dict(_rows(warehouse, "SELECT _record_key, lead_id FROM lead_sources WHERE _source = 'texas'"))


def test_an_accepted_pair_survives_the_next_delivery(resources, warehouse_backend, bucket_name, s3_client, monkeypatch, capsys):
    # the CLI finds the warehouse as every command does: from the environment
    monkeypatch.setenv("ETL_WAREHOUSE_URL" if warehouse_backend.kind == "postgres" else "ETL_WAREHOUSE_PATH", warehouse_backend.target)
    with instance_for_test() as instance:
        cursor = deliver_and_refresh(instance, resources, s3_client, bucket_name, "texas/07-01-2024 Texas.csv", HEADER + CHURCH)
        first = _leads(warehouse_backend)
        assert first["9001"] != first["9002"]  # co-located, names differ: not merged by the rules
        queue = _rows(warehouse_backend, "SELECT pair_id, record_key_l, record_key_r, reason FROM lead_review")
        (pair,) = [q for q in queue if {q[1], q[2]} == {"9001", "9002"}]
        assert pair[3].startswith("co-located")

        assert cli.main(["review", "list"]) == 0
        assert pair[0] in capsys.readouterr().out
        monkeypatch.setenv("ETL_REVIEWER", "Sam Shell")
        assert cli.main(["review", "accept", pair[0], "--note", "one provider, two rooms"]) == 0
        assert "must-link" in capsys.readouterr().out
        assert _rows(warehouse_backend, "SELECT decision, decided_by, note FROM lead_review_decisions") == [
            ("accept", "Sam Shell", "one provider, two rooms")]
        assert cli.main(["review", "accept", "Rnot-a-pair"]) == 1

        deliver_and_refresh(instance, resources, s3_client, bucket_name, "texas/07-08-2024 Texas.csv", HEADER + CHURCH + NEW, cursor)
        second = _leads(warehouse_backend)
        assert second["9001"] == second["9002"] == first["9001"]  # merged, and the id is the earlier one's
        assert second["9003"] == first["9003"] and second["9004"] not in first.values()
        rules = dict(_rows(warehouse_backend, "SELECT _record_key, match_rule FROM lead_sources"))
        left = warehouse_backend.scalar("SELECT count(*) FROM lead_review WHERE pair_id = ?", [pair[0]])
        assert "review:accept" in {rules["9001"], rules["9002"]}
        assert left == 0  # decided pairs leave the queue


@pytest.mark.parametrize("action", ["reject"])
def test_a_rejected_pair_stays_apart_even_through_a_third_record(action):
    import pandas as pd

    from etl_assets.resolve.resolver import resolve_leads
    from etl_assets.resolve.review import pair_id

    rows = pd.DataFrame([
        {"_source": "texas", "_record_key": "1", "company": "Sunny Days Daycare", "phone": "+15125550101",
         "address1": "12 Oak St", "address_std": "12 OAK ST 78701", "zip": "78701", "city": "Austin"},
        {"_source": "directory", "_record_key": "2", "company": "SUNNY DAYS DAYCARE", "phone": "+15125550101",
         "address1": "12 Oak St", "address_std": "12 OAK ST 78701", "zip": "78701", "city": "Austin"},
        {"_source": "crm", "_record_key": "3", "company": "Sunny Days Daycare", "phone": "+15125550101",
         "address1": "12 Oak St", "address_std": "12 OAK ST", "zip": None, "city": "Austin"},
    ])
    before = resolve_leads(rows, None).crosswalk
    assert before["lead_id"].nunique() == 1
    decisions = pd.DataFrame([{"pair_id": pair_id("texas:1", "directory:2"), "source_l": "texas", "record_key_l": "1",
                               "source_r": "directory", "record_key_r": "2", "decision": action}])
    after = resolve_leads(rows, before, decisions=decisions).crosswalk
    assert after.loc[0, "lead_id"] != after.loc[1, "lead_id"]  # not even through record 3
    assert after.loc[0, "lead_id"] == before.loc[0, "lead_id"]  # one side keeps the id
