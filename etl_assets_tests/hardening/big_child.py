"""Child process of test_big_delivery: run <source>/raw and <source>/normalized (with their asset
checks) of one delivery as a production run does (``execute_job`` of the source's ingest job on a
persistent instance, in-process executor, resources from the environment: AWS_ENDPOINT_URL,
ETL_S3_BUCKET, ETL_STORAGE_DIR, ETL_WAREHOUSE_PATH), then print counts and the peak RSS as JSON.

Not ``materialize``: ``execute_in_process`` keeps every step output alive for its result object,
which a real run does not, so it would measure the test harness rather than the platform.

    python -m etl_assets_tests.hardening.big_child <source> <key>
"""

from __future__ import annotations

import json
import sys
import time


def peak_rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def ingest_job():
    from etl_assets.orchestration.definitions import defs
    from etl_assets.orchestration.assets.keys import ingest_job_name

    return defs.resolve_job_def(ingest_job_name(sys.argv[1]))


def main(source: str, key: str) -> None:
    from dagster import AssetKey, execute_job, instance_for_test, reconstructable

    from etl_assets.orchestration.assets.keys import partitions_name
    from etl_assets_tests.hardening import big_child

    started = time.monotonic()
    with instance_for_test() as instance:
        instance.add_dynamic_partitions(partitions_name(source), [key])
        with execute_job(
            reconstructable(big_child.ingest_job),
            instance,
            tags={"dagster/partition": key},
            asset_selection=[AssetKey([source, "raw"]), AssetKey([source, "normalized"])],
        ) as result:
            success = result.success
            metadata = {
                e.asset_key.path[-1]: {
                    k: v.value
                    for k, v in e.step_materialization_data.materialization.metadata.items()
                    if k in ("dagster/row_count", "rows_quarantined", "records_unreadable")
                }
                for e in result.get_asset_materialization_events()
            }
            failures = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    print(json.dumps({"success": success, "seconds": round(time.monotonic() - started, 1), "metadata": metadata,
                      "failures": failures, "peak_rss_kib": peak_rss_kib()}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
