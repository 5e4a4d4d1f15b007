"""The SCD2 history on PostgreSQL (mirror sessions over a real server) ends exactly where the
DuckDB backend ends: in order, in every order, with replays (same and changed content), with a new
business column, and across sources. The DuckDB side of each case is test_history.py's."""

from __future__ import annotations

import itertools

import psycopg
import pytest

from etl_assets.stages.history import apply_delivery
from etl_assets.warehouse import scopes, transaction
from etl_assets.warehouse.postgres import mirror
from etl_assets_tests.support.history import PERMUTED, SCENARIO, SCENARIO_COUNTS, apply_pg, build, build_pg, pg_tables, records, tables


def test_in_order_counts_and_tables_equal_duckdb(pg_url):
    for key, day, rows in SCENARIO:
        assert apply_pg(pg_url, "s", key, day, records(rows, delivery_key=key)) == SCENARIO_COUNTS[key]
    assert pg_tables(pg_url) == tables(build(range(len(SCENARIO))))


@pytest.mark.parametrize("order", list(itertools.permutations(PERMUTED))[::8])
def test_any_order_gives_the_in_order_tables(pg_server, order):
    url = pg_server.create_database(f"perm_{''.join(map(str, order))}")
    build_pg(url, order)
    assert pg_tables(url) == tables(build(PERMUTED))


def test_replays_same_and_changed_content(pg_url):
    build_pg(pg_url, range(len(SCENARIO)))
    expected = tables(build(range(len(SCENARIO))))
    key, day, rows = SCENARIO[1]
    assert apply_pg(pg_url, "s", key, day, records(rows, delivery_key=key)) == SCENARIO_COUNTS[key]
    assert pg_tables(pg_url) == expected
    changed = list(SCENARIO)
    changed[1] = ("k2", day, {"a": {"company": "A", "capacity": 10}, "d": {"company": "D", "phone": "+12025550111"}})
    apply_pg(pg_url, "s", "k2", day, records(changed[1][2], delivery_key="k2"))
    assert pg_tables(pg_url) == tables(build(range(len(changed)), changed))


def test_a_new_business_column_and_another_source(pg_url):
    key, day, rows = SCENARIO[0]
    apply_pg(pg_url, "s", key, day, records(rows, delivery_key=key))
    wide = records({"x": {"company": "X", "county": "Clark"}}, source="t", delivery_key="t1",
                   columns={"company": records({}).dtypes["company"], "county": records({}).dtypes["company"]})
    apply_pg(pg_url, "t", "t1", day, wide)
    duck = build([0])
    with duck.cursor() as cur:
        cur.execute("BEGIN")
        apply_delivery(cur, "t", "t1", "etag-t1", day, wide)
        cur.execute("COMMIT")
    assert pg_tables(pg_url) == tables(duck)
    with psycopg.connect(pg_url) as con:
        live = con.execute("SELECT _source, _record_key, county FROM source_current ORDER BY 1, 2").fetchall()
    assert ("t", "x", "Clark") in live and ("s", "a", None) in live


def test_a_failed_load_writes_nothing(pg_url):
    key, day, rows = SCENARIO[0]
    apply_pg(pg_url, "s", key, day, records(rows, delivery_key=key))
    before = pg_tables(pg_url)
    key, day, rows = SCENARIO[1]
    with pytest.raises(RuntimeError, match="boom"):
        with mirror.session(pg_url, scopes.source_load("s")) as con, transaction(con):
            apply_delivery(con, "s", key, f"etag-{key}", day, records(rows, delivery_key=key))
            raise RuntimeError("boom")
    assert pg_tables(pg_url) == before
