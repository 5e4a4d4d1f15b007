"""SIGTERM and Ctrl-C for a process that runs Dagster runs in process (`make ingest`).

While a run executes, Dagster replaces the SIGINT/SIGTERM handlers with its own: inside a step it
raises an interrupt at once (the step fails), between steps it only notes the signal for the next
step, and a run interrupted without a cancel request ends as *failed*. An operator's stop should
cancel the run and stop the cycle. So:

- the signals' arrival is recorded below Python's handlers (``signal.set_wakeup_fd``: the C-level
  handler writes the signal number to a pipe whoever handles it), so the cycle always learns of a
  stop, even one Dagster swallowed after a run's last step;
- ``cancel_on_stop`` marks the running run CANCELING at its first event after the stop (an event
  listener: it runs before Dagster decides the run's end), so Dagster ends it CANCELED, as its own
  terminate does, and stops it at the next step boundary. (An interrupt inside a step with a
  RetryPolicy becomes a retry request in Dagster 1.13, and such a run can end SUCCESS without its
  later steps: the cycle treats any run a stop arrived in as not done, and marks it canceled.)
- outside a run, SIGTERM raises KeyboardInterrupt like Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import threading

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
BOUNDARY_EVENTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_UP_FOR_RETRY, DagsterEventType.STEP_RESTARTED}


class StopSignals:
    """Context manager; ``requested`` turns true once SIGINT or SIGTERM has arrived."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._pipe: tuple[int, int] | None = None

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is not threading.main_thread():
            return self  # handlers can be set from the main thread only; the caller keeps its own
        self._saved = {s: signal.getsignal(s) for s in STOP_SIGNALS}
        if self._saved[signal.SIGINT] in (signal.SIG_IGN, signal.SIG_DFL, None):
            # background jobs of a non-interactive shell start with SIGINT ignored
            signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        read, write = os.pipe()
        os.set_blocking(read, False)
        os.set_blocking(write, False)
        self._pipe = (read, write)
        self._saved_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        return self

    @property
    def requested(self) -> bool:
        if self._pipe is not None and self.signum is None:
            try:
                arrived = os.read(self._pipe[0], 512)
            except BlockingIOError:
                arrived = b""
            self.signum = next((s for s in arrived if s in STOP_SIGNALS), None)
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    def __exit__(self, *exc_info) -> None:
        if self._pipe is None:
            return
        self.requested  # noqa: B018 - read what arrived before the pipe closes
        signal.set_wakeup_fd(self._saved_fd)
        for s, handler in self._saved.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        for fd in self._pipe:
            os.close(fd)
        self._pipe = None


def cancel_on_stop(instance: DagsterInstance, run_id: str, stop: StopSignals) -> None:
    """Once a stop has arrived: mark ``run_id`` CANCELING at its next event, and end it at the next step boundary.

    CANCELING first, so Dagster ends the run CANCELED, not failed. Then a KeyboardInterrupt at the
    next step start or retry request (Dagster turns an interrupt inside a step with a RetryPolicy
    into a retry, which would wait out the policy's delay and run the step again).
    """

    def on_event(entry) -> None:
        event = entry.dagster_event
        if event is None or not stop.requested:
            return
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return
        if run.status != DagsterRunStatus.CANCELING:
            instance.report_run_canceling(run, f"stopped by the operator ({signal.Signals(stop.signum).name})")
        if event.event_type in BOUNDARY_EVENTS:
            raise KeyboardInterrupt

    instance.add_event_listener(run_id, on_event)
