"""Write the versions one delivery makes against its source's current state: close the changed
versions, add delete versions (copying the last values) and new insert/update/revive versions.
Portable SQL: the same statements run on DuckDB and in the PostgreSQL server."""

from __future__ import annotations

from datetime import date

import duckdb

from etl_assets.records import DQ_FLAGS, EXTRAS
from etl_assets.stages.history.diff import CURRENT_STATE, DIFF, ChangeCounts, counts_sql, to_counts
from etl_assets.stages.history.temp import create_temp
from etl_assets.warehouse.backend import quote_ident
from etl_assets.warehouse.tables import HISTORY, TABLES

DELTA = "temp._history_delta"  # the delivery's change type per record key (dropped by the caller or here)


def write_versions(
    con: duckdb.DuckDBPyConnection,
    source: str,
    delivery_key: str,
    etag: str | None,
    delivery_date: date,
    ingested_at,
    incoming: str,
    business: list[str],
    keep_delta: bool = False,
) -> ChangeCounts:
    """Write the versions the rows of temp table `incoming` make against the current state of
    `source` (which must be the state just before this delivery). Cost ~ delivery + current rows."""
    delta = DELTA
    deleted = "temp._history_deleted_versions"
    create_temp(con, "_history_delta", DIFF.format(incoming=incoming, previous=CURRENT_STATE), {"source": source})
    counts = to_counts(con.execute(counts_sql(delta)).fetchall())
    carried = [DQ_FLAGS, EXTRAS, *business]
    history_cols = [*TABLES[HISTORY].columns, *business]  # the fixed columns end with the carried meta
    cols_sql = ", ".join(quote_ident(c) for c in history_cols)
    params = {"source": source, "date": delivery_date, "key": delivery_key, "etag": etag, "ingested": ingested_at}
    if counts.deleted:
        # delete versions copy the last values, taken before those versions are closed
        create_temp(
            con, "_history_deleted_versions",
            f"""SELECT h._source, h._record_key, CAST($date AS DATE) AS valid_from, CAST(NULL AS DATE) AS valid_to,
                   true AS is_current, true AS is_deleted, CAST('delete' AS VARCHAR) AS change_type, h.row_hash,
                   CAST($key AS VARCHAR) AS _delivery_key, CAST($etag AS VARCHAR) AS _etag,
                   CAST($ingested AS TIMESTAMP WITH TIME ZONE) AS _ingested_at,
                   CAST(NULL AS BIGINT) AS _row_number, CAST(NULL AS BIGINT) AS _line_number,
                   {", ".join("h." + quote_ident(c) for c in carried)}
            FROM {HISTORY} AS h JOIN {delta} AS d ON h._record_key = d._record_key
            WHERE h._source = $source AND h.is_current AND d.change_type = 'delete'""",
            params,
        )
    if counts.updated or counts.deleted or counts.revived:
        con.execute(
            f"""UPDATE {HISTORY} AS h SET valid_to = $date, is_current = false
            FROM {delta} AS d
            WHERE h._source = $source AND h.is_current AND h._record_key = d._record_key
              AND d.change_type IN ('update', 'delete', 'revive')""",
            {"source": source, "date": delivery_date},
        )
    if counts.deleted:
        con.execute(f"INSERT INTO {HISTORY} ({cols_sql}) SELECT {cols_sql} FROM {deleted}")
        con.execute("DROP TABLE IF EXISTS temp._history_deleted_versions")
    if counts.inserted or counts.updated or counts.revived:
        con.execute(
            f"""INSERT INTO {HISTORY} ({cols_sql})
            SELECT CAST($source AS VARCHAR), i._record_key, CAST($date AS DATE), CAST(NULL AS DATE), true, false,
                   d.change_type, i.row_hash, CAST($key AS VARCHAR), CAST($etag AS VARCHAR),
                   i._ingested_at, i._row_number, i._line_number,
                   {", ".join("i." + quote_ident(c) for c in carried)}
            FROM {incoming} AS i JOIN {delta} AS d ON i._record_key = d._record_key
            WHERE d.change_type IN ('insert', 'update', 'revive')""",
            {"source": source, "date": delivery_date, "key": delivery_key, "etag": etag},
        )
    if not keep_delta:
        con.execute("DROP TABLE IF EXISTS temp._history_delta")
    return counts
