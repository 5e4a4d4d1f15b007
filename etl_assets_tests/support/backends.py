"""Both warehouse backends for the tests: fixtures (a PostgreSQL 15 cluster per session, a fresh
database per test, ``warehouse_backend`` parametrized over DuckDB and PostgreSQL) and a reader
that queries either the same way (``FROM leads`` works on both)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pytest

from etl_assets.devtools import local_postgres as pg_cluster

BACKENDS = ("duckdb", "postgres")
# Tables compared across backends: every table and view of the warehouse.
WAREHOUSE_TABLES = ("source_history", "source_current", "source_snapshots", "source_values", "quarantine",
                    "deliveries", "column_profiles", "leads", "lead_sources", "lead_events", "lead_review", "alerts",
                    # the analyst views (warehouse/views.py): created on the server by the leads refresh
                    "lead_first_seen", "delivery_summary", "lead_changes", "source_overlap", "source_scorecard",
                    "net_new_leads")


@dataclass(frozen=True)
class Warehouse:
    kind: str
    target: str  # the DuckDB file's path or the PostgreSQL URL

    def fetch(self, query: str, params: list | None = None) -> pd.DataFrame:
        """A query's rows as a DataFrame (``?`` placeholders on DuckDB, ``%s`` are translated)."""
        if self.kind == "duckdb":
            with duckdb.connect(self.target, read_only=True) as con:
                return con.execute(query, params or []).fetch_df()
        with psycopg.connect(self.target, autocommit=True) as con:
            cur = con.execute(query.replace("?", "%s"), params or None)
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def scalar(self, query: str, params: list | None = None):
        return self.fetch(query, params).iat[0, 0]

    def has_table(self, name: str) -> bool:
        schema = "main" if self.kind == "duckdb" else "public"
        return bool(self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                                "AND table_name = ?", [schema, name]))


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL 15 cluster per test session (per xdist worker), stopped at its end."""
    if not pg_cluster.available():
        pytest.fail("PostgreSQL 15 is not installed: run `make postgres` (make test does)")
    with pg_cluster.running_cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty database on the session's cluster."""
    return pg_server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=BACKENDS)
def warehouse_backend(request, tmp_path: Path) -> Warehouse:
    """The warehouse on each backend in turn: a DuckDB file, or a fresh PostgreSQL database."""
    if request.param == "duckdb":
        return Warehouse("duckdb", str(tmp_path / "warehouse.duckdb"))
    return Warehouse("postgres", request.getfixturevalue("pg_url"))


def normalized_rows(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> list[tuple]:
    """A table's rows in a backend-neutral, order-free form (for comparing the two backends)."""
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    frame = frame[sorted(frame.columns)]

    def norm(v):
        if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.isoformat()
        if hasattr(v, "isoformat"):
            return pd.Timestamp(v).isoformat()
        if hasattr(v, "item"):
            return v.item()
        return v

    rows = [tuple(norm(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    return sorted(rows, key=repr)
