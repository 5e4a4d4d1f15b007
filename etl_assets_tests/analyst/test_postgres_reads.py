"""On PostgreSQL, `export-leads` and the analyst views' assets query the published views on the
server (a reader, streamed in batches; no copy of the history) and give what DuckDB gives: the
same four samples and leads run on both backends, the same CSV bytes for every filter, the same
view metadata, and the export never recreates views the refresh published."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest
from dagster import instance_for_test, materialize

from etl_assets import cli, warehouse
from etl_assets.exports.crm import DEFAULT_S3_KEY
from etl_assets.orchestration.assets.analyst import analyst_views, net_new_leads_export
from etl_assets.orchestration.resources import build_resources
from etl_assets.warehouse import scopes
from etl_assets.warehouse.exports import ExportFilter, leads_for_export
from etl_assets.warehouse.postgres.connection import ServerConnection

FILTERS = ([], ["--net-new"], ["--net-new", "--state", "TX"], ["--source", "nevada"], ["--since", "2023-07-08"])


def _oid(url: str, view: str):
    with psycopg.connect(url) as pg:
        return pg.execute("SELECT to_regclass(%s)::oid", [f"public.{view}"]).fetchone()[0]


@pytest.mark.parametrize("args", FILTERS, ids=lambda a: " ".join(a) or "all")
def test_export_leads_writes_the_same_bytes_from_the_server(args, sample_warehouse, sample_warehouse_postgres,
                                                            monkeypatch, tmp_path):
    out = {}
    for kind in ("duckdb", "postgres"):
        if kind == "duckdb":
            monkeypatch.delenv("ETL_WAREHOUSE_URL", raising=False)
            monkeypatch.setenv("ETL_WAREHOUSE_PATH", sample_warehouse)
        else:
            monkeypatch.setenv("ETL_WAREHOUSE_URL", sample_warehouse_postgres)
        path = tmp_path / f"{kind}.csv"
        assert cli.main(["export-leads", *args, "--out", str(path)]) == 0
        out[kind] = path.read_bytes()
    assert out["postgres"] == out["duckdb"]
    assert out["duckdb"].count(b"\n") > 1


def test_the_export_streams_from_a_server_reader_in_batches(sample_warehouse, sample_warehouse_postgres, tmp_path):
    import duckdb

    with duckdb.connect(sample_warehouse, read_only=True) as con:
        expected = pd.concat(list(leads_for_export(con, ExportFilter(net_new=True))), ignore_index=True)
    resource = build_resources(warehouse=sample_warehouse_postgres, storage_dir=tmp_path)["duckdb"]
    with resource.open(scopes.analyst_read()) as con:
        assert isinstance(con, ServerConnection)
        batches = list(leads_for_export(con, ExportFilter(net_new=True), batch_rows=7))
    assert len(batches) == -(-len(expected) // 7) > 1 and all(len(b) <= 7 for b in batches)
    found = pd.concat(batches, ignore_index=True)
    assert list(found.columns) == list(expected.columns)
    assert found.astype(str).values.tolist() == expected.astype(str).values.tolist()


def test_the_export_reads_the_published_views_and_recreates_only_missing_ones(sample_warehouse_postgres, tmp_path):
    url = sample_warehouse_postgres
    resource = build_resources(warehouse=url, storage_dir=tmp_path)["duckdb"]
    before = _oid(url, "net_new_leads")
    assert before is not None
    resource.refresh_analyst_views("salesforce", replace=False)
    assert _oid(url, "net_new_leads") == before  # present: no DDL
    with psycopg.connect(url) as pg:
        pg.execute("DROP VIEW public.net_new_leads")
    resource.refresh_analyst_views("salesforce", replace=False)
    assert _oid(url, "net_new_leads") not in (None, before)  # missing: published again


def test_the_view_assets_and_the_export_asset_agree_across_backends(sample_warehouse, sample_warehouse_postgres,
                                                                   s3_endpoint, s3_client, tmp_path):
    found = {}
    for kind, target in (("duckdb", sample_warehouse), ("postgres", sample_warehouse_postgres)):
        bucket = f"views-{kind}"
        s3_client.create_bucket(Bucket=bucket)
        resources = build_resources(bucket=bucket, endpoint_url=s3_endpoint, warehouse=target,
                                    storage_dir=tmp_path / kind, region="us-east-1")
        with instance_for_test() as instance:
            result = materialize([analyst_views, net_new_leads_export], instance=instance, resources=resources)
        metadata = {e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()
                                           if k not in ("dagster/column_schema", "export")}
                    for e in result.get_asset_materialization_events()}
        schemas = {e.asset_key.path[-1]: [c.name for c in e.materialization.metadata["dagster/column_schema"].value.columns]
                   for e in result.get_asset_materialization_events() if e.asset_key.path[0] == "warehouse"}
        body = s3_client.get_object(Bucket=bucket, Key=DEFAULT_S3_KEY)["Body"].read()
        found[kind] = (metadata, schemas, body)
    duck, pg = found["duckdb"], found["postgres"]
    assert duck[0]["net_new_leads"]["dagster/row_count"] > 0 and "| 1 |" in duck[0]["source_scorecard"]["ranking"]
    assert set(duck[1]) == {v.split(".")[-1] for v in warehouse.ANALYST_VIEWS}
    assert pg[0] == duck[0]
    assert pg[1] == duck[1]
    assert pg[2] == duck[2]


def test_an_analyst_s_read_only_role_can_export(sample_warehouse_postgres, monkeypatch, tmp_path):
    """No DDL on the way: the tables and the published views exist, the reader only reads."""
    from urllib.parse import urlsplit

    url = sample_warehouse_postgres
    role = f"analyst_{tmp_path.name[-8:].replace('-', '_').lower()}"
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f'CREATE ROLE "{role}" LOGIN')
        pg.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        pg.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    parts = urlsplit(url)
    monkeypatch.setenv("ETL_WAREHOUSE_URL", parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}").geturl())
    assert cli.main(["export-leads", "--net-new", "--out", str(tmp_path / "ro.csv")]) == 0
    assert (tmp_path / "ro.csv").read_bytes().count(b"\n") > 1
    with psycopg.connect(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}").geturl()) as pg:
        try:
            pg.execute("CREATE TABLE public.nope (x int)")
            raise AssertionError("the role could create a table")
        except psycopg.errors.InsufficientPrivilege:
            pass
