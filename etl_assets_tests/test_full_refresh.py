"""Full-refresh semantics through Dagster: derived deliveries (scripts/derive_deliveries.py) with
known changes, exact change counts, order independence, and the blocking delete guard."""

from __future__ import annotations

import duckdb
from dagster import AssetCheckKey, instance_for_test

from etl_assets_tests.conftest import PROJECT_ROOT
from etl_assets_tests.support.derived import derived, upload  # noqa: F401 (derived: a fixture)
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, materialize_request

SOURCES = ("nevada", "texas")


def ingest_one_by_one(instance, resources, s3_client, bucket, root, keys) -> dict[str, dict]:
    """Upload and ingest deliveries one at a time in the given order; returns warehouse metadata per key."""
    cursor = None
    metadata = {}
    for key in keys:
        upload(s3_client, bucket, root, [key])
        result = evaluate_delivery_sensor(instance, resources, cursor=cursor)
        cursor = result.cursor
        (request,) = result.run_requests
        run = materialize_request(instance, resources, request)
        (event,) = [e for e in run.get_asset_materialization_events() if e.asset_key.path[-1] == "warehouse"]
        metadata[key] = {k: v.value for k, v in event.materialization.metadata.items()}
    return metadata


def history_rows(path: str) -> list:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(
            "SELECT * EXCLUDE (_ingested_at) FROM source_history ORDER BY ALL"
        ).fetchall()


def test_in_order_deliveries_give_the_expected_counts(derived, resources, bucket_name, s3_client):
    root, expected = derived
    keys = [d["delivery_key"] for d in expected["deliveries"] if d["source"] == "nevada"]
    with instance_for_test() as instance:
        metadata = ingest_one_by_one(instance, resources, s3_client, bucket_name, root, keys)
    for d in expected["deliveries"]:
        if d["source"] == "nevada":
            got = {k: metadata[d["delivery_key"]][k] for k in d["counts"]}
            assert got == d["counts"], d["delivery_key"]
    last = expected["deliveries"][2]
    (revived,) = last["record_keys"]["revived"]
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        versions = con.execute(
            "SELECT change_type, is_current, is_deleted FROM source_history "
            "WHERE _source = 'nevada' AND _record_key = ? ORDER BY valid_from",
            [revived],
        ).fetchall()
    assert versions == [("insert", False, False), ("delete", False, True), ("revive", True, False)]


def test_reverse_order_gives_the_same_history(derived, resources, bucket_name, s3_client, tmp_path):
    root, expected = derived
    keys = [d["delivery_key"] for d in expected["deliveries"] if d["source"] == "texas"]
    with instance_for_test() as instance:
        ingest_one_by_one(instance, resources, s3_client, bucket_name, root, keys)
    in_order = history_rows(resources["duckdb"].database)

    other = dict(resources)
    other["duckdb"] = type(resources["duckdb"])(database=str(tmp_path / "other.duckdb"))
    other["stage_io_manager"] = type(resources["stage_io_manager"])(base_dir=str(tmp_path / "other-storage"))
    s3_client.delete_objects(Bucket=bucket_name, Delete={"Objects": [{"Key": k} for k in keys]})
    with instance_for_test() as instance:
        ingest_one_by_one(instance, other, s3_client, bucket_name, root, list(reversed(keys)))
    assert history_rows(other["duckdb"].database) == in_order


def test_delete_guard_holds_a_truncated_delivery_until_overridden(resources, bucket_name, s3_client, tmp_path):
    original = PROJECT_ROOT / "data" / "sample_bucket" / "texas" / "07-07-2023 Texas DHHS.csv"
    lines = original.read_bytes().splitlines(keepends=True)
    truncated = tmp_path / "texas" / "08-07-2023 Texas DHHS.csv"
    truncated.parent.mkdir()
    truncated.write_bytes(b"".join(lines[:31]))  # header + 30 of 99 records: would delete 69 (70%)
    with instance_for_test() as instance:
        ingest_one_by_one(instance, resources, s3_client, bucket_name, original.parent.parent, ["texas/07-07-2023 Texas DHHS.csv"])
        upload(s3_client, bucket_name, tmp_path, ["texas/08-07-2023 Texas DHHS.csv"])
        result = evaluate_delivery_sensor(instance, resources)
        (request,) = [r for r in result.run_requests if r.partition_key.startswith("texas/08")]
        # the row-count guard would hold it first (30 of 99 rows); let it through to reach the delete guard
        rows_ok = {"ops": {"texas__raw": {"config": {"allow_row_drop": True}}}}
        run = materialize_request(instance, resources, request, raise_on_error=False, run_config=rows_ok)
        assert not run.success
        checks = {e.check_name: e for e in run.get_asset_check_evaluations()}
        check = checks["delete_guard"]
        assert not check.passed and check.metadata["would_delete"].value == 69
        assert not [e for e in run.get_asset_materialization_events() if e.asset_key.path[-1] == "warehouse"]
        with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM source_current WHERE _source = 'texas'").fetchone()[0] == 99

        override = {"ops": {**rows_ok["ops"], check_op_name(run, "delete_guard"): {"config": {"allow_mass_delete": True}}}}
        run = materialize_request(instance, resources, request, run_config=override)
        assert run.success
        with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM source_current WHERE _source = 'texas'").fetchone()[0] == 30


def check_op_name(run, check_name: str) -> str:
    """The op that evaluated the check (the asset's own: the check runs in its step), whose run config overrides it."""
    steps = {e.step_key for e in run.all_events
             if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == check_name}
    (step,) = steps
    return step
