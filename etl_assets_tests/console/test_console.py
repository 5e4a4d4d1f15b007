"""The review console over real HTTP (uvicorn on 127.0.0.1) against a real DuckDB warehouse built by
real runs: refusals (no token, no CSRF value, no sign-in, a foreign Host), escaping of registry
text, decisions and undo through the CLI's path, the next refresh applying them, the outbox while a
run holds the file, the lead and model pages."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from dagster import MetadataValue, instance_for_test

from etl_assets.console.app import create_app
from etl_assets.console.outbox import Outbox
from etl_assets.console.store import Store
from etl_assets.orchestration.resources import build_resources
from etl_assets_tests.support.backends import Warehouse
from etl_assets_tests.support.deliveries import deliver_and_refresh
from etl_assets_tests.support.pipeline import materialize_leads
from etl_assets_tests.support.review_console import (ACCEPT, FIRST_KEY, HEADER, HTML_PAIR, RECORDS, REJECT,
                                                     SCRIPT_NAME, TOKEN, Browser, served)


@pytest.fixture(scope="module")
def built(tmp_path_factory, s3_endpoint):
    """A warehouse with three co-located pairs in lead_review, from a real delivery and refresh."""
    from etl_assets.devtools import local_s3

    tmp = tmp_path_factory.mktemp("console")
    client = local_s3.client(s3_endpoint)
    client.create_bucket(Bucket="console-test")
    resources = build_resources(bucket="console-test", endpoint_url=s3_endpoint, warehouse=tmp / "warehouse.duckdb",
                                storage_dir=tmp / "storage", region="us-east-1")
    with instance_for_test() as instance:
        deliver_and_refresh(instance, resources, client, "console-test", FIRST_KEY, HEADER + RECORDS)
    return tmp / "warehouse.duckdb"


@pytest.fixture
def warehouse(built, tmp_path, monkeypatch, s3_endpoint):
    """A copy of the built warehouse for one test, with resources for its next refresh."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built, path)
    monkeypatch.setenv("ETL_REVIEW_OUTBOX", str(tmp_path / "outbox.jsonl"))
    return path


@pytest.fixture
def console(warehouse, tmp_path):
    store = Store(warehouse)
    app = create_app(store, Outbox(tmp_path / "outbox.jsonl", store))
    with served(app) as base:
        yield base, app


def pair_of(wh: Warehouse, keys: tuple[str, str]) -> str:
    return wh.scalar("SELECT pair_id FROM lead_review WHERE record_key_l = ? AND record_key_r = ?", list(keys))


def leads_of(wh: Warehouse) -> dict[str, str]:
    return dict(wh.fetch("SELECT _record_key, lead_id FROM lead_sources").itertuples(index=False, name=None))


def test_without_the_token_the_console_is_read_only(console, warehouse, monkeypatch):
    monkeypatch.delenv("ETL_REVIEW_TOKEN", raising=False)
    base, _ = console
    browser = Browser(base)
    page = browser.request("/")
    assert page.status == 200 and "read-only" in page.text and "Accept: one provider" not in page.text
    pair = pair_of(Warehouse("duckdb", str(warehouse)), ACCEPT)
    refused = browser.request("/decide", {"csrf": browser.csrf(), "pair_id": pair, "decision": "accept"})
    assert refused.status == 403 and "read-only" in refused.text
    assert browser.sign_in().status == 403
    assert Warehouse("duckdb", str(warehouse)).scalar("SELECT count(*) FROM lead_review_decisions") == 0


def test_a_post_without_the_csrf_value_or_the_sign_in_is_refused(console, warehouse, monkeypatch):
    monkeypatch.setenv("ETL_REVIEW_TOKEN", TOKEN)
    base, _ = console
    wh = Warehouse("duckdb", str(warehouse))
    pair = pair_of(wh, ACCEPT)
    browser = Browser(base)
    not_signed_in = browser.request("/decide", {"csrf": browser.csrf(), "pair_id": pair, "decision": "accept"})
    assert not_signed_in.status == 403 and "sign in" in not_signed_in.text
    assert browser.sign_in(token="wrong").status == 403
    assert browser.request("/signin", {"name": "x", "token": TOKEN}).status == 403  # no CSRF value
    assert browser.sign_in().status == 303
    assert browser.request("/decide", {"pair_id": pair, "decision": "accept"}).status == 403
    forged = browser.request("/decide", {"csrf": "0" * 64, "pair_id": pair, "decision": "accept"})
    assert forged.status == 403 and "CSRF" in forged.text
    other = Browser(base)  # another browser's CSRF value is bound to its own session
    assert browser.request("/decide", {"csrf": other.csrf(), "pair_id": pair, "decision": "accept"}).status == 403
    assert wh.scalar("SELECT count(*) FROM lead_review_decisions") == 0
    assert browser.request("/", headers={"Host": "attacker.example"}).status == 400  # DNS rebinding


def test_registry_html_shows_as_text(console, warehouse):
    base, _ = console
    pair = pair_of(Warehouse("duckdb", str(warehouse)), HTML_PAIR)
    page = Browser(base).request(f"/?pair={pair}")
    assert page.status == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Sunshine Learning Center" in page.text
    assert SCRIPT_NAME not in page.text and "<script>alert" not in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'nonce-" in csp and "unsafe-inline" not in csp


def test_decide_and_undo_through_the_cli_path_and_the_next_refresh_applies_them(
        console, warehouse, monkeypatch, s3_endpoint, tmp_path):
    monkeypatch.setenv("ETL_REVIEW_TOKEN", TOKEN)
    base, _ = console
    wh = Warehouse("duckdb", str(warehouse))
    accept, reject, html = pair_of(wh, ACCEPT), pair_of(wh, REJECT), pair_of(wh, HTML_PAIR)
    browser = Browser(base)
    assert browser.sign_in("Dana Reviewer").status == 303
    for pair, decision in ((accept, "accept"), (reject, "reject"), (html, "accept")):
        done = browser.request("/decide", {"csrf": browser.csrf(), "pair_id": pair, "decision": decision})
        assert done.status == 303, done.text
    undo = browser.request("/decide", {"csrf": browser.csrf(), "pair_id": html, "decision": "undo"})
    assert undo.status == 303
    rows = wh.fetch("SELECT pair_id, decision, decided_by FROM lead_review_decisions ORDER BY decided_at")
    assert list(rows.itertuples(index=False, name=None)) == [
        (accept, "accept", "Dana Reviewer"), (reject, "reject", "Dana Reviewer"),
        (html, "accept", "Dana Reviewer"), (html, "undo", "Dana Reviewer")]
    page = browser.request("/")
    assert "2 decision(s) wait for the next leads refresh" in page.text
    assert f"pair={html}" in page.text  # undone: back among the open pairs
    pending = browser.request("/?state=pending").text
    assert accept in pending and reject in pending

    resources = build_resources(bucket="unused", endpoint_url=s3_endpoint, warehouse=warehouse,
                                storage_dir=tmp_path / "storage", region="us-east-1")
    monkeypatch.setenv("REVIEW_PORT", "3177")
    with instance_for_test() as instance:
        run = materialize_leads(instance, resources)
    (materialized,) = run.asset_materializations_for_node("warehouse__leads")
    assert materialized.metadata["review_console"] == MetadataValue.url("http://127.0.0.1:3177")  # linked from the UI
    leads = leads_of(wh)
    assert leads[ACCEPT[0]] == leads[ACCEPT[1]]  # merged
    assert leads[REJECT[0]] != leads[REJECT[1]] and leads[HTML_PAIR[0]] != leads[HTML_PAIR[1]]
    queued = set(wh.fetch("SELECT pair_id FROM lead_review")["pair_id"])
    assert accept not in queued and reject not in queued and html in queued
    page = browser.request("/")
    assert "wait for the next leads refresh" not in page.text and "applied" in page.text
    lead = browser.request(f"/lead/{leads[ACCEPT[0]]}").text
    assert "Grace Methodist Preschool" in lead and "Grace Methodist Mothers Day Out" in lead
    assert "review:accept" in lead and "Net new" in lead

    # an applied accept undone: the pair has left the queue; the next refresh splits it again
    assert browser.request("/decide", {"csrf": browser.csrf(), "pair_id": accept, "decision": "undo"}).status == 303
    with instance_for_test() as instance:
        materialize_leads(instance, resources)
    leads = leads_of(wh)
    assert leads[ACCEPT[0]] != leads[ACCEPT[1]]
    assert accept in set(wh.fetch("SELECT pair_id FROM lead_review")["pair_id"])


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_decision_made_while_a_run_holds_the_file_waits_and_is_written_when_it_frees(console, warehouse, monkeypatch):
    monkeypatch.setenv("ETL_REVIEW_TOKEN", TOKEN)
    base, app = console
    wh = Warehouse("duckdb", str(warehouse))
    pair = pair_of(wh, ACCEPT)
    browser = Browser(base)
    browser.sign_in()
    csrf = browser.csrf()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        busy = browser.request("/")
        assert busy.status == 503 and "A run is writing the warehouse" in busy.text
        assert browser.request("/decide", {"csrf": csrf, "pair_id": pair, "decision": "accept"}).status == 303
        assert [e["pair_id"] for e in app.state.outbox.pending()] == [pair]
        assert app.state.outbox.flush() == 0  # still held
    finally:
        holder.communicate("\n", timeout=30)
    assert app.state.outbox.flush() == 1 and app.state.outbox.pending() == []
    rows = wh.fetch("SELECT pair_id, decision, decided_by FROM lead_review_decisions")
    assert list(rows.itertuples(index=False, name=None)) == [(pair, "accept", "Dana Reviewer")]


def test_the_model_page_charts_the_stored_model(console, warehouse):
    base, _ = console
    trained_on = Warehouse("duckdb", str(warehouse)).scalar("SELECT trained_on_records FROM lead_model")
    page = Browser(base).request("/model").text
    assert f'id="trained-on">{trained_on}<' in page
    assert page.count("<rect ") >= 10 and "Exact match on phone" in page and "name_sorted" in page


def test_the_lead_page_lists_the_leads_licenses_escaped(console, warehouse):
    """``licenses`` (``|``-joined) one per line; a license holding markup shows as text."""
    import duckdb

    base, _ = console
    wh = Warehouse("duckdb", str(warehouse))
    lead_id = leads_of(wh)[ACCEPT[0]]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("UPDATE leads SET licenses = 'TX 9001|<b>TX 9002</b>' WHERE lead_id = ?", [lead_id])
    page = Browser(base).request(f"/lead/{lead_id}").text
    assert "<li>TX 9001</li>" in page and "<li>&lt;b&gt;TX 9002&lt;/b&gt;</li>" in page
