"""The analyst views as assets (refreshed after warehouse/leads in the leads job) and the scheduled
CRM export ``exports/net_new_leads``: thin, the SQL lives in warehouse/, the CSV in exports/."""

from dagster import (AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, TableColumn, TableSchema,
                     asset, multi_asset)
from dagster_duckdb import DuckDBResource

from etl_assets.orchestration import metadata as md
from etl_assets import warehouse
from etl_assets.orchestration.assets.keys import LEADS_KEY, NET_NEW_EXPORT_KEY, VIEW_KEYS
from etl_assets.exports.crm import DEFAULT_S3_KEY, export_leads
from etl_assets.orchestration.resources import DeliveryBucket
from etl_assets.warehouse import backend, scopes
from etl_assets.warehouse.exports import ExportFilter

OWNERS = ["team:sales-ops"]


def view_schema(con, view: str) -> TableSchema:
    """The view's columns with their types (from the engine) and descriptions (views.VIEWS)."""
    declared = warehouse.ANALYST_VIEWS[view].columns
    return TableSchema(columns=[TableColumn(name=c, type=t, description=declared.get(c, ""))
                                for c, t in backend.columns(con, view).items()])


def scorecard_bars(rows: list[tuple]) -> str:
    """The ranking as markdown bars (score relative to the best), for the asset page."""
    best = max((r[2] for r in rows), default=0) or 1
    lines = ["| rank | source | score | net-new | |", "|---|---|---|---|---|"]
    for rank, source, score, net_new in rows:
        bar = "█" * round(20 * score / best)
        lines.append(f"| {rank} | {md.escape_markdown(source)} | {score:.1f} | {net_new} | {bar} |")
    return "\n".join(lines)


def _view_name(key) -> str:
    return f"{warehouse.SCHEMA}.{key.path[-1]}"


@multi_asset(
    specs=[AssetSpec(key, deps=[LEADS_KEY], group_name="warehouse", kinds={"duckdb", "sql"}, owners=OWNERS,
                     tags={"layer": "analyst"}, description=warehouse.ANALYST_VIEWS[_view_name(key)].doc,
                     metadata={"dagster/table_name": _view_name(key)})
           for key in VIEW_KEYS.values()],
    can_subset=False,
)
def analyst_views(context: AssetExecutionContext, duckdb: DuckDBResource):
    """(Re)create the views (also done inside every leads refresh) and report their shape and numbers."""
    from etl_assets.orchestration.assets.leads import resolve_config

    duckdb.refresh_analyst_views(resolve_config().crm_source)  # PostgreSQL: published on the server
    with duckdb.open(scopes.analyst_read()) as con:  # PostgreSQL: the views queried on the server
        for key in VIEW_KEYS.values():
            view = _view_name(key)
            metadata = {"dagster/table_name": view, "dagster/column_schema": view_schema(con, view),
                        "dagster/row_count": int(con.execute(f"SELECT count(*) FROM {view}").fetchone()[0])}
            if key == VIEW_KEYS["source_scorecard"]:
                ranked = con.execute(f"SELECT rank, source, score, net_new_leads FROM {warehouse.SOURCE_SCORECARD} "
                                     "WHERE rank IS NOT NULL ORDER BY rank").fetchall()
                metadata["ranking"] = MetadataValue.md(scorecard_bars(ranked))
                for rank, source, score, net_new in ranked:
                    metadata[f"score/{source}"] = float(score)
            yield MaterializeResult(asset_key=key, metadata=metadata)


@asset(key=NET_NEW_EXPORT_KEY, deps=[VIEW_KEYS["net_new_leads"]], group_name="exports", kinds={"s3", "csv"},
       owners=OWNERS, tags={"layer": "export"},
       description=f"The net-new leads as a Salesforce lead-import CSV at s3://<bucket>/{DEFAULT_S3_KEY}, "
                   "rewritten after every leads refresh (same file as `etl-assets export-leads --net-new`).")
def net_new_leads_export(context: AssetExecutionContext, duckdb: DuckDBResource, bucket: DeliveryBucket) -> MaterializeResult:
    from etl_assets.orchestration.assets.leads import resolve_config

    url = bucket.url(DEFAULT_S3_KEY)
    duckdb.refresh_analyst_views(resolve_config().crm_source, replace=False)  # PostgreSQL: the published ones
    with duckdb.open(scopes.analyst_read()) as con:  # PostgreSQL: streamed from the server
        written = export_leads(con, ExportFilter(net_new=True), url, s3_client=bucket.client,
                               progress=lambda done, total: context.log.info(f"{url}: {done} of {total} leads"))
        by_state = dict(con.execute(f"SELECT COALESCE(state, '?'), count(*) FROM {warehouse.NET_NEW_LEADS} "
                                    "GROUP BY COALESCE(state, '?') ORDER BY 1").fetchall())
    return MaterializeResult(metadata={"dagster/row_count": written, "export": MetadataValue.url(url),
                                       "net_new_leads_by_state": MetadataValue.json(by_state)})
