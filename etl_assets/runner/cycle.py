"""`make ingest`: one headless cycle for scripts and CI, through the same assets as the sensor.

Discovers new deliveries with the sensor's own rule (etl_assets.ingest.discovery), runs each new
partition through its source's ingest job, then the leads_refresh job (both as the daemon's run
worker executes a run: etl_assets.runner.job_runs), prints a summary per source and returns non-zero
when any run failed. Its cursor is kept in the Dagster instance, apart from the
sensor's, and a delivery whose run failed is left out of it so that the next cycle retries it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.instance.ref import InstanceRef
from dagster._core.utils import make_new_run_id

from etl_assets import settings
from etl_assets.orchestration import dead_runs
from etl_assets.orchestration.assets.keys import LEADS_KEY, ingest_job_name, partitions_name
from etl_assets.orchestration.definitions import build_chains
from etl_assets.ingest.discovery import Cursor, discover
from etl_assets.ingest.s3 import list_objects
from etl_assets.runner.job_runs import execute_job_run
from etl_assets.orchestration.jobs import leads_job
from etl_assets.runner.progress import Position, ProgressPrinter
from etl_assets.orchestration.resources import default_resources
from etl_assets.runner.stop_signals import StopSignals, cancel_on_stop

CURSOR_KEY = "etl_assets/headless_ingest_cursor"
SUMMARY_FIELDS = ("rows_read", "rows_quarantined", "rows_written", "inserted", "updated", "deleted", "revived", "unchanged")


# Headless runs print to the terminal; capturing their stdout/stderr for the UI costs each run two
# `tail` subprocesses (~0.1 s). Their Dagster events and logs are in the UI as before.
HEADLESS_OVERRIDES = {"compute_logs": {"module": "dagster._core.storage.noop_compute_log_manager",
                                       "class": "NoOpComputeLogManager"}}


def dagster_instance() -> DagsterInstance:
    """The instance at DAGSTER_HOME (defaults to .local/dagster_home with the checked-in dagster.yaml),
    without compute-log capture (``HEADLESS_OVERRIDES``)."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copy(settings.PROJECT_ROOT / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=HEADLESS_OVERRIDES))


@dataclass
class SourceSummary:
    deliveries: int = 0
    failed: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Watch:
    """The cycle's position, updated from each run's step starts; printed every few seconds when shown."""

    def __init__(self, show: bool):
        self.position = Position()
        self.printer = ProgressPrinter(self.position) if show else None

    def follow(self, instance: DagsterInstance, run_id: str, prefix: str) -> None:
        def on_event(entry) -> None:
            event = entry.dagster_event
            if event is not None and event.event_type == DagsterEventType.STEP_START:
                self.position.start_stage(event.step_key.removeprefix(prefix))

        instance.add_event_listener(run_id, on_event)

    @contextlib.contextmanager
    def running(self, label: str):
        self.position.start_delivery(label)
        if self.printer is not None:
            self.printer.active(True)
        try:
            yield
        finally:
            if self.printer is not None:
                self.printer.active(False)

    def __enter__(self) -> Watch:
        if self.printer is not None:
            self.printer.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.printer is not None:
            self.printer.__exit__(*exc_info)


def run_ingest_cycle(instance: DagsterInstance | None = None, resources: dict | None = None, progress: bool | None = None,
                     leads: bool = True) -> int:
    """One cycle; 0 when everything landed, 1 when a run failed, 128+signal when stopped by SIGTERM/Ctrl-C.

    ``progress``: print where the cycle is every few seconds (default: when stdout is a terminal).
    ``leads=False``: load the deliveries only; the next cycle (or the leads sensor) refreshes the leads
    (the ingest benchmarks measure the source chain alone this way)."""
    instance = instance or dagster_instance()
    resources = resources or default_resources()
    show = sys.stdout.isatty() if progress is None else progress
    for dead in dead_runs.reap(instance, by="`make ingest` at start-up"):
        print(f"marked failed: run {dead.run_id} ({dead.partition or dead.job_name}), its process (pid {dead.pid}) is gone")
    with StopSignals() as stop, Watch(show) as watch:
        try:
            code = _cycle(instance, resources, stop, watch, leads)
        except KeyboardInterrupt:  # a stop outside a run's steps
            code = None
        if stop.requested or code is None:
            cancel_own_runs(instance, "stopped by the operator (SIGTERM / Ctrl-C)")
            print("stopped: the deliveries not loaded are picked up by the next `make ingest`")
            return stop.exit_code
    return code


def _cycle(instance: DagsterInstance, resources: dict, stop: StopSignals, watch: Watch, leads: bool = True) -> int:
    chains = {c.spec.source: c for c in build_chains()}
    bucket = resources["bucket"]
    cursor = Cursor.loads(instance.run_storage.get_cursor_values({CURSOR_KEY}).get(CURSOR_KEY))
    found = discover(list_objects(bucket.client(), bucket.bucket), tuple(c.spec for c in chains.values()), cursor)
    for key in found.unknown_keys:
        print(f"ignored (no source claims it): {bucket.url(key)}")
    for key, why in found.rejected.items():
        print(f"NOT INGESTED {bucket.url(key)}: {why}")

    # The cursor is saved after every delivery that lands: a killed cycle redoes only what it had not finished.
    pending = {d.key for d in found.deliveries}

    def save_cursor() -> None:
        seen = {k: v for k, v in found.cursor.seen.items() if k not in pending}
        instance.run_storage.set_cursor_values({CURSOR_KEY: Cursor(found.cursor.watermark, seen).dumps()})

    summaries: dict[str, SourceSummary] = defaultdict(SourceSummary)
    ordered = sorted(found.deliveries, key=lambda d: (d.source, d.last_modified, d.key))
    for i, delivery in enumerate(ordered, start=1):
        if stop.requested:
            break
        chain = chains[delivery.source]
        instance.add_dynamic_partitions(partitions_name(delivery.source), [delivery.key])
        summary = summaries[delivery.source]
        summary.deliveries += 1
        label = f"delivery {i} of {len(ordered)} ({delivery.key})"
        started = time.monotonic()
        with watch.running(label):
            result = run_job(
                ingest_job_name(delivery.source),
                instance,
                resources,
                stop,
                watch=watch,
                prefix=f"{delivery.source}__",
                tags={
                    "dagster/partition": delivery.key,
                    "etl/source": delivery.source,
                    "etl/etag": delivery.etag,
                    "etl/trigger": "make-ingest",
                },
            )
        if stop.requested:  # whatever Dagster says of a run a stop arrived in, it is not done
            cancel_run(instance, result.run_id, "stopped by the operator; the next cycle loads this delivery again")
            break
        if not result.success:
            summary.failed.append(delivery.key)  # left pending: retried on the next cycle
            print(f"{label}: FAILED after {time.monotonic() - started:.1f} s (run {result.run_id})", flush=True)
            continue
        pending.discard(delivery.key)
        save_cursor()
        counts = dict.fromkeys(SUMMARY_FIELDS, 0)
        for event in result.get_asset_materialization_events():
            if event.asset_key == chain.warehouse_key:
                for name in SUMMARY_FIELDS:
                    value = event.materialization.metadata.get(name)
                    counts[name] = int(value.value) if value is not None else 0
                    summary.totals[name] += counts[name]
        print(delivery_line(label, time.monotonic() - started, counts), flush=True)
    save_cursor()
    if stop.requested:
        return stop.exit_code

    leads_ok = True
    warehouse_keys = [c.warehouse_key for c in chains.values()]
    if leads and leads_out_of_date(instance, warehouse_keys):
        with watch.running("leads refresh"):
            result = run_job(leads_job.name, instance, resources, stop, tags={}, watch=watch)
        leads_ok = result.success
        if stop.requested:
            cancel_run(instance, result.run_id, "stopped by the operator; the next cycle refreshes the leads")
            return stop.exit_code
    print_summary(summaries, leads_ok, len(found.rejected), skipped_leads=not leads)
    failed = any(s.failed for s in summaries.values()) or not leads_ok
    return 1 if failed else 0


def leads_out_of_date(instance: DagsterInstance, warehouse_keys: list) -> bool:
    """No leads yet, or a source loaded after the last leads refresh (also after a refresh that was killed)."""
    leads = instance.fetch_materializations(LEADS_KEY, limit=1).records
    if not leads:
        return True
    loads = [r.storage_id for key in warehouse_keys for r in instance.fetch_materializations(key, limit=1).records]
    return max(loads, default=0) > leads[0].storage_id


def cancel_own_runs(instance: DagsterInstance, message: str) -> None:
    """This process's runs left unfinished by a stop: CANCELED, their concurrency slots freed."""
    own = RunsFilter(tags={dead_runs.PID_TAG: str(os.getpid()), dead_runs.HOST_TAG: dead_runs.this_host()})
    for run in instance.get_runs(own):
        if not run.is_finished and dead_runs.tags_are_its_own(run):
            cancel_run(instance, run.run_id, message)


def cancel_run(instance: DagsterInstance, run_id: str, message: str) -> None:
    run = instance.get_run_by_id(run_id)
    if run is not None and run.status != DagsterRunStatus.CANCELED:
        instance.report_run_canceled(run, message)
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def run_job(job_name: str, instance: DagsterInstance, resources: dict, stop: StopSignals, tags: dict,
            watch: Watch | None = None, prefix: str = ""):
    """One run of a job of the Definitions, executed here; a stop cancels it as it happens. The run
    is tagged with this process (dead_runs: the run of a killed `make ingest` is found)."""
    run_id = make_new_run_id()

    def on_created(run_id: str) -> None:
        cancel_on_stop(instance, run_id, stop)
        if watch is not None:
            watch.follow(instance, run_id, prefix)

    tags = {**tags, **dead_runs.process_tags(run_id)}
    return execute_job_run(instance, job_name, resources, tags, run_id=run_id, on_created=on_created)


def delivery_line(label: str, seconds: float, counts: dict[str, int]) -> str:
    """The one-line summary of a delivery that landed."""
    read = counts["rows_read"]
    changes = ", ".join(f"{counts[n]:,} {n}" for n in SUMMARY_FIELDS[3:])
    return (f"{label}: done in {seconds:.1f} s ({read / max(seconds, 1e-9):,.0f} records/s): {read:,} read, "
            f"{counts['rows_quarantined']:,} quarantined, {counts['rows_written']:,} written ({changes})")


def print_summary(summaries: dict[str, SourceSummary], leads_ok: bool, rejected: int, skipped_leads: bool = False) -> None:
    header = ("source", "deliveries", "failed", *SUMMARY_FIELDS)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for source in sorted(summaries):
        s = summaries[source]
        cells = [source, s.deliveries, len(s.failed), *(s.totals.get(f, 0) for f in SUMMARY_FIELDS)]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if not summaries:
        print("no new deliveries")
    for source, s in sorted(summaries.items()):
        for key in s.failed:
            print(f"FAILED {source}: {key} (see the run in the Dagster UI / logs above)")
    state = "not refreshed (--no-leads)" if skipped_leads else "refreshed" if leads_ok else "FAILED"
    print(f"warehouse/leads: {state}; rejected keys: {rejected}")
