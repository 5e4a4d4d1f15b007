"""The floor of a small delivery's run: Dagster's own cost of a partitioned 4-asset chain doing nothing.

Two shapes, each a reconstructable job run like an ingest run (``create_run_for_job`` + ``execute_run``,
in-process executor, the benchmark's instance): ``separate`` has 4 assets and 3 asset checks in
steps of their own (7 steps: main's ingest chain until 2026-12), ``in_step`` has 4 assets whose 6
checks are ``check_specs`` evaluated in the asset's step (4 steps: the ingest chain now). The bodies
return at once, so a run's time is run creation, events, step machinery and IO-manager calls.
"""

from __future__ import annotations

import time

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetIn,
    AssetKey,
    DagsterInstance,
    DynamicPartitionsDefinition,
    Output,
    asset,
    asset_check,
    define_asset_job,
    in_process_executor,
)
from dagster._core.definitions.reconstruct import build_reconstructable_job
from dagster._core.execution.api import execute_run
from dagster._core.storage.io_manager import IOManager

PARTITIONS = DynamicPartitionsDefinition(name="bench_noop")
STAGES = ("raw", "normalized", "deduped", "warehouse")
CHECKS = {"raw": ("schema_drift", "row_count_vs_previous"), "normalized": ("quarantine_share", "null_rates"),
          "deduped": ("record_key_unique", "delete_guard")}
SEPARATE = ("raw", "row_count_vs_previous"), ("raw", "schema_drift"), ("deduped", "delete_guard")


class _Memory(IOManager):
    """Nothing stored: the floor leaves out the stage files (a small one is ~2 ms to write)."""

    def handle_output(self, context, obj) -> None:
        pass

    def load_input(self, context):
        return None


def _asset(shape: str, stage: str, upstream: str | None):
    key = AssetKey(["bench_noop", f"{shape}_{stage}"])
    specs = [AssetCheckSpec(name, asset=key, blocking=True, partitions_def=PARTITIONS) for name in CHECKS.get(stage, ())
             if shape == "in_step" or (stage, name) not in SEPARATE]
    ins = {"upstream": AssetIn(AssetKey(["bench_noop", f"{shape}_{upstream}"]))} if upstream else {}

    @asset(key=key, ins=ins, partitions_def=PARTITIONS, check_specs=specs, io_manager_key="noop_io")
    def body(context, **_inputs):
        yield Output(None, metadata={"rows": 0})
        for spec in specs:
            yield AssetCheckResult(asset_key=key, check_name=spec.name, passed=True)

    return body


def _check(shape: str, stage: str, name: str):
    @asset_check(asset=AssetKey(["bench_noop", f"{shape}_{stage}"]), name=name, blocking=True, partitions_def=PARTITIONS)
    def body(_stage) -> AssetCheckResult:
        return AssetCheckResult(passed=True)

    return body


def noop_job(shape: str):
    """The job of one shape (the reconstruction target)."""
    from dagster import Definitions

    assets = [_asset(shape, stage, STAGES[i - 1] if i else None) for i, stage in enumerate(STAGES)]
    checks = [_check(shape, stage, name) for stage, name in SEPARATE] if shape == "separate" else []
    job = define_asset_job(f"bench_noop_{shape}", partitions_def=PARTITIONS, executor_def=in_process_executor)
    defs = Definitions(assets=assets, asset_checks=checks, jobs=[job], resources={"noop_io": _Memory()})
    return defs.resolve_job_def(f"bench_noop_{shape}")


def run_floor(instance: DagsterInstance, shape: str, runs: int, start: int = 0) -> list[float]:
    """Seconds per run of ``runs`` runs of the no-op chain, each a new partition, as the cycle runs a delivery."""
    job = build_reconstructable_job("benchmarks.noop_chain", "noop_job", reconstructable_args=(shape,))
    seconds = []
    for i in range(start, start + runs):
        partition = f"{shape}-{i:04d}"
        instance.add_dynamic_partitions(PARTITIONS.name, [partition])
        t = time.perf_counter()
        run = instance.create_run_for_job(job_def=job.get_definition(), tags={"dagster/partition": partition},
                                          job_code_origin=job.get_python_origin())
        result = execute_run(job, run, instance, raise_on_error=True)
        seconds.append(time.perf_counter() - t)
        assert result.success
    return seconds
