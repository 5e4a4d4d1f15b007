"""SCD type 2 history of each source, kept in DuckDB (schema ``SCHEMA``: ``main``, see below).

Every delivery of a registry is a *full refresh*: it holds every record the registry still lists.
A delivery is compared with its source's state as of the previous delivery, where deliveries of a
source are ordered by ``(delivery_date, delivery_key)``:

* a key not seen before -> ``insert``;
* a key whose business columns changed (``row_hash`` differs) -> ``update`` (a new version);
* a live key missing from the delivery -> ``delete``: a new version row with ``is_deleted = true``
  that copies the last values (dbt snapshots' ``hard_deletes: new_record`` convention);
* a deleted key present again -> ``revive``;
* anything else is ``unchanged`` and writes nothing.

Tables (created idempotently by :func:`ensure_history_tables`)
-------------------------------------------------------------

All live in the default schema ``main`` (``SCHEMA``; the warehouse file is ``warehouse.duckdb``,
so a schema named ``warehouse`` would be ambiguous with the catalog in DuckDB).

``source_history``
    One row per version. ``valid_from`` is the ``delivery_date`` of the delivery that produced the
    version, ``valid_to`` the next version's ``valid_from`` (NULL while current, like dbt's
    ``dbt_valid_to``). A version is identified by ``(_source, _record_key, valid_from,
    _delivery_key)``: two deliveries of a source may share a date, so versions are ordered by
    ``(valid_from, _delivery_key)`` like the deliveries (such a version may then have
    ``valid_from = valid_to``). Lineage (``_delivery_key``, ``_etag``, ``_ingested_at``,
    ``_row_number``, ``_line_number``) is the delivery's that produced the version; a delete
    version has the deleting delivery's key, etag and ``_ingested_at``, and NULL row/line numbers.
    No wall-clock time is stored here. Business columns are added (``ALTER TABLE ... ADD COLUMN``)
    the first time a delivery carries them.
``source_current``
    A view: the live records of every source (``is_current and not is_deleted``).
``history_deliveries``
    One row per applied delivery of a source: ``_etag``, ``delivery_date``, the delivery's
    ``_ingested_at``, ``record_count``, the change counts and ``applied_at`` (wall clock; the only
    column that depends on when/in which order deliveries were applied). Lets callers detect
    replays (:func:`applied_delivery`).
``source_snapshots`` and ``source_values``
    Every applied delivery's records (latest content per ``delivery_key``), stored narrow:
    ``source_snapshots`` has one row per record of each delivery with the record key, row hash,
    per-row lineage, ``_dq_flags`` and ``_extras``; the business values live once per distinct
    ``(_source, _record_key, row_hash)`` in ``source_values`` (content-addressed: a hash stands
    for its values), so an in-order delivery adds values only for its inserted, updated and
    revived records. Together they are what makes out-of-order and replayed deliveries exact (see
    below). Snapshot rows grow with the sum of the deliveries' sizes (a few narrow, well-compressed
    columns); pruning old snapshots would only limit how far back a late delivery can be inserted.

Order independence (design)
---------------------------

The history is a function of the *set* of deliveries (the latest content of each delivery_key):
it is what applying them one by one in ``(delivery_date, delivery_key)`` order gives.

* Common case, in-order arrival (the delivery sorts after every applied delivery of its source
  and its key is new): the delivery is compared with the *current* rows of its source only, by
  SQL joins on ``_record_key``; the work is proportional to the delivery, not to the history.
* Out-of-order or replayed delivery (its key sorts before an applied one, or its key was applied
  before): its snapshot is stored (replacing the old content), the source's history is rewound to
  just before the affected position (versions produced by deliveries at or after it are deleted,
  and the latest remaining version of each key is re-opened), and the deliveries from that
  position on are re-applied from ``source_snapshots`` joined with ``source_values`` in order, refreshing their counts
  in ``history_deliveries``. Reconstructing the later deliveries from the history alone
  is not enough: a record unchanged by a delivery leaves no row, so its lineage in that delivery
  would be lost when a late delivery inserted before it makes it a change.
* A replay with exactly the same content, etag and date is detected (set comparison with the
  stored snapshot) and writes nothing.

Row hash
--------

``row_hash = md5(canonical text)`` where the canonical text is a JSON array of one-key objects
``[{"<column>":<value>},...]`` over the business columns in sorted name order (code-point order),
values rendered by DuckDB's ``to_json`` after casting to the history column's type (dates as
``"YYYY-MM-DD"``, integers as numbers, booleans as ``true``/``false``, text as JSON strings).
NULL values are *omitted* and empty strings kept (``{"c":""}``), so NULL and empty differ, and a
new business column that is NULL for old records does not change their hashes (growing
leads.yaml does not rewrite the history). Lineage and ``_``-prefixed columns (``_dq_flags``,
``_extras``) are not hashed: a change in them alone does not make a new version.

Transactions
------------

The caller owns the connection and the transaction: nothing here issues BEGIN/COMMIT/ROLLBACK.
Run :func:`apply_delivery` inside ``BEGIN ... COMMIT`` so that a failure leaves nothing half
applied. Temporary tables (``temp`` catalog, names prefixed ``_history_``) and registered views
are dropped before returning.

Identifiers are quoted (``"col"`` with ``"`` doubled); values are always bound parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from etl_assets.warehouse import SCHEMA, quote_ident
from etl_assets.warehouse import registered as _registered

HISTORY = f"{SCHEMA}.source_history"
CURRENT = f"{SCHEMA}.source_current"
DELIVERIES = f"{SCHEMA}.history_deliveries"
SNAPSHOTS = f"{SCHEMA}.source_snapshots"
VALUES = f"{SCHEMA}.source_values"

RECORD_KEY = "_record_key"
CHANGE_TYPES = ("insert", "update", "delete", "revive")

# Per-record meta columns carried from `records` (besides the business columns).
_RECORD_META = {
    "_ingested_at": "TIMESTAMP WITH TIME ZONE",
    "_row_number": "BIGINT",
    "_line_number": "BIGINT",
    "_dq_flags": "VARCHAR",
    "_extras": "VARCHAR",
}
_HISTORY_FIXED = {
    "_source": "VARCHAR NOT NULL",
    "_record_key": "VARCHAR NOT NULL",
    "valid_from": "DATE NOT NULL",
    "valid_to": "DATE",
    "is_current": "BOOLEAN NOT NULL",
    "is_deleted": "BOOLEAN NOT NULL",
    "change_type": "VARCHAR NOT NULL",
    "row_hash": "VARCHAR NOT NULL",
    "_delivery_key": "VARCHAR NOT NULL",
    "_etag": "VARCHAR",
    **_RECORD_META,
}
_SNAPSHOT_FIXED = {
    "_source": "VARCHAR NOT NULL",
    "_delivery_key": "VARCHAR NOT NULL",
    "_record_key": "VARCHAR NOT NULL",
    "row_hash": "VARCHAR NOT NULL",
    **_RECORD_META,
}
_VALUES_FIXED = {
    "_source": "VARCHAR NOT NULL",
    "_record_key": "VARCHAR NOT NULL",
    "row_hash": "VARCHAR NOT NULL",
}
_DELIVERIES_COLUMNS = {
    "_source": "VARCHAR NOT NULL",
    "_delivery_key": "VARCHAR NOT NULL",
    "_etag": "VARCHAR",
    "delivery_date": "DATE NOT NULL",
    "_ingested_at": "TIMESTAMP WITH TIME ZONE",
    "record_count": "BIGINT NOT NULL",
    "inserted": "BIGINT NOT NULL",
    "updated": "BIGINT NOT NULL",
    "deleted": "BIGINT NOT NULL",
    "revived": "BIGINT NOT NULL",
    "unchanged": "BIGINT NOT NULL",
    "applied_at": "TIMESTAMP WITH TIME ZONE NOT NULL",
}


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


def business_columns(records: pd.DataFrame) -> list[str]:
    """The business columns of ``records``: every column whose name does not start with ``_``
    (the leads columns of mappings/leads.yaml plus ``address_std``/``company_std``). Lineage and
    meta columns (``_source``, ``_record_key``, ``_dq_flags``, ``_extras``, ...) all start with
    ``_``. Only these columns are hashed; the order returned is the frame's column order."""
    return [str(c) for c in records.columns if not str(c).startswith("_")]


# --------------------------------------------------------------------------------------------
# DDL


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    body = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")


def _create_current_view(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE OR REPLACE VIEW {CURRENT} AS SELECT * FROM {HISTORY} WHERE is_current AND NOT is_deleted")


def ensure_history_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables and the ``source_current`` view if missing.

    Idempotent; business columns are added later by :func:`apply_delivery` as deliveries bring
    them. Runs in the caller's transaction."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    _create(con, HISTORY, _HISTORY_FIXED)
    _create(con, SNAPSHOTS, _SNAPSHOT_FIXED)
    _create(con, VALUES, _VALUES_FIXED)
    _create(con, DELIVERIES, _DELIVERIES_COLUMNS)
    if not _columns(con, CURRENT):
        _create_current_view(con)


def _history_business_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {c: t for c, t in _columns(con, HISTORY).items() if not c.startswith("_") and c not in _HISTORY_FIXED}


def _add_business_columns(con: duckdb.DuckDBPyConnection, new: dict[str, str]) -> None:
    """ALTER TABLE ... ADD COLUMN for business columns the history has not seen yet."""
    if not new:
        return
    for table in (HISTORY, VALUES):
        existing = _columns(con, table)
        for name, sql_type in new.items():
            if name not in existing:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(name)} {sql_type}")
    _create_current_view(con)


# --------------------------------------------------------------------------------------------
# incoming records


def _to_date(value: date | datetime | str | pd.Timestamp) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _check_records(records: pd.DataFrame, where: str) -> None:
    if RECORD_KEY not in records.columns:
        raise ValueError(f"{where}: records have no {RECORD_KEY} column")
    keys = records[RECORD_KEY]
    if keys.isna().any():
        raise ValueError(f"{where}: {int(keys.isna().sum())} record(s) have a null {RECORD_KEY}")
    dup = keys[keys.duplicated()]
    if len(dup):
        raise ValueError(f"{where}: {RECORD_KEY} is not unique, e.g. {dup.head(3).tolist()}")
    reserved = sorted(set(business_columns(records)) & set(_HISTORY_FIXED))
    if reserved:
        raise ValueError(f"{where}: business column name(s) {reserved} are reserved by the history tables")
    if records.columns.duplicated().any():
        raise ValueError(f"{where}: duplicated column names {records.columns[records.columns.duplicated()].tolist()}")


def _hash_expr(columns: list[str], alias: str = "") -> str:
    """SQL for the row hash over `columns` (see the module docstring)."""
    parts = []
    for c in sorted(columns):
        q = f"{alias}{quote_ident(c)}"
        parts.append(f"CASE WHEN {q} IS NOT NULL THEN CAST(to_json(struct_pack({quote_ident(c)} := {q})) AS VARCHAR) END")
    inner = f"concat_ws(',', {', '.join(parts)})" if parts else "''"
    return f"md5('[' || {inner} || ']')"


def _incoming_select(
    con: duckdb.DuckDBPyConnection, view: str, records: pd.DataFrame, *, alter: bool
) -> tuple[str, list[str]]:
    """SELECT over the registered records giving the incoming rows in the history's layout:
    _record_key, row_hash, per-record meta, then every business column (history's and the
    delivery's; casts to the history's types, NULL where the delivery lacks a column).

    With ``alter`` new business columns are added to the tables first; without it (preview)
    they are only used for the hash. Returns the SQL and the business column names."""
    view_types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {quote_ident(view)}").fetchall()}
    known = _history_business_types(con)
    new = {}
    for c in business_columns(records):
        if c not in known:
            t = view_types[c]
            new[c] = "VARCHAR" if t.strip('"') == "NULL" else t
    if alter:
        _add_business_columns(con, new)
        known = _history_business_types(con)
    types = {**known, **{c: t for c, t in new.items() if c not in known}}
    present = set(records.columns)

    def col(c: str, sql_type: str) -> str:
        if c in present:
            return f"CAST({quote_ident(c)} AS {sql_type}) AS {quote_ident(c)}"
        return f"CAST(NULL AS {sql_type}) AS {quote_ident(c)}"

    business = list(types)
    inner = ", ".join(
        [col(RECORD_KEY, "VARCHAR")]
        + [col(c, t) for c, t in _RECORD_META.items()]
        + [col(c, t) for c, t in types.items()]
    )
    select = f"SELECT *, {_hash_expr(business)} AS row_hash FROM (SELECT {inner} FROM {quote_ident(view)})"
    return select, business


# --------------------------------------------------------------------------------------------
# the diff


_DIFF = """
SELECT coalesce(i._record_key, c._record_key) AS _record_key,
       CASE WHEN c._record_key IS NULL THEN 'insert'
            WHEN i._record_key IS NULL THEN CASE WHEN c.is_deleted THEN NULL ELSE 'delete' END
            WHEN c.is_deleted THEN 'revive'
            WHEN c.row_hash <> i.row_hash THEN 'update'
            ELSE 'unchanged' END AS change_type
FROM {incoming} AS i
FULL OUTER JOIN {previous} AS c ON i._record_key = c._record_key
"""

_CURRENT_STATE = f"(SELECT _record_key, row_hash, is_deleted FROM {HISTORY} WHERE _source = $source AND is_current)"

# The state just before position ($date, $key): latest version per record among versions
# produced by deliveries ordered before it.
_STATE_BEFORE = f"""(
SELECT _record_key, row_hash, is_deleted FROM {HISTORY}
WHERE _source = $source AND (valid_from < $date OR (valid_from = $date AND _delivery_key < $key))
QUALIFY row_number() OVER (PARTITION BY _record_key ORDER BY valid_from DESC, _delivery_key DESC) = 1
)"""


def _counts_sql(diff_relation: str) -> str:
    return f"SELECT change_type, count(*) FROM {diff_relation} WHERE change_type IS NOT NULL GROUP BY ALL"


def _to_counts(rows: list[tuple[str, int]]) -> ChangeCounts:
    by = dict(rows)
    return ChangeCounts(
        inserted=int(by.get("insert", 0)),
        updated=int(by.get("update", 0)),
        deleted=int(by.get("delete", 0)),
        revived=int(by.get("revive", 0)),
        unchanged=int(by.get("unchanged", 0)),
    )


def _apply_incoming(
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
    delta = "temp._history_delta"
    deleted = "temp._history_deleted_versions"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _history_delta AS "
        + _DIFF.format(incoming=incoming, previous=_CURRENT_STATE),
        {"source": source},
    )
    counts = _to_counts(con.execute(_counts_sql(delta)).fetchall())
    carried = ["_dq_flags", "_extras", *business]
    history_cols = [
        "_source", "_record_key", "valid_from", "valid_to", "is_current", "is_deleted", "change_type",
        "row_hash", "_delivery_key", "_etag", "_ingested_at", "_row_number", "_line_number", *carried,
    ]
    cols_sql = ", ".join(quote_ident(c) for c in history_cols)
    params = {"source": source, "date": delivery_date, "key": delivery_key, "etag": etag, "ingested": ingested_at}
    if counts.deleted:
        # delete versions copy the last values, taken before those versions are closed
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _history_deleted_versions AS
            SELECT h._source, h._record_key, CAST($date AS DATE) AS valid_from, CAST(NULL AS DATE) AS valid_to,
                   true AS is_current, true AS is_deleted, 'delete' AS change_type, h.row_hash,
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
            SELECT $source, i._record_key, $date, NULL, true, false, d.change_type, i.row_hash,
                   $key, $etag, i._ingested_at, i._row_number, i._line_number,
                   {", ".join("i." + quote_ident(c) for c in carried)}
            FROM {incoming} AS i JOIN {delta} AS d ON i._record_key = d._record_key
            WHERE d.change_type IN ('insert', 'update', 'revive')""",
            {"source": source, "date": delivery_date, "key": delivery_key, "etag": etag},
        )
    if not keep_delta:
        con.execute("DROP TABLE IF EXISTS temp._history_delta")
    return counts


def _record_delivery(
    con, source, delivery_key, etag, delivery_date, ingested_at, record_count: int, counts: ChangeCounts
) -> None:
    con.execute(f"DELETE FROM {DELIVERIES} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])
    con.execute(
        f"""INSERT INTO {DELIVERIES} (_source, _delivery_key, _etag, delivery_date, _ingested_at, record_count,
            inserted, updated, deleted, revived, unchanged, applied_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())""",
        [source, delivery_key, etag, delivery_date, ingested_at, record_count, counts.inserted, counts.updated,
         counts.deleted, counts.revived, counts.unchanged],
    )


def _insert_snapshot(con, source: str, delivery_key: str, incoming: str, business: list[str], only: str | None = None) -> None:
    """Store the delivery's membership rows, and the business values of (record, hash) pairs not
    stored yet (all incoming rows, or only those of change types `only` when given)."""
    cols_sql = ", ".join(quote_ident(c) for c in ["_record_key", "row_hash", *_RECORD_META])
    con.execute(
        f"INSERT INTO {SNAPSHOTS} (_source, _delivery_key, {cols_sql}) SELECT ?, ?, {cols_sql} FROM {incoming}",
        [source, delivery_key],
    )
    values_sql = ", ".join(quote_ident(c) for c in ["_record_key", "row_hash", *business])
    picked = f"SELECT {', '.join('i.' + quote_ident(c) for c in ['_record_key', 'row_hash', *business])} FROM {incoming} AS i"
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
    cols_sql = ", ".join(quote_ident(c) for c in ["_record_key", "row_hash", *_RECORD_META])
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


def _applied(con, source: str) -> list[tuple[str, date, str | None, object, int, ChangeCounts]]:
    rows = con.execute(
        f"""SELECT _delivery_key, delivery_date, _etag, _ingested_at, record_count,
                   inserted, updated, deleted, revived, unchanged
            FROM {DELIVERIES} WHERE _source = ? ORDER BY delivery_date, _delivery_key""",
        [source],
    ).fetchall()
    return [(r[0], r[1], r[2], r[3], r[4], ChangeCounts(*r[5:])) for r in rows]


def _drop_temp(con, *names: str) -> None:
    for name in names:
        try:
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")
        except duckdb.Error:  # aborted transaction: the caller rolls back
            pass


# --------------------------------------------------------------------------------------------
# public API


def applied_delivery(con: duckdb.DuckDBPyConnection, source: str, delivery_key: str) -> dict | None:
    """The ``history_deliveries`` row of a delivery already applied, else None."""
    ensure_history_tables(con)
    cur = con.execute(f"SELECT * FROM {DELIVERIES} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def apply_delivery(
    con: duckdb.DuckDBPyConnection,
    source: str,
    delivery_key: str,
    etag: str | None,
    delivery_date: date,
    records: pd.DataFrame,
) -> ChangeCounts:
    """Apply one full-refresh delivery of `source` to its SCD2 history; return its change counts
    (relative to the source's state as of the previous delivery in (delivery_date, delivery_key)
    order). In-order deliveries cost ~ the delivery; late or replayed ones rebuild the source's
    history from their position on (see the module docstring). Runs in the caller's transaction."""
    where = f"{source}/{delivery_key}"
    _check_records(records, where)
    delivery_date = _to_date(delivery_date)
    ensure_history_tables(con)
    ingested_at = records["_ingested_at"].max() if "_ingested_at" in records.columns and len(records) else None
    if ingested_at is not None and pd.isna(ingested_at):
        ingested_at = None
    elif isinstance(ingested_at, pd.Timestamp):
        ingested_at = ingested_at.to_pydatetime()
    incoming = "temp._history_incoming"
    with _registered(con, records) as view:
        try:
            select, business = _incoming_select(con, view, records, alter=True)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _history_incoming AS {select}")
            applied = _applied(con, source)
            previous = next((a for a in applied if a[0] == delivery_key), None)
            later = [a for a in applied if a[0] != delivery_key and (a[1], a[0]) > (delivery_date, delivery_key)]
            if previous is None and not later:  # in-order arrival: diff with current rows only
                counts = _apply_incoming(
                    con, source, delivery_key, etag, delivery_date, ingested_at, incoming, business, keep_delta=True
                )
                # unchanged records' values are stored already (under their current version's hash)
                _insert_snapshot(con, source, delivery_key, incoming, business, only="('insert', 'update', 'revive')")
                _drop_temp(con, "_history_delta")
                _record_delivery(con, source, delivery_key, etag, delivery_date, ingested_at, len(records), counts)
                return counts
            if (
                previous is not None
                and previous[1] == delivery_date
                and previous[2] == etag
                and previous[3] == ingested_at
                and _same_snapshot(con, source, delivery_key, incoming)
            ):
                return previous[5]  # exact replay: the set of deliveries is unchanged
            # late or changed delivery: store its content, rewind, replay from its position on
            con.execute(f"DELETE FROM {SNAPSHOTS} WHERE _source = ? AND _delivery_key = ?", [source, delivery_key])
            _insert_snapshot(con, source, delivery_key, incoming, business)
            _drop_orphan_values(con, source)
            _record_delivery(con, source, delivery_key, etag, delivery_date, ingested_at, len(records), ChangeCounts())
            start = (delivery_date, delivery_key)
            if previous is not None:
                start = min(start, (previous[1], previous[0]))
            _rewind(con, source, start[0], start[1])
        finally:
            _drop_temp(con, "_history_incoming", "_history_delta")

    result = ChangeCounts()
    business = list(_history_business_types(con))
    cols_sql = ", ".join(
        [f"s.{quote_ident(c)}" for c in ["_record_key", "row_hash", *_RECORD_META]] + [f"v.{quote_ident(c)}" for c in business]
    )
    for key, day, tag, ingested, n, _ in _applied(con, source):
        if (day, key) < start:
            continue
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _history_incoming AS SELECT {cols_sql} FROM {SNAPSHOTS} AS s "
                f"JOIN {VALUES} AS v ON v._source = s._source AND v._record_key = s._record_key AND v.row_hash = s.row_hash "
                "WHERE s._source = ? AND s._delivery_key = ?",
                [source, key],
            )
            counts = _apply_incoming(con, source, key, tag, day, ingested, incoming, business)
        finally:
            _drop_temp(con, "_history_incoming")
        con.execute(
            f"""UPDATE {DELIVERIES} SET inserted = ?, updated = ?, deleted = ?, revived = ?, unchanged = ?
                WHERE _source = ? AND _delivery_key = ?""",
            [counts.inserted, counts.updated, counts.deleted, counts.revived, counts.unchanged, source, key],
        )
        if key == delivery_key:
            result = counts
    return result


def preview_delivery(
    con: duckdb.DuckDBPyConnection,
    source: str,
    delivery_key: str,
    delivery_date: date,
    records: pd.DataFrame,
) -> ChangeCounts:
    """The counts :func:`apply_delivery` would return for this delivery, without writing anything
    (no table, no temp table; only a DataFrame registration, removed afterwards). Works on a
    read-only connection once the tables exist; with no history yet, every record is an insert.

    Exact for in-order, late and replayed deliveries, provided a replayed delivery_key keeps its
    delivery_date (the date comes from the key)."""
    where = f"{source}/{delivery_key}"
    _check_records(records, where)
    delivery_date = _to_date(delivery_date)
    if not _columns(con, HISTORY):
        return ChangeCounts(inserted=len(records))
    with _registered(con, records) as view:
        select, _ = _incoming_select(con, view, records, alter=False)
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
            previous = _STATE_BEFORE
            params = {"source": source, "date": delivery_date, "key": delivery_key}
        else:
            previous = _CURRENT_STATE
            params = {"source": source}
        sql = "WITH i AS (" + select + "), d AS (" + _DIFF.format(incoming="i", previous=previous) + ") "
        sql += _counts_sql("d")
        return _to_counts(con.execute(sql, params).fetchall())
