"""The warehouse resource when ``ETL_WAREHOUSE_URL`` names a PostgreSQL database.

A subclass of dagster-duckdb's resource so every asset, check and sensor keeps its one
``duckdb`` parameter: ``open(scope)`` yields the in-memory DuckDB mirror of the scope's rows
(``mirror.py``). ``database`` holds the URL *without* its password (resource config is shown in
the UI); the password comes from ``settings.warehouse_password()`` when connecting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import InitResourceContext
from dagster_duckdb import DuckDBResource
from pydantic import Field

from etl_assets import settings
from etl_assets.orchestration.dead_runs import record_worker
from etl_assets.warehouse.postgres import mirror
from etl_assets.warehouse.postgres import server as postgres
from etl_assets.warehouse import spill
from etl_assets.warehouse import backend, scopes
from etl_assets.warehouse.scopes import Scope
from etl_assets.warehouse.views import analyst_view_selects


class PostgresWarehouseResource(DuckDBResource):
    """``database``: ``postgresql://user@host:port/db`` (no password)."""

    lock_timeout_seconds: float = Field(
        default_factory=settings.warehouse_lock_timeout_seconds,
        description="How long a step waits for another run holding its source (or the leads) to commit.",
    )
    storage_dir: str = Field(
        default_factory=lambda: str(settings.storage_dir()),
        description="The run's stage storage: the DuckDB mirror spills under its duckdb_spill/ (warehouse/spill.py).",
    )

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if context.instance is not None and context.dagster_run is not None:
            record_worker(context.instance, context.dagster_run.run_id)

    @contextmanager
    def open(self, scope: Scope) -> Iterator[duckdb.DuckDBPyConnection]:
        """A mirror of the scope's rows, or for an ``in_server`` scope a connection whose SQL
        runs on the server (``postgres/connection.py``)."""
        with spill.under(self.storage_dir), mirror.session(self.database, scope, password=settings.warehouse_password(),
                                                           lock_timeout_seconds=self.lock_timeout_seconds) as con:
            yield con

    def publish_views(self, views: dict[str, str]) -> None:
        """The views a unit of work created on its mirror (view → SELECT, in dependency order),
        created on the server as well, in one transaction: analysts query them in PostgreSQL."""
        if not views:
            return
        with postgres.connect(self.database, settings.warehouse_password()) as pg, pg.transaction():
            postgres.replace_views(pg, views)

    def refresh_analyst_views(self, crm_source: str, *, replace: bool = True) -> dict[str, str]:
        """The analyst views for the server's columns, published on the server in one short
        transaction (``replace``: always; else only when one is missing, so a read-only export
        needs no DDL), before a unit of work opens its reader: its snapshot sees them."""
        with self.open(scopes.analyst_read()) as con:
            views = analyst_view_selects(con, crm_source)
            missing = any(not backend.columns(con, v) for v in views)
        if replace or missing:
            self.publish_views(views)
        return views

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        raise TypeError(f"warehouse postgresql://{postgres.describe(self.database)}: use open(scope), not get_connection()")
        yield  # pragma: no cover
