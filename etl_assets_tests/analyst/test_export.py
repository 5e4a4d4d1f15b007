"""The CRM export: `etl-assets export-leads` round trip and filters, no formula cell, unique lead
ids, S3 output; and the asset exports/net_new_leads landing in the bucket (moto over HTTP)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from dagster import instance_for_test, materialize

from etl_assets import cli
from etl_assets.orchestration.assets.analyst import analyst_views, net_new_leads_export
from etl_assets.exports.crm import DEFAULT_S3_KEY, NOT_PROVIDED, SALESFORCE_COLUMNS
from etl_assets.transforms.text import looks_like_formula
from etl_assets_tests.analyst.conftest import FORMULA_TITLE


@pytest.fixture
def export(analyst_warehouse, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ETL_WAREHOUSE_PATH", analyst_warehouse.path)

    def run(*args: str) -> tuple[pd.DataFrame, str]:
        out = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.csv"
        assert cli.main(["export-leads", *args, "--out", str(out)]) == 0
        return read(out.read_bytes()), capsys.readouterr().err

    return run


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_net_new_export_round_trips_one_row_per_lead(analyst_warehouse, export):
    frame, stderr = export("--net-new")
    expected = analyst_warehouse.query("SELECT lead_id, company, phone, state FROM net_new_leads ORDER BY lead_id")
    assert list(frame.columns) == list(SALESFORCE_COLUMNS)
    assert frame["lead_id"].is_unique and list(frame["lead_id"]) == [r[0] for r in expected]
    by_id = frame.set_index("lead_id")
    for lead_id, company, phone, state in expected:
        assert by_id.at[lead_id, "Company"] == (company or NOT_PROVIDED)
        assert by_id.at[lead_id, "Phone"] == (phone or "") and by_id.at[lead_id, "State"] == (state or "")
    assert (frame["Existing_CRM_Lead__c"] == "false").all()
    assert f"{len(frame):,} of {len(frame):,} leads written" in stderr


def test_the_full_export_has_no_formula_cell(export):
    frame, _ = export()
    assert frame["lead_id"].is_unique
    assert "'" + FORMULA_TITLE in set(frame["Title"])  # the CRM lead's formula, defused
    assert not [v for column in frame for v in frame[column] if looks_like_formula(v)]
    assert (frame["LastName"] != "").all() and (frame["Company"] != "").all()  # Salesforce requires both


def test_filters_are_honoured(analyst_warehouse, export):
    w = analyst_warehouse
    texas, _ = export("--net-new", "--state", "tx")
    assert len(texas) == w.query("SELECT count(*) FROM net_new_leads WHERE state = 'TX'")[0][0] > 0
    assert set(texas["State"]) == {"TX"}
    nevada, _ = export("--source", "nevada")
    expected = {r[0] for r in w.query("SELECT DISTINCT lead_id FROM lead_sources WHERE _source = 'nevada'")}
    assert set(nevada["lead_id"]) == expected
    since, _ = export("--net-new", "--since", "2023-08-01")
    later = {r[0] for r in w.query("SELECT lead_id FROM net_new_leads WHERE first_seen_date >= DATE '2023-08-01'")}
    all_net_new = w.query("SELECT count(*) FROM net_new_leads")[0][0]
    assert set(since["lead_id"]) == later and 0 < len(later) < all_net_new
    assert (since["First_Seen_Date__c"] >= "2023-08-01").all()


def test_bad_arguments_are_refused_by_name(analyst_warehouse, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ETL_WAREHOUSE_PATH", analyst_warehouse.path)
    for args, message in ((["--source", "utah"], "unknown source 'utah'"), (["--state", "Texas"], "not a 2-letter"),
                          (["--since", "last week"], "not a date")):
        assert cli.main(["export-leads", *args, "--out", str(tmp_path / "x.csv")]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_export_to_s3(analyst_warehouse, export, monkeypatch, s3_endpoint, s3_client):
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    bucket = analyst_warehouse.resources["bucket"].bucket
    local, _ = export("--net-new", "--state", "NV")
    assert cli.main(["export-leads", "--net-new", "--state", "NV", "--out", f"s3://{bucket}/exports/nv.csv"]) == 0
    body = s3_client.get_object(Bucket=bucket, Key="exports/nv.csv")["Body"].read()
    pd.testing.assert_frame_equal(read(body), local)


def test_the_export_asset_lands_net_new_leads_in_the_bucket(analyst_warehouse, s3_client):
    w = analyst_warehouse
    with instance_for_test() as instance:
        result = materialize([analyst_views, net_new_leads_export], instance=instance, resources=w.resources)
    body = s3_client.get_object(Bucket=w.resources["bucket"].bucket, Key=DEFAULT_S3_KEY)["Body"].read()
    frame = read(body)
    net_new = {r[0] for r in w.query("SELECT lead_id FROM net_new_leads")}
    assert frame["lead_id"].is_unique and set(frame["lead_id"]) == net_new
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "exports"]
    assert event.materialization.metadata["dagster/row_count"].value == len(net_new)
    views = {e.asset_key.path[-1]: e.materialization.metadata for e in result.get_asset_materialization_events()
             if e.asset_key.path[0] == "warehouse"}
    assert set(views) == {"delivery_summary", "lead_changes", "source_scorecard", "net_new_leads", "source_overlap",
                          "lead_first_seen"}
    schema = views["net_new_leads"]["dagster/column_schema"].value
    assert all(c.description for c in schema.columns) and schema.columns[0].name == "lead_id"
    assert views["net_new_leads"]["dagster/row_count"].value == len(net_new)
    ranking = views["source_scorecard"]["ranking"].value
    assert "| 1 |" in ranking and "█" in ranking


def test_the_views_and_the_export_follow_every_leads_refresh():
    from etl_assets.orchestration.assets.keys import LEADS_KEY, NET_NEW_EXPORT_KEY, VIEW_KEYS
    from etl_assets.orchestration.definitions import defs

    job = defs.resolve_job_def("leads_refresh")
    assert set(job.asset_layer.selected_asset_keys) == {LEADS_KEY, NET_NEW_EXPORT_KEY, *VIEW_KEYS.values()}
