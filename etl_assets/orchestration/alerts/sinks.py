"""Alert sinks: where an alert goes, and ``emit``, which sends one alert to all of them.

Sinks (``default_sinks``):
- always: a JSON line appended to ``settings.alerts_path()`` (``ETL_ALERTS_PATH``);
- with a warehouse: a row in the DuckDB table ``alerts`` (short transaction, retried with backoff
  while another process holds the file; the JSON line is written first whatever happens);
- ``ETL_SLACK_WEBHOOK_URL`` set: a Slack incoming-webhook message;
- ``ETL_ALERT_WEBHOOK_URL`` set: the alert as JSON, POSTed.

Row sinks (the file, the table) get one row per alert. Message sinks (Slack, the webhook) get one
message per source per batch (``emit_all``): the alert itself when it is alone, else a ``Digest``.

Webhook URLs are secrets: asked of ``settings.webhook_url`` when sending, never logged, never stored
in an alert, an exception message or metadata. A failing sink is logged by name and does not stop
the others.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

from etl_assets import settings, warehouse
from etl_assets.orchestration.alerts.alert import Alert
from etl_assets.orchestration.alerts.digest import Digest, digests

HTTP_TIMEOUT_SECONDS = 10

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


@dataclass
class JsonLinesSink:
    path: Path
    name: str = "jsonl"

    def send(self, alert: Alert) -> None:
        self.send_many([alert])

    def send_many(self, alerts: Sequence[Alert]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.writelines(json.dumps(a.as_dict(), sort_keys=True, default=str) + "\n" for a in alerts)


@dataclass
class WarehouseSink:
    database: str
    attempts: int = 6
    first_delay: float = 0.2
    name: str = "warehouse"
    sleep: Any = time.sleep

    def send(self, alert: Alert) -> None:
        self.send_many([alert])

    def send_many(self, alerts: Sequence[Alert]) -> None:
        """One connection for the batch (a busy file is waited for once, not once per alert)."""
        rows = [self._row(a) for a in alerts]
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                with _open_for_alert(self.database) as con:
                    for row in rows:
                        warehouse.append_alert(con, row)
                return
            except (duckdb.IOException, duckdb.TransactionException, RuntimeError) as exc:  # locked or unreachable
                if attempt == self.attempts:
                    raise
                log.info("alerts table: warehouse busy (%s), retry %d in %.1fs", type(exc).__name__, attempt, delay)
                self.sleep(delay)
                delay *= 2

    @staticmethod
    def _row(alert: Alert) -> dict:
        row = alert.as_dict()
        row["counts"] = json.dumps(row["counts"], sort_keys=True, default=str)
        row["dagster_run_id"] = row.pop("run_id")  # the warehouse's name for it, as in deliveries
        return row


def _open_for_alert(database: str):
    """The DuckDB file, or a PostgreSQL session appending to ``alerts`` (``database`` a URL)."""
    from etl_assets.warehouse import scopes
    from etl_assets.warehouse.postgres import mirror
    from etl_assets.warehouse.postgres import server as postgres
    from etl_assets.warehouse import spill

    if postgres.is_postgres_url(database):
        return mirror.session(database, scopes.alert_append(), password=settings.warehouse_password())
    return spill.connect(database)


def _post_json(url: str, payload: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(payload, default=str).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310 - operator-set https URL
        return response.status


@dataclass
class WebhookSink:
    """POSTs the alert as JSON. The URL is a secret: kept out of repr, logs and errors."""

    env_var: str = settings.ALERT_WEBHOOK_VAR
    name: str = "webhook"

    def payload(self, alert: Alert) -> dict:
        return alert.as_dict()

    def digest_payload(self, digest: Digest) -> dict:
        return digest.as_dict()

    def send(self, alert: Alert) -> None:
        self._post(self.payload(alert))

    def send_digest(self, digest: Digest) -> None:
        self._post(self.digest_payload(digest))

    def _post(self, payload: dict) -> None:
        url = settings.webhook_url(self.env_var)
        if not url:
            return
        try:
            _post_json(url, payload)
        except Exception as exc:  # noqa: BLE001 - re-raised without the URL (HTTPError carries it)
            status = getattr(exc, "code", None)
            raise RuntimeError(f"{self.name}: POST failed ({type(exc).__name__}{f' {status}' if status else ''})") from None


@dataclass
class SlackSink(WebhookSink):
    env_var: str = settings.SLACK_WEBHOOK_VAR
    name: str = "slack"

    def payload(self, alert: Alert) -> dict:
        counts = ", ".join(f"{k}: {v}" for k, v in alert.counts.items()) or "-"
        link = f"<{alert.run_url}|run {alert.run_id[:8]}>" if alert.run_url and alert.run_id else "no run"
        text = (
            f"*{alert.severity}* {alert.kind}: *{alert.source or '-'}* `{alert.delivery_key or '-'}`\n"
            f"{alert.step}: {alert.message}\ncounts: {counts}\n{link}"
        )
        return _slack(text)

    def digest_payload(self, digest: Digest) -> dict:
        return _slack(digest.text())


def _slack(text: str) -> dict:
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def default_sinks(database: str | None = None) -> list[Sink]:
    sinks: list[Sink] = [JsonLinesSink(settings.alerts_path())]
    if database:
        sinks.append(WarehouseSink(database))
    if settings.webhook_url(settings.SLACK_WEBHOOK_VAR):
        sinks.append(SlackSink())
    if settings.webhook_url(settings.ALERT_WEBHOOK_VAR):
        sinks.append(WebhookSink())
    return sinks


def emit(alert: Alert, sinks: Sequence[Sink], logger: logging.Logger | None = None) -> list[str]:
    """Send one alert to every sink; returns the names of the sinks that failed."""
    return emit_all([alert], sinks, logger)


def emit_all(alerts: Sequence[Alert], sinks: Sequence[Sink], logger: logging.Logger | None = None) -> list[str]:
    """Every alert to every row sink; to each message sink, one message per source (the alert when
    it is alone, else a digest). Returns the names of the sinks that failed (each logged, without
    secrets); one sink down does not silence the others."""
    logger = logger or log
    for alert in alerts:
        logger.warning(alert.summary())
    groups = digests(list(alerts))
    failed = []
    for sink in sinks:
        try:
            if isinstance(sink, WebhookSink):  # a message sink (Slack is one too)
                for group in groups:
                    sink.send(group.alerts[0]) if len(group.alerts) == 1 else sink.send_digest(group)
            else:
                sink.send_many(alerts)
        except Exception as exc:  # noqa: BLE001 - one sink down must not silence the others
            failed.append(sink.name)
            logger.error(f"alerts: sink {sink.name} failed: {type(exc).__name__}: {exc}")
    return failed
