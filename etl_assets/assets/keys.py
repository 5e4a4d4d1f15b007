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
