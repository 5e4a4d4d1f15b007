"""Names shared by assets, checks, jobs and sensors: asset keys and partitions."""

from dagster import AssetKey

LEADS_KEY = AssetKey(["warehouse", "leads"])
STAGES = ("raw", "normalized", "deduped", "warehouse")


def asset_key(source: str, stage: str) -> AssetKey:
    return AssetKey([source, stage])


def partitions_name(source: str) -> str:
    return f"{source}_deliveries"


def ingest_job_name(source: str) -> str:
    return f"{source}_ingest"

# The analyst views (warehouse/views.py) and the CRM export, refreshed in the leads job after leads.
VIEW_KEYS = {name: AssetKey(["warehouse", name]) for name in
             ("delivery_summary", "lead_changes", "source_scorecard", "net_new_leads", "source_overlap", "lead_first_seen")}
NET_NEW_EXPORT_KEY = AssetKey(["exports", "net_new_leads"])
