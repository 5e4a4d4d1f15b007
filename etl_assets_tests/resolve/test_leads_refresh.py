"""The leads refresh through Dagster: incremental after a delivery, full and retrain by run config.

Real runs (``materialize`` on ``instance_for_test``) over the real sample deliveries and the derived
Nevada deliveries with known changes (scripts/derive_deliveries.py), a real DuckDB file and S3 over
HTTP. After the second Nevada delivery the refresh is incremental and re-resolves only part of the
records; a full re-resolve afterwards (run config ``full``) finds nothing to change: the same
leads, crosswalk and review queue, row for row.
"""

from __future__ import annotations

import duckdb
from dagster import instance_for_test

from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, materialize_leads, materialize_request
from etl_assets_tests.support.derived import derived, upload  # noqa: F401 (derived: a fixture)

TABLES = ("leads", "lead_sources", "lead_review", "lead_match_state")


def _metadata(run) -> dict:
    (event,) = [e for e in run.get_asset_materialization_events() if e.asset_key.path == ["warehouse", "leads"]]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _tables(path) -> dict[str, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def _ingest(instance, resources, cursor):
    result = evaluate_delivery_sensor(instance, resources, cursor=cursor)
    for request in result.run_requests:
        materialize_request(instance, resources, request)
    return result.cursor


def test_a_delivery_refreshes_incrementally_and_a_full_re_resolve_agrees(derived, resources, bucket_name,  # noqa: F811
                                                                         s3_client, tmp_path):
    root, expected = derived
    keys = {s: [d["delivery_key"] for d in expected["deliveries"] if d["source"] == s] for s in ("nevada", "texas")}
    nevada = keys["nevada"][1:]
    warehouse = tmp_path / "warehouse.duckdb"
    with instance_for_test() as instance:
        upload(s3_client, bucket_name, root, [keys["nevada"][0], keys["texas"][0]])
        cursor = _ingest(instance, resources, None)
        first = _metadata(materialize_leads(instance, resources))
        assert first["source_records"] > 100
        assert (first["refresh_mode"], first["model_retrained"]) == ("full", True)

        upload(s3_client, bucket_name, root, nevada[:1])
        _ingest(instance, resources, cursor)
        second = _metadata(materialize_leads(instance, resources))
        assert second["refresh_mode"] == "incremental", second["refresh_reason"]
        assert second["records_changed"] + second["records_gone"] > 0
        assert 0 < second["records_resolved"] < second["source_records"]
        assert second["model_retrained"] is False
        after_incremental = _tables(warehouse)

        full = _metadata(materialize_leads(instance, resources, full=True))
        assert (full["refresh_mode"], full["records_resolved"], full["model_retrained"]) == (
            "full", full["source_records"], False)
        assert _tables(warehouse) == after_incremental
        assert full["events"] == {}  # nothing merged, split or retired: the incremental result stood
        unchanged = _metadata(materialize_leads(instance, resources))
        assert (unchanged["refresh_mode"], unchanged["records_resolved"]) == ("incremental", 0)

        retrained = _metadata(materialize_leads(instance, resources, retrain=True))
        assert (retrained["refresh_mode"], retrained["model_retrained"]) == ("full", True)
        assert retrained["refresh_reason"] == "retrain requested"
