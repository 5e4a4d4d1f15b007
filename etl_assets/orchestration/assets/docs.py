"""The data dictionary as Dagster metadata: column schemas with descriptions, table names, and the
leads column lineage both as a markdown table (shown by the open-source UI) and as
``dagster/column_lineage`` (drawn by Dagster+)."""

from dagster import MetadataValue, TableColumn, TableColumnDep, TableColumnLineage, TableSchema

from etl_assets.orchestration.assets.keys import asset_key
from etl_assets.warehouse import backend
from etl_assets.warehouse.dictionary import column_doc, lineage, lineage_markdown
from etl_assets.warehouse.tables import HISTORY, LEADS


def described_schema(table: str, types: dict[str, str]) -> TableSchema:
    return TableSchema(columns=[TableColumn(name=str(c), type=str(t), description=column_doc(table, str(c)))
                                for c, t in types.items()])


def source_warehouse_metadata(con) -> dict:
    """For ``<source>/warehouse``: the history table it lands, with its columns described."""
    return {"dagster/table_name": HISTORY, "dagster/column_schema": described_schema(HISTORY, backend.columns(con, HISTORY))}


def leads_metadata(con) -> dict:
    """For ``warehouse/leads``: table name, described columns, lineage (markdown and Dagster's)."""
    deps = {column: [TableColumnDep(asset_key=asset_key(source, "warehouse"), column_name=column) for source in by_source]
            for column, by_source in lineage().items() if by_source}
    return {
        "dagster/table_name": LEADS,
        "dagster/column_schema": described_schema(LEADS, backend.columns(con, LEADS)),
        "column_lineage": MetadataValue.md(lineage_markdown()),
        "dagster/column_lineage": TableColumnLineage(deps_by_column=deps),
    }


