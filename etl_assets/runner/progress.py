"""Where a long `make ingest` is: records done by the running stage, counted as the stage works.

Stages count their records in etl_assets.progress. `make ingest` (etl_assets.runner.cycle) resets
the counter at each step start (a Dagster event) and a :class:`ProgressPrinter` thread prints the line every few seconds.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import TextIO

from etl_assets.progress import records_done, reset

PROGRESS_SECONDS = 2.0  # "at least every few seconds"


@dataclass
class Position:
    """What the cycle is doing now: delivery ``index`` of ``total`` (or the leads refresh), which step."""

    label: str = ""
    stage: str = "starting"
    stage_started: float = 0.0
    delivery_started: float = 0.0

    def start_delivery(self, label: str) -> None:
        self.label, self.stage = label, "starting"
        self.stage_started = self.delivery_started = time.monotonic()
        reset()

    def start_stage(self, stage: str) -> None:
        self.stage, self.stage_started = stage, time.monotonic()
        reset()

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        seconds = max(now - self.stage_started, 1e-9)
        done = records_done()
        return (f"{self.label}: {self.stage}, {done:,} records done, {done / seconds:,.0f} records/s "
                f"({now - self.stage_started:.1f} s in this stage, {now - self.delivery_started:.1f} s in all)")


class ProgressPrinter:
    """A daemon thread printing ``position.line()`` every ``every`` seconds while active."""

    def __init__(self, position: Position, out: TextIO | None = None, every: float = PROGRESS_SECONDS):
        self.position, self.out, self.every = position, out or sys.stdout, every
        self._stop = threading.Event()
        self._active = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ingest-progress", daemon=True)

    def __enter__(self) -> ProgressPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 1)

    def active(self, on: bool) -> None:
        """Print while a run executes; stay quiet between runs (summaries are printed then)."""
        (self._active.set if on else self._active.clear)()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            if self._active.is_set():
                print(self.position.line(), file=self.out, flush=True)
