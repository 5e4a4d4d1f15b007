"""The delete guard's preview of a delivery on either backend: what it would insert, update,
delete and revive, nothing written.

On DuckDB it is ``history.preview_delivery``. On a PostgreSQL server connection the history stays on
the server: the delivery's (record key, row hash) pairs (the deduped file's ``_row_hash``, or the
same SQL as a load's, ``history/row_hash.py``) are copied to a temp table, and the diff against
the source's state just before the delivery runs on the server (the same ``DIFF`` and
``CURRENT_STATE``; the state before a late or replayed delivery, ``STATE_BEFORE``), so only two
columns of the delivery and a few counts cross the wire. A source without history yet: every
record is an insert, nothing is hashed or compared.
"""

from __future__ import annotations

from datetime import date

from etl_assets.records import RECORD_KEY
from etl_assets.stages.history import preview_delivery as preview_in_duckdb
from etl_assets.stages.history.diff import CURRENT_STATE, DIFF, STATE_BEFORE, ChangeCounts, has_history, to_counts
from etl_assets.stages.history.schema import Records, check_records, incoming_select, registered_records, to_date
from etl_assets.warehouse import backend, spill
from etl_assets.warehouse.tables import DELIVERIES, HISTORY, ensure_warehouse

INCOMING = "_preview_incoming"

LATER = f"""SELECT count(*) FROM {DELIVERIES} WHERE _source = $source AND _delivery_key <> $key
            AND (delivery_date > $date OR (delivery_date = $date AND _delivery_key > $key))"""
REPLAY = f"SELECT count(*) FROM {DELIVERIES} WHERE _source = $source AND _delivery_key = $key"
COUNTS = "SELECT change_type, count(*) FROM d WHERE change_type IS NOT NULL GROUP BY change_type"


def preview_delivery(con, source: str, delivery_key: str, delivery_date: date, records: Records) -> ChangeCounts:
    """The counts loading this delivery would give (see ``history.preview_delivery``)."""
    if not backend.is_server(con):
        return preview_in_duckdb(con, source, delivery_key, delivery_date, records)
    check_records(records, f"{source}/{delivery_key}")
    delivery_date = to_date(delivery_date)
    if not has_history(con, source):  # every record an insert: nothing to hash or compare
        return ChangeCounts(inserted=len(records))
    types = backend.columns(con, HISTORY)
    _push_hashes(con, types, records)
    params = {"source": source, "key": delivery_key, "date": delivery_date}
    later = con.execute(LATER, params).fetchone()[0]
    replay = con.execute(REPLAY, {"source": source, "key": delivery_key}).fetchone()[0]
    previous, params = (STATE_BEFORE, params) if later or replay else (CURRENT_STATE, {"source": source})
    diff = DIFF.format(incoming=f"(SELECT {RECORD_KEY}, row_hash FROM pg_temp.{INCOMING})", previous=previous)
    return to_counts(con.execute(f"WITH d AS ({diff}) {COUNTS}", params).fetchall())


def _push_hashes(con, types: dict[str, str], records: Records) -> None:
    """The delivery's (record key, row hash), hashed in DuckDB as a load does, into a temp table on the server."""
    with spill.connect() as mem:
        ensure_warehouse(mem)
        backend.add_columns(mem, HISTORY, types)  # the server's business columns, with their types
        with registered_records(mem, records) as view:
            select = incoming_select(mem, view, records, alter=False).select
            con.stage(INCOMING, mem, f"SELECT {RECORD_KEY}, row_hash FROM ({select})",
                      {RECORD_KEY: "VARCHAR", "row_hash": "VARCHAR"})
