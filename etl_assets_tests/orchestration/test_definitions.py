from dagster import AssetKey, Definitions

from etl_assets.orchestration.definitions import defs
from etl_assets.sources.registry import load_specs


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_every_source_has_its_four_assets_and_leads_depends_on_all():
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    sources = [s.source for s in load_specs()]
    assert set(sources) == {"nevada", "oklahoma", "texas", "salesforce"}
    for source in sources:
        chain = [AssetKey([source, stage]) for stage in ("raw", "normalized", "deduped", "warehouse")]
        assert set(chain) <= keys
        for upstream, downstream in zip(chain, chain[1:]):
            assert upstream in graph.get(downstream).parent_keys
        assert graph.get(chain[0]).partitions_def.name == f"{source}_deliveries"
    leads_parents = graph.get(AssetKey(["warehouse", "leads"])).parent_keys
    assert leads_parents == {AssetKey([s, "warehouse"]) for s in sources}


def test_jobs_and_sensors_are_registered():
    assert {f"{s.source}_ingest" for s in load_specs()} <= {j.name for j in defs.jobs}
    assert {s.name for s in defs.sensors} == {
        "s3_delivery_sensor", "leads_refresh_sensor", "alert_on_run_failure", "alert_on_check_failure", "reap_dead_runs"
    }
    assert {s.name for s in defs.schedules} == {
        *(f"reconcile_{s.source}" for s in load_specs()), "nightly_leads_refresh", "nightly_freshness"
    }
