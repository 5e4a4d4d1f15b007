"""Dagster sensors: S3 deliveries → ingest runs (``s3.py``), source loads → leads refresh
(``leads.py``), failed runs and checks → alerts (``alerts.py``), dead run workers → failed runs (``runs.py``)."""

from etl_assets.orchestration.sensors.alerts import CHECK_FAILURE_SENSOR, RUN_FAILURE_SENSOR, build_alert_sensors
from etl_assets.orchestration.sensors.leads import LEADS_SENSOR, build_leads_sensor
from etl_assets.orchestration.sensors.runs import REAPER_SENSOR, build_reaper_sensor
from etl_assets.orchestration.sensors.s3 import DELIVERY_SENSOR, build_delivery_sensor

__all__ = [
    "CHECK_FAILURE_SENSOR",
    "DELIVERY_SENSOR",
    "LEADS_SENSOR",
    "REAPER_SENSOR",
    "RUN_FAILURE_SENSOR",
    "build_alert_sensors",
    "build_delivery_sensor",
    "build_leads_sensor",
    "build_reaper_sensor",
]
