"""The history's columns: which incoming columns are business columns, how they grow the tables,
and the incoming rows in the history's layout with their row hash (``row_hash.py``: the hash, and
when the deduped file's stored one is used).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import date, datetime
from typing import NamedTuple

import duckdb
import pandas as pd

from etl_assets.records import RECORD_KEY, business_columns
from etl_assets.stages.files import StageFile
from etl_assets.stages.history.row_hash import ROW_HASH, hash_sql, stored_hash_usable
from etl_assets.warehouse import backend
from etl_assets.warehouse.backend import quote_ident
from etl_assets.warehouse.tables import HISTORY, RECORD_META, TABLES, VALUES, create_current_view

_HISTORY_FIXED = TABLES[HISTORY].columns
_views = itertools.count()


class Incoming(NamedTuple):
    select: str  # SQL over the registered records giving rows in the history's layout, with row_hash
    business: list[str]  # the business columns of that layout (history's and the delivery's)
    types: dict[str, str]  # every column of that layout → its DuckDB type, in order
    stored_hash: bool = False  # row_hash is the records' own _row_hash column (nothing computed per read)


def history_business_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {c: t for c, t in backend.columns(con, HISTORY).items() if not c.startswith("_") and c not in _HISTORY_FIXED}


def add_business_columns(con: duckdb.DuckDBPyConnection, new: dict[str, str]) -> None:
    """Business columns the history has not seen yet, added to the versions and the values."""
    if not new:
        return
    for table in (HISTORY, VALUES):
        backend.add_columns(con, table, new)
    create_current_view(con)


def to_date(value: date | datetime | str | pd.Timestamp) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


Records = pd.DataFrame | StageFile  # a delivery's records: a frame, or its deduped stage file


@contextlib.contextmanager
def registered_records(con: duckdb.DuckDBPyConnection, records: Records) -> Iterator[str]:
    """The records under a fresh name for the block: a registered frame, or a temp view over the
    stage file through DuckDB's own Parquet reader (streamed within DuckDB's memory limit; only the
    columns a statement reads)."""
    if not isinstance(records, StageFile):
        with backend.registered(con, records) as name:
            yield name
        return
    name = f"_stage_file_{next(_views)}"
    literal = "'" + str(records.path).replace("'", "''") + "'"  # our own storage path (a view takes no parameters)
    con.execute(f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT * FROM read_parquet({literal})")
    try:
        yield name
    finally:
        with contextlib.suppress(duckdb.Error):  # in an aborted transaction the view goes with the rollback
            con.execute(f"DROP VIEW IF EXISTS temp.{quote_ident(name)}")


def check_records(records: Records, where: str) -> None:
    """A delivery the history can take: unique, non-null record keys, no reserved or repeated names."""
    if isinstance(records, StageFile):
        return _check_file(records, where)
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


def _check_file(records: StageFile, where: str) -> None:
    """check_records over a stage file: the key checks in SQL on its own connection."""
    from etl_assets.stages.dedup import unique_key_problems

    if RECORD_KEY not in records.columns:
        raise ValueError(f"{where}: records have no {RECORD_KEY} column")
    duplicates, examples, nulls = unique_key_problems(records, limit=3)
    if nulls:
        raise ValueError(f"{where}: {nulls} record(s) have a null {RECORD_KEY}")
    if duplicates:
        raise ValueError(f"{where}: {RECORD_KEY} is not unique, e.g. {examples}")
    reserved = sorted(set(business_columns(records)) & set(_HISTORY_FIXED))
    if reserved:
        raise ValueError(f"{where}: business column name(s) {reserved} are reserved by the history tables")
    if len(set(records.columns)) != len(records.columns):
        raise ValueError(f"{where}: duplicated column names {sorted({c for c in records.columns if records.columns.count(c) > 1})}")


def incoming_select(con: duckdb.DuckDBPyConnection, view: str, records: Records, *, alter: bool,
                    view_con: duckdb.DuckDBPyConnection | None = None) -> Incoming:
    """The incoming rows in the history's layout: _record_key, per-record meta, every business
    column (history's and the delivery's; cast to the history's types, NULL where the delivery
    lacks one), row_hash.

    With ``alter`` new business columns are added to the tables first; without it (preview)
    they are only used for the hash. ``view_con``: the DuckDB connection holding ``view`` when it
    is not the warehouse's (a load in the PostgreSQL server computes the rows, and so the row
    hash, in a local DuckDB, the same SQL as on the DuckDB backend)."""
    view_con = con if view_con is None else view_con
    view_types = {r[0]: r[1] for r in view_con.execute(f"DESCRIBE {quote_ident(view)}").fetchall()}
    known = history_business_types(con)
    new = {}
    for c in business_columns(records):
        if c not in known:
            t = view_types[c]
            new[c] = "VARCHAR" if t.strip('"') == "NULL" else t
    if alter:
        add_business_columns(con, new)
        known = history_business_types(con)
    types = {**known, **{c: t for c, t in new.items() if c not in known}}
    present = set(records.columns)

    def col(c: str, sql_type: str) -> str:
        if c in present:
            return f"CAST({quote_ident(c)} AS {sql_type}) AS {quote_ident(c)}"
        return f"CAST(NULL AS {sql_type}) AS {quote_ident(c)}"

    business = list(types)
    inner = ", ".join(
        [col(RECORD_KEY, "VARCHAR")]
        + [col(c, t) for c, t in RECORD_META.items()]
        + [col(c, t) for c, t in types.items()]
    )
    stored = stored_hash_usable(view_types, business_columns(records), known)
    if stored:  # hashed once, by dedup
        select = f"SELECT {inner}, CAST({quote_ident(ROW_HASH)} AS VARCHAR) AS row_hash FROM {quote_ident(view)}"
    else:
        select = f"SELECT *, {hash_sql(business)} AS row_hash FROM (SELECT {inner} FROM {quote_ident(view)})"
    layout = {RECORD_KEY: "VARCHAR", **RECORD_META, **types, "row_hash": "VARCHAR"}
    return Incoming(select, business, layout, stored)
