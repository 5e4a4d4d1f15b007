"""Every table declared once (warehouse/tables.py): DuckDB and a real PostgreSQL 15 create the same
columns, types and NOT NULLs from the one declaration; frames are written conformed to it (declared
order and types, a missing column NULL) and an undeclared column is an error naming table and
column; a new column is one line of the declaration (DDL on both backends, the dictionary, the
writer); a leads table an older release shaped from the resolver's frame gets its declared shape
back from the next leads refresh (a real Dagster run), on both backends, lead ids kept."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pandas as pd
import psycopg
import pytest
from dagster import instance_for_test

from etl_assets import warehouse
from etl_assets.orchestration.resources import build_resources
from etl_assets.stages.history import apply_delivery
from etl_assets.warehouse import dictionary, frames, scopes
from etl_assets.warehouse.columns import Column
from etl_assets.warehouse.ddl import NOT_NULL, base_type
from etl_assets.warehouse.postgres import server as postgres
from etl_assets.warehouse.tables import LEAD_SOURCES, LEADS, TABLES, ensure_warehouse
from etl_assets_tests.stages.test_history import records
from etl_assets_tests.support.backends import Warehouse
from etl_assets_tests.support.pipeline import materialize_leads

_SHAPE_SQL = ("SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = {p} "
              "AND table_name = {p} ORDER BY ordinal_position")


def _declared(table: str) -> list[tuple[str, str, bool]]:
    return [(c, base_type(t), NOT_NULL not in t) for c, t in TABLES[table].columns.items()]


def _duckdb_shape(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    nullable = dict(con.execute(_SHAPE_SQL.format(p="?"), table.split(".")).fetchall())
    return [(c, t, nullable[c] == "YES") for c, t in warehouse.backend.columns(con, table).items()]


def _pg_shape(pg: psycopg.Connection, table: str) -> list[tuple[str, str, bool]]:
    nullable = dict(pg.execute(_SHAPE_SQL.format(p="%s"), postgres.pg_name(table).split(".")).fetchall())
    return [(c, t, nullable[c] == "YES") for c, t in postgres.columns(pg, table).items()]


def test_both_backends_create_every_declared_table_alike(pg_url):
    con = duckdb.connect()
    ensure_warehouse(con)
    with postgres.connect(pg_url) as pg:
        postgres.ensure_tables(pg)
        for table in TABLES:
            assert _duckdb_shape(con, table) == _declared(table), table
            assert _pg_shape(pg, table) == _declared(table), table
    assert [c for c, *_ in _declared(LEADS)][:2] == ["lead_id", "accepts_financial_aid"]  # then mappings/leads.yaml


def test_a_frame_is_written_in_the_declared_order_and_types():
    con = duckdb.connect()
    ensure_warehouse(con)
    frame = pd.DataFrame({"is_net_new": [True], "source_count": [2.0], "license_issued": pd.to_datetime(["2020-01-02"]),
                          "capacity": ["12"], "lead_id": ["L1"]})
    warehouse.replace_table(con, LEADS, frame)
    assert frames.conforms(con, LEADS)
    row = con.execute(f"SELECT lead_id, source_count, license_issued, capacity, company, is_net_new FROM {LEADS}").fetchone()
    assert row == ("L1", 2, date(2020, 1, 2), 12, None, True)


def test_an_undeclared_column_is_an_error_naming_table_and_column():
    con = duckdb.connect()
    ensure_warehouse(con)
    warehouse.replace_table(con, LEADS, pd.DataFrame({"lead_id": ["L1"]}))
    with pytest.raises(warehouse.UndeclaredColumnError, match=r"main\.leads: column 'valid_from' is not declared"):
        warehouse.replace_table(con, LEADS, pd.DataFrame({"lead_id": ["L2"], "valid_from": [date(2023, 1, 1)]}))
    with pytest.raises(warehouse.UndeclaredColumnError, match=r"main\.lead_sources: column 'cluster' is not declared"):
        frames.insert_frame(con, LEAD_SOURCES, pd.DataFrame({"_source": ["s"], "_record_key": ["k"], "lead_id": ["L1"],
                                                             "cluster": [3]}))
    assert con.execute(f"SELECT lead_id FROM {LEADS}").fetchall() == [("L1",)]  # left as it was
    assert "valid_from" not in warehouse.backend.columns(con, LEADS)
    assert "cluster" not in warehouse.backend.columns(con, LEAD_SOURCES)


def test_a_new_column_is_one_line_in_the_declaration(monkeypatch, pg_url):
    region = Column("sales_region", "VARCHAR", "the sales region a lead is worked from (an example column)")
    monkeypatch.setitem(TABLES, LEADS, dataclasses.replace(TABLES[LEADS], declared=(*TABLES[LEADS].declared, region)))
    con = duckdb.connect()
    ensure_warehouse(con)
    frames.insert_frame(con, LEADS, pd.DataFrame({"lead_id": ["L1"], "sales_region": ["WEST"]}))
    assert con.execute(f"SELECT sales_region FROM {LEADS}").fetchall() == [("WEST",)]
    with postgres.connect(pg_url) as pg:
        postgres.ensure_tables(pg)
        assert _pg_shape(pg, LEADS)[-1] == ("sales_region", "VARCHAR", True)
    assert dictionary.column_doc(LEADS, "sales_region") == region.doc
    assert f"| sales_region | {region.doc} |" in dictionary.render_markdown()


def _load(resources, rows: dict, day: date) -> None:
    with resources["duckdb"].open(scopes.source_load("texas")) as con, warehouse.transaction(con):
        apply_delivery(con, "texas", f"texas/{day}", f"e-{day}", day, records(rows, source="texas", delivery_key=f"texas/{day}"))


def _old_shape(found: Warehouse) -> None:
    """leads as an older release wrote it: the resolver's frame, history columns and float counts included."""
    statements = ["CREATE TABLE leads_old AS SELECT lead_id, CAST(NULL AS TIMESTAMP) AS valid_from, company, "
                  "CAST(source_count AS FLOAT) AS source_count FROM leads", "DROP TABLE leads",
                  "ALTER TABLE leads_old RENAME TO leads"]
    if found.kind == "duckdb":
        with duckdb.connect(found.target) as con:
            for statement in statements:
                con.execute(statement)
    else:
        with psycopg.connect(found.target, autocommit=True) as con:
            statements[1] = "DROP TABLE leads CASCADE"
            for statement in statements:
                con.execute(statement)


def test_an_older_leads_table_gets_its_declared_shape_back(warehouse_backend, tmp_path, s3_endpoint, bucket_name):
    resources = build_resources(bucket=bucket_name, endpoint_url=s3_endpoint, warehouse=warehouse_backend.target,
                                storage_dir=tmp_path / "storage", region="us-east-1")
    rows = {"a": {"company": "Sunny Days Daycare", "phone": "+15125550101"},
            "b": {"company": "Sunny Days Daycare", "phone": "+15125550101", "capacity": 12},
            "c": {"company": "Little Stars Academy", "phone": "+15125550102"}}
    _load(resources, rows, date(2024, 1, 1))
    with instance_for_test() as instance:
        materialize_leads(instance, resources)
        before = warehouse_backend.fetch("SELECT lead_id, company FROM leads ORDER BY 1")
        _old_shape(warehouse_backend)
        assert "valid_from" in set(warehouse_backend.fetch("SELECT * FROM leads").columns)
        _load(resources, {**rows, "d": {"company": "Kids Corner", "phone": "+15125550103"}}, date(2024, 1, 2))
        result = materialize_leads(instance, resources)
    (event,) = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["refresh_mode"].value == "full"
    assert metadata["refresh_reason"].value == "the leads tables are not in their declared shape"
    after = warehouse_backend.fetch("SELECT * FROM leads ORDER BY lead_id")
    assert list(after.columns) == list(TABLES[LEADS].columns)
    kept = after[after["lead_id"].isin(before["lead_id"])][["lead_id", "company"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)  # the same leads, the same ids
    assert len(after) == len(before) + 1
