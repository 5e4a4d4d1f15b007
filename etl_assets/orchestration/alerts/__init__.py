"""Alerts: a failed run or a failed asset check becomes one alert, sent to every configured sink.

- ``alert.py``: the ``Alert`` record (what every sink receives);
- ``sinks.py``: where alerts go (JSON lines, the warehouse table, Slack, a webhook) and ``emit``;
- ``events.py``: Dagster's records of a failed run / failed check evaluation → ``Alert``.

The two sensors that emit alerts (``alert_on_run_failure``, ``alert_on_check_failure``) are in
``etl_assets/orchestration/sensors/alerts.py``; where the sinks point comes from ``settings.py``.
"""
