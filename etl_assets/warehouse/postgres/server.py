"""The PostgreSQL side: connecting (password never shown), PostgreSQL → DuckDB types (the other
way is ``ddl.pg_type``), the declared tables and views in ``public`` (their DDL from ``ddl.py``),
and bulk moves of rows as CSV through ``COPY``.

Rows cross as CSV text because both engines speak it exactly: PostgreSQL's CSV writes NULL
unquoted and the empty string as ``""``, and DuckDB reads it back so (``allow_quoted_nulls``
off) and writes it so; doubles are printed shortest-exact by both, timestamps in UTC.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import psycopg
from psycopg import sql

from etl_assets.warehouse import ddl
from etl_assets.warehouse.ddl import pg_type, quote_ident  # noqa: F401 (pg_type: the mirror compares shapes in it)
from etl_assets.warehouse.tables import SCHEMA, TABLES, VIEWS

PG_SCHEMA = "public"
_MAIN = re.compile(rf"(?<![\w.\"]){SCHEMA}\.")
# What a load in the server looks up: a source's current versions by key (the diff against them,
# closing the changed ones) without reading its closed versions.
# What an incremental leads refresh looks up (``resolve/state.py``): the part a change reaches, by
# record number, block, component, key and lead id, without scanning the million others.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS source_history_current ON public.source_history (_source, _record_key) WHERE is_current",
    "CREATE INDEX IF NOT EXISTS lead_match_state_rid ON public.lead_match_state (rid)",
    "CREATE INDEX IF NOT EXISTS lead_match_state_component ON public.lead_match_state (component)",
    "CREATE INDEX IF NOT EXISTS lead_match_state_key ON public.lead_match_state (_source, _record_key)",
    "CREATE INDEX IF NOT EXISTS lead_block_keys_rid ON public.lead_block_keys (rid)",
    "CREATE INDEX IF NOT EXISTS lead_block_keys_block ON public.lead_block_keys (block_hash)",
    "CREATE INDEX IF NOT EXISTS lead_sources_key ON public.lead_sources (_source, _record_key)",
    "CREATE INDEX IF NOT EXISTS lead_sources_lead ON public.lead_sources (lead_id)",
    "CREATE INDEX IF NOT EXISTS leads_lead ON public.leads (lead_id)",
    "CREATE INDEX IF NOT EXISTS lead_model_tf_value ON public.lead_model_tf (column_name, value)",
)
COPY_CHUNK = 1 << 20
_TO_DUCKDB = {
    "text": "VARCHAR", "character varying": "VARCHAR", "bigint": "BIGINT", "integer": "INTEGER",
    "smallint": "SMALLINT", "double precision": "DOUBLE", "real": "FLOAT", "boolean": "BOOLEAN", "date": "DATE",
    "timestamp without time zone": "TIMESTAMP", "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "time without time zone": "TIME", "uuid": "UUID", "bytea": "BLOB",
}


class WarehouseUnavailableError(RuntimeError):
    """The PostgreSQL warehouse could not be reached or read (the message names host and database only)."""


class WarehouseWriteError(RuntimeError):
    """Writing a scope's rows back failed; its transaction was rolled back."""


def is_postgres_url(value: object) -> bool:
    return str(value).startswith(("postgresql://", "postgres://", "postgresql+"))


def describe(url: str) -> str:
    """``host:port/database`` of a URL: what errors and logs may name (never user or password)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    return f"{host}{f':{parts.port}' if parts.port else ''}{parts.path or '/'}"


def without_password(url: str) -> str:
    """The URL with its password removed (safe for config, metadata and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    netloc = f"{user}@{parts.hostname}{f':{parts.port}' if parts.port else ''}"
    return parts._replace(netloc=netloc).geturl()


def connect(url: str, password: str | None = None, *, connect_timeout: int = 10) -> psycopg.Connection:
    """An autocommit connection in UTC (``with con.transaction()`` for a transaction); failures
    name host and database, never the password."""
    libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        con = psycopg.connect(libpq_url, password=password, connect_timeout=connect_timeout, autocommit=True,
                              options="-c TimeZone=UTC -c extra_float_digits=1")
    except psycopg.Error as exc:
        reason = type(exc).__name__
        detail = str(exc).splitlines()[0] if str(exc) else ""
        if password:
            detail = detail.replace(password, "***")
        raise WarehouseUnavailableError(f"warehouse postgresql://{describe(url)}: cannot connect ({reason}: {detail})") from None
    return con


def pg_name(table: str) -> str:
    """A declared table's name in PostgreSQL (same name, schema ``public``)."""
    return f"{PG_SCHEMA}.{table.split('.', 1)[1]}"


def duckdb_type(data_type: str, udt_name: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"DECIMAL({precision or 38},{scale or 0})"
    if data_type == "ARRAY":
        return duckdb_type(*_element(udt_name)) + "[]"
    if data_type not in _TO_DUCKDB:
        raise TypeError(f"no DuckDB type for PostgreSQL type {data_type!r}")
    return _TO_DUCKDB[data_type]


def _element(udt_name: str) -> tuple[str, str, None, None]:
    names = {"_text": "text", "_int8": "bigint", "_int4": "integer", "_float8": "double precision",
             "_bool": "boolean", "_date": "date", "_varchar": "text"}
    return names.get(udt_name, udt_name), udt_name, None, None


def columns(pg: psycopg.Connection, table: str) -> dict[str, str]:
    """Column → DuckDB type of a PostgreSQL table or view (empty when it does not exist)."""
    schema, name = pg_name(table).split(".")
    rows = pg.execute(
        "SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return {r[0]: duckdb_type(r[1], r[2], r[3], r[4]) for r in rows}


def temp_columns(pg: psycopg.Connection, name: str) -> dict[str, str]:
    """Column → DuckDB type of this session's temp table ``name`` (empty when it does not exist)."""
    rows = pg.execute(
        "SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale FROM information_schema.columns "
        "WHERE table_schema = (SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()) AND table_name = %s "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall()
    return {r[0]: duckdb_type(r[1], r[2], r[3], r[4]) for r in rows}


def lock(pg: psycopg.Connection, name: str, *, session: bool = False) -> None:
    """An advisory lock on ``name``: the transaction's (released at COMMIT/ROLLBACK) or the
    session's (released by ``unlock`` or when the connection ends, e.g. its process is killed)."""
    fn = "pg_advisory_lock" if session else "pg_advisory_xact_lock"
    pg.execute(sql.SQL("SELECT {}(hashtext(%s))").format(sql.Identifier(fn)), [f"etl:{name}"])


def unlock(pg: psycopg.Connection, name: str) -> None:
    pg.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"etl:{name}"])


def _view_sql(select: str) -> str:
    """A statement written for the DuckDB warehouse with the server's schema (``main.`` → ``public.``,
    never inside a longer name)."""
    return _MAIN.sub(f"{PG_SCHEMA}.", select)


def server_sql(query: str) -> str:
    """A statement written for the DuckDB warehouse with the server's names (``connection.py``)."""
    return _view_sql(query)


def create_views(pg: psycopg.Connection) -> None:
    """(Re)create every declared view (their column lists are fixed when created)."""
    for view, (_doc, declared) in VIEWS.items():
        name, select = pg_name(view), _view_sql(declared)
        pg.execute(f"CREATE OR REPLACE VIEW {name} AS {select}")


def replace_views(pg: psycopg.Connection, views: Mapping[str, str]) -> None:
    """Drop and create these views (view → DuckDB-side SELECT, in dependency order): DROP, since
    PostgreSQL's CREATE OR REPLACE VIEW cannot drop or retype a column."""
    lock(pg, "ddl")
    for view in reversed(list(views)):
        name = pg_name(view)
        pg.execute(f"DROP VIEW IF EXISTS {name} CASCADE")
    for view, declared in views.items():
        name, select = pg_name(view), _view_sql(declared)
        pg.execute(f"CREATE VIEW {name} AS {select}")


def ensure_tables(pg: psycopg.Connection) -> None:
    """Create the declared tables and views that are missing, in their own short transaction
    (a global advisory lock keeps two first loads from racing on CREATE)."""
    with pg.transaction():
        lock(pg, "ddl")
        for table, declared in TABLES.items():
            pg.execute(ddl.create_table_sql(pg_name(table), declared.columns, declared.key, ddl.POSTGRES))
        for statement in INDEXES:
            pg.execute(statement)
        missing = [v for v in VIEWS if not columns(pg, v)]
        if missing:
            create_views(pg)


def add_columns(pg: psycopg.Connection, table: str, new: Mapping[str, str]) -> None:
    for column, t in new.items():
        pg.execute(ddl.add_column_sql(pg_name(table), column, t, ddl.POSTGRES))


def recreate_table(pg: psycopg.Connection, table: str) -> None:
    """Drop and create a table from its declaration (a refresh replaced an older shape, e.g. of
    leads); its indexes and the declared views are created again (CASCADE drops those that read it)."""
    declared, name = TABLES[table], pg_name(table)
    pg.execute(f"DROP TABLE IF EXISTS {name} CASCADE")
    pg.execute(ddl.create_table_sql(name, declared.columns, declared.key, ddl.POSTGRES))
    for statement in INDEXES:
        pg.execute(statement)
    create_views(pg)


def has_declared_shape(pg: psycopg.Connection, table: str) -> bool:
    """The server's table has exactly the declared columns, in order, with the declared types."""
    have = [(c, pg_type(t)) for c, t in columns(pg, table).items()]
    return have == [(c, pg_type(t)) for c, t in TABLES[table].columns.items()]


def query_types(pg: psycopg.Connection, query: str) -> dict[str, str]:
    """Column → DuckDB type of a statement's result (the statement planned, not run: LIMIT 0)."""
    cur = pg.execute(f"SELECT * FROM ({query}) AS q LIMIT 0")
    oids = sorted({d.type_code for d in cur.description})
    names = dict(pg.execute("SELECT oid::int, format_type(oid, NULL) FROM pg_type WHERE oid = ANY(%s)", [oids]).fetchall())

    def one(name: str, precision, scale) -> str:
        if name.endswith("[]"):
            return one(name[:-2], None, None) + "[]"
        return duckdb_type(name, name, precision, scale)

    return {d.name: one(names[d.type_code], d.precision, d.scale) for d in cur.description}


def copy_into_duckdb(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, table: str, types: Mapping[str, str],
                     where: sql.Composable | None = None) -> int:
    """Rows of a PostgreSQL table (those matching ``where``) appended to the same-named DuckDB
    table, through one CSV file; returns the number of rows."""
    cols = list(types)
    select = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(map(sql.Identifier, cols)),
                                                 sql.Identifier(*pg_name(table).split(".")))
    if where is not None:
        select = sql.SQL("{} WHERE {}").format(select, where)
    before = mem.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    _copy_rows(pg, mem, select, table, types)
    return mem.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before


def copy_query_into_duckdb(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, query: str) -> str:
    """The rows of a PostgreSQL statement (final SQL text, no placeholders) in a new DuckDB temp
    table with the result's types, in the statement's order; returns a SELECT of them."""
    types = query_types(pg, query)
    mem.execute("DROP TABLE IF EXISTS _etl_rows")
    mem.execute(f"CREATE TEMP TABLE _etl_rows ({', '.join(f'{quote_ident(c)} {t}' for c, t in types.items())})")
    _copy_rows(pg, mem, sql.SQL(query), "_etl_rows", types)
    return "SELECT * FROM _etl_rows"


def _copy_rows(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, select: sql.Composable, table: str,
               types: Mapping[str, str]) -> None:
    """The rows of a PostgreSQL SELECT appended to a DuckDB table, through one CSV file, in order."""
    cols = list(types)
    with tempfile.TemporaryDirectory(prefix="etl-pg-") as tmp:
        path = Path(tmp) / "rows.csv"
        with path.open("wb") as f, pg.cursor().copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(select)) as cp:
            for chunk in cp:
                f.write(chunk)
        if path.stat().st_size == 0:
            return
        # a struct literal of column name → DuckDB type name (names quoted as string literals)
        csv_columns = "{" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': '{t}'" for c, t in types.items()) + "}"
        cols_sql = ", ".join(map(quote_ident, cols))
        mem.execute(
            f"INSERT INTO {table} ({cols_sql}) SELECT {cols_sql} FROM read_csv(?, columns = {csv_columns}, header = false, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false, "
            "max_line_size = 268435456, buffer_size = 536870912)",
            [str(path)],
        )


def copy_from_duckdb(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, table: str, cols: Iterable[str]) -> None:
    """Every row of a DuckDB table appended to the same-named PostgreSQL table (``COPY … FROM STDIN``)."""
    cols = list(cols)
    cols_sql = ", ".join(map(quote_ident, cols))
    copy_query_to(pg, mem, f"SELECT {cols_sql} FROM {table}", sql.Identifier(*pg_name(table).split(".")), cols)


def copy_query_to(pg: psycopg.Connection, mem: duckdb.DuckDBPyConnection, select: str, target: sql.Composable,
                  cols: Iterable[str]) -> None:
    """The rows of a DuckDB query (columns ``cols``, in order) appended to PostgreSQL table ``target``."""
    cols = list(cols)
    with tempfile.TemporaryDirectory(prefix="etl-pg-") as tmp:
        path = Path(tmp) / "rows.csv"
        csv_path = str(path).replace("'", "''")  # a temp path, as a string literal (COPY takes no parameter)
        mem.execute(f"COPY ({select}) TO '{csv_path}' (FORMAT csv, HEADER false)")
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            target, sql.SQL(", ").join(map(sql.Identifier, cols)))
        with path.open("rb") as f, pg.cursor().copy(copy_sql) as cp:
            while chunk := f.read(COPY_CHUNK):
                cp.write(chunk)
