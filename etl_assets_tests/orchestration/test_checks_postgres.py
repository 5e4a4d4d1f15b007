"""The per-delivery and leads checks on PostgreSQL read on the server (a reader, no mirror) and
decide exactly as on DuckDB: the same crafted Nevada deliveries (in order, null rates up, a row
drop held, a late delivery and a replay previewed by the delete guard) through real Dagster runs
on a DuckDB file and on a real PostgreSQL server give the same evaluations, metadata included."""

from __future__ import annotations

from datetime import date

import pandas as pd
import psycopg
from dagster import AssetSelection, instance_for_test, materialize

from etl_assets.orchestration.assets.leads import build_leads_asset
from etl_assets.orchestration.checks import build_freshness_checks, build_leads_checks
from etl_assets.orchestration.definitions import build_chains
from etl_assets.orchestration.resources import build_resources
from etl_assets.stages import preview
from etl_assets.stages.history import apply_delivery, preview_delivery
from etl_assets.warehouse import scopes, transaction
from etl_assets.warehouse.postgres import mirror
from etl_assets.warehouse.postgres.connection import ServerConnection
from etl_assets_tests.support.deliveries import deliver, nevada_csv
from etl_assets_tests.support.history import records


def _evaluations(run) -> dict[str, tuple]:
    return {f"{e.asset_key.path[-1]}:{e.check_name}": (e.passed, e.severity.value if e.severity else None,
                                                       {k: v.value for k, v in sorted(e.metadata.items())})
            for e in run.get_asset_check_evaluations()}


def _nevada(instance, resources, s3_client, bucket) -> list[dict]:
    steps = []

    def run(key, body, run_config=None):
        result = deliver(instance, resources, s3_client, bucket, key, body, run_config=run_config)
        steps.append({"key": key, "success": result.success, "checks": _evaluations(result)})

    run("nevada/07-01-2023 Nevada.csv", nevada_csv(20))
    run("nevada/07-02-2023 Nevada.csv", nevada_csv(20, blank=("Phone#",)))  # null rates up: WARN
    run("nevada/07-04-2023 Nevada.csv", nevada_csv(5))  # a row drop: held
    allow = {"ops": {"nevada__raw": {"config": {"allow_row_drop": True}}}}
    run("nevada/07-04-2023 Nevada.csv", nevada_csv(5), allow)  # the delete guard holds it
    run("nevada/06-15-2023 Nevada.csv", nevada_csv(12))  # late: previewed against the state before it
    run("nevada/07-01-2023 Nevada.csv", nevada_csv(18))  # a replay of the first key, 2 records fewer

    chains = build_chains()
    leads = build_leads_asset([c.warehouse_key for c in chains])
    lead_checks = build_leads_checks()
    refreshed = materialize([leads, *lead_checks], instance=instance, resources=resources)
    steps.append({"key": "leads", "success": refreshed.success, "checks": _evaluations(refreshed)})
    (freshness,) = [c for c in build_freshness_checks([c.spec for c in chains])
                    if next(iter(c.check_keys)).asset_key.path[0] == "nevada"]
    nevada = [a for c in chains if c.spec.source == "nevada" for a in c.assets]
    stale = materialize([*nevada, freshness], instance=instance, resources=resources, selection=AssetSelection.checks(freshness),
                        run_config={"ops": {"nevada__warehouse_freshness": {"config": {"as_of": "2023-09-30"}}}},
                        raise_on_error=False)
    steps.append({"key": "freshness", "success": stale.success, "checks": _evaluations(stale)})
    return steps


def test_checks_decide_the_same_on_both_backends(tmp_path, pg_url, s3_endpoint, bucket_name, s3_client):
    found = {}
    for kind, target in (("duckdb", str(tmp_path / "w.duckdb")), ("postgres", pg_url)):
        resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=target,
                                    storage_dir=tmp_path / kind, region="us-east-1")
        with instance_for_test() as instance:
            found[kind] = _nevada(instance, resources, s3_client, bucket_name)
        for obj in s3_client.list_objects_v2(Bucket=bucket_name).get("Contents", []):
            s3_client.delete_object(Bucket=bucket_name, Key=obj["Key"])
    duck, pg = found["duckdb"], found["postgres"]
    assert [s["success"] for s in duck] == [True, True, False, False, True, True, True, True]
    nulls = duck[1]["checks"]["normalized:null_rates"]
    assert nulls[:2] == (False, "WARN") and nulls[2]["risen"] == {"phone": {"now": 1.0, "before": 0.1}}
    assert duck[2]["checks"]["raw:row_count_vs_previous"][2]["previous_rows"] == 20
    guard = duck[3]["checks"]["deduped:delete_guard"]
    assert guard[0] is False and (guard[2]["would_delete"], guard[2]["live_records"]) == (15, 20)
    late = duck[4]["checks"]["deduped:delete_guard"][2]  # nothing before it: every record an insert
    assert (late["inserted"], late["deleted"], late["unchanged"]) == (12, 0, 0)
    replay = duck[5]["checks"]["deduped:delete_guard"][2]  # against 07-01's predecessor, the late 12
    assert (replay["inserted"], replay["unchanged"] + replay["updated"], replay["deleted"]) == (6, 12, 0)
    assert duck[6]["checks"]["leads:records_resolved_once"][0] and duck[6]["checks"]["leads:lead_ids_unique"][0]
    assert duck[7]["checks"]["warehouse:freshness"][2]["newest_delivery_date"] == "2023-07-02"
    for d, p in zip(duck, pg):
        assert p == d, d["key"]


def test_the_server_preview_equals_duckdb_s_for_in_order_late_and_replayed_deliveries(pg_url, tmp_path):
    """history.preview_delivery on a DuckDB file vs preview.preview_delivery on a server reader,
    after the same loads: a new column, updates, deletes, revives, a late and a replayed key."""
    import duckdb

    loads = [
        ("k1", date(2023, 1, 1), {"a": {"company": "A"}, "b": {"company": "B"}, "c": {"company": "C"}}),
        ("k3", date(2023, 3, 1), {"a": {"company": "A2"}, "c": {"company": "C", "capacity": 4}}),
        ("k4", date(2023, 4, 1), {"b": {"company": "B"}, "c": {"company": "C", "capacity": 4}, "d": {}}),
    ]
    duck = duckdb.connect(str(tmp_path / "w.duckdb"))
    for key, day, rows in loads:
        frame = records(rows, source="s", delivery_key=key)
        with transaction(duck):
            apply_delivery(duck, "s", key, f"e-{key}", day, frame)
        with mirror.session(pg_url, scopes.source_load("s")) as con, transaction(con):
            apply_delivery(con, "s", key, f"e-{key}", day, frame)
    probes = [
        ("k5", date(2023, 5, 1), {"a": {"company": "A2"}, "e": {"company": "E", "zip": "89501"}}),  # in order
        ("k2", date(2023, 2, 1), {"a": {"company": "A"}, "c": {"company": "C"}}),  # late
        ("k3", date(2023, 3, 1), {"a": {"company": "A3"}, "b": {}}),  # a replay of k3
    ]
    resource = build_resources(warehouse=pg_url, storage_dir=tmp_path / "storage")["duckdb"]
    for key, day, rows in probes:
        frame = records(rows, source="s", delivery_key=key)
        expected = preview_delivery(duck, "s", key, day, frame)
        with resource.open(scopes.source_read("s")) as con:
            assert isinstance(con, ServerConnection)
            assert preview.preview_delivery(con, "s", key, day, frame) == expected, key
    assert preview_delivery(duck, "s", "k2", date(2023, 2, 1), records(probes[1][2], source="s", delivery_key="k2")).deleted == 1
    with psycopg.connect(pg_url) as pg:  # the previews wrote nothing but their own temp tables
        assert pg.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 3
        assert pd.DataFrame(pg.execute("SELECT count(*) FROM source_history").fetchall()).iat[0, 0] > 0
