"""Hand-built SCD2 scenarios shared by the history tests of both backends: records built by hand
(no read/normalize stage involved), the five-delivery scenario with its exact counts, and the
warehouse tables read back in one comparable shape (DuckDB, or PostgreSQL through ``PgTables``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import psycopg
import pyarrow

from etl_assets.stages.history import HISTORY, SCHEMA, ChangeCounts, apply_delivery
from etl_assets.warehouse import scopes, transaction
from etl_assets.warehouse.postgres import mirror

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STRING = pd.StringDtype("pyarrow")
DATE = pd.ArrowDtype(pyarrow.date32())
TIMESTAMP = pd.ArrowDtype(pyarrow.timestamp("us", tz="UTC"))
INGESTED = pd.Timestamp("2023-07-10 12:00:00", tz="UTC")

BUSINESS_TYPES = {"company": STRING, "phone": STRING, "capacity": pd.Int64Dtype(), "license_issued": DATE,
                  "accepts_financial_aid": pd.BooleanDtype()}


def records(rows: dict[str, dict], *, source: str = "s", delivery_key: str = "k", ingested=INGESTED,
            columns: dict | None = None) -> pd.DataFrame:
    """A typed `records` frame: one row per key; values default to NULL."""
    columns = BUSINESS_TYPES if columns is None else columns
    keys = list(rows)
    n = len(keys)
    frame = pd.DataFrame(
        {
            "_record_key": pd.array(keys, dtype=STRING),
            **{c: pd.array([rows[k].get(c) for k in keys], dtype=t) for c, t in columns.items()},
            "_source": pd.array([source] * n, dtype=STRING),
            "_delivery_key": pd.array([delivery_key] * n, dtype=STRING),
            "_etag": pd.array([f"etag-{delivery_key}"] * n, dtype=STRING),
            "_row_number": pd.array(range(1, n + 1), dtype="int64"),
            "_line_number": pd.array(range(2, n + 2), dtype="int64"),
            "_ingested_at": pd.Series([ingested] * n, dtype=TIMESTAMP),
            "_dq_flags": pd.array([rows[k].get("_dq_flags") for k in keys], dtype=STRING),
            "_extras": pd.array([rows[k].get("_extras") for k in keys], dtype=STRING),
        }
    )
    return frame


def apply(con, source, key, day, frame, etag=None) -> ChangeCounts:
    """apply_delivery inside a transaction the test owns, as the asset does."""
    con.execute("BEGIN")
    try:
        counts = apply_delivery(con, source, key, etag or f"etag-{key}", day, frame)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return counts


def tables(con, source: str | None = None) -> dict[str, list[tuple]]:
    """Sorted contents of the history tables (no wall-clock column), columns in name order."""
    out = {}
    for table, exclude in (("source_history", ()), ("deliveries", ("applied_at",)), ("source_snapshots", ()),
                           ("source_values", ())):
        table = f"{SCHEMA}.{table}"
        cols = sorted(
            c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                table.split("."),
            ).fetchall()
            if c not in exclude
        )
        sql = f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM {table}"
        params = []
        if source is not None:
            sql += " WHERE _source = ?"
            params = [source]
        out[table] = [tuple(zip(cols, row)) for row in sorted(con.execute(sql, params).fetchall(), key=repr)]
    return out


def versions(con, key: str, source: str = "s") -> list[dict]:
    cur = con.execute(
        f"""SELECT valid_from, valid_to, is_current, is_deleted, change_type, company, phone, capacity,
                  _delivery_key, _etag, _row_number, _line_number
           FROM {HISTORY} WHERE _source = ? AND _record_key = ? ORDER BY valid_from, _delivery_key""",
        [source, key],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def counts(**kw) -> ChangeCounts:
    return ChangeCounts(**kw)


D1, D2, D3, D4 = date(2023, 7, 7), date(2023, 8, 7), date(2023, 9, 7), date(2023, 10, 7)

# A small scenario: insert, update, delete, revive, unchanged, a same-date pair of deliveries.
SCENARIO = [
    ("k1", D1, {"a": {"company": "A", "capacity": 10}, "b": {"company": "B"}, "c": {"company": "C", "phone": "+12025550100"}}),
    ("k2", D2, {"a": {"company": "A", "capacity": 12}, "b": {"company": "B"}, "d": {"company": "D"}}),
    ("k3", D3, {"a": {"company": "A", "capacity": 12}, "c": {"company": "C", "phone": "+12025550100"}, "d": {"company": "D2"}}),
    ("k3b", D3, {"a": {"company": "A", "capacity": 12}, "c": {"company": "C", "phone": "+12025550199"}, "d": {"company": "D2"}, "e": {}}),
    ("k4", D4, {"a": {"company": "A", "capacity": 12}, "b": {"company": "B", "license_issued": date(2020, 1, 2)}}),
]
SCENARIO_COUNTS = {
    "k1": counts(inserted=3),
    "k2": counts(inserted=1, updated=1, deleted=1, unchanged=1),
    "k3": counts(updated=1, deleted=1, revived=1, unchanged=1),
    "k3b": counts(inserted=1, updated=1, unchanged=2),
    "k4": counts(revived=1, deleted=3, unchanged=1),
}


def build(order, scenario=SCENARIO) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for i in order:
        key, day, rows = scenario[i]
        apply(con, "s", key, day, records(rows, delivery_key=key))
    return con


# ------------------------------------------------------------------------------------------------
# exact counts and versions


PERMUTED = (0, 2, 3, 4)  # the deliveries whose order is permuted (the first creates the source)


def apply_pg(url: str, source: str, key: str, day, frame):
    """One delivery as the warehouse asset applies it: a source-load session, one transaction."""
    with mirror.session(url, scopes.source_load(source)) as con, transaction(con):
        return apply_delivery(con, source, key, f"etag-{key}", day, frame)


class PgTables:
    """test_history.tables() over PostgreSQL: same query shapes, ``?`` → ``%s``, main → public."""

    def __init__(self, url: str):
        self.con = psycopg.connect(url, autocommit=True)

    def execute(self, query: str, params=()):
        params = list(params)
        if params and params[0] == "main":
            params[0] = "public"
        return self.con.execute(query.replace("?", "%s").replace("main.", "public."), params or None)


def pg_tables(url: str, source: str | None = None):
    got = tables(PgTables(url), source)
    return {k.replace("public.", "main."): v for k, v in got.items()}


def build_pg(url: str, order, scenario=SCENARIO):
    for i in order:
        key, day, rows = scenario[i]
        apply_pg(url, "s", key, day, records(rows, delivery_key=key))
