"""The review console in a real browser: a reviewer works the queue without a shell.

A warehouse built by real runs (one Texas delivery holding three co-located pairs), the console as
`etl-assets review serve` runs it (its own process, on 127.0.0.1), Chromium (Debian's, driven by
Playwright, as test_browser.py does). The reviewer signs in, accepts one pair with the keyboard and
rejects another with a click; the next `leads_refresh` run (a real Dagster run) merges the first and
keeps the second apart, and the lead page shows the merge. A registry name holding HTML shows as
text, and POSTs without the sign-in or the CSRF value are refused. Screenshots in the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from dagster import instance_for_test

from etl_assets.orchestration.resources import build_resources
from etl_assets_tests.hardening.test_security import listening_addresses
from etl_assets_tests.support.backends import Warehouse
from etl_assets_tests.support.deliveries import deliver_and_refresh
from etl_assets_tests.support.pipeline import materialize_leads
from etl_assets_tests.support.review_console import (ACCEPT, FIRST_KEY, HEADER, HTML_PAIR, RECORDS, REJECT,
                                                     SCRIPT_NAME, TOKEN, free_port)
from etl_assets_tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("platform")]  # groups: see the Makefile

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMMITTED_SCREENSHOT = PROJECT_ROOT / "docs" / "review-console.png"
START_TIMEOUT = 60  # seconds for the console to serve (a bound, not a timing assertion)


def start_console(warehouse: Path, port: int, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "ETL_WAREHOUSE_PATH": str(warehouse), "ETL_REVIEW_TOKEN": TOKEN, "REVIEW_PORT": str(port),
           "ETL_REVIEW_OUTBOX": str(tmp_path / "outbox.jsonl"), "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("ETL_WAREHOUSE_URL", None)
    log = open(tmp_path / "console.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "etl_assets.cli", "review", "serve"], cwd=PROJECT_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, (tmp_path / "console.log").read_text()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=3)
            return process
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def warehouse(tmp_path, s3_endpoint, s3_client, bucket_name):
    resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=tmp_path / "warehouse.duckdb",
                                storage_dir=tmp_path / "storage", region="us-east-1")
    with instance_for_test() as instance:
        deliver_and_refresh(instance, resources, s3_client, bucket_name, FIRST_KEY, HEADER + RECORDS)
    return tmp_path / "warehouse.duckdb", resources


def test_a_reviewer_works_the_queue_in_the_browser_and_the_next_refresh_applies_it(warehouse, tmp_path):
    from playwright.sync_api import sync_playwright

    path, resources = warehouse
    wh = Warehouse("duckdb", str(path))
    pair = {keys: wh.scalar("SELECT pair_id FROM lead_review WHERE record_key_l = ? AND record_key_r = ?", list(keys))
            for keys in (ACCEPT, REJECT, HTML_PAIR)}
    port = free_port()
    console = start_console(path, port, tmp_path)
    base = f"http://127.0.0.1:{port}"
    dialogs: list[str] = []
    try:
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                           headless=True, viewport={"width": 1400, "height": 900})
            try:
                page = browser.new_page()
                page.set_default_timeout(30_000)
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

                # signed out: no buttons; a POST without the sign-in is refused
                page.goto(base + "/")
                page.get_by_text("Sign in to decide").first.wait_for()
                csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
                refused = page.request.post(base + "/decide", form={"csrf": csrf, "pair_id": pair[ACCEPT],
                                                                    "decision": "accept"})
                assert refused.status == 403

                page.goto(base + "/signin")
                page.get_by_label("Your name").fill("Dana Reviewer")
                page.get_by_label("Review token").fill(TOKEN)
                page.get_by_role("button", name="Sign in").click()
                page.get_by_text("signed in as Dana Reviewer").wait_for()
                no_csrf = page.request.post(base + "/decide", form={"pair_id": pair[ACCEPT], "decision": "accept"})
                assert no_csrf.status == 403  # signed in, but no CSRF value

                # the HTML pair: its name shows as text, nothing runs
                page.goto(f"{base}/?pair={pair[HTML_PAIR]}")
                page.get_by_text(SCRIPT_NAME).first.wait_for()
                assert page.locator("script", has_text="alert(1)").count() == 0
                page.screenshot(path=str(tmp_path / "1_html_pair.png"))

                # accept with the keyboard, reject with a click
                page.goto(f"{base}/?pair={pair[ACCEPT]}")
                page.locator("#pair-title", has_text=pair[ACCEPT]).wait_for()
                assert page.locator('tr[data-field="phone"]').get_attribute("class") == "agree"
                assert page.locator('tr[data-field="name"]').get_attribute("class") == "differ"
                page.screenshot(path=str(tmp_path / "2_queue.png"))
                page.keyboard.press("a")
                page.locator("#pending").wait_for()
                page.goto(f"{base}/?pair={pair[REJECT]}")
                page.get_by_role("button", name="Reject: two providers").click()
                page.locator("#pending", has_text="2 decision(s)").wait_for()
                page.screenshot(path=str(tmp_path / "3_decided.png"))
                decisions = wh.fetch("SELECT pair_id, decision, decided_by FROM lead_review_decisions ORDER BY decided_at")
                assert list(decisions.itertuples(index=False, name=None)) == [
                    (pair[ACCEPT], "accept", "Dana Reviewer"), (pair[REJECT], "reject", "Dana Reviewer")]

                with instance_for_test() as instance:  # the next leads refresh: a real Dagster run
                    materialize_leads(instance, resources)
                leads = dict(wh.fetch("SELECT _record_key, lead_id FROM lead_sources").itertuples(index=False, name=None))
                assert leads[ACCEPT[0]] == leads[ACCEPT[1]] and leads[REJECT[0]] != leads[REJECT[1]]

                page.goto(base + "/")
                assert page.locator("#pending").count() == 0
                page.get_by_role("link", name=pair[HTML_PAIR]).wait_for()  # still open
                page.goto(f"{base}/lead/{leads[ACCEPT[0]]}")
                records = page.locator("#records")
                records.get_by_text("Grace Methodist Preschool").wait_for()
                assert records.get_by_text("Grace Methodist Mothers Day Out").count() == 1
                assert records.get_by_text("review:accept").count() >= 1  # how the records joined
                page.screenshot(path=str(tmp_path / "4_merged_lead.png"), full_page=True)
                page.goto(base + "/model")
                page.locator("#weights rect").first.wait_for()
                page.screenshot(path=str(tmp_path / "5_model.png"), full_page=True)
            finally:
                browser.close()
    finally:
        console.terminate()
        console.wait(timeout=20)
    assert dialogs == []  # no script from registry text ran
    for name in ("1_html_pair", "2_queue", "3_decided", "4_merged_lead", "5_model"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    if not COMMITTED_SCREENSHOT.exists():  # only a missing one is written
        shutil.copy(tmp_path / "2_queue.png", COMMITTED_SCREENSHOT)
