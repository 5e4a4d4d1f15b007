"""Alerts from real failed runs and failed checks: JSON line, warehouse row, webhook POSTs (a local
HTTP server on 127.0.0.1), and the webhook URLs (secrets) nowhere in logs, alerts or metadata."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from dagster import build_sensor_context, instance_for_test

from etl_assets import settings
from etl_assets.orchestration.alerts.alert import Alert
from etl_assets.orchestration.alerts.sinks import JsonLinesSink, WarehouseSink, WebhookSink, emit
from etl_assets.orchestration.definitions import defs
from etl_assets.orchestration.sensors import CHECK_FAILURE_SENSOR
from etl_assets_tests.support.pipeline import fire_run_failure_sensor
from etl_assets_tests.support.deliveries import deliver, nevada_csv

SECRET_HOOK = "hooks/T0KEN-secret-hook"
SECRET_SLACK = "slack/T0KEN-secret-slack"
UI = "http://dagster.example:3000"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.end_headers()

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def webhook(monkeypatch, tmp_path):
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("ETL_ALERTS_PATH", str(tmp_path / "alerts.jsonl"))
    monkeypatch.setenv("ETL_ALERT_WEBHOOK_URL", f"{base}/{SECRET_HOOK}")
    monkeypatch.setenv("ETL_SLACK_WEBHOOK_URL", f"{base}/{SECRET_SLACK}")
    monkeypatch.setenv("ETL_DAGSTER_UI_URL", UI)
    yield base
    server.shutdown()
    server.server_close()


def alert_lines(tmp_path) -> list[dict]:
    path = tmp_path / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_failed_run_and_failed_check_raise_one_alert_each(webhook, resources, bucket_name, s3_client, tmp_path, caplog):
    with instance_for_test() as instance:
        # a required column missing: the blocking schema_drift check fails the run
        bad_key = "nevada/07-01-2023 Nevada.csv"
        failed = deliver(instance, resources, s3_client, bucket_name, bad_key, nevada_csv(5, drop=("Credential Number",)))
        assert not failed.success
        fire_run_failure_sensor(instance, resources, failed.run_id)

        (alert,) = alert_lines(tmp_path)
        assert alert["kind"] == "run_failure" and alert["severity"] == "ERROR"
        assert (alert["source"], alert["delivery_key"]) == ("nevada", bad_key)
        assert alert["step"] == "nevada/raw:schema_drift" and "Credential Number" in alert["message"]
        assert alert["counts"]["nevada/raw rows"] == 5
        assert alert["run_url"] == f"{UI}/runs/{failed.run_id}"
        posts = dict(Receiver.received)
        assert posts[f"/{SECRET_HOOK}"] == alert
        slack = posts[f"/{SECRET_SLACK}"]["text"]
        assert all(s in slack for s in ("nevada", bad_key, "nevada/raw:schema_drift", f"{UI}/runs/{failed.run_id}"))

        # an optional column missing: schema_drift WARNs, the delivery loads, the check sensor alerts
        warn_key = "nevada/07-02-2023 Nevada.csv"
        warned = deliver(instance, resources, s3_client, bucket_name, warn_key, nevada_csv(5, drop=("County",)))
        assert warned.success
        sensor = defs.get_sensor_def(CHECK_FAILURE_SENSOR)
        with build_sensor_context(instance=instance, resources={"duckdb": resources["duckdb"]}, definitions=defs) as context:
            sensor(context)
            cursor = context.cursor
        new = [a for a in alert_lines(tmp_path)[1:]]
        drift = [a for a in new if a["step"] == "nevada/raw:schema_drift"]
        assert len(drift) == 1, new  # the blocking failure above is the run alert's, not repeated here
        (drift,) = drift
        assert (drift["kind"], drift["severity"], drift["source"], drift["delivery_key"]) == ("check_failed", "WARN", "nevada", warn_key)
        assert drift["run_url"] == f"{UI}/runs/{warned.run_id}" and "County" in drift["message"] + json.dumps(drift)
        assert any(body.get("alert_id") == drift["alert_id"] for _, body in Receiver.received)
        with build_sensor_context(instance=instance, cursor=cursor, resources={"duckdb": resources["duckdb"]}, definitions=defs) as context:
            sensor(context)
        assert len(alert_lines(tmp_path)) == 1 + len(new)  # nothing new since the cursor

        with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
            rows = con.execute("SELECT alert_id, kind, source, delivery_key, step, run_url FROM alerts ORDER BY raised_at").fetchall()
        assert [r[0] for r in rows] == [a["alert_id"] for a in alert_lines(tmp_path)]
        assert rows[0][1:] == ("run_failure", "nevada", bad_key, "nevada/raw:schema_drift", f"{UI}/runs/{failed.run_id}")

        # the webhook URLs are nowhere: alerts, the table, Python logs, the runs' event logs and metadata
        stored = (tmp_path / "alerts.jsonl").read_text() + repr(rows) + caplog.text
        for run in (failed, warned):
            stored += "".join(repr(e) for e in instance.all_logs(run.run_id))
    for secret in (SECRET_HOOK, SECRET_SLACK, "T0KEN"):
        assert secret not in stored


def test_a_failing_sink_does_not_stop_the_others_and_leaks_no_url(webhook, tmp_path, caplog):
    database = str(tmp_path / "locked.duckdb")
    duckdb.connect(database).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({database!r}); print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        alert = Alert(kind="run_failure", severity="ERROR", source="texas", delivery_key="texas/x.csv", step="texas/raw", message="boom")
        sinks = [
            WebhookSink(env_var="ETL_FAILING_WEBHOOK_URL"),
            WarehouseSink(database, attempts=3, sleep=lambda s: None),
            JsonLinesSink(settings.alerts_path()),
        ]
        import os

        os.environ["ETL_FAILING_WEBHOOK_URL"] = f"{webhook}/fail/T0KEN-secret-fail"
        try:
            failed = emit(alert, sinks)
        finally:
            del os.environ["ETL_FAILING_WEBHOOK_URL"]
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert failed == ["webhook", "warehouse"]
    assert [a["alert_id"] for a in alert_lines(tmp_path)] == [alert.alert_id]  # the JSON line is still written
    assert "webhook failed: RuntimeError: webhook: POST failed (HTTPError 500)" in caplog.text
    assert "T0KEN" not in caplog.text
    # once the other writer is gone the row goes in
    WarehouseSink(database).send(alert)
    with duckdb.connect(database, read_only=True) as con:
        assert con.execute("SELECT alert_id FROM alerts").fetchall() == [(alert.alert_id,)]


def test_a_hundred_failures_at_once_reach_every_sink_in_one_tick_as_one_digest_per_source(webhook, resources, tmp_path):
    """Dagster's run_failure_sensor handles 5 runs per tick (100 failures → 20 ticks) and posts each
    one. Here: one row per failure in the file and the table, and one digest per source to Slack
    and the webhook, all in the first tick after the failures; the next tick finds nothing new."""
    from dagster._core.test_utils import create_run_for_test

    from etl_assets_tests.support.pipeline import evaluate_run_failure_sensor

    with instance_for_test() as instance:
        _, cursor = evaluate_run_failure_sensor(instance, resources, None)  # the first tick sets the cursor
        sources = ["texas"] * 50 + ["oklahoma"] * 30 + ["nevada"] * 20
        runs = []
        for i, source in enumerate(sources):
            key = f"{source}/delivery-{i:03d}.csv"
            run = create_run_for_test(instance, job_name=f"{source}_ingest", tags={"etl/source": source, "dagster/partition": key})
            instance.report_run_failed(run, f"delivery {i} failed")
            runs.append(run.run_id)

        result, cursor = evaluate_run_failure_sensor(instance, resources, cursor)
        lines = alert_lines(tmp_path)
        assert sorted(a["run_id"] for a in lines) == sorted(runs)  # all 100 in one tick, once each
        with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
            stored = con.execute("SELECT dagster_run_id FROM alerts").fetchall()
        assert sorted(r[0] for r in stored) == sorted(runs)

        posts = {path: [body for p, body in Receiver.received if p == path] for path in (f"/{SECRET_HOOK}", f"/{SECRET_SLACK}")}
        digests = posts[f"/{SECRET_HOOK}"]
        assert [(d["kind"], d["source"], d["count"]) for d in digests] == [("digest", "texas", 50), ("digest", "oklahoma", 30), ("digest", "nevada", 20)]
        texas = digests[0]
        assert [a["run_id"] for a in texas["first"]] == runs[:3] and texas["first"][0]["message"] == "delivery 0 failed"
        assert texas["runs_url"] == f"{UI}/runs?q%5B%5D=status%3AFAILURE&q%5B%5D=tag%3Aetl%2Fsource%3Dtexas"
        slack = [body["text"] for body in posts[f"/{SECRET_SLACK}"]]
        assert len(slack) == 3 and "50 failures" in slack[0] and "… and 47 more" in slack[0] and "texas/delivery-000.csv" in slack[0]

        Receiver.received.clear()
        result, _ = evaluate_run_failure_sensor(instance, resources, cursor)
        assert result.skip_message == "no failed runs since the last tick" and not Receiver.received
        assert len(alert_lines(tmp_path)) == 100
