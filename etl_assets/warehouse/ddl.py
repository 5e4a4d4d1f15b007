"""DDL for both engines from one declaration (``tables.TABLES``): the declared types are DuckDB's,
PostgreSQL's are mapped from them here (the only place the two dialects differ in a table's shape).

A type may end in `` NOT NULL``; the constraint follows the type unchanged into either dialect.
"""

from __future__ import annotations

from collections.abc import Mapping

DUCKDB, POSTGRES = "duckdb", "postgres"
NOT_NULL = " NOT NULL"
# DuckDB type → PostgreSQL type.
_TO_PG = {
    "VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint", "TINYINT": "smallint",
    "UBIGINT": "numeric(20)", "UINTEGER": "bigint", "HUGEINT": "numeric(39)", "DOUBLE": "double precision",
    "FLOAT": "real", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "TIMESTAMPTZ": "timestamptz", "TIMESTAMP_NS": "timestamp",
    "TIME": "time", "UUID": "uuid", "BLOB": "bytea",
    "NULL": "text",  # a frame column that is entirely null (no type to keep)
}


def quote_ident(name: str) -> str:
    """An identifier, quoted alike for both engines."""
    return '"' + name.replace('"', '""') + '"'


def base_type(sql_type: str) -> str:
    """The type without its NOT NULL constraint."""
    return sql_type.replace(NOT_NULL, "").strip()


def pg_type(duckdb_type: str) -> str:
    """``VARCHAR NOT NULL`` → ``text NOT NULL``; DECIMAL(p,s) → numeric(p,s); lists → arrays."""
    not_null = NOT_NULL if NOT_NULL in duckdb_type else ""
    base = base_type(duckdb_type).strip('"').upper()
    if base.endswith("[]"):
        return pg_type(base[:-2]) + "[]" + not_null
    if base.startswith("DECIMAL"):
        mapped = "numeric" + base[len("DECIMAL"):]
    elif base in _TO_PG:
        mapped = _TO_PG[base]
    else:
        raise TypeError(f"no PostgreSQL type for DuckDB type {duckdb_type!r}")
    return mapped + not_null


def column_type(duckdb_type: str, dialect: str) -> str:
    return duckdb_type if dialect == DUCKDB else pg_type(duckdb_type)


def create_table_sql(table: str, columns: Mapping[str, str], key: tuple[str, ...] = (), dialect: str = DUCKDB) -> str:
    """``CREATE TABLE IF NOT EXISTS`` with these columns (name → declared type) and primary key;
    ``table`` is the engine's qualified name."""
    body = ", ".join(f"{quote_ident(c)} {column_type(t, dialect)}" for c, t in columns.items())
    if key:
        body += f", PRIMARY KEY ({', '.join(map(quote_ident, key))})"
    return f"CREATE TABLE IF NOT EXISTS {table} ({body})"


def add_column_sql(table: str, column: str, sql_type: str, dialect: str = DUCKDB) -> str:
    sql_type = column_type(sql_type, dialect)
    return f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote_ident(column)} {sql_type}"
