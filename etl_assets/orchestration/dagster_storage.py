"""Dagster's own storage in PostgreSQL, from ``DAGSTER_POSTGRES_URL`` in any form people write it.

dagster-postgres hands ``postgres_url`` to SQLAlchemy as it is, and SQLAlchemy 2.1 maps a bare
``postgresql://`` (or ``postgres://``) to psycopg 3, with which Dagster's event log fails mid-run
(``syntax error at or near "$1"``). This subclass takes the same ``postgres_url`` config (default:
the environment variable), rewrites it to the psycopg2 driver dagster-postgres depends on
(``settings.storage_url``) and refuses anything else when the instance loads.
``deploy/dagster.yaml`` names it under ``storage: custom:``.
"""

from __future__ import annotations

from dagster import Field, StringSource
from dagster._serdes import ConfigurableClassData
from dagster_postgres.storage import DagsterPostgresStorage

from etl_assets import settings


class PostgresStorage(DagsterPostgresStorage):
    """dagster-postgres's run, event log and schedule storage; only the URL is normalized."""

    @classmethod
    def config_type(cls):
        return {
            "postgres_url": Field(StringSource, is_required=False,
                                  description=f"default: ${settings.DAGSTER_POSTGRES_VAR}"),
            "should_autocreate_tables": Field(bool, is_required=False, default_value=True),
        }

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> "PostgresStorage":
        given = config_value.get("postgres_url")
        url = settings.storage_url(given) if given else settings.dagster_postgres_url()
        if url is None:
            raise ValueError(f"{settings.DAGSTER_POSTGRES_VAR} is not set: write "
                             "postgresql://user:password@host:5432/dagster")
        return cls(inst_data=inst_data, postgres_url=url,
                   should_autocreate_tables=config_value.get("should_autocreate_tables", True))
