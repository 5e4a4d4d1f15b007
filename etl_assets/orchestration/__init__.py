"""Dagster wiring: definitions, jobs, schedules, resources, the IO manager, assets, checks, sensors, alerts."""
