"""The review console on the PostgreSQL warehouse (a real local server): its reads straight from the
server, decisions and undo through the CLI's path, the next refresh applying them."""

from __future__ import annotations

import pytest
from dagster import instance_for_test

from etl_assets.console.app import create_app
from etl_assets.console.outbox import Outbox
from etl_assets.console.store import Store
from etl_assets.orchestration.resources import build_resources
from etl_assets_tests.support.backends import Warehouse
from etl_assets_tests.support.deliveries import deliver_and_refresh
from etl_assets_tests.support.pipeline import materialize_leads
from etl_assets_tests.support.review_console import (ACCEPT, FIRST_KEY, HEADER, HTML_PAIR, RECORDS, REJECT, TOKEN,
                                                     Browser, served)


@pytest.fixture
def pg_warehouse(pg_url, s3_endpoint, s3_client, bucket_name, tmp_path):
    resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=pg_url,
                                storage_dir=tmp_path / "storage", region="us-east-1")
    with instance_for_test() as instance:
        deliver_and_refresh(instance, resources, s3_client, bucket_name, FIRST_KEY, HEADER + RECORDS)
    return Warehouse("postgres", pg_url), resources


def test_the_console_reads_and_decides_on_postgres(pg_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_REVIEW_TOKEN", TOKEN)
    wh, resources = pg_warehouse
    pair = {keys: wh.scalar("SELECT pair_id FROM lead_review WHERE record_key_l = ? AND record_key_r = ?", list(keys))
            for keys in (ACCEPT, REJECT, HTML_PAIR)}
    store = Store(wh.target)
    assert store.kind == "postgres"
    with served(create_app(store, Outbox(tmp_path / "outbox.jsonl", store))) as base:
        browser = Browser(base)
        queue = browser.request("/")
        assert queue.status == 200 and all(p in queue.text for p in pair.values())
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in browser.request(f"/?pair={pair[HTML_PAIR]}").text
        assert browser.request("/model").text.count("<rect ") >= 10
        assert browser.sign_in("Pat Postgres").status == 303
        for keys, decision in ((ACCEPT, "accept"), (REJECT, "reject"), (HTML_PAIR, "accept"), (HTML_PAIR, "undo")):
            assert browser.request("/decide", {"csrf": browser.csrf(), "pair_id": pair[keys],
                                               "decision": decision}).status == 303
        rows = wh.fetch("SELECT pair_id, decision, decided_by FROM lead_review_decisions ORDER BY decided_at")
        assert [tuple(r) for r in rows.itertuples(index=False, name=None)] == [
            (pair[ACCEPT], "accept", "Pat Postgres"), (pair[REJECT], "reject", "Pat Postgres"),
            (pair[HTML_PAIR], "accept", "Pat Postgres"), (pair[HTML_PAIR], "undo", "Pat Postgres")]
        assert "2 decision(s) wait for the next leads refresh" in browser.request("/").text

        with instance_for_test() as instance:
            materialize_leads(instance, resources)
        leads = dict(wh.fetch("SELECT _record_key, lead_id FROM lead_sources").itertuples(index=False, name=None))
        assert leads[ACCEPT[0]] == leads[ACCEPT[1]] and leads[REJECT[0]] != leads[REJECT[1]]
        assert leads[HTML_PAIR[0]] != leads[HTML_PAIR[1]]
        lead = browser.request(f"/lead/{leads[ACCEPT[0]]}").text
        assert "Grace Methodist Mothers Day Out" in lead and "review:accept" in lead
        assert "wait for the next leads refresh" not in browser.request("/").text
        assert browser.request(f"/leads?q=grace").text.count("/lead/") == 1
