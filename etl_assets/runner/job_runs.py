"""Run a job of the Definitions the way the daemon's run worker does: a reconstructable job, ``execute_run``.

Why not ``materialize`` / ``execute_in_process``: those keep every step's output alive in the result
object until the run ends, so a delivery's raw, normalized and deduped frames all stay in memory
(the IO manager has already stored them). ``execute_run`` of a reconstructable job hands outputs
to the IO manager only, as a launched run does. The job is rebuilt from a pointer
(``build_reconstructable_job``) with the resource settings as arguments, so `make ingest` can run
against a test's bucket, warehouse and stage directory as well as the environment's.
"""

from __future__ import annotations

import functools
from typing import Any

from dagster import DagsterInstance, JobDefinition
from dagster._core.definitions.reconstruct import ReconstructableJob, build_reconstructable_job
from dagster._core.execution.api import execute_run
from dagster._core.execution.execution_result import ExecutionResult


def resource_settings(resources: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``build_resources`` that rebuild ``resources`` (plain values: they go into a pointer)."""
    bucket, s3 = resources["bucket"], resources["bucket"].s3
    return {
        "bucket": bucket.bucket,
        "endpoint_url": s3.endpoint_url,
        "region": s3.region_name,
        "max_attempts": s3.max_attempts,
        "warehouse": str(resources["duckdb"].database),
        "storage_dir": str(resources["stage_io_manager"].base_dir),
    }


@functools.lru_cache(maxsize=8)
def _definitions(settings_items: tuple):
    from etl_assets.orchestration.definitions import build_definitions
    from etl_assets.orchestration.resources import build_resources

    return build_definitions(build_resources(**dict(settings_items)))


def job_definition(job_name: str, **settings: Any) -> JobDefinition:
    """The reconstruction target: ``job_name`` of the Definitions built with these resource settings."""
    return _definitions(tuple(sorted(settings.items()))).resolve_job_def(job_name)


def reconstructable_job(job_name: str, resources: dict[str, Any]) -> ReconstructableJob:
    return build_reconstructable_job(
        "etl_assets.runner.job_runs", "job_definition", reconstructable_args=(job_name,),
        reconstructable_kwargs=resource_settings(resources),
    )


def execute_job_run(
    instance: DagsterInstance, job_name: str, resources: dict[str, Any], tags: dict[str, str], on_created=None,
    run_id: str | None = None,
) -> ExecutionResult:
    """Create a run of ``job_name`` (a partition through the ``dagster/partition`` tag), then execute it here.

    ``on_created(run_id)`` is called between creation and execution, so a stop can be attached to
    the run before its first event. The in-process executor runs the steps in this process.
    """
    job = reconstructable_job(job_name, resources)
    run = instance.create_run_for_job(
        job_def=job.get_definition(), run_id=run_id, tags=tags, job_code_origin=job.get_python_origin()
    )
    if on_created is not None:
        on_created(run.run_id)
    return execute_run(job, run, instance, raise_on_error=False)
