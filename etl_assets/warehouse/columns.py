"""How a table is declared (``tables.py`` declares them all): its columns with their DuckDB types
and descriptions, and where the business columns of mappings/leads.yaml go.

The declaration is the one source of each table's shape: DDL for DuckDB and PostgreSQL
(``ddl.py``), the data dictionary (``dictionary.py``) and the check on every frame written
(``frames.py``) all read it. Adding a column to a table is one ``Column`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from etl_assets.sources.registry import leads_schema
from etl_assets.warehouse.ddl import NOT_NULL

# mappings/leads.yaml type → DuckDB type (the types normalize gives the business columns)
LEADS_TYPES = {"text": "VARCHAR", "date": "DATE", "integer": "BIGINT", "boolean": "BOOLEAN"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB's spelling as information_schema reports it (PostgreSQL's: ddl.pg_type)
    doc: str = ""

    def required(self) -> Column:
        """The same column, NOT NULL."""
        return replace(self, type=self.type + NOT_NULL)


@dataclass(frozen=True)
class Business:
    """Where a table holds the business columns of mappings/leads.yaml (typed and described there).

    ``as_delivered``: created as deliveries bring them (the history: a column no source maps yet
    is absent); otherwise every one, created with the table."""

    as_delivered: bool = False


BUSINESS = Business()
BUSINESS_AS_DELIVERED = Business(as_delivered=True)


def leads_columns() -> tuple[Column, ...]:
    """The leads columns of mappings/leads.yaml (sales columns, then matching), typed and described."""
    return tuple(Column(name, LEADS_TYPES[c.type], c.doc) for name, c in leads_schema().all_columns.items())


@dataclass(frozen=True)
class Table:
    doc: str
    declared: tuple[Column | Business, ...]
    key: tuple[str, ...] = ()

    def all_columns(self) -> tuple[Column, ...]:
        """Every column in order, the business columns included (the data dictionary's view)."""
        out: list[Column] = []
        for item in self.declared:
            if isinstance(item, Business):
                out += leads_columns()
            else:
                out.append(item)
        return tuple(out)

    @property
    def columns(self) -> dict[str, str]:
        """Column → declared type of the columns created with the table, in order."""
        out: dict[str, str] = {}
        for item in self.declared:
            if isinstance(item, Column):
                out[item.name] = item.type
            elif not item.as_delivered:
                out.update((c.name, c.type) for c in leads_columns())
        return out

    @property
    def grows(self) -> bool:
        """Business columns are added as deliveries bring them (and so are not all declared here)."""
        return any(isinstance(i, Business) and i.as_delivered for i in self.declared)


def types(columns: tuple[Column, ...]) -> dict[str, str]:
    return {c.name: c.type for c in columns}
