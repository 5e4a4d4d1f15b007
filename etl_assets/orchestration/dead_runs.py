"""Runs whose process is gone: found, marked failed, their concurrency slots freed.

A run killed mid-step (OOM kill, kill -9, a killed `make ingest`) writes no end event, so Dagster
shows it STARTED forever and any concurrency slot it claimed stays claimed. Dagster's run
monitoring finds dead run workers only for launchers that can check a worker's health (K8s,
ECS); the local launcher and the in-process `make ingest` cannot, so this module does it for
runs whose process ran on this host: the run's worker is the process that wrote its RUN_START
event, and it is dead when no such process exists (or the PID now belongs to a younger process).
Only runs known to run on this host are judged: each run records its host and PID in the tags
``etl/host`` / ``etl/pid`` (set by `make ingest` when it creates the run, and by the run's
warehouse resource when a run worker starts it), since a PID means nothing on another machine.
Dagster copies a run's tags to its retries and re-executions, so the tags also name the run they
were written for (``etl/pid_of_run``): a retry's inherited tags describe its dead parent, never it.
Used by `make ingest` before each cycle and by the ``reap_dead_runs`` sensor under the daemon.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

HOST_TAG = "etl/host"  # set on runs started by `make ingest`: their process ran on this host
PID_TAG = "etl/pid"
PID_OF_RUN_TAG = "etl/pid_of_run"  # the run the two tags above were written for (retries inherit tags)
WORKER_STATUSES = [DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
NOT_LAUNCHED_STATUSES = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING]


@dataclass(frozen=True)
class DeadRun:
    run_id: str
    job_name: str
    partition: str | None
    pid: int | None


def this_host() -> str:
    return socket.gethostname()


def process_tags(run_id: str) -> dict[str, str]:
    """Tags naming the process run ``run_id`` executes in (a run executed in this process)."""
    return {HOST_TAG: this_host(), PID_TAG: str(os.getpid()), PID_OF_RUN_TAG: run_id}


def tags_are_its_own(run) -> bool:
    """The run's host/PID tags were written for it, not inherited from the run it retries."""
    return run.tags.get(PID_OF_RUN_TAG) == run.run_id


def record_worker(instance: DagsterInstance, run_id: str) -> None:
    """Called in a run's worker process: tag the run with this host and PID, unless it has its own already."""
    run = instance.get_run_by_id(run_id)
    if run is not None and not tags_are_its_own(run):
        instance.add_run_tags(run_id, process_tags(run_id))


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def process_start_time(pid: int) -> float | None:
    """When ``pid`` started (epoch seconds), from /proc; None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    boot = _boot_time()
    if boot is None:
        return None
    ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counted after the "(comm)" field
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, since: float | None = None) -> bool:
    """True when ``pid`` exists, is no zombie and (given ``since``) started before then: a reused PID is not it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    if _is_zombie(pid):
        return False
    started = process_start_time(pid)
    return since is None or started is None or started <= since + 2.0


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in {"Z", "X"}
    except (OSError, IndexError):
        return False


def worker_pid(instance: DagsterInstance, run_id: str) -> tuple[int | None, float | None]:
    """The PID that started the run (its RUN_START event) and when, or (None, None) before it started."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    if not records:
        return None, None
    entry = records[0].event_log_entry
    pid = entry.dagster_event.pid if entry.dagster_event is not None else None
    return pid, entry.timestamp


def find_dead_runs(instance: DagsterInstance) -> list[DeadRun]:
    """In-progress runs of this host whose worker process no longer exists."""
    host = this_host()
    dead: list[DeadRun] = []
    for run in instance.get_runs(RunsFilter(statuses=WORKER_STATUSES + NOT_LAUNCHED_STATUSES, tags={HOST_TAG: host})):
        if not tags_are_its_own(run):  # a retry not started yet: the tags are its parent's
            continue
        partition = run.tags.get("dagster/partition")
        pid, started = worker_pid(instance, run.run_id)
        if pid is None and PID_TAG in run.tags:  # created in process, killed before it started
            pid, started = int(run.tags[PID_TAG]), None
        if pid is not None and not process_alive(pid, since=started):
            dead.append(DeadRun(run.run_id, run.job_name, partition, pid))
    return dead


def mark_dead(instance: DagsterInstance, dead: DeadRun, by: str) -> None:
    """RUN_FAILURE with a message saying what happened, then its concurrency slots freed."""
    run = instance.get_run_by_id(dead.run_id)
    if run is None or run.is_finished:
        return
    what = f"partition {dead.partition}" if dead.partition else dead.job_name
    message = (
        f"The process running this run ({what}; pid {dead.pid} on {this_host()}) no longer exists: it was "
        f"killed mid-run (out of memory, kill -9, or its machine stopped). Marked failed by {by} at "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; the delivery is retried like any failed delivery."
    )
    instance.report_run_failed(run, message)
    instance.event_log_storage.free_concurrency_slots_for_run(dead.run_id)


def free_slots_of_finished_runs(instance: DagsterInstance) -> list[str]:
    """Concurrency slots still claimed by runs that have ended (a worker killed between claim and free)."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed = []
    for pool in storage.get_concurrency_keys():
        for slot in storage.get_concurrency_info(pool).claimed_slots:
            run = instance.get_run_by_id(slot.run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(slot.run_id)
                freed.append(slot.run_id)
    return freed


def reap(instance: DagsterInstance, by: str) -> list[DeadRun]:
    """Find dead runs, mark each failed, free every slot no live run holds; returns what was reaped."""
    dead = find_dead_runs(instance)
    for run in dead:
        mark_dead(instance, run, by)
    free_slots_of_finished_runs(instance)
    return dead


def run_holding(instance: DagsterInstance, pid: int | None) -> str | None:
    """The in-progress run whose worker is ``pid``, as "run <id> (<job>, partition <key>)"."""
    if pid is None:
        return None
    for run in instance.get_runs(RunsFilter(statuses=WORKER_STATUSES)):
        if worker_pid(instance, run.run_id)[0] == pid:
            partition = run.tags.get("dagster/partition")
            return f"run {run.run_id} ({run.job_name}{', partition ' + partition if partition else ''})"
    return None
