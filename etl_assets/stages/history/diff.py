"""Where a soft delete is decided: one delivery against its source's previous state.

A key not seen before is an ``insert``; a key whose row hash changed an ``update``; a live key
missing from the delivery a ``delete``; a deleted key present again a ``revive``; anything else
``unchanged``. The same SQL serves the write (:mod:`.apply`) and the preview (the delete guard),
on DuckDB and in the PostgreSQL server (portable SQL: no QUALIFY, no GROUP BY ALL).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import duckdb

from etl_assets.stages.history.schema import Records, check_records, incoming_select, registered_records, to_date
from etl_assets.warehouse import backend
from etl_assets.warehouse.tables import DELIVERIES, HISTORY

CHANGE_TYPES = ("insert", "update", "delete", "revive")


@dataclass(frozen=True)
class ChangeCounts:
    """What one delivery does to its source's history (``unchanged``: present, live, same hash)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    revived: int = 0
    unchanged: int = 0

    @property
    def previously_live(self) -> int:
        """Live records of the source just before the delivery (updated + deleted + unchanged)."""
        return self.updated + self.deleted + self.unchanged

    @property
    def deleted_share(self) -> float:
        """Share of the previously live records the delivery soft-deletes (0.0 when none were live)."""
        return self.deleted / self.previously_live if self.previously_live else 0.0

    def as_metadata(self) -> dict[str, int]:
        return {k: int(v) for k, v in asdict(self).items()}


DIFF = """
SELECT coalesce(i._record_key, c._record_key) AS _record_key,
       CASE WHEN c._record_key IS NULL THEN 'insert'
            WHEN i._record_key IS NULL THEN CASE WHEN c.is_deleted THEN NULL ELSE 'delete' END
            WHEN c.is_deleted THEN 'revive'
            WHEN c.row_hash <> i.row_hash THEN 'update'
            ELSE 'unchanged' END AS change_type
FROM {incoming} AS i
FULL OUTER JOIN {previous} AS c ON i._record_key = c._record_key
"""

CURRENT_STATE = f"(SELECT _record_key, row_hash, is_deleted FROM {HISTORY} WHERE _source = $source AND is_current)"

# The state just before position ($date, $key): latest version per record among versions
# produced by deliveries ordered before it.
STATE_BEFORE = f"""(
SELECT _record_key, row_hash, is_deleted FROM (
    SELECT _record_key, row_hash, is_deleted,
           row_number() OVER (PARTITION BY _record_key ORDER BY valid_from DESC, _delivery_key DESC) AS _latest
    FROM {HISTORY}
    WHERE _source = $source AND (valid_from < $date OR (valid_from = $date AND _delivery_key < $key))
) AS versions WHERE _latest = 1
)"""


def counts_sql(diff_relation: str) -> str:
    return f"SELECT change_type, count(*) FROM {diff_relation} WHERE change_type IS NOT NULL GROUP BY change_type"


def has_history(con, source: str) -> bool:
    """Whether `source` has a version yet (without one, every record of a delivery is an insert)."""
    if not backend.columns(con, HISTORY):
        return False
    found = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {HISTORY} WHERE _source = $source LIMIT 1) AS h",
                        {"source": source}).fetchall()[0][0]
    return bool(found)


def to_counts(rows: list[tuple[str, int]]) -> ChangeCounts:
    by = dict(rows)
    return ChangeCounts(
        inserted=int(by.get("insert", 0)),
        updated=int(by.get("update", 0)),
        deleted=int(by.get("delete", 0)),
        revived=int(by.get("revive", 0)),
        unchanged=int(by.get("unchanged", 0)),
    )


def preview_delivery(
    con: duckdb.DuckDBPyConnection,
    source: str,
    delivery_key: str,
    delivery_date: date,
    records: Records,
) -> ChangeCounts:
    """The counts :func:`apply_delivery` would return for this delivery, without writing anything
    (no table, no temp table; only a DataFrame registration, removed afterwards). Works on a
    read-only connection once the tables exist; with no history of the source yet, every record is
    an insert (nothing hashed, nothing diffed).

    Exact for in-order, late and replayed deliveries, provided a replayed delivery_key keeps its
    delivery_date (the date comes from the key)."""
    where = f"{source}/{delivery_key}"
    check_records(records, where)
    delivery_date = to_date(delivery_date)
    if not has_history(con, source):
        return ChangeCounts(inserted=len(records))
    with registered_records(con, records) as view:
        select = incoming_select(con, view, records, alter=False).select
        later = con.execute(
            f"""SELECT count(*) FROM {DELIVERIES} WHERE _source = $source AND _delivery_key <> $key
                AND (delivery_date > $date OR (delivery_date = $date AND _delivery_key > $key))""",
            {"source": source, "key": delivery_key, "date": delivery_date},
        ).fetchone()[0]
        replay = con.execute(
            f"SELECT count(*) FROM {DELIVERIES} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key]
        ).fetchone()[0]
        if later or replay:
            # the state just before its position (versions of the key itself are not before it)
            previous = STATE_BEFORE
            params = {"source": source, "date": delivery_date, "key": delivery_key}
        else:
            previous = CURRENT_STATE
            params = {"source": source}
        sql = "WITH i AS (" + select + "), d AS (" + DIFF.format(incoming="i", previous=previous) + ") "
        sql += counts_sql("d")
        return to_counts(con.execute(sql, params).fetchall())
