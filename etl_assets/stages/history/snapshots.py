"""Each applied delivery's records, stored as the change against the previous delivery of its
source in ``(delivery_date, delivery_key)`` order, so a weekly full refresh that changes 2% of
its records stores ~2% of them (``source_snapshots``), on DuckDB and PostgreSQL alike.

A delivery's rows: every record whose row hash or lineage (row and line number, DQ flags, extras)
differs from the previous delivery's entry for its key, or whose ``_ingested_at`` differs from
the delivery's own (the load log's); a row with ``in_delivery`` false (and the record's last hash)
for each record the previous delivery had and this one lacks. The records of delivery D are then
the latest row per key among the deliveries up to D, those in_delivery; a record without a row of D's own has D's
``_ingested_at`` (``state_sql``). Exact, whatever the lineage does: a delivery that renumbers
every line costs a full snapshot, one that repeats the last costs nothing.

A late delivery, or a replayed one with other content, changes the previous delivery of the one
after it: that one's records are read first (``materialize``) and its rows written again against
its new predecessor (``encode``). Only the deliveries from the affected position on are read.
Portable SQL (DuckDB and the PostgreSQL server).
"""

from __future__ import annotations

from datetime import date

from etl_assets.records import DQ_FLAGS, EXTRAS, INGESTED_AT, LINE_NUMBER, ROW_NUMBER
from etl_assets.stages.history.temp import create_temp, drop_temp
from etl_assets.warehouse import backend, ddl
from etl_assets.warehouse.backend import quote_ident
from etl_assets.warehouse.tables import DELIVERIES, SNAPSHOTS, TABLES

LINEAGE = (ROW_NUMBER, LINE_NUMBER, DQ_FLAGS, EXTRAS)  # compared with the previous entry (ingested_at: with the delivery's)
MEMBERSHIP = ("_record_key", "row_hash", INGESTED_AT, *LINEAGE)  # a delivery's record as the snapshot keeps it

_UP_TO = "(delivery_date < $date OR (delivery_date = $date AND _delivery_key {op} $key))"


def _latest(op: str) -> str:
    """Latest row per key among the source's deliveries before (``<``) or up to (``<=``) ($date, $key)."""
    cols = ", ".join(quote_ident(c) for c in ("_delivery_key", "in_delivery", *MEMBERSHIP))
    return f"""(SELECT {cols} FROM (
        SELECT {cols}, row_number() OVER (PARTITION BY _record_key ORDER BY delivery_date DESC, _delivery_key DESC) AS _latest
        FROM {SNAPSHOTS} WHERE _source = $source AND {_UP_TO.format(op=op)}
    ) AS entries WHERE _latest = 1 AND in_delivery)"""


def state_sql() -> str:
    """The records of delivery ($date, $key) whose own ``_ingested_at`` is $ingested, in the
    ``MEMBERSHIP`` columns (parameters $source, $date, $key, $ingested)."""
    lineage = ", ".join(f"s.{quote_ident(c)}" for c in LINEAGE)
    return f"""(SELECT s._record_key, s.row_hash,
        CASE WHEN s._delivery_key = $key THEN s.{INGESTED_AT} ELSE CAST($ingested AS TIMESTAMP WITH TIME ZONE) END
            AS {INGESTED_AT}, {lineage}
        FROM {_latest('<=')} AS s)"""


def materialize(con, source: str, delivery_date: date, delivery_key: str, ingested_at, name: str) -> None:
    """Temp table ``name``: the records of a stored delivery (before its rows are written again)."""
    create_temp(con, name, f"SELECT * FROM {state_sql()} AS s",
                {"source": source, "date": delivery_date, "key": delivery_key, "ingested": ingested_at})


def delete(con, source: str, delivery_key: str) -> None:
    con.execute(f"DELETE FROM {SNAPSHOTS} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])


def encode(con, source: str, delivery_date: date, delivery_key: str, ingested_at, records: str) -> None:
    """Store the delivery whose records are the rows of temp table ``records`` as its change
    against the delivery before it (which must be stored already)."""
    differs = " OR ".join(f"p.{quote_ident(c)} IS DISTINCT FROM i.{quote_ident(c)}" for c in ("row_hash", *LINEAGE))
    cols_sql = ", ".join(quote_ident(c) for c in MEMBERSHIP)
    picked = ", ".join(f"i.{quote_ident(c)}" for c in MEMBERSHIP)
    gone = ", ".join(["false", "p._record_key", "p.row_hash",
                      *(f"CAST(NULL AS {t})" for t in ("TIMESTAMP WITH TIME ZONE", "BIGINT", "BIGINT", "VARCHAR", "VARCHAR"))])
    head = f"INSERT INTO {SNAPSHOTS} (_source, _delivery_key, delivery_date, in_delivery, {cols_sql}) " \
           "SELECT CAST($source AS VARCHAR), CAST($key AS VARCHAR), CAST($date AS DATE), "
    params = {"source": source, "date": delivery_date, "key": delivery_key, "ingested": ingested_at}
    create_temp(con, "_history_previous", f"SELECT * FROM {_latest('<')} AS p", params_for(params))
    previous = "temp._history_previous"
    con.execute(
        f"""{head}true, {picked} FROM {records} AS i LEFT JOIN {previous} AS p ON p._record_key = i._record_key
        WHERE p._record_key IS NULL OR {differs}
           OR i.{INGESTED_AT} IS DISTINCT FROM CAST($ingested AS TIMESTAMP WITH TIME ZONE)""",
        params,
    )
    con.execute(
        f"""{head}{gone} FROM {previous} AS p
        WHERE NOT EXISTS (SELECT 1 FROM {records} AS i WHERE i._record_key = p._record_key)""",
        params_for(params),
    )
    drop_temp(con, "_history_previous")


def params_for(params: dict) -> dict:
    """The parameters a statement without $ingested takes (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if k != "ingested"}


def same(con, source: str, delivery_date: date, delivery_key: str, ingested_at, records: str) -> bool:
    """The stored records of the delivery equal the rows of ``records`` (the hash stands for the values)."""
    cols_sql = ", ".join(quote_ident(c) for c in MEMBERSHIP)
    stored = f"(SELECT {cols_sql} FROM {state_sql()} AS s)"
    fresh = f"(SELECT {cols_sql} FROM {records})"
    differing = con.execute(
        f"SELECT count(*) FROM (({fresh} EXCEPT ALL {stored}) UNION ALL ({stored} EXCEPT ALL {fresh})) AS d",
        {"source": source, "date": delivery_date, "key": delivery_key, "ingested": ingested_at},
    ).fetchone()[0]
    return differing == 0


def upgrade(con) -> None:
    """A warehouse written when every delivery was stored whole (no ``in_delivery`` column): its
    deliveries re-stored as changes, in delivery order, once (in the caller's transaction)."""
    have = backend.columns(con, SNAPSHOTS)
    if not have or "in_delivery" in have:
        return
    cols_sql = ", ".join(f"s.{quote_ident(c)}" for c in MEMBERSHIP)
    create_temp(con, "_history_whole", f"SELECT s._source, s._delivery_key, {cols_sql} FROM {SNAPSHOTS} AS s")
    con.execute(f"DROP TABLE {SNAPSHOTS}")
    declared = TABLES[SNAPSHOTS]
    con.execute(ddl.create_table_sql(SNAPSHOTS, declared.columns, declared.key,
                                     ddl.POSTGRES if backend.is_server(con) else ddl.DUCKDB))
    rows = con.execute(f"SELECT _source, _delivery_key, delivery_date, _ingested_at FROM {DELIVERIES} "
                       "ORDER BY _source, delivery_date, _delivery_key").fetchall()
    try:
        for source, key, day, ingested in rows:
            create_temp(con, "_history_stored", f"SELECT {', '.join(quote_ident(c) for c in MEMBERSHIP)} "
                        "FROM temp._history_whole WHERE _source = ? AND _delivery_key = ?", [source, key])
            encode(con, source, day, key, ingested, "temp._history_stored")
    finally:
        drop_temp(con, "_history_whole", "_history_stored")
