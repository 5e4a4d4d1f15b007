"""Asset checks through Dagster: crafted deliveries in the (moto) bucket, real runs, a real DuckDB file.

Small Nevada deliveries cut from the sample keep the runs fast.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from dagster import AssetCheckSeverity, AssetKey, AssetSelection, instance_for_test, materialize

from etl_assets.orchestration.assets.leads import build_leads_asset
from etl_assets.orchestration.checks import build_freshness_checks, build_leads_checks
from etl_assets.orchestration.checks import rules
from etl_assets.orchestration.definitions import build_chains
from etl_assets_tests.support.deliveries import deliver, nevada_csv

def checks_of(run) -> dict[str, object]:
    return {f"{e.asset_key.path[-1]}:{e.check_name}": e for e in run.get_asset_check_evaluations()}


def materialized(run) -> set[str]:
    return {e.asset_key.path[-1] for e in run.get_asset_materialization_events()}


def warehouse_state(resources) -> tuple:
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        return (
            con.execute("SELECT count(*) FROM source_current WHERE _source = 'nevada'").fetchone()[0],
            con.execute("SELECT _delivery_key FROM deliveries ORDER BY 1").fetchall(),
        )


@pytest.fixture
def instance():
    with instance_for_test() as instance:
        yield instance


def test_delivery_checks_pass_warn_and_block(instance, resources, bucket_name, s3_client):
    first = deliver(instance, resources, s3_client, bucket_name, "nevada/07-01-2023 Nevada.csv", nevada_csv(20))
    assert first.success
    checks = checks_of(first)
    assert checks["raw:row_count_vs_previous"].passed and checks["raw:schema_drift"].passed
    assert checks["normalized:null_rates"].passed and checks["deduped:record_key_unique"].passed
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        profile = dict(con.execute("SELECT column_name, null_rate FROM column_profiles WHERE column_name = 'phone'").fetchall())
    assert profile == {"phone": 0.1}  # 2 of the first 20 records have no valid phone
    before = warehouse_state(resources)

    # every phone gone: the null rate of phone rises 0.1 → 1 (WARN, the delivery still loads)
    blanked = deliver(instance, resources, s3_client, bucket_name, "nevada/07-02-2023 Nevada.csv", nevada_csv(20, blank=("Phone#",)))
    assert blanked.success
    nulls = checks_of(blanked)["normalized:null_rates"]
    assert not nulls.passed and nulls.severity == AssetCheckSeverity.WARN
    assert nulls.metadata["risen"].value == {"phone": {"now": 1.0, "before": 0.1}}
    assert nulls.metadata["previous_delivery"].value == "nevada/07-01-2023 Nevada.csv"
    loaded = warehouse_state(resources)
    assert len(loaded[1]) == 2

    # a required column missing: schema_drift fails ERROR and blocks; nothing downstream runs
    missing = deliver(instance, resources, s3_client, bucket_name, "nevada/07-03-2023 Nevada.csv", nevada_csv(20, drop=("Credential Number",)))
    assert not missing.success
    drift = checks_of(missing)["raw:schema_drift"]
    assert not drift.passed and drift.severity == AssetCheckSeverity.ERROR
    assert drift.metadata["missing_required"].value == ["Credential Number"]
    assert materialized(missing) == {"raw"}
    assert warehouse_state(resources) == loaded

    # 20 → 5 rows (75% drop > 50%): row_count_vs_previous fails ERROR and blocks
    short = deliver(instance, resources, s3_client, bucket_name, "nevada/07-04-2023 Nevada.csv", nevada_csv(5))
    assert not short.success
    rows = checks_of(short)["raw:row_count_vs_previous"]
    assert not rows.passed and rows.severity == AssetCheckSeverity.ERROR
    assert (rows.metadata["rows"].value, rows.metadata["previous_rows"].value) == (5, 20)
    assert rows.metadata["previous_delivery"].value == "nevada/07-02-2023 Nevada.csv"
    assert materialized(short) == {"raw"} and warehouse_state(resources) == loaded
    assert before[0] == loaded[0] == 20

    # the operator overrides the row check; the delete guard (15 of 20 would go) still holds it
    override = {"ops": {"nevada__raw": {"config": {"allow_row_drop": True}}}}
    rerun = materialize(
        [a for c in build_chains() if c.spec.source == "nevada" for a in c.definitions],
        partition_key="nevada/07-04-2023 Nevada.csv", instance=instance, resources=resources,
        run_config=override, raise_on_error=False,
    )
    checks = checks_of(rerun)
    assert checks["raw:row_count_vs_previous"].passed and not checks["deduped:delete_guard"].passed
    assert warehouse_state(resources) == loaded


def test_record_key_unique_rule():
    good = pd.DataFrame({"_record_key": ["a", "b", "c"]})
    bad = pd.DataFrame({"_record_key": ["a", "b", "a", None]})
    assert rules.record_key_unique(good).passed
    result = rules.record_key_unique(bad)
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
    assert (result.metadata["duplicate_keys"].value, result.metadata["null_keys"].value) == (1, 1)


def test_leads_checks_and_freshness_and_column_lineage(instance, resources, bucket_name, s3_client):
    run = deliver(instance, resources, s3_client, bucket_name, "nevada/07-07-2023 Nevada.csv", nevada_csv(10))
    assert run.success

    # column lineage: each leads column names the raw header column(s) it came from
    (normalized,) = [e for e in run.get_asset_materialization_events() if e.asset_key == AssetKey(["nevada", "normalized"])]
    lineage = normalized.materialization.metadata["dagster/column_lineage"].value
    deps = {c: [(d.asset_key, d.column_name) for d in ds] for c, ds in lineage.deps_by_column.items()}
    assert deps["phone"] == [(AssetKey(["nevada", "raw"]), "Phone#")]
    assert deps["licensee_name"] == [(AssetKey(["nevada", "raw"]), "Name"), (AssetKey(["nevada", "raw"]), "Primary Contact Name")]
    for e in run.get_asset_materialization_events():
        if e.asset_key.path[-1] in ("raw", "normalized"):
            assert "dagster/column_schema" in e.materialization.metadata

    # leads checks run with the refresh and pass on a consistent warehouse
    chains = build_chains()
    leads = build_leads_asset([c.warehouse_key for c in chains])
    lead_checks = build_leads_checks()
    result = materialize([leads, *lead_checks], instance=instance, resources=resources)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["lead_ids_unique"].passed and evaluations["records_resolved_once"].passed

    # a collision and an unresolved record: both fail (ERROR, non-blocking), run by themselves
    with duckdb.connect(resources["duckdb"].database) as con:
        con.execute("INSERT INTO leads SELECT * FROM leads LIMIT 1")
        con.execute("DELETE FROM lead_sources WHERE _record_key = (SELECT min(_record_key) FROM lead_sources)")
    result = materialize(
        [leads, *lead_checks], instance=instance, resources=resources,
        selection=AssetSelection.checks(*lead_checks), raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["lead_ids_unique"].passed and evaluations["lead_ids_unique"].metadata["colliding_lead_ids"].value == 1
    assert not evaluations["records_resolved_once"].passed and evaluations["records_resolved_once"].metadata["unresolved"].value == 1
    assert all(e.severity == AssetCheckSeverity.ERROR for e in evaluations.values())

    # freshness: the newest Nevada delivery is dated 2023-07-07; 45 days allowed
    (nevada_freshness,) = [c for c in build_freshness_checks([c.spec for c in chains]) if next(iter(c.check_keys)).asset_key.path[0] == "nevada"]
    nevada = [a for c in chains if c.spec.source == "nevada" for a in c.assets]

    def freshness_on(as_of: str):
        config = {"ops": {"nevada__warehouse_freshness": {"config": {"as_of": as_of}}}}
        run = materialize(
            [*nevada, nevada_freshness], instance=instance, resources=resources, run_config=config,
            selection=AssetSelection.checks(nevada_freshness), raise_on_error=False,
        )
        (evaluation,) = run.get_asset_check_evaluations()
        return evaluation

    assert freshness_on("2023-08-01").passed
    stale = freshness_on("2023-09-30")
    assert not stale.passed and stale.severity == AssetCheckSeverity.WARN
    assert stale.metadata["age_days"].value == 85 and stale.metadata["newest_delivery_date"].value == "2023-07-07"
