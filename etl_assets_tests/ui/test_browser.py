"""The platform as `make dev` runs it, seen through the daemon and a real browser.

One `dagster dev` (etl_assets_tests/ui/platform.py) on free ports, its bucket holding the four
samples plus 16 small deliveries uploaded together (20 in all). The S3 sensor starts a run per
delivery; the runs queue (dagster.yaml: 2 at a time) and their warehouse steps take turns at the
DuckDB file (etl_assets/orchestration/warehouse_duckdb.py). Then Chromium (Debian's, driven by Playwright) checks the asset graph and a
partition's materialization metadata, and screenshots land in the test's tmp_path.

Why 20 deliveries on the daemon path and not 100: every run is a process that loads the code
location (~5 s CPU on these 2 cores); 100 runs would take several minutes. The 100-delivery case
runs headless in etl_assets_tests/warehouse/test_concurrency.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import time
import urllib.parse
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from etl_assets.devtools import local_s3
from etl_assets_tests.conftest import SAMPLE_RECORDS

from etl_assets_tests.ui.platform import (
    FINISHED,
    SOURCES,
    STAGES,
    running_platform,
    sample_objects,
    small_deliveries,
    tag,
    wait_for_runs,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("platform")]  # groups: see the Makefile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PER_SOURCE = 4  # small deliveries per source, besides the samples
RUNS_TIMEOUT = 480  # seconds: a bound, not a timing assertion (2 busy cores can be slow)
ALERT_TIMEOUT = 180  # seconds: a bound for the run-failure sensor's next ticks
TEXAS_SAMPLE = "texas/07-07-2023 Texas DHHS.csv"
COMMITTED_SCREENSHOT = Path(__file__).parent / "screenshots" / "asset_graph.jpg"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    # Later deliveries holding the samples' complete records: the blocking row-count and delete
    # checks rightly hold a 20-row refresh that follows a 99-row sample, whatever order runs finish in.
    objects = {**sample_objects(), **small_deliveries(PER_SOURCE, rows=None)}
    with running_platform(tmp_path_factory.mktemp("platform"), objects) as platform:

        def all_ingested(runs: list[dict]) -> bool:
            ingest = [r for r in runs if r["jobName"].endswith("_ingest")]
            return len(ingest) >= len(objects) and all(r["status"] in FINISHED for r in ingest)

        runs = wait_for_runs(platform, all_ingested, RUNS_TIMEOUT)
        yield platform, objects, runs


def read_warehouse(path: Path, sql: str, attempts: int = 120) -> list[tuple]:
    """Read-only query while the platform runs: a leads refresh holds the write lock while it runs
    (a full one, retraining the model after the warehouse grew, takes tens of seconds on a loaded
    machine), so wait for it, up to a minute."""
    for attempt in range(attempts):
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                return con.execute(sql).fetchall()
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)
    return []


def test_the_daemon_ingests_every_delivery_uploaded_at_once(platform):
    platform, objects, runs = platform
    ingest = [r for r in runs if r["jobName"].endswith("_ingest")]
    failed = [(r["jobName"], tag(r, "dagster/partition"), r["status"]) for r in runs if r["status"] in {"FAILURE", "CANCELED"}]
    assert not failed, f"{failed}\n{platform.log_tail()}"
    assert len(ingest) == len(objects) and all(r["status"] == "SUCCESS" for r in ingest)
    assert sorted(tag(r, "dagster/partition") for r in ingest) == sorted(objects)  # one run per delivery
    log = platform.log.read_text(errors="replace")
    assert not re.search(r"Could not set lock|Conflicting lock", log), "a DuckDB lock error reached a run"
    loaded = read_warehouse(platform.warehouse, "SELECT _delivery_key, count(*) FROM deliveries GROUP BY 1")
    assert sorted(k for k, _ in loaded) == sorted(objects) and all(n == 1 for _, n in loaded)


def test_the_asset_graph_and_a_partition_in_the_browser(platform, tmp_path):
    from playwright.sync_api import sync_playwright

    platform, objects, _ = platform
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1500, "height": 1150},
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)

            # The global asset lineage: groups start collapsed; expand them all.
            page.goto(f"{platform.url}/asset-groups")
            page.get_by_text("Global asset lineage").first.wait_for()
            dismiss_welcome(page)
            page.locator("[data-svg-viewport] foreignObject").first.wait_for()
            page.screenshot(path=str(tmp_path / "1_lineage_collapsed.png"))
            box = page.locator("[data-svg-viewport]").bounding_box()  # right-click empty canvas, below the top bar
            page.mouse.click(box["x"] + box["width"] - 80, box["y"] + 160, button="right")
            page.get_by_role("menuitem", name="Expand all groups").click()
            page.get_by_text("Hide navigation").click()
            asset_nodes = page.locator('[data-svg-viewport] foreignObject [class*="assetName"]')
            wait_for_count(asset_nodes, len(SOURCES) * len(STAGES) + 1)
            page.reload()  # the expansion is remembered; the reloaded graph is laid out and fitted whole
            wait_for_count(asset_nodes, len(SOURCES) * len(STAGES) + 1)
            dismiss_welcome(page)
            jump = page.get_by_placeholder(re.compile("^Jump to")).bounding_box()
            page.mouse.click(jump["x"] + jump["width"] + 20, jump["y"] + jump["height"] / 2)  # hide the asset tree
            page.locator("[aria-label='zoom_out']").first.click()  # the whole graph in view
            page.wait_for_timeout(1500)  # let the zoom animation settle before the screenshot
            graph = read_graph(page)
            page.screenshot(path=str(tmp_path / "2_lineage_expanded.png"))
            page.screenshot(path=str(tmp_path / "2_lineage_expanded.jpg"), type="jpeg", quality=60)  # small copy

            expected_nodes = {(s, stage) for s in SOURCES for stage in STAGES} | {("warehouse", "leads")}
            assert expected_nodes <= set(graph["nodes"]), sorted(expected_nodes - set(graph["nodes"]))
            expected_edges = {
                edge
                for s in SOURCES
                for edge in (
                    ((s, "raw"), (s, "normalized")),
                    ((s, "normalized"), (s, "deduped")),
                    ((s, "normalized"), (s, "warehouse")),
                    ((s, "deduped"), (s, "warehouse")),
                    ((s, "warehouse"), ("warehouse", "leads")),
                )
            }
            assert expected_edges <= graph["edges"], sorted(expected_edges - graph["edges"])

            # One partition of texas/normalized: its materialization and metadata.
            key = urllib.parse.quote(TEXAS_SAMPLE, safe="")
            page.goto(f"{platform.url}/assets/texas/normalized?view=partitions&partition={key}")
            dismiss_welcome(page)
            page.get_by_role("cell", name="rows_quarantined", exact=True).wait_for()
            assert page.get_by_text(TEXAS_SAMPLE, exact=True).first.is_visible()
            for name in ("dagster/row_count", "rows_clean", "rows_quarantined", "column_map", "preview"):
                assert page.get_by_role("cell", name=name, exact=True).count() >= 1, name
            assert page.get_by_text("texas_ingest").first.is_visible()  # the run's job
            page.screenshot(path=str(tmp_path / "3_texas_normalized_partition.png"))
            preview_row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="preview", exact=True))
            preview_row.get_by_text("Show Markdown").click()  # the first records of the delivery, as a table
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("provider_id").first.wait_for()
            assert dialog.get_by_text(TEXAS_SAMPLE).count() >= 1  # lineage columns of the delivery's records
            page.wait_for_timeout(1000)  # the dialog fades in
            page.screenshot(path=str(tmp_path / "4_texas_normalized_preview.png"))
        finally:
            browser.close()
    for name in ("1_lineage_collapsed", "2_lineage_expanded", "3_texas_normalized_partition", "4_texas_normalized_preview"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    if COMMITTED_SCREENSHOT.parent.is_dir() and not COMMITTED_SCREENSHOT.exists():
        shutil.copy(tmp_path / "2_lineage_expanded.jpg", COMMITTED_SCREENSHOT)  # only a missing one is written


LEADS_TIMEOUT = 300  # seconds for the leads refresh after the last ingest run (a bound, not a timing assertion)
PHONE_DOC = "E.164, e.g. +12097471797"  # mappings/leads.yaml's doc of phone


def test_the_leads_asset_page_shows_column_descriptions_and_the_lineage_table(platform, tmp_path):
    """The data dictionary in the open-source UI: warehouse/leads lists its columns with their
    descriptions (dagster/column_schema) and its latest materialization carries the column lineage as
    a markdown table (the UI draws dagster/column_lineage only in Dagster+)."""
    from playwright.sync_api import sync_playwright

    platform, _, _ = platform

    def leads_refreshed(runs: list[dict]) -> bool:
        ingest = [r for r in runs if r["jobName"].endswith("_ingest")]
        leads = [r for r in runs if r["jobName"] == "leads_refresh"]
        return all(r["status"] in FINISHED for r in ingest + leads) and any(r["status"] == "SUCCESS" for r in leads)

    runs = wait_for_runs(platform, leads_refreshed, LEADS_TIMEOUT)
    failed = [r["status"] for r in runs if r["jobName"] == "leads_refresh" and r["status"] != "SUCCESS"]
    assert not failed, platform.log_tail()
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport={"width": 1500, "height": 1150},
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{platform.url}/assets/warehouse/leads")
            dismiss_welcome(page)
            page.get_by_text(PHONE_DOC).first.wait_for()  # the Columns card: name, type, description
            dismiss_welcome(page)  # a fresh profile's welcome dialog may come up only now
            assert page.get_by_text("stable id of one real-world provider", exact=False).count() >= 1
            page.screenshot(path=str(tmp_path / "5_leads_columns.png"), full_page=True)

            page.goto(f"{platform.url}/assets/warehouse/leads?view=events")
            dismiss_welcome(page)
            page.get_by_role("cell", name="column_lineage", exact=True).first.wait_for()
            dismiss_welcome(page)
            row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="column_lineage", exact=True))
            row.get_by_text("Show Markdown").first.click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("Phone# → phone_e164").first.wait_for()  # Nevada's phone column and transform
            assert dialog.get_by_text(PHONE_DOC).count() >= 1
            assert dialog.get_by_text("Operation/Caregiver Name → company_name").count() >= 1
            page.wait_for_timeout(1000)  # the dialog fades in
            page.screenshot(path=str(tmp_path / "6_leads_lineage.png"))
        finally:
            browser.close()
    for name in ("5_leads_columns", "6_leads_lineage"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def wait_for_count(locator, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while locator.count() < at_least:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{locator}: {locator.count()} found, {at_least} expected")
        time.sleep(0.25)


BIG_TEXAS = "texas/12-01-2026 Texas DHHS.csv"  # a later delivery, large enough to be caught mid-step
BIG_ROWS = 40_000  # texas__normalized takes a few seconds: the test kills the worker inside it


def run_worker_pid(instance, run_id: str) -> int | None:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    return records[0].event_log_entry.dagster_event.pid if records else None


def step_started(instance, run_id: str, step_key: str) -> bool:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_START).records
    return any(r.event_log_entry.step_key == step_key for r in records)


def test_a_run_worker_killed_under_the_daemon_is_marked_failed_alerted_once_and_its_delivery_lands(platform, tmp_path):
    """kill -9 of a run's worker mid-step: the run is marked failed, the run-failure alert goes out
    once, the run retry (dagster.yaml run_retries) loads the delivery, no manual step."""
    from benchmarks.generate import generate

    platform, _, _ = platform
    # new synthetic providers plus every sample record, so the blocking delete check has nothing to hold
    generated = generate("texas", BIG_ROWS, tmp_path / "big.csv", seed=7, first_id=500_000).path.read_bytes()
    sample_records = sample_objects()[TEXAS_SAMPLE].split(b"\n", 1)[1]
    local_s3.client(platform.s3_endpoint).put_object(Bucket=platform.bucket, Key=BIG_TEXAS, Body=generated + sample_records)
    with DagsterInstance.from_config(str(platform.home)) as instance:
        deadline = time.monotonic() + RUNS_TIMEOUT
        killed = None
        while killed is None and time.monotonic() < deadline:
            for run in instance.get_runs(RunsFilter(tags={"dagster/partition": BIG_TEXAS}, statuses=[DagsterRunStatus.STARTED])):
                pid = run_worker_pid(instance, run.run_id)
                if pid and step_started(instance, run.run_id, "texas__normalized"):
                    os.kill(pid, signal.SIGKILL)
                    killed = run.run_id
            time.sleep(0.2)
        assert killed, f"the big delivery's run never reached texas__normalized\n{platform.log_tail()}"

        def landed(runs: list[dict]) -> bool:
            mine = [r for r in runs if tag(r, "dagster/partition") == BIG_TEXAS]
            return any(r["status"] == "SUCCESS" for r in mine) and all(r["status"] in FINISHED for r in mine)

        try:
            runs = wait_for_runs(platform, landed, RUNS_TIMEOUT)
        except TimeoutError as timeout:
            raise TimeoutError(f"{timeout}\n{failures_of(instance, BIG_TEXAS)}") from None
        mine = {r["runId"]: r for r in runs if tag(r, "dagster/partition") == BIG_TEXAS}
        assert mine[killed]["status"] == "FAILURE"
        # Marked failed by whichever sees it first: Dagster's code server (its cleanup thread finds its
        # run subprocess gone) or the reap_dead_runs sensor (which also covers a code server that died too).
        said = " ".join(r.event_log_entry.message or "" for r in instance.get_records_for_run(killed).records)
        assert re.search(r"Run execution process for \S+ (was terminated by signal 9|unexpectedly exited)|no longer exists", said), said[-2000:]
        retry = [r for r in mine.values() if tag(r, "dagster/parent_run_id") == killed]
        assert len(retry) == 1 and retry[0]["status"] == "SUCCESS", mine
        assert not instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED], tags={"dagster/partition": BIG_TEXAS}))

    # The alert comes from the run-failure sensor (every 30 s), so it may follow the retry's success.
    alerts_file = platform.home.parent / "alerts.jsonl"

    def alerts_for_killed() -> list[str]:
        lines = alerts_file.read_text().splitlines() if alerts_file.exists() else []
        return [a["run_id"] for a in map(json.loads, lines) if a["run_id"] == killed]

    deadline = time.monotonic() + ALERT_TIMEOUT
    while not alerts_for_killed() and time.monotonic() < deadline:
        time.sleep(2)
    time.sleep(35)  # one more sensor tick: a second alert for the same run would show now
    assert alerts_for_killed() == [killed], platform.log_tail()  # one alert for the killed run
    loaded = read_warehouse(platform.warehouse, f"SELECT rows_read FROM deliveries WHERE _delivery_key = '{BIG_TEXAS}'")
    assert loaded == [(BIG_ROWS + SAMPLE_RECORDS["texas"],)]


def failures_of(instance: DagsterInstance, partition: str) -> str:
    """What the partition's failed runs said (step failures, engine events, the run failure)."""
    said = []
    for run in instance.get_runs(RunsFilter(tags={"dagster/partition": partition}, statuses=[DagsterRunStatus.FAILURE])):
        said.append(f"run {run.run_id} (parent {run.tags.get('dagster/parent_run_id')}):")
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event and event.event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.ENGINE_EVENT, DagsterEventType.RUN_FAILURE):
                error = getattr(event.event_specific_data, "error", None)
                said.append(f"  {event.event_type_value} {entry.step_key or ''}: {entry.message} {error.to_string() if error else ''}")
    return "\n".join(said)


def dismiss_welcome(page) -> None:
    """A fresh instance greets the first visitor with a 'Join the Dagster community' dialog."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=3000)
    except Exception:  # noqa: BLE001 - no dialog: nothing to dismiss
        return
    skip.click()


def read_graph(page) -> dict:
    """The drawn graph, from the SVG: nodes as (group, name) and edges between them.

    Asset nodes and group boxes are <foreignObject>s in graph coordinates; a node belongs to the
    group box containing it. An edge is an SVG path from a node's right side (mid-height) to just
    before another node's left side (mid-height), arrow-ended.
    """
    items = page.evaluate(
        """() => [...document.querySelectorAll('[data-svg-viewport] foreignObject')].map(fo => ({
            x: +fo.getAttribute('x'), y: +fo.getAttribute('y'),
            w: +fo.getAttribute('width'), h: +fo.getAttribute('height'),
            name: (fo.querySelector('[class*="assetName"]') || {}).textContent || null,
            text: (fo.textContent || '').trim()}))"""
    )
    paths = page.evaluate(
        """() => [...document.querySelectorAll('[data-svg-viewport] path[marker-end]')].map(p => p.getAttribute('d'))"""
    )
    groups = [i for i in items if i["name"] is None and i["text"]]
    group_names = {}
    for g in groups:
        first = re.match(r"[a-z_]+", g["text"])
        if first:
            group_names[(g["x"], g["y"], g["w"], g["h"])] = first.group(0)
    nodes = {}
    for item in items:
        if item["name"] is None:
            continue
        container = [
            name
            for (x, y, w, h), name in group_names.items()
            if x <= item["x"] and y <= item["y"] and item["x"] + item["w"] <= x + w and item["y"] + item["h"] <= y + h
        ]
        group = container[0] if len(container) == 1 else None
        nodes[(group, item["name"].strip())] = item

    def node_at(x: float, y: float, side: str):
        for key, n in nodes.items():
            mid = n["y"] + n["h"] / 2
            edge_x = n["x"] + n["w"] if side == "right" else n["x"]
            if abs(mid - y) < 2 and abs(edge_x - x) < 12:
                return key
        return None

    edges = set()
    for d in paths:
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d or "")]
        if len(numbers) < 4:
            continue
        source, target = node_at(numbers[0], numbers[1], "right"), node_at(numbers[-2], numbers[-1], "left")
        if source and target:
            edges.add((source, target))
    return {"nodes": nodes, "edges": edges}
