"""Opening the DuckDB warehouse: one writer process at a time, a bounded wait, the holder named.

Why the file lock and not a Dagster concurrency pool: a pool slot is a row in Dagster's storage,
so a run killed while holding it (OOM kill, kill -9, a preempted pod) keeps holding it until
something frees it, and Dagster's in-process executor waits for a slot in a loop that neither
sleeps nor sees SIGTERM. DuckDB's lock is the kernel's lock on the file: it goes when the
holding process goes, so a dead run can never block the runs after it. Waiting happens here,
inside the step, where Dagster turns SIGTERM/Ctrl-C into an interrupt, and it is bounded: past
``timeout_seconds`` the step fails naming the process (and, when known, the Dagster run) that
holds the file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from dagster import InitResourceContext, get_dagster_logger
from dagster_duckdb import DuckDBResource
from pydantic import Field, PrivateAttr

from etl_assets import settings
from etl_assets.orchestration.dead_runs import record_worker, run_holding
from etl_assets.warehouse import scopes, spill
from etl_assets.warehouse.backend import transaction
from etl_assets.warehouse.scopes import Scope
from etl_assets.warehouse.views import create_analyst_views

_HOLDER_PID = re.compile(r"\(PID (\d+)\)")
LOG_EVERY_SECONDS = 30.0


class WarehouseBusyError(RuntimeError):
    """The warehouse stayed locked by another process for longer than the bound."""


def holder_pid(message: str) -> int | None:
    """The PID DuckDB names in its lock error ("Conflicting lock is held in ... (PID 123)")."""
    match = _HOLDER_PID.search(message)
    return int(match.group(1)) if match else None


def describe_process(pid: int | None) -> str:
    """``pid 123 (etl-assets ingest)``: the holder's command line, from /proc where there is one."""
    if pid is None:
        return "another process"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(Path(a.decode(errors="replace")).name if i == 0 else a.decode(errors="replace") for i, a in enumerate(argv) if a)
    except OSError:
        return f"pid {pid}"
    return f"pid {pid} ({command[:160]})" if command else f"pid {pid}"


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def connect_waiting(
    database: str,
    *,
    timeout_seconds: float,
    config: dict | None = None,
    read_only: bool = False,
    describe_holder: Callable[[int | None], str] = describe_process,
    log: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, waiting (backing off to 1 s) while another process holds the file."""
    deadline = time.monotonic() + timeout_seconds
    delay, next_log = 0.05, time.monotonic() + 2.0
    while True:
        try:
            return duckdb.connect(database, read_only=read_only, config=config or {})
        except duckdb.Error as exc:
            if not _is_lock_conflict(exc):
                raise
            pid = holder_pid(str(exc))
            now = time.monotonic()
            if now >= deadline:
                raise WarehouseBusyError(
                    f"warehouse {database}: still locked after {timeout_seconds:.0f} s by {describe_holder(pid)}; "
                    f"giving up (bound: ETL_WAREHOUSE_LOCK_TIMEOUT_SECONDS)"
                ) from None
            if log is not None and now >= next_log:
                log(f"waiting for the warehouse {database}: in use by {describe_holder(pid)}")
                next_log = now + LOG_EVERY_SECONDS
            sleep(min(delay, max(deadline - now, 0.0)))
            delay = min(delay * 2, 1.0)


class WarehouseResource(DuckDBResource):
    """dagster-duckdb's resource, with the bounded, interruptible wait for the file above."""

    lock_timeout_seconds: float = Field(
        default_factory=settings.warehouse_lock_timeout_seconds,
        description="How long a step waits for another process to release the warehouse file.",
    )
    storage_dir: str = Field(
        default_factory=lambda: str(settings.storage_dir()),
        description="The run's stage storage: DuckDB spills under its duckdb_spill/ (warehouse/spill.py).",
    )

    _instance: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._instance = context.instance  # to name the run that holds the file, when it is one of ours
        if context.instance is not None and context.dagster_run is not None:
            record_worker(context.instance, context.dagster_run.run_id)  # where this run's process is

    def _describe_holder(self, pid: int | None) -> str:
        process = describe_process(pid)
        run = run_holding(self._instance, pid) if self._instance is not None else None
        return f"{run}, {process}" if run else process

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with spill.under(self.storage_dir), spill.temp_directory() as temp:
            config = spill.config(temp, {"custom_user_agent": "dagster", **self.connection_config})
            con = connect_waiting(
                self.database,
                timeout_seconds=self.lock_timeout_seconds,
                config=config,
                describe_holder=self._describe_holder,
                log=get_dagster_logger().info,
            )
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def open(self, scope: Scope) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse for one unit of work (``scopes.py``); DuckDB opens the whole file."""
        with self.get_connection() as con:
            yield con

    def publish_views(self, views: dict[str, str]) -> None:
        """Nothing to do: on DuckDB the views were created in the file, in the caller's transaction."""

    def refresh_analyst_views(self, crm_source: str, *, replace: bool = True) -> dict[str, str]:
        """The analyst views (re)created in the file against its columns, in one transaction, before
        a unit of work reads them (``replace`` matters on PostgreSQL only)."""
        with self.open(scopes.analyst_read()) as con, transaction(con):
            return create_analyst_views(con, crm_source)
