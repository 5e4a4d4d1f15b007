"""Child processes of test_warehouse_faults: run a source's chain and stop at a chosen point so the
parent can SIGKILL it there, or run it under a file-size limit (a disk that fills up).

The kill points are set by wrapping platform functions in this child only (no hook in the
platform): after a stage's Parquet file is stored (``raw``, ``deduped``), in the middle of a
stage write (``normalized``: temp file written, not yet renamed) and inside the warehouse
transaction (``warehouse``: history applied, not committed). At the point the child writes the
marker file and sleeps until killed.
"""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path


def _park(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()))
    time.sleep(600)  # the parent kills us here


def run_until(stage: str, marker: str, endpoint: str, bucket: str, key: str, database: str, storage: str) -> None:
    from dagster import DagsterInstance

    from etl_assets.orchestration import io_manager as storage_module
    from etl_assets.stages import history
    from etl_assets_tests.hardening.world import ingest, make_resources

    if stage in ("raw", "deduped"):
        original = storage_module.PartitionedParquetIOManager.handle_output

        def handle_output(self, context, obj):
            original(self, context, obj)
            if context.asset_key.path[-1] == stage:
                _park(marker)

        storage_module.PartitionedParquetIOManager.handle_output = handle_output
    elif stage == "normalized":
        from etl_assets.stages.files import StageFileWriter

        close = StageFileWriter.close

        def half_written(self):
            if "/normalized/" in str(self.path) and self._writer is not None:
                self._writer.close()  # the temp file is complete, the rename has not happened
                self._writer = None
                _park(marker)
            return close(self)

        StageFileWriter.close = half_written
    elif stage == "warehouse":
        apply_delivery = history.apply_delivery

        def applied_then_parked(*args, **kwargs):
            counts = apply_delivery(*args, **kwargs)
            _park(marker)
            return counts

        history.apply_delivery = applied_then_parked
    resources = make_resources(endpoint, bucket, Path(database), Path(storage))
    ingest(DagsterInstance.ephemeral(), resources, "texas", key, raise_on_error=True)
    Path(marker).write_text("finished without reaching the kill point")


def run_with_file_size_limit(limit: int, result_file: str, endpoint: str, bucket: str, key: str, database: str, storage: str) -> None:
    """Run the chain with RLIMIT_FSIZE: every write past ``limit`` bytes fails with EFBIG, as on a
    full disk (SIGXFSZ ignored so the write returns an error instead of killing the process)."""
    from dagster import DagsterInstance

    from etl_assets_tests.support.pipeline import error_text
    from etl_assets_tests.hardening.world import ingest, make_resources

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resources = make_resources(endpoint, bucket, Path(database), Path(storage))
    instance = DagsterInstance.ephemeral()  # in memory: the limit is for the platform's own files
    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        result = ingest(instance, resources, "texas", key)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    failures = [f"{e.step_key}: {error_text(e.step_failure_data.error)}" for e in result.get_step_failure_events()]
    Path(result_file).write_text(("OK" if result.success else "FAILED") + "\n" + "\n".join(failures))
