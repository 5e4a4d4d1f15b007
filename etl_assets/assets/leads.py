"""warehouse/leads: every source's live records resolved into one row per real-world provider."""


from collections.abc import Sequence

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from etl_assets import metadata as md
from etl_assets import warehouse
from etl_assets.assets.keys import LEADS_KEY, WAREHOUSE_POOL
from etl_assets.stages import history



def build_leads_asset(upstream: Sequence[AssetKey]):
    @asset(
        key=LEADS_KEY,
        deps=list(upstream),
        group_name="warehouse",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="One row per provider across all sources, with a crosswalk to source records (warehouse.lead_sources).",
    )
    def leads(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
        with duckdb.get_connection() as con, warehouse.transaction(con):
            warehouse.ensure_tables(con)
            history.ensure_history_tables(con)
            current = con.execute(f"SELECT * FROM {history.CURRENT} ORDER BY _source, _record_key").fetch_df()
            leads_frame, crosswalk = union_leads(current)
            warehouse.replace_table(con, warehouse.LEADS, leads_frame)
            warehouse.replace_table(con, warehouse.LEAD_SOURCES, crosswalk)
        per_source = current.groupby("_source").size().to_dict() if len(current) else {}
        return MaterializeResult(
            metadata={
                "dagster/row_count": len(leads_frame),
                "records_per_source": per_source,
                "preview": md.preview(leads_frame),
            }
        )

    return leads


def union_leads(current: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every live source record as its own lead (lead_id = source:record key)."""
    frame = current.copy()
    frame.insert(0, "lead_id", frame["_source"].astype(str) + ":" + frame["_record_key"].astype(str))
    crosswalk = frame[["lead_id", "_source", "_record_key"]].assign(match_rule="singleton", match_score=None)
    return frame, crosswalk
