"""Alert sensors: every failed run, and every failed WARN or non-blocking ERROR check, → one alert.

Registered in definitions.py; ``etl_assets/alerts/`` builds the alerts and sends them.
"""

from __future__ import annotations

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)
from dagster_duckdb import DuckDBResource

from etl_assets.alerts.events import CheckCursor, check_failure_alert, new_check_failures, run_failure_alert
from etl_assets.alerts.sinks import default_sinks, emit

RUN_FAILURE_SENSOR = "alert_on_run_failure"
CHECK_FAILURE_SENSOR = "alert_on_check_failure"


def build_alert_sensors():

    @run_failure_sensor(
        name=RUN_FAILURE_SENSOR,
        default_status=DefaultSensorStatus.RUNNING,
        description="Any failed run (every job) → one alert: source, delivery, failed check or step, counts, run URL.",
    )
    def alert_on_run_failure(context: RunFailureSensorContext, duckdb: DuckDBResource):
        alert = run_failure_alert(context.instance, context.dagster_run, context.failure_event.message)
        emit(alert, default_sinks(duckdb.database), context.log)

    @sensor(
        name=CHECK_FAILURE_SENSOR,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Failed asset checks (WARN, and non-blocking ERROR) since the last tick → one alert each.",
    )
    def alert_on_check_failure(context: SensorEvaluationContext, duckdb: DuckDBResource):
        check_keys = context.repository_def.asset_graph.asset_check_keys
        failed, cursor = new_check_failures(context.instance, check_keys, CheckCursor.loads(context.cursor))
        sinks = default_sinks(duckdb.database)
        for run_id, evaluation in failed:
            emit(check_failure_alert(context.instance, run_id, evaluation), sinks, context.log)
        context.update_cursor(cursor.dumps())
        if not failed:
            return SkipReason("no failed asset checks since the last tick")
        return None

    return [alert_on_run_failure, alert_on_check_failure]
