"""`etl-assets ingest` as a child process that parks at a chosen point, so a test can kill it there.

``python -m etl_assets_tests.hardening.ingest_child POINT MARKER``: POINT is ``raw:N`` (after the
N-th delivery's raw stage file is stored), ``warehouse:N`` (inside the N-th delivery's warehouse
transaction: history applied, not committed) or ``leads`` (inside the leads transaction: tables
replaced, not committed). At the point the child writes its PID to MARKER and sleeps, inside the
step (where Dagster raises interrupts), until killed. As in kill_child, the points are set by
wrapping platform functions in this child only; the platform has no test hook.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _park(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()))
    time.sleep(600)


def _after_nth(function, n: int, marker: str, when=lambda *a, **k: True):
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        if when(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == n:
                _park(marker)
        return result

    return wrapped


def install(point: str, marker: str) -> None:
    stage, _, count = point.partition(":")
    if stage == "raw":
        from etl_assets.orchestration import io_manager as storage

        io_manager = storage.PartitionedParquetIOManager
        io_manager.handle_output = _after_nth(
            io_manager.handle_output, int(count), marker, when=lambda self, context, obj: context.asset_key.path[-1] == "raw"
        )
    elif stage == "warehouse":
        from etl_assets.stages import history

        history.apply_delivery = _after_nth(history.apply_delivery, int(count), marker)
    elif stage == "leads":
        from etl_assets import warehouse

        warehouse.append_lead_events = _after_nth(warehouse.append_lead_events, 1, marker)
    else:
        raise SystemExit(f"unknown point {point!r}")


if __name__ == "__main__":
    install(sys.argv[1], sys.argv[2])
    from etl_assets.cli import main

    sys.exit(main(["ingest"]))
