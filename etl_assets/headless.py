"""`make ingest`: one headless cycle for scripts and CI, through the same assets as the sensor.

Discovers new deliveries with the sensor's own rule (etl_assets.discovery), materializes each
new partition through its source's chain, then warehouse/leads, prints a summary per source and
returns non-zero when any run failed. Its cursor is kept in the Dagster instance, apart from the
sensor's, and a delivery whose run failed is left out of it so that the next cycle retries it.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterInstance, materialize

from etl_assets import settings
from etl_assets.assets.keys import partitions_name
from etl_assets.assets.keys import LEADS_KEY
from etl_assets.assets.leads import build_leads_asset
from etl_assets.definitions import build_chains
from etl_assets.discovery import Cursor, discover
from etl_assets.ingest.s3 import list_objects
from etl_assets.resources import default_resources

CURSOR_KEY = "etl_assets/headless_ingest_cursor"
SUMMARY_FIELDS = ("rows_read", "rows_quarantined", "rows_written", "inserted", "updated", "deleted", "revived", "unchanged")


def dagster_instance() -> DagsterInstance:
    """The instance at DAGSTER_HOME; defaults to .local/dagster_home with the checked-in dagster.yaml."""
    import os

    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copy(settings.PROJECT_ROOT / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.get()


@dataclass
class SourceSummary:
    deliveries: int = 0
    failed: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def run_ingest_cycle(instance: DagsterInstance | None = None, resources: dict | None = None) -> int:
    instance = instance or dagster_instance()
    resources = resources or default_resources()
    chains = {c.spec.source: c for c in build_chains()}
    bucket = resources["bucket"]
    cursor = Cursor.loads(instance.run_storage.get_cursor_values({CURSOR_KEY}).get(CURSOR_KEY))
    found = discover(list_objects(bucket.client(), bucket.bucket), tuple(c.spec for c in chains.values()), cursor)
    for key in found.unknown_keys:
        print(f"ignored (no source claims it): {bucket.url(key)}")
    for key, why in found.rejected.items():
        print(f"NOT INGESTED {bucket.url(key)}: {why}")

    summaries: dict[str, SourceSummary] = defaultdict(SourceSummary)
    for delivery in sorted(found.deliveries, key=lambda d: (d.source, d.last_modified, d.key)):
        chain = chains[delivery.source]
        instance.add_dynamic_partitions(partitions_name(delivery.source), [delivery.key])
        summary = summaries[delivery.source]
        summary.deliveries += 1
        result = materialize(
            chain.definitions,
            partition_key=delivery.key,
            instance=instance,
            resources=resources,
            raise_on_error=False,
            tags={"etl/source": delivery.source, "etl/etag": delivery.etag, "etl/trigger": "make-ingest"},
        )
        if not result.success:
            summary.failed.append(delivery.key)
            found.cursor.seen.pop(delivery.key, None)  # retry on the next cycle
            continue
        for event in result.get_asset_materialization_events():
            if event.asset_key == chain.warehouse_key:
                for name in SUMMARY_FIELDS:
                    value = event.materialization.metadata.get(name)
                    summary.totals[name] += int(value.value) if value is not None else 0

    leads_ok = True
    if found.deliveries or not instance.get_latest_materialization_event(LEADS_KEY):
        leads = build_leads_asset([c.warehouse_key for c in chains.values()])
        leads_ok = materialize([leads], instance=instance, resources=resources, raise_on_error=False).success
    instance.run_storage.set_cursor_values({CURSOR_KEY: found.cursor.dumps()})
    print_summary(summaries, leads_ok, len(found.rejected))
    failed = any(s.failed for s in summaries.values()) or not leads_ok
    return 1 if failed else 0


def print_summary(summaries: dict[str, SourceSummary], leads_ok: bool, rejected: int) -> None:
    header = ("source", "deliveries", "failed", *SUMMARY_FIELDS)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for source in sorted(summaries):
        s = summaries[source]
        cells = [source, s.deliveries, len(s.failed), *(s.totals.get(f, 0) for f in SUMMARY_FIELDS)]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    if not summaries:
        print("no new deliveries")
    for source, s in sorted(summaries.items()):
        for key in s.failed:
            print(f"FAILED {source}: {key} (see the run in the Dagster UI / logs above)")
    print(f"warehouse/leads: {'refreshed' if leads_ok else 'FAILED'}; rejected keys: {rejected}")
