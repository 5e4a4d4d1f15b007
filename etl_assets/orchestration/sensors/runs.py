"""Runs whose worker process died (kill -9, out of memory) → marked failed, so alerts and run retries follow."""

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from etl_assets.orchestration import dead_runs

REAPER_SENSOR = "reap_dead_runs"


def build_reaper_sensor():
    @sensor(
        name=REAPER_SENSOR,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Runs left STARTED by a killed run worker (kill -9, out of memory) are marked failed; "
        "the run-failure alert and the run retry follow.",
    )
    def reap_dead_runs(context: SensorEvaluationContext):
        dead = dead_runs.reap(context.instance, by="the reap_dead_runs sensor")
        for run in dead:
            context.log.warning(f"run {run.run_id} ({run.job_name}, {run.partition}): worker pid {run.pid} is gone; marked failed")
        return SkipReason(f"{len(dead)} dead run(s) marked failed" if dead else "no dead runs")

    return reap_dead_runs
