"""Apply one delivery to its source's history: in order (diff with the current rows), or late /
replayed (store its snapshot, rewind the source to its position, re-apply the later deliveries
from ``source_snapshots`` in order), so any order of arrival gives identical tables.

The same code runs on a DuckDB connection and on a PostgreSQL one (``warehouse/postgres/
connection.py``): there the delivery's rows, with their row hash, are computed in a local DuckDB,
COPYed into a temp table, and the diff runs in the server against the source's current rows.

The caller owns the connection and the transaction: nothing here issues BEGIN/COMMIT/ROLLBACK.
Temporary tables (``temp``, names prefixed ``_history_``) and registered views are dropped before
returning.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

import duckdb
import pandas as pd

from etl_assets.records import DELIVERY_KEY, ETAG, INGESTED_AT, RECORD_KEY, SOURCE
from etl_assets.stages.files import StageFile
from etl_assets.stages.history.diff import ChangeCounts
from etl_assets.stages.history import snapshots
from etl_assets.stages.history.schema import Records, check_records, history_business_types, incoming_select, registered_records, to_date
from etl_assets.stages.history.temp import create_temp, create_temp_view, drop_temp, drop_temp_view
from etl_assets.stages.history.versions import write_versions
from etl_assets.warehouse.postgres.connection import stage
from etl_assets.warehouse import backend
from etl_assets.warehouse.backend import quote_ident
from etl_assets.warehouse.tables import DELIVERIES, HISTORY, SNAPSHOTS, TABLES, VALUES, ensure_warehouse


class AppliedDelivery(NamedTuple):
    """One row of the load log as the history sees it."""

    key: str
    delivery_date: date
    etag: str | None
    ingested_at: object
    record_count: int
    counts: ChangeCounts


def _log(con, source, delivery_key, etag, delivery_date, ingested_at, record_count: int, counts: ChangeCounts) -> None:
    """The history's columns of the delivery's load-log row."""
    row = {SOURCE: source, DELIVERY_KEY: delivery_key, ETAG: etag, "delivery_date": delivery_date,
           INGESTED_AT: ingested_at, "record_count": record_count, **counts.as_metadata(),
           "applied_at": pd.Timestamp.now(tz="UTC").to_pydatetime()}
    backend.upsert_row(con, DELIVERIES, TABLES[DELIVERIES].key, row)


def _applied(con, source: str) -> list[AppliedDelivery]:
    rows = con.execute(
        f"""SELECT _delivery_key, delivery_date, _etag, _ingested_at, record_count,
                   inserted, updated, deleted, revived, unchanged
            FROM {DELIVERIES} WHERE _source = ? ORDER BY delivery_date, _delivery_key""",
        [source],
    ).fetchall()
    return [AppliedDelivery(*r[:5], ChangeCounts(*r[5:])) for r in rows]


def _insert_values(con, source: str, incoming: str, business: list[str], only: str | None = None) -> None:
    """The business values of (record, hash) pairs not stored yet (all incoming rows, or only
    those of change types `only` when given)."""
    values_sql = ", ".join(quote_ident(c) for c in [RECORD_KEY, "row_hash", *business])
    picked = f"SELECT {', '.join('i.' + quote_ident(c) for c in [RECORD_KEY, 'row_hash', *business])} FROM {incoming} AS i"
    if only is not None:
        picked += f" JOIN temp._history_delta AS d ON d._record_key = i._record_key WHERE d.change_type IN {only}"
    con.execute(
        f"""INSERT INTO {VALUES} (_source, {values_sql})
        SELECT CAST($source AS VARCHAR), n.* FROM ({picked}) AS n
        WHERE NOT EXISTS (SELECT 1 FROM {VALUES} AS v
                          WHERE v._source = $source AND v._record_key = n._record_key AND v.row_hash = n.row_hash)""",
        {"source": source},
    )


def _drop_orphan_values(con, source: str) -> None:
    """Values no snapshot refers to any more (content replaced by a replay)."""
    con.execute(
        f"""DELETE FROM {VALUES} AS v WHERE v._source = $source AND NOT EXISTS (
            SELECT 1 FROM {SNAPSHOTS} AS s
            WHERE s._source = $source AND s._record_key = v._record_key AND s.row_hash = v.row_hash)""",
        {"source": source},
    )


def _rewind(con, source: str, from_date: date, from_key: str) -> None:
    """Delete the versions produced by deliveries at or after (from_date, from_key) and re-open
    the latest remaining version of each record."""
    position = {"source": source, "date": from_date, "key": from_key}
    con.execute(
        f"""DELETE FROM {HISTORY} WHERE _source = $source
            AND (valid_from > $date OR (valid_from = $date AND _delivery_key >= $key))""",
        position,
    )
    con.execute(
        f"""UPDATE {HISTORY} AS h SET valid_to = NULL, is_current = true
        FROM (SELECT _record_key, valid_from, _delivery_key FROM (
                SELECT _record_key, valid_from, _delivery_key,
                       row_number() OVER (PARTITION BY _record_key ORDER BY valid_from DESC, _delivery_key DESC) AS _latest
                FROM {HISTORY} WHERE _source = $source) AS v WHERE _latest = 1) AS l
        WHERE h._source = $source AND NOT h.is_current AND h._record_key = l._record_key
          AND h.valid_from = l.valid_from AND h._delivery_key = l._delivery_key""",
        {"source": source},
    )


def _replay(con, source: str, start: tuple[date, str], delivery_key: str) -> ChangeCounts:
    """Re-apply the source's deliveries from position `start` on, from their snapshots; refresh
    their counts in the load log; return the counts of `delivery_key`."""
    result = ChangeCounts()
    business = list(history_business_types(con))
    cols_sql = ", ".join([f"s.{quote_ident(c)}" for c in snapshots.MEMBERSHIP] + [f"v.{quote_ident(c)}" for c in business])
    for applied in _applied(con, source):
        if (applied.delivery_date, applied.key) < start:
            continue
        try:
            create_temp(
                con, "_history_incoming",
                f"SELECT {cols_sql} FROM {snapshots.state_sql()} AS s JOIN {VALUES} AS v "
                "ON v._source = $source AND v._record_key = s._record_key AND v.row_hash = s.row_hash",
                {"source": source, "date": applied.delivery_date, "key": applied.key, "ingested": applied.ingested_at},
            )
            counts = write_versions(con, source, applied.key, applied.etag, applied.delivery_date, applied.ingested_at,
                                    "temp._history_incoming", business)
        finally:
            drop_temp(con, "_history_incoming")
        con.execute(
            f"""UPDATE {DELIVERIES} SET inserted = ?, updated = ?, deleted = ?, revived = ?, unchanged = ?
                WHERE _source = ? AND _delivery_key = ?""",
            [counts.inserted, counts.updated, counts.deleted, counts.revived, counts.unchanged, source, applied.key],
        )
        if applied.key == delivery_key:
            result = counts
    return result


def _restore(con, source: str, applied: list[AppliedDelivery], incoming: AppliedDelivery, previous) -> None:
    """Store a late or changed delivery's records, and write again the stored change of each
    delivery whose predecessor that changes (the next one after its old and its new position)."""
    new_pos = (incoming.delivery_date, incoming.key)
    others = [a for a in applied if a.key != incoming.key]
    successors = {}
    for pos in [new_pos] + ([(previous.delivery_date, previous.key)] if previous is not None else []):
        nxt = next((a for a in others if (a.delivery_date, a.key) > pos), None)
        if nxt is not None:
            successors[nxt.key] = nxt
    names = {}
    for i, a in enumerate(successors.values()):  # read before anything they are encoded against changes
        names[a.key] = f"_history_successor_{i}"
        snapshots.materialize(con, source, a.delivery_date, a.key, a.ingested_at, names[a.key])
    try:
        if previous is not None:
            snapshots.delete(con, source, incoming.key)
        todo = sorted([*successors.values(), incoming], key=lambda a: (a.delivery_date, a.key))
        for a in todo:
            if a.key in names:
                snapshots.delete(con, source, a.key)
            table = f"temp.{names[a.key]}" if a.key in names else "temp._history_incoming"
            snapshots.encode(con, source, a.delivery_date, a.key, a.ingested_at, table)
    finally:
        drop_temp(con, *names.values())


@contextlib.contextmanager
def _incoming(con, records: Records) -> Iterator[list[str]]:
    """``temp._history_incoming`` for the block: the delivery in the history's layout, with its row
    hash; yields the business columns. On DuckDB, when the records carry their row hash (the
    deduped file), a temp view: each statement reads the file's columns it needs, no copy of the
    delivery; else a temp table (the hash computed once). In the PostgreSQL server the rows (and
    hashes) come from the same SQL in a local DuckDB, COPYed into a temp table of the load's
    transaction."""
    if backend.is_server(con):
        with duckdb.connect(":memory:") as local, registered_records(local, records) as view:
            incoming = incoming_select(con, view, records, alter=True, view_con=local)
            stage(con.pg, local, incoming.select, "_history_incoming", incoming.types)
        try:
            yield incoming.business
        finally:
            drop_temp(con, "_history_incoming")
        return
    with registered_records(con, records) as view:
        incoming = incoming_select(con, view, records, alter=True)
        if not incoming.stored_hash:
            create_temp(con, "_history_incoming", incoming.select)
            try:
                yield incoming.business
            finally:
                drop_temp(con, "_history_incoming")
            return
        create_temp_view(con, "_history_incoming", incoming.select)
        try:
            yield incoming.business
        finally:
            drop_temp_view(con, "_history_incoming")


def _ingested_at(records: Records):
    if INGESTED_AT not in records.columns or not len(records):
        return None
    value = (records.read(columns=[INGESTED_AT]) if isinstance(records, StageFile) else records)[INGESTED_AT].max()
    if value is not None and pd.isna(value):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def apply_delivery(
    con: duckdb.DuckDBPyConnection,
    source: str,
    delivery_key: str,
    etag: str | None,
    delivery_date: date,
    records: Records,
) -> ChangeCounts:
    """Apply one full-refresh delivery of `source` to its SCD2 history; return its change counts
    (relative to the source's state as of the previous delivery in (delivery_date, delivery_key)
    order). In-order deliveries cost ~ the delivery; late or replayed ones rebuild the source's
    history from their position on. Runs in the caller's transaction."""
    check_records(records, f"{source}/{delivery_key}")
    delivery_date = to_date(delivery_date)
    ensure_warehouse(con)
    snapshots.upgrade(con)
    ingested_at = _ingested_at(records)
    incoming = "temp._history_incoming"
    try:
        with _incoming(con, records) as business:
            applied = _applied(con, source)
            previous = next((a for a in applied if a.key == delivery_key), None)
            later = [a for a in applied if a.key != delivery_key and (a.delivery_date, a.key) > (delivery_date, delivery_key)]
            if previous is None and not later:  # in-order arrival: diff with current rows only
                counts = write_versions(
                    con, source, delivery_key, etag, delivery_date, ingested_at, incoming, business, keep_delta=True
                )
                # unchanged records' values are stored already (under their current version's hash)
                _insert_values(con, source, incoming, business, only="('insert', 'update', 'revive')")
                snapshots.encode(con, source, delivery_date, delivery_key, ingested_at, incoming)
                drop_temp(con, "_history_delta")
                _log(con, source, delivery_key, etag, delivery_date, ingested_at, len(records), counts)
                return counts
            if (
                previous is not None
                and (previous.delivery_date, previous.etag, previous.ingested_at) == (delivery_date, etag, ingested_at)
                and snapshots.same(con, source, delivery_date, delivery_key, ingested_at, incoming)
            ):
                return previous.counts  # exact replay: the set of deliveries is unchanged
            # late or changed delivery: store its content, rewind, replay from its position on
            this = AppliedDelivery(delivery_key, delivery_date, etag, ingested_at, len(records), ChangeCounts())
            _restore(con, source, applied, this, previous)
            _insert_values(con, source, incoming, business)
            _drop_orphan_values(con, source)
            _log(con, source, delivery_key, etag, delivery_date, ingested_at, len(records), ChangeCounts())
            start = (delivery_date, delivery_key)
            if previous is not None:
                start = min(start, (previous.delivery_date, previous.key))
            _rewind(con, source, *start)
    finally:
        drop_temp(con, "_history_delta")
    return _replay(con, source, start, delivery_key)
