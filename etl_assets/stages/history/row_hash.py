"""The history's row hash, its one home: the SQL, and when the deduped file's stored hash is it.

Row hash: ``md5`` of a JSON array of one-key objects ``[{"<column>":<value>},...]`` over the
business columns in sorted name order, values rendered by DuckDB's ``to_json`` after casting to the
history column's type. NULL values are omitted and empty strings kept, so NULL and empty differ and
a new business column that is NULL for old records does not change their hashes. Lineage and other
``_``-prefixed columns are not hashed: a change in them alone does not make a new version.

Computed once per delivery: dedup writes it as the deduped file's ``_row_hash`` column (the same
SQL over the file's own column types); the delete guard's preview and the load (DuckDB, or the
local DuckDB that stages a PostgreSQL load) read that column instead of hashing again, whenever it
is what they would compute: every business column of the file has the history's type for it (or
is new to the history, or entirely NULL), and every type renders alike in any session (no time
zone). Otherwise, and for a frame or an older file without the column, they compute it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb
import pyarrow as pa

from etl_assets.warehouse.backend import quote_ident

ROW_HASH = "_row_hash"  # the deduped file's column

# Types whose to_json text depends on nothing but the value (TIMESTAMP WITH TIME ZONE renders in
# the session's time zone, so a hash stored by another process could differ from the load's).
_PORTABLE = frozenset({
    "VARCHAR", "BOOLEAN", "DATE", "TIMESTAMP", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT",
    "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "DOUBLE", "FLOAT",
})


def hash_sql(columns: Iterable[str], alias: str = "") -> str:
    """SQL for the row hash over `columns` (see the module docstring)."""
    parts = []
    for c in sorted(columns):
        q = f"{alias}{quote_ident(c)}"
        parts.append(f"CASE WHEN {q} IS NOT NULL THEN CAST(to_json(struct_pack({quote_ident(c)} := {q})) AS VARCHAR) END")
    inner = f"concat_ws(',', {', '.join(parts)})" if parts else "''"
    return f"md5('[' || {inner} || ']')"


def _all_null(sql_type: str) -> bool:
    return sql_type.strip('"').upper() == "NULL"


def stored_hash_usable(file_types: Mapping[str, str], business: Iterable[str], history_types: Mapping[str, str]) -> bool:
    """The file holds ``_row_hash`` and it equals the hash the history's SQL computes over the file's
    ``business`` columns cast to ``history_types`` (column → type of the history's business columns)."""
    if ROW_HASH not in file_types:
        return False
    for c in business:
        t = file_types[c]
        if _all_null(t):
            continue  # NULL in every row: cast to any type, still omitted from the hash
        if t.upper() not in _PORTABLE and not t.upper().startswith("DECIMAL"):
            return False
        if c in history_types and history_types[c].upper() != t.upper():
            return False
    return True


def row_hashes(con: duckdb.DuckDBPyConnection, table: pa.Table, business: list[str]) -> pa.ChunkedArray:
    """The row hash of each row of an Arrow batch (its columns' own types), in DuckDB on ``con``."""
    name = "_row_hash_batch"
    con.register(name, table)
    try:
        return con.sql(f"SELECT {hash_sql(business)} FROM {quote_ident(name)}").to_arrow_table().column(0)
    finally:
        con.unregister(name)
