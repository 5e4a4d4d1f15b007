"""Alerts: a failed run or a failed asset check becomes one alert, sent to every configured sink.

Sinks (``default_sinks``):
- always: a JSON line appended to ``ETL_ALERTS_PATH`` (default ``.local/alerts.jsonl``);
- with a warehouse: a row in the DuckDB table ``alerts`` (short transaction, retried with backoff
  while another process holds the file; the JSON line is written first whatever happens);
- ``ETL_SLACK_WEBHOOK_URL`` set: a Slack incoming-webhook message;
- ``ETL_ALERT_WEBHOOK_URL`` set: the alert as JSON, POSTed.

Webhook URLs are secrets: read from the environment when sending, never logged, never stored in
an alert, an exception message or metadata. A failing sink is logged by name and does not stop
the others. Two sensors emit alerts (registered in definitions.py): ``alert_on_run_failure`` (a
run-failure sensor over every job) and ``alert_on_check_failure`` (failed asset-check evaluations
since its cursor; blocking ERROR failures are left to the run-failure alert, which names them).
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import duckdb
from dagster import (
    AssetCheckSeverity,
    DagsterEventType,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)
from dagster_duckdb import DuckDBResource

from etl_assets import settings, warehouse

DEFAULT_UI_URL = "http://127.0.0.1:3000"
HTTP_TIMEOUT_SECONDS = 10

log = logging.getLogger(__name__)


def alerts_path() -> Path:
    value = os.environ.get("ETL_ALERTS_PATH") or ".local/alerts.jsonl"
    path = Path(value)
    return path if path.is_absolute() else settings.PROJECT_ROOT / path


def run_url(run_id: str | None) -> str | None:
    if not run_id:
        return None
    base = (os.environ.get("ETL_DAGSTER_UI_URL") or DEFAULT_UI_URL).rstrip("/")
    return f"{base}/runs/{run_id}"


@dataclass(frozen=True)
class Alert:
    kind: str  # "run_failure" | "check_failed"
    severity: str  # "ERROR" | "WARN"
    source: str | None
    delivery_key: str | None  # the partition key: the delivery's S3 key
    step: str  # the failed check(s) or step(s), e.g. "nevada/raw:schema_drift"
    message: str
    counts: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    run_url: str | None = None
    alert_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    raised_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        where = " ".join(p for p in (self.source, self.delivery_key) if p)
        return f"[{self.severity}] {self.kind} {where}: {self.step}: {self.message}"


class Sink(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


@dataclass
class JsonLinesSink:
    path: Path
    name: str = "jsonl"

    def send(self, alert: Alert) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(alert.as_dict(), sort_keys=True, default=str) + "\n")


@dataclass
class WarehouseSink:
    database: str
    attempts: int = 6
    first_delay: float = 0.2
    name: str = "warehouse"
    sleep: Any = time.sleep

    def send(self, alert: Alert) -> None:
        row = alert.as_dict()
        row["counts"] = json.dumps(row["counts"], sort_keys=True, default=str)
        row["dagster_run_id"] = row.pop("run_id")  # the warehouse's name for it, as in deliveries
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                with duckdb.connect(self.database) as con:
                    warehouse.append_alert(con, row)
                return
            except (duckdb.IOException, duckdb.TransactionException) as exc:  # the file is locked by a writer
                if attempt == self.attempts:
                    raise
                log.info("alerts table: warehouse busy (%s), retry %d in %.1fs", type(exc).__name__, attempt, delay)
                self.sleep(delay)
                delay *= 2


def _post_json(url: str, payload: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310 - operator-set https URL
        return response.status


@dataclass
class WebhookSink:
    """POSTs the alert as JSON. The URL is a secret: kept out of repr, logs and errors."""

    env_var: str = "ETL_ALERT_WEBHOOK_URL"
    name: str = "webhook"

    def payload(self, alert: Alert) -> dict:
        return alert.as_dict()

    def send(self, alert: Alert) -> None:
        url = os.environ.get(self.env_var)
        if not url:
            return
        try:
            _post_json(url, self.payload(alert))
        except Exception as exc:  # noqa: BLE001 - re-raised without the URL (HTTPError carries it)
            status = getattr(exc, "code", None)
            raise RuntimeError(f"{self.name}: POST failed ({type(exc).__name__}{f' {status}' if status else ''})") from None


@dataclass
class SlackSink(WebhookSink):
    env_var: str = "ETL_SLACK_WEBHOOK_URL"
    name: str = "slack"

    def payload(self, alert: Alert) -> dict:
        counts = ", ".join(f"{k}: {v}" for k, v in alert.counts.items()) or "-"
        link = f"<{alert.run_url}|run {alert.run_id[:8]}>" if alert.run_url and alert.run_id else "no run"
        text = (
            f"*{alert.severity}* {alert.kind}: *{alert.source or '-'}* `{alert.delivery_key or '-'}`\n"
            f"{alert.step}: {alert.message}\ncounts: {counts}\n{link}"
        )
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def default_sinks(database: str | None = None) -> list[Sink]:
    sinks: list[Sink] = [JsonLinesSink(alerts_path())]
    if database:
        sinks.append(WarehouseSink(database))
    if os.environ.get("ETL_SLACK_WEBHOOK_URL"):
        sinks.append(SlackSink())
    if os.environ.get("ETL_ALERT_WEBHOOK_URL"):
        sinks.append(WebhookSink())
    return sinks


def emit(alert: Alert, sinks: Sequence[Sink], logger: logging.Logger | None = None) -> list[str]:
    """Send to every sink; returns the names of the sinks that failed (each logged, without secrets)."""
    logger = logger or log
    logger.warning(alert.summary())
    failed = []
    for sink in sinks:
        try:
            sink.send(alert)
        except Exception as exc:  # noqa: BLE001 - one sink down must not silence the others
            failed.append(sink.name)
            logger.error(f"alert {alert.alert_id}: sink {sink.name} failed: {type(exc).__name__}: {exc}")
    return failed


# --- alerts from Dagster events -------------------------------------------------------------------


def _numbers(metadata: dict) -> dict[str, Any]:
    """The numeric metadata entries (counts, shares) of a check or materialization."""
    out = {}
    for k, v in (metadata or {}).items():
        value = getattr(v, "value", v)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[k] = value
    return out


def _source_of(run_tags: dict, job_name: str, asset_key=None) -> str | None:
    from etl_assets.sources.registry import load_specs

    sources = {s.source for s in load_specs()}
    if run_tags.get("etl/source"):
        return run_tags["etl/source"]
    if asset_key is not None and asset_key.path[0] in sources:
        return asset_key.path[0]
    prefix = job_name.removesuffix("_ingest")
    if prefix in sources:
        return prefix
    key = run_tags.get("dagster/partition") or ""
    return next((s.source for s in load_specs() if s.matches_key(key)), None)


def _check_name(evaluation) -> str:
    return f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"


def run_failure_alert(instance, run, failure_message: str | None = None) -> Alert:
    """One alert for a failed run: the failed blocking checks if any, else the failed steps."""
    events = instance.all_logs(
        run.run_id,
        of_type={DagsterEventType.STEP_FAILURE, DagsterEventType.ASSET_CHECK_EVALUATION, DagsterEventType.ASSET_MATERIALIZATION},
    )
    failed_checks, failed_steps, counts = [], [], {}
    for entry in events:
        event = entry.dagster_event
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failed_checks.append(evaluation)
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            failed_steps.append((event.step_key, error.message.strip() if error else ""))
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            rows = materialization.metadata.get("dagster/row_count")
            if rows is not None:
                counts[f"{materialization.asset_key.to_user_string()} rows"] = rows.value
    asset_key = failed_checks[0].asset_key if failed_checks else None
    for evaluation in failed_checks:
        counts.update({f"{evaluation.check_name}.{k}": v for k, v in _numbers(evaluation.metadata).items()})
    if failed_checks:
        step = ", ".join(_check_name(e) for e in failed_checks)
        message = "; ".join(e.description or f"{e.check_name} failed" for e in failed_checks)
    else:
        step = ", ".join(s for s, _ in failed_steps) or "run"
        message = "; ".join(m for _, m in failed_steps) or failure_message or "run failed"
    return Alert(
        kind="run_failure",
        severity="ERROR",
        source=_source_of(run.tags, run.job_name, asset_key),
        delivery_key=run.tags.get("dagster/partition"),
        step=step,
        message=message[:1000],
        counts=counts,
        run_id=run.run_id,
        run_url=run_url(run.run_id),
    )


def check_failure_alert(instance, run_id: str | None, evaluation) -> Alert:
    """One alert for a failed asset-check evaluation."""
    run = instance.get_run_by_id(run_id) if run_id else None
    tags = run.tags if run else {}
    return Alert(
        kind="check_failed",
        severity=evaluation.severity.value,
        source=_source_of(tags, run.job_name if run else "", evaluation.asset_key),
        delivery_key=evaluation.partition or tags.get("dagster/partition"),
        step=_check_name(evaluation),
        message=(evaluation.description or f"{evaluation.check_name} failed")[:1000],
        counts=_numbers(evaluation.metadata),
        run_id=run_id,
        run_url=run_url(run_id),
    )


@dataclass
class CheckCursor:
    """Check executions are numbered (their row id, assigned when planned). Everything at or below
    ``watermark`` is done; ``alerted`` holds ids above it already sent. The watermark stops below
    the oldest execution still in progress (for a day at most), so a slow check is not skipped."""

    watermark: int = 0
    alerted: list[int] = field(default_factory=list)

    def dumps(self) -> str:
        return json.dumps({"watermark": self.watermark, "alerted": sorted(self.alerted)})

    @classmethod
    def loads(cls, text: str | None) -> CheckCursor:
        return cls(**json.loads(text)) if text else cls()


PENDING_LIMIT_SECONDS = 24 * 3600


def new_check_failures(instance, check_keys, cursor: CheckCursor, limit: int = 100, now: float | None = None):
    """(run id, evaluation) of failed checks not alerted yet, oldest first, and the next cursor.
    Blocking ERROR failures are skipped: they fail their run, and the run-failure alert names them."""
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus as Status

    now = time.time() if now is None else now
    done = set(cursor.alerted)
    failures, pending, newest = [], [], cursor.watermark
    for key in check_keys:
        for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=limit):
            if record.id <= cursor.watermark:
                break
            newest = max(newest, record.id)
            if record.status == Status.PLANNED:
                if now - record.create_timestamp < PENDING_LIMIT_SECONDS:
                    pending.append(record.id)
                continue
            if record.status != Status.FAILED or record.id in done or record.event is None:
                continue
            evaluation = record.event.dagster_event.event_specific_data
            if evaluation.blocking and evaluation.severity == AssetCheckSeverity.ERROR:
                continue
            failures.append((record.id, record.run_id, evaluation))
    failures.sort(key=lambda f: f[0])
    watermark = min(pending) - 1 if pending else newest
    alerted = sorted(i for i in done | {f[0] for f in failures} if i > watermark)
    return [(run_id, e) for _, run_id, e in failures], CheckCursor(watermark, alerted)


RUN_FAILURE_SENSOR = "alert_on_run_failure"
CHECK_FAILURE_SENSOR = "alert_on_check_failure"


def build_alert_sensors():

    @run_failure_sensor(
        name=RUN_FAILURE_SENSOR,
        default_status=DefaultSensorStatus.RUNNING,
        description="Any failed run (every job) → one alert: source, delivery, failed check or step, counts, run URL.",
    )
    def alert_on_run_failure(context: RunFailureSensorContext, duckdb: DuckDBResource):
        alert = run_failure_alert(context.instance, context.dagster_run, context.failure_event.message)
        emit(alert, default_sinks(duckdb.database), context.log)

    @sensor(
        name=CHECK_FAILURE_SENSOR,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Failed asset checks (WARN, and non-blocking ERROR) since the last tick → one alert each.",
    )
    def alert_on_check_failure(context: SensorEvaluationContext, duckdb: DuckDBResource):
        check_keys = context.repository_def.asset_graph.asset_check_keys
        failed, cursor = new_check_failures(context.instance, check_keys, CheckCursor.loads(context.cursor))
        sinks = default_sinks(duckdb.database)
        for run_id, evaluation in failed:
            emit(check_failure_alert(context.instance, run_id, evaluation), sinks, context.log)
        context.update_cursor(cursor.dumps())
        if not failed:
            return SkipReason("no failed asset checks since the last tick")
        return None

    return [alert_on_run_failure, alert_on_check_failure]
