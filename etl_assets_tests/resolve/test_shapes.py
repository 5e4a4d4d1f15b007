"""No source's shape can stop the leads refresh (real runs: moto S3, Dagster, a DuckDB file).

A business directory without ZIP codes, or an API export without any address, next to the four
samples takes the warehouse above the 1,000 records from which Splink learns m by EM. Before the
training was guarded (``resolve_training``), every refresh from then on failed in EM with
"Training rule (l."zip" = r."zip") AND (l."name_core" = r."name_core") resulted in no record
pairs". Now the refresh completes, says which session it skipped, and the samples' records are
grouped into leads exactly as before the directory arrived.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pytest
from dagster import instance_for_test

from etl_assets.sources import registry
from etl_assets_tests.conftest import SAMPLE_RECORDS
from etl_assets_tests.support import shaped_sources as shaped

SAMPLE_SOURCES = tuple(SAMPLE_RECORDS)


@pytest.fixture
def mappings(tmp_path, monkeypatch):
    def use(sources: dict[str, bool]):
        directory = shaped.with_mappings(tmp_path / "mappings", sources)
        monkeypatch.setenv("ETL_MAPPINGS_DIR", str(directory))
        registry.load_specs.cache_clear()
        registry.leads_schema.cache_clear()
        return directory

    yield use
    registry.load_specs.cache_clear()
    registry.leads_schema.cache_clear()


def sample_groups(warehouse) -> set[frozenset[str]]:
    """The samples' records grouped by lead (each lead's sample members; other sources left out)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT lead_id, _source, _record_key FROM lead_sources").fetchall()
    groups = defaultdict(set)
    for lead, source, key in rows:
        if source in SAMPLE_SOURCES:
            groups[lead].add(f"{source}:{key}")
    return {frozenset(g) for g in groups.values()}


def _check_training(metadata: dict) -> None:
    training = metadata["model_training"]
    outcomes = {s["blocked_on"]: s["outcome"] for s in training["sessions"]}
    assert outcomes.get("phone", "").startswith("trained"), training
    assert "zip + name_core" not in outcomes  # no two records agree on both: skipped, and said so
    assert any("zip + name_core" in w for w in training["warnings"]), training
    assert "zip + name_core" in metadata["model_training_warnings"]
    assert set(training["m_from"].values()) <= {"em", "default"}


def _one_lead_for_the_duplicate(warehouse, source: str) -> bool:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""SELECT count(DISTINCT lead_id) FROM lead_sources WHERE _source = ?
                              AND _record_key IN (?, ?)""", [source, f"{source[:2].upper()}00000",
                                                             f"{source[:2].upper()}00000b"]).fetchall()
    return rows == [(1,)]  # the directory lists its first provider twice (same phone, suffix dropped)


def test_sources_without_zip_codes_or_any_address_cannot_stop_the_refresh(
        mappings, resources, bucket_name, s3_client, tmp_path):
    mappings({"citydir": True, "apidir": False})
    warehouse = resources["duckdb"].database
    rows = 760  # with the samples' 287 live records: above the 1,000 from which EM learns m
    citydir = shaped.directory(tmp_path / "bucket", "citydir", rows, address=True)
    apidir = shaped.directory(tmp_path / "bucket", "apidir", rows, address=False, seed=22)
    with instance_for_test() as instance:
        shaped.ingest(instance, resources, s3_client, bucket_name, shaped.samples())
        before = shaped.leads_metadata(shaped.refresh(instance, resources))
        assert before["source_records"] + rows > 1_000
        samples_alone = sample_groups(warehouse)

        # a directory without ZIP codes: the warehouse outgrows the model, which is retrained
        shaped.ingest(instance, resources, s3_client, bucket_name, {f"citydir/{citydir.name}": citydir})
        run = shaped.refresh(instance, resources)
        assert run.success
        no_zip = shaped.leads_metadata(run)
        assert no_zip["source_records"] > 1_000 and no_zip["model_retrained"] is True
        _check_training(no_zip)
        assert sample_groups(warehouse) == samples_alone  # the other sources' links unchanged
        assert _one_lead_for_the_duplicate(warehouse, "citydir")

        # and an export without any address: retrained with both next to the samples
        shaped.ingest(instance, resources, s3_client, bucket_name, {f"apidir/{apidir.name}": apidir})
        run = shaped.refresh(instance, resources, {"ops": {"warehouse__leads": {"config": {"retrain": True}}}})
        assert run.success
        no_address = shaped.leads_metadata(run)
        assert no_address["model_retrained"] is True
        _check_training(no_address)
        assert sample_groups(warehouse) == samples_alone
        assert _one_lead_for_the_duplicate(warehouse, "citydir") and _one_lead_for_the_duplicate(warehouse, "apidir")
