"""What the asset checks and the leads refresh read from the warehouse: data in plain Python
shapes, so the rules deciding on it (``checks/rules.py``) stay free of SQL."""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import pandas as pd
import pyarrow as pa

from etl_assets.warehouse import backend
from etl_assets.warehouse.tables import COLUMN_PROFILES, CURRENT, DELIVERIES, LEAD_REVIEW, LEAD_SOURCES, LEADS

_EXAMPLES = 1000  # at most this many offending rows are fetched for a check's examples


class LeadIdCollisions(NamedTuple):
    leads: int  # rows of leads
    colliding: list[tuple[str, int]]  # lead id, rows sharing it (most first)


class ResolutionCoverage(NamedTuple):
    live_records: int
    off: list[tuple[str, str, int]]  # (source, record key, times in lead_sources) for counts other than 1


def previous_delivery(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str, delivery_date) -> dict | None:
    """The source's latest loaded delivery dated before this one (another key), from the load log."""
    if not backend.table_exists(con, DELIVERIES):
        return None
    row = con.execute(
        f"""SELECT _delivery_key, delivery_date, rows_read FROM {DELIVERIES}
            WHERE _source = ? AND _delivery_key <> ? AND delivery_date < ?
            ORDER BY delivery_date DESC, loaded_at DESC LIMIT 1""",
        [source, delivery_key, delivery_date],
    ).fetchone()
    return None if row is None else {"delivery_key": row[0], "delivery_date": row[1], "rows_read": int(row[2] or 0)}


def column_profile(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str) -> dict[str, float]:
    if not backend.table_exists(con, COLUMN_PROFILES):
        return {}
    rows = con.execute(
        f"SELECT column_name, null_rate FROM {COLUMN_PROFILES} WHERE _source = ? AND _delivery_key = ?",
        [source, delivery_key],
    ).fetchall()
    return {c: float(r) for c, r in rows}


def newest_delivery_dates(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Per source, the newest delivery date in the load log."""
    if not backend.table_exists(con, DELIVERIES):
        return {}
    return dict(con.execute(f"SELECT _source, max(delivery_date) FROM {DELIVERIES} GROUP BY 1").fetchall())


def live_records(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every source's live records, in a stable order (the input of entity resolution)."""
    return resolution_frame(con, f"SELECT {resolution_columns(con, 'c')} FROM {CURRENT} c ORDER BY _source, _record_key")


# Lineage resolution does not read: a million records' extras and flags are hundreds of MB of text.
NOT_RESOLVED = ("_delivery_key", "_etag", "_row_number", "_line_number", "_dq_flags", "_extras")
_TEXT = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}
_NULLABLE = {pa.bool_(): pd.BooleanDtype(), pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
             pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}


def resolution_columns(con: duckdb.DuckDBPyConnection, alias: str) -> str:
    """The live records' columns entity resolution reads (every lead column, key, hash, load time)."""
    return ", ".join(f"{alias}.{backend.quote_ident(c)}" for c in backend.columns(con, CURRENT) if c not in NOT_RESOLVED)


def resolution_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """Rows as pandas with text as Arrow-backed strings (a fraction of the memory of Python str
    objects: at a million records the difference is gigabytes); dates, numbers and flags as
    DuckDB's own ``.df()`` gives them."""
    table = con.sql(sql).to_arrow_table()
    frame = table.to_pandas(types_mapper=_TEXT.get, date_as_object=False)
    for name, kind in zip(table.column_names, table.schema.types):
        if pa.types.is_date(kind):
            frame[name] = frame[name].astype("datetime64[us]")
        elif kind in _NULLABLE and table.column(name).null_count:
            frame[name] = table.column(name).to_pandas(types_mapper=_NULLABLE.get)
    return frame


def live_count(con: duckdb.DuckDBPyConnection, source: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {CURRENT} WHERE _source = ?", [source]).fetchone()[0])


def previous_crosswalk(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The crosswalk of the last leads refresh: lead ids are kept stable against it."""
    if not backend.table_exists(con, LEAD_SOURCES):
        return None
    return con.execute(f"SELECT _source, _record_key, lead_id FROM {LEAD_SOURCES}").fetch_df()


def lead_id_collisions(con: duckdb.DuckDBPyConnection) -> LeadIdCollisions:
    rows = con.execute(
        f"SELECT lead_id, count(*) FROM {LEADS} GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC, 1 LIMIT {int(_EXAMPLES)}"
    ).fetchall()
    total = con.execute(f"SELECT count(*) FROM {LEADS}").fetchone()[0]
    return LeadIdCollisions(int(total), rows)


def resolution_coverage(con: duckdb.DuckDBPyConnection) -> ResolutionCoverage:
    """Live records not in ``lead_sources`` exactly once."""
    off = con.execute(
        f"""SELECT c._source, c._record_key, count(x.lead_id) AS n
            FROM {CURRENT} c LEFT JOIN {LEAD_SOURCES} x USING (_source, _record_key)
            GROUP BY 1, 2 HAVING count(x.lead_id) <> 1 ORDER BY 1, 2"""
    ).fetchall()
    live = con.execute(f"SELECT count(*) FROM {CURRENT}").fetchone()[0]
    return ResolutionCoverage(int(live), off)


def leads_summary(con: duckdb.DuckDBPyConnection, crm_source: str) -> dict:
    """The leads refresh's headline counts, read from the tables it wrote (an incremental refresh
    resolves a part; the counts are of the whole): leads, net new per source, live leads per
    source, source records, CRM leads, rules that matched, review queue length."""
    leads, net_new, crm = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE is_net_new), count(*) FILTER (WHERE is_existing_crm_lead) FROM {LEADS}").fetchone()
    per_source = con.execute(f"""
        SELECT x._source, count(DISTINCT x.lead_id), count(DISTINCT x.lead_id) FILTER (WHERE l.is_net_new)
        FROM {LEAD_SOURCES} x JOIN {LEADS} l USING (lead_id) GROUP BY 1 ORDER BY 1""").fetchall()
    rules = dict(con.execute(f"SELECT match_rule, count(*) FROM {LEAD_SOURCES} GROUP BY 1 ORDER BY 2 DESC, 1").fetchall())
    records = con.execute(f"SELECT count(*) FROM {LEAD_SOURCES}").fetchone()[0]
    queue = con.execute(f"SELECT count(*) FROM {LEAD_REVIEW}").fetchone()[0] if backend.table_exists(con, LEAD_REVIEW) else 0
    by_source = {str(s): int(n) for s, _, n in per_source if n}
    return {
        "dagster/row_count": int(leads),
        "net_new_leads": int(net_new),
        **{f"net_new_leads/{s}": n for s, n in by_source.items()},
        **{f"live_leads/{s}": int(n) for s, n, _ in per_source},
        "source_records": int(records),
        "net_new_leads_by_source": by_source,
        "existing_crm_leads": int(crm),
        "match_rules": {str(k): int(v) for k, v in rules.items()},
        "review_queue": int(queue),
    }
