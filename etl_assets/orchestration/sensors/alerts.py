"""Alert sensors: every failed run, and every failed WARN or non-blocking ERROR check, → one alert
(one row in the file and the table each; one message per source per tick to Slack/the webhook).

Registered in definitions.py; ``etl_assets/orchestration/alerts/`` builds the alerts and sends them.
"""

from __future__ import annotations

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor
from dagster_duckdb import DuckDBResource

from etl_assets.orchestration.alerts.events import CheckCursor, check_failure_alert, new_check_failures, new_run_failures, parse_run_cursor
from etl_assets.orchestration.alerts.sinks import default_sinks, emit_all

RUN_FAILURE_SENSOR = "alert_on_run_failure"
CHECK_FAILURE_SENSOR = "alert_on_check_failure"


def build_alert_sensors():

    @sensor(
        name=RUN_FAILURE_SENSOR,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Every failed run (every job) → one alert: source, delivery, failed check or step, counts, "
        "run URL; many at once → one digest per source to Slack/the webhook.",
    )
    def alert_on_run_failure(context: SensorEvaluationContext, duckdb: DuckDBResource):
        alerts, cursor = new_run_failures(context.instance, parse_run_cursor(context.cursor))
        if alerts:
            emit_all(alerts, default_sinks(duckdb.database), context.log)
        context.update_cursor(str(cursor))
        if not alerts:
            return SkipReason("no failed runs since the last tick")
        return None

    @sensor(
        name=CHECK_FAILURE_SENSOR,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Failed asset checks (WARN, and non-blocking ERROR) since the last tick → one alert each.",
    )
    def alert_on_check_failure(context: SensorEvaluationContext, duckdb: DuckDBResource):
        check_keys = context.repository_def.asset_graph.asset_check_keys
        failed, cursor = new_check_failures(context.instance, check_keys, CheckCursor.loads(context.cursor))
        if failed:
            alerts = [check_failure_alert(context.instance, run_id, evaluation) for run_id, evaluation in failed]
            emit_all(alerts, default_sinks(duckdb.database), context.log)
        context.update_cursor(cursor.dumps())
        if not failed:
            return SkipReason("no failed asset checks since the last tick")
        return None

    return [alert_on_run_failure, alert_on_check_failure]
