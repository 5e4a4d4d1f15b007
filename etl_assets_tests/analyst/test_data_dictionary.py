"""The data dictionary: every table, view and column of a real warehouse described once; the
generated docs/data_dictionary.md current; the leads asset's metadata shows descriptions and lineage."""

from __future__ import annotations

from etl_assets import cli
from etl_assets.warehouse.dictionary import column_doc, lineage, render_markdown, table_columns, table_doc
from etl_assets_tests.conftest import PROJECT_ROOT


def test_the_committed_data_dictionary_is_current():
    committed = (PROJECT_ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "run `make data-dictionary` and commit docs/data_dictionary.md"
    assert cli.main(["data-dictionary", "--check"]) == 0


def test_the_check_fails_on_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "dd.md"
    stale.write_text(render_markdown().replace("S3 key of the delivery", "old words"), encoding="utf-8")
    assert cli.main(["data-dictionary", "--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_every_table_view_and_column_of_the_warehouse_is_described(analyst_warehouse):
    actual = {}
    for table, column in analyst_warehouse.query(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "ORDER BY table_name, ordinal_position"):
        actual.setdefault(f"main.{table}", []).append(column)
    declared = table_columns()
    assert set(actual) == set(declared)
    for table, columns in actual.items():
        assert table_doc(table), table
        undescribed = [c for c in columns if not column_doc(table, c)]
        assert not undescribed, (table, undescribed)
        if table not in ("main.leads", "main.source_history", "main.source_current", "main.source_values"):
            assert columns == declared[table], table  # fixed shapes match the declaration exactly


def test_lineage_names_each_sources_column_and_transform():
    phone = lineage()["phone"]
    assert phone["nevada"] == "Phone# → phone_e164" and phone["texas"] == "Phone → phone_e164"


def test_the_leads_asset_shows_descriptions_and_the_lineage_table(analyst_warehouse):
    metadata = analyst_warehouse.leads_metadata
    assert metadata["dagster/table_name"].value == "main.leads"
    columns = {c.name: c.description for c in metadata["dagster/column_schema"].value.columns}
    assert columns["phone"] == "E.164, e.g. +12097471797" and all(columns.values())
    table = metadata["column_lineage"].value
    assert "| phone | E.164, e.g. +12097471797 | Phone# → phone_e164 |" in table
    deps = metadata["dagster/column_lineage"].value.deps_by_column["phone"]
    assert {d.asset_key.path[0] for d in deps} == {"nevada", "oklahoma", "salesforce", "texas"}
    assert metadata["net_new_leads"].value == analyst_warehouse.query("SELECT count(*) FROM net_new_leads")[0][0]
    live = dict(analyst_warehouse.query("SELECT _source, count(DISTINCT lead_id) FROM lead_sources GROUP BY 1"))
    assert {s: metadata[f"live_leads/{s}"].value for s in live} == live
