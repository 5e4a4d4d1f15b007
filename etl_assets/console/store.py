"""The console's warehouse, on either backend: reads straight from it, decisions through the CLI's path.

DuckDB allows one writing process, and a reader holding the file keeps a writer out, so each page
opens the file read-only for its queries and closes it; while a run writes, the page says so and
reloads. A decision goes through ``warehouse.review.decide`` as ``etl-assets review`` does
(``scopes.review_decide``); when a run holds the DuckDB file the decision waits in the outbox
(``outbox.py``) and is written when the file frees. PostgreSQL is read directly (MVCC: readers never
wait) and decided on directly, waiting for a running refresh's lock like the CLI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

import duckdb
import pandas as pd

from etl_assets import settings
from etl_assets.warehouse import console_queries as cq

DUCKDB_BUSY_WAIT_SECONDS = 1.0  # a decision waits this long for the file before going to the outbox
POSTGRES_LOCK_WAIT_SECONDS = 60.0  # a decision waits this long for a running refresh's leads lock


class WarehouseBusy(RuntimeError):
    """A run holds the DuckDB file: nothing can be read or written until it commits."""


class NoWarehouse(RuntimeError):
    """There is no warehouse yet (no run has written one)."""


class DuckReader:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
            "ORDER BY ordinal_position", [table]).fetchall()]


class PgReader:
    def __init__(self, con):
        self.con = con

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict]:
        cur = self.con.execute(sql.replace("?", "%s"), list(params) or None)
        names = [d.name for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
            "ORDER BY ordinal_position", [table]).fetchall()]


class Store:
    """The warehouse named by the settings (``ETL_WAREHOUSE_URL``, else ``ETL_WAREHOUSE_PATH``)."""

    def __init__(self, target: str | Path | None = None):
        from etl_assets.warehouse.postgres.server import is_postgres_url

        self.target = str(target or settings.warehouse_url() or settings.warehouse_path())
        self.kind = "postgres" if is_postgres_url(self.target) else "duckdb"
        # DuckDB refuses a read-only and a read-write connection to one file in one process at once:
        # the pages and the outbox thread take turns
        self._duckdb = threading.Lock()

    def describe(self) -> str:
        """What the page footer may say: the file, or host:port/database (never a password)."""
        from etl_assets.warehouse.postgres.server import describe

        return f"postgresql://{describe(self.target)}" if self.kind == "postgres" else self.target

    @contextmanager
    def read(self) -> Iterator[cq.Reader]:
        if self.kind == "postgres":
            from etl_assets.warehouse.postgres import server

            with server.connect(self.target, settings.warehouse_password()) as pg:
                yield PgReader(pg)
            return
        if not Path(self.target).exists():
            raise NoWarehouse(f"no warehouse at {self.target} yet: run `make ingest` (or let the sensor run)")
        with self._duckdb:
            yield from self._read_duckdb()

    def _read_duckdb(self) -> Iterator[cq.Reader]:
        try:
            con = duckdb.connect(self.target, read_only=True, config={"memory_limit": "256MB", "threads": 1})
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy("a run is writing the warehouse") from None
            raise
        try:
            yield DuckReader(con)
        finally:
            con.close()

    def decide(self, pair_id: str, decision: str, decided_by: str, note: str | None = None, *,
               decided_at: pd.Timestamp | None = None, pair: dict | None = None) -> dict:
        """One decision through the CLI's path; raises ``WarehouseBusy`` while a run holds the DuckDB file."""
        from etl_assets import warehouse
        from etl_assets.orchestration.resources import warehouse_resource
        from etl_assets.orchestration.warehouse_duckdb import WarehouseBusyError
        from etl_assets.warehouse import scopes

        duck = self.kind == "duckdb"
        resource = warehouse_resource(self.target, lock_timeout_seconds=DUCKDB_BUSY_WAIT_SECONDS if duck
                                      else POSTGRES_LOCK_WAIT_SECONDS)
        try:
            with (self._duckdb if duck else nullcontext()), resource.open(scopes.review_decide()) as con, \
                    warehouse.transaction(con):
                warehouse.ensure_warehouse(con)
                return warehouse.decide(con, pair_id, decision, decided_by, note, decided_at=decided_at, pair=pair)
        except WarehouseBusyError:
            raise WarehouseBusy("a run is writing the warehouse") from None
