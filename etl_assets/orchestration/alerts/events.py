"""Dagster events → alerts: a failed run, or a failed asset-check evaluation, becomes one ``Alert``.

``run_failure_alert`` names a run's failed blocking checks when it has any, else its failed steps;
``new_run_failures`` finds the runs failed since a cursor (all of them, up to a bound per tick: Dagster's
``run_failure_sensor`` handles 5 per tick, so 100 failures took 20 ticks to report);
``new_check_failures`` finds the failed check evaluations not alerted yet (blocking ERROR failures
are left to the run-failure alert, which names them). Run links point at ``settings.dagster_ui_url()``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from dagster import AssetCheckSeverity, DagsterEventType

from etl_assets import settings
from etl_assets.orchestration.alerts.alert import Alert


def run_url(run_id: str | None) -> str | None:
    if not run_id:
        return None
    base = settings.dagster_ui_url().rstrip("/")
    return f"{base}/runs/{run_id}"


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


RUN_FAILURES_PER_TICK = 500


def parse_run_cursor(text: str | None) -> int | None:
    """The last RUN_FAILURE event's storage id; also read from the JSON cursor that Dagster's
    ``run_failure_sensor`` (this sensor's former implementation) left behind."""
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else int(json.loads(text)["record_id"])


def new_run_failures(instance, after_storage_id: int | None, limit: int = RUN_FAILURES_PER_TICK) -> tuple[list[Alert], int]:
    """Alerts for the runs that failed after the cursor (RUN_FAILURE events in storage order), and
    the next cursor. With no cursor (the first tick ever) start at the newest failure, as Dagster's
    run-status sensors do: a new sensor does not replay history."""
    from dagster._core.event_api import RunStatusChangeRecordsFilter

    if after_storage_id is None:
        newest = instance.fetch_run_status_changes(DagsterEventType.RUN_FAILURE, limit=1).records
        return [], newest[0].storage_id if newest else 0
    records = instance.fetch_run_status_changes(
        RunStatusChangeRecordsFilter(event_type=DagsterEventType.RUN_FAILURE, after_storage_id=after_storage_id),
        limit=limit,
        ascending=True,
    ).records
    alerts = []
    for record in records:
        run = instance.get_run_by_id(record.event_log_entry.run_id)
        if run is not None:  # deleted since it failed: nothing left to describe
            alerts.append(run_failure_alert(instance, run, record.event_log_entry.dagster_event.message))
    return alerts, records[-1].storage_id if records else after_storage_id


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
