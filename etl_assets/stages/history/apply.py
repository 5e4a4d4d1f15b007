"""Apply one delivery to its source's history: in order (diff with the current rows), or late /
replayed (store its snapshot, rewind the source to its position, re-apply the later deliveries
from ``source_snapshots`` in order), so any order of arrival gives identical tables.

The caller owns the connection and the transaction: nothing here issues BEGIN/COMMIT/ROLLBACK.
Temporary tables (``temp``, names prefixed ``_history_``) and registered views are dropped before
returning.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import duckdb
import pandas as pd

from etl_assets.records import DELIVERY_KEY, ETAG, INGESTED_AT, RECORD_KEY, SOURCE
from etl_assets.stages.files import StageFile
from etl_assets.stages.history.diff import ChangeCounts
from etl_assets.stages.history.schema import Records, check_records, history_business_types, incoming_select, registered_records, to_date
from etl_assets.stages.history.versions import write_versions
from etl_assets.warehouse import backend
from etl_assets.warehouse.backend import quote_ident
from etl_assets.warehouse.tables import DELIVERIES, HISTORY, RECORD_META, SNAPSHOTS, TABLES, VALUES, ensure_warehouse

_MEMBERSHIP = [RECORD_KEY, "row_hash", *RECORD_META]  # a snapshot row: the record, its hash, its lineage


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


def _insert_snapshot(con, source: str, delivery_key: str, incoming: str, business: list[str], only: str | None = None) -> None:
    """Store the delivery's membership rows, and the business values of (record, hash) pairs not
    stored yet (all incoming rows, or only those of change types `only` when given)."""
    cols_sql = ", ".join(quote_ident(c) for c in _MEMBERSHIP)
    con.execute(
        f"INSERT INTO {SNAPSHOTS} (_source, _delivery_key, {cols_sql}) SELECT ?, ?, {cols_sql} FROM {incoming}",
        [source, delivery_key],
    )
    values_sql = ", ".join(quote_ident(c) for c in [RECORD_KEY, "row_hash", *business])
    picked = f"SELECT {', '.join('i.' + quote_ident(c) for c in [RECORD_KEY, 'row_hash', *business])} FROM {incoming} AS i"
    if only is not None:
        picked += f" JOIN temp._history_delta AS d ON d._record_key = i._record_key WHERE d.change_type IN {only}"
    con.execute(
        f"""INSERT INTO {VALUES} (_source, {values_sql})
        SELECT $source, n.* FROM ({picked}) AS n
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


def _same_snapshot(con, source: str, delivery_key: str, incoming: str) -> bool:
    """The stored membership rows equal the incoming ones (the hash stands for the business values)."""
    cols_sql = ", ".join(quote_ident(c) for c in _MEMBERSHIP)
    stored = f"(SELECT {cols_sql} FROM {SNAPSHOTS} WHERE _source = $source AND _delivery_key = $key)"
    fresh = f"(SELECT {cols_sql} FROM {incoming})"
    differing = con.execute(
        f"SELECT count(*) FROM (({fresh} EXCEPT ALL {stored}) UNION ALL ({stored} EXCEPT ALL {fresh}))",
        {"source": source, "key": delivery_key},
    ).fetchone()[0]
    return differing == 0


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
        FROM (SELECT _record_key, valid_from, _delivery_key FROM {HISTORY} WHERE _source = $source
              QUALIFY row_number() OVER (PARTITION BY _record_key ORDER BY valid_from DESC, _delivery_key DESC) = 1) AS l
        WHERE h._source = $source AND NOT h.is_current AND h._record_key = l._record_key
          AND h.valid_from = l.valid_from AND h._delivery_key = l._delivery_key""",
        {"source": source},
    )


def _replay(con, source: str, start: tuple[date, str], delivery_key: str) -> ChangeCounts:
    """Re-apply the source's deliveries from position `start` on, from their snapshots; refresh
    their counts in the load log; return the counts of `delivery_key`."""
    result = ChangeCounts()
    business = list(history_business_types(con))
    cols_sql = ", ".join([f"s.{quote_ident(c)}" for c in _MEMBERSHIP] + [f"v.{quote_ident(c)}" for c in business])
    for applied in _applied(con, source):
        if (applied.delivery_date, applied.key) < start:
            continue
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _history_incoming AS SELECT {cols_sql} FROM {SNAPSHOTS} AS s "
                f"JOIN {VALUES} AS v ON v._source = s._source AND v._record_key = s._record_key AND v.row_hash = s.row_hash "
                "WHERE s._source = ? AND s._delivery_key = ?",
                [source, applied.key],
            )
            counts = write_versions(con, source, applied.key, applied.etag, applied.delivery_date, applied.ingested_at,
                                    "temp._history_incoming", business)
        finally:
            _drop_temp(con, "_history_incoming")
        con.execute(
            f"""UPDATE {DELIVERIES} SET inserted = ?, updated = ?, deleted = ?, revived = ?, unchanged = ?
                WHERE _source = ? AND _delivery_key = ?""",
            [counts.inserted, counts.updated, counts.deleted, counts.revived, counts.unchanged, source, applied.key],
        )
        if applied.key == delivery_key:
            result = counts
    return result


def _drop_temp(con, *names: str) -> None:
    for name in names:
        try:
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")
        except duckdb.Error:  # aborted transaction: the caller rolls back
            pass


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
    ingested_at = _ingested_at(records)
    incoming = "temp._history_incoming"
    with registered_records(con, records) as view:
        try:
            select, business = incoming_select(con, view, records, alter=True)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _history_incoming AS {select}")
            applied = _applied(con, source)
            previous = next((a for a in applied if a.key == delivery_key), None)
            later = [a for a in applied if a.key != delivery_key and (a.delivery_date, a.key) > (delivery_date, delivery_key)]
            if previous is None and not later:  # in-order arrival: diff with current rows only
                counts = write_versions(
                    con, source, delivery_key, etag, delivery_date, ingested_at, incoming, business, keep_delta=True
                )
                # unchanged records' values are stored already (under their current version's hash)
                _insert_snapshot(con, source, delivery_key, incoming, business, only="('insert', 'update', 'revive')")
                _drop_temp(con, "_history_delta")
                _log(con, source, delivery_key, etag, delivery_date, ingested_at, len(records), counts)
                return counts
            if (
                previous is not None
                and (previous.delivery_date, previous.etag, previous.ingested_at) == (delivery_date, etag, ingested_at)
                and _same_snapshot(con, source, delivery_key, incoming)
            ):
                return previous.counts  # exact replay: the set of deliveries is unchanged
            # late or changed delivery: store its content, rewind, replay from its position on
            backend.delete_delivery(con, SNAPSHOTS, source, delivery_key)
            _insert_snapshot(con, source, delivery_key, incoming, business)
            _drop_orphan_values(con, source)
            _log(con, source, delivery_key, etag, delivery_date, ingested_at, len(records), ChangeCounts())
            start = (delivery_date, delivery_key)
            if previous is not None:
                start = min(start, (previous.delivery_date, previous.key))
            _rewind(con, source, *start)
        finally:
            _drop_temp(con, "_history_incoming", "_history_delta")
    return _replay(con, source, start, delivery_key)
