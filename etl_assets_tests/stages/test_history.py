"""SCD2 source history (etl_assets.stages.history): exact counts, versions, order independence,
replays, source isolation, schema growth, preview.

Records are built by hand (or from the derived sample deliveries with a small mapping below), so
these tests do not depend on the read/normalize stages.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_assets.stages.history import CURRENT, DELIVERIES, HISTORY, apply_delivery, business_columns, preview_delivery
from etl_assets.warehouse import ensure_warehouse
from etl_assets_tests.support.history import (BUSINESS_TYPES, D1, D2, D3, D4, INGESTED, PERMUTED, PROJECT_ROOT, SCENARIO,
                                              SCENARIO_COUNTS, STRING, TIMESTAMP, apply, build, counts, records, tables,
                                              versions)
from scripts import derive_deliveries

def test_exact_counts_and_versions():
    con = duckdb.connect()
    for key, day, rows in SCENARIO:
        assert apply(con, "s", key, day, records(rows, delivery_key=key)) == SCENARIO_COUNTS[key], key

    assert versions(con, "a") == [
        dict(valid_from=D1, valid_to=D2, is_current=False, is_deleted=False, change_type="insert", company="A",
             phone=None, capacity=10, _delivery_key="k1", _etag="etag-k1", _row_number=1, _line_number=2),
        dict(valid_from=D2, valid_to=None, is_current=True, is_deleted=False, change_type="update", company="A",
             phone=None, capacity=12, _delivery_key="k2", _etag="etag-k2", _row_number=1, _line_number=2),
    ]
    # b: inserted, deleted by k3 (a delete version copying the last values), revived by k4 with a new date
    b = versions(con, "b")
    assert [(v["valid_from"], v["valid_to"], v["change_type"], v["is_deleted"], v["is_current"]) for v in b] == [
        (D1, D3, "insert", False, False),
        (D3, D4, "delete", True, False),
        (D4, None, "revive", False, True),
    ]
    assert b[1]["company"] == "B" and b[1]["_delivery_key"] == "k3" and b[1]["_row_number"] is None
    assert b[1]["_line_number"] is None and b[1]["_etag"] == "etag-k3"
    # c: two versions on the same date (k3 then k3b, ordered by delivery key)
    c = versions(con, "c")
    assert [(v["valid_from"], v["valid_to"], v["change_type"], v["phone"], v["_delivery_key"]) for v in c] == [
        (D1, D2, "insert", "+12025550100", "k1"),
        (D2, D3, "delete", "+12025550100", "k2"),
        (D3, D3, "revive", "+12025550100", "k3"),
        (D3, D4, "update", "+12025550199", "k3b"),
        (D4, None, "delete", "+12025550199", "k4"),
    ]
    live = con.execute(f"SELECT _record_key FROM {CURRENT} ORDER BY 1").fetchall()
    assert live == [("a",), ("b",)]
    # one current row per record, valid_to chains
    assert con.execute(
        f"SELECT count(*) FROM (SELECT _record_key FROM {HISTORY} WHERE is_current GROUP BY 1 HAVING count(*) <> 1)"
    ).fetchone()[0] == 0
    bad_chain = con.execute(
        f"""SELECT count(*) FROM (SELECT valid_to, lead(valid_from) OVER w AS nxt FROM {HISTORY}
           WINDOW w AS (PARTITION BY _source, _record_key ORDER BY valid_from, _delivery_key))
           WHERE valid_to IS DISTINCT FROM nxt"""
    ).fetchone()[0]
    assert bad_chain == 0
    stored = con.execute(
        f"SELECT _delivery_key, inserted, updated, deleted, revived, unchanged, record_count FROM {DELIVERIES} ORDER BY 1"
    ).fetchall()
    assert stored == [(k, *SCENARIO_COUNTS[k].as_metadata().values(), len(rows)) for k, _, rows in sorted(SCENARIO)]


def test_unchanged_delivery_writes_no_version():
    con = duckdb.connect()
    rows = {"a": {"company": "A"}, "b": {"company": "B", "capacity": 3}}
    apply(con, "s", "k1", D1, records(rows, delivery_key="k1"))
    before = con.execute(f"SELECT count(*) FROM {HISTORY}").fetchone()[0]
    # lineage, _dq_flags and _extras are not business columns: no new version
    again = records({k: {**v, "_extras": '{"x": 1}', "_dq_flags": "f"} for k, v in rows.items()}, delivery_key="k2",
                    ingested=INGESTED + pd.Timedelta(days=30))
    assert apply(con, "s", "k2", D2, again) == counts(unchanged=2)
    assert con.execute(f"SELECT count(*) FROM {HISTORY}").fetchone()[0] == before


def test_row_hash_null_differs_from_empty_and_ignores_column_order():
    con = duckdb.connect()
    apply(con, "s", "k1", D1, records({"a": {"company": ""}, "b": {"company": None}, "c": {"company": "C"}}))
    assert apply(con, "s", "k2", D2, records({"a": {"company": None}, "b": {"company": ""}, "c": {"company": "C"}})) == counts(
        updated=2, unchanged=1
    )
    reordered = records({"a": {"company": None}, "b": {"company": ""}, "c": {"company": "C"}})
    reordered = reordered[list(reversed(reordered.columns))]
    assert apply(con, "s", "k3", D3, reordered) == counts(unchanged=3)
    hashes = dict(con.execute(
        f"SELECT _record_key || '@' || _delivery_key, row_hash FROM {HISTORY}").fetchall())
    assert hashes["a@k1"] != hashes["a@k2"] and hashes["a@k1"] == hashes["b@k2"]
    assert all(len(h) == 32 for h in hashes.values())


def test_business_columns_are_the_non_underscore_columns():
    frame = records({"a": {"company": "A"}})
    assert business_columns(frame) == list(BUSINESS_TYPES)


def test_invalid_records_are_rejected():
    con = duckdb.connect()
    dup = records({"a": {}, "b": {}})
    dup["_record_key"] = pd.array(["a", "a"], dtype=STRING)
    with pytest.raises(ValueError, match="not unique"):
        apply(con, "s", "k1", D1, dup)
    null = records({"a": {}})
    null["_record_key"] = pd.array([None], dtype=STRING)
    with pytest.raises(ValueError, match="null"):
        apply(con, "s", "k1", D1, null)
    reserved = records({"a": {}})
    reserved["valid_from"] = "x"
    with pytest.raises(ValueError, match="reserved"):
        apply(con, "s", "k1", D1, reserved)


def test_empty_delivery_deletes_everything_and_keys_revive():
    con = duckdb.connect()
    apply(con, "s", "k1", D1, records({"a": {"company": "A"}, "b": {"company": "B"}}))
    assert apply(con, "s", "k2", D2, records({})) == counts(deleted=2)
    assert con.execute(f"SELECT count(*) FROM {CURRENT}").fetchone()[0] == 0
    assert apply(con, "s", "k3", D3, records({"a": {"company": "A2"}})) == counts(revived=1)
    assert [v["change_type"] for v in versions(con, "a")] == ["insert", "delete", "revive"]
    assert versions(con, "a")[-1]["company"] == "A2"


# ------------------------------------------------------------------------------------------------
# order independence and replays


@pytest.fixture(scope="module")
def in_order_tables():
    return tables(build(range(len(SCENARIO))))


# k1, k3, k3b (same date as k3), k4: inserts, updates, deletes, revives; 24 orders


def test_every_permutation_gives_the_same_tables():
    expected = tables(build(PERMUTED))
    for order in itertools.permutations(PERMUTED):
        assert tables(build(order)) == expected, order


def test_out_of_order_apply_returns_counts_of_its_position():
    con = build([0, 1, 4])  # k1, k2, k4
    key, day, rows = SCENARIO[2]
    assert apply(con, "s", key, day, records(rows, delivery_key=key)) == SCENARIO_COUNTS["k3"]
    key, day, rows = SCENARIO[3]
    assert apply(con, "s", key, day, records(rows, delivery_key=key)) == SCENARIO_COUNTS["k3b"]
    stored = dict(con.execute(f"SELECT _delivery_key, deleted FROM {DELIVERIES}").fetchall())
    assert stored["k4"] == SCENARIO_COUNTS["k4"].deleted  # the later delivery's counts were refreshed


def test_replaying_any_delivery_changes_nothing(in_order_tables):
    con = build(range(len(SCENARIO)))
    for i in [0, 2, 4, 1, 3]:
        key, day, rows = SCENARIO[i]
        assert apply(con, "s", key, day, records(rows, delivery_key=key)) == SCENARIO_COUNTS[key]
        assert tables(con) == in_order_tables


def test_replay_with_changed_content_equals_building_with_it():
    changed = list(SCENARIO)
    changed[1] = ("k2", D2, {"a": {"company": "A", "capacity": 10}, "d": {"company": "D", "phone": "+12025550111"}})
    expected = tables(build(range(len(changed)), changed))
    con = build(range(len(SCENARIO)))
    key, day, rows = changed[1]
    apply(con, "s", key, day, records(rows, delivery_key=key))
    assert tables(con) == expected
    # and back to the original content
    key, day, rows = SCENARIO[1]
    apply(con, "s", key, day, records(rows, delivery_key=key))
    assert tables(con) == tables(build(range(len(SCENARIO))))


def test_replay_with_a_new_ingestion_time_refreshes_lineage_only():
    con = build(range(len(SCENARIO)))
    key, day, rows = SCENARIO[0]
    later = INGESTED + pd.Timedelta(hours=5)
    assert apply(con, "s", key, day, records(rows, delivery_key=key, ingested=later)) == SCENARIO_COUNTS[key]
    got = con.execute(f"SELECT DISTINCT _ingested_at FROM {HISTORY} WHERE _delivery_key = 'k1'").fetchall()
    assert got == [(later.to_pydatetime(),)]


_KEYS = st.sampled_from(["a", "b", "c", "d", "e"])
_ROW = st.fixed_dictionaries({"company": st.sampled_from(["X", "Y", "", None]), "capacity": st.sampled_from([1, 2, None])})
_DELIVERY = st.dictionaries(_KEYS, _ROW, max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contents=st.lists(_DELIVERY, min_size=3, max_size=4),
    days=st.lists(st.sampled_from([D1, D2, D3]), min_size=4, max_size=4),
    order=st.permutations(range(4)),
    replays=st.lists(st.tuples(st.integers(0, 3), _DELIVERY), max_size=2),
)
def test_history_is_a_function_of_the_set_of_deliveries(contents, days, order, replays):
    """Random deliveries (some sharing a date), applied in a random order with replays of changed
    content in between, give the tables of an in-order build of the final content."""
    con = duckdb.connect()
    steps = [(i, contents[i]) for i in order if i < len(contents)]
    for j, (i, content) in enumerate(replays):
        if i < len(contents):
            steps.insert(min(len(steps), 2 + j), (i, content))
    final = {}  # the last content applied for each delivery key is the one that counts
    for i, content in steps:
        final[i] = content
        apply(con, "s", f"k{i}", days[i], records(content, delivery_key=f"k{i}"))
    fresh = duckdb.connect()
    for i in sorted(final, key=lambda i: (days[i], f"k{i}")):
        apply(fresh, "s", f"k{i}", days[i], records(final[i], delivery_key=f"k{i}"))
    assert tables(con) == tables(fresh)


def test_sources_do_not_touch_each_other():
    con = duckdb.connect()
    apply(con, "t", "t1", D1, records({"a": {"company": "TA"}, "x": {"company": "TX"}}, source="t"))
    apply(con, "t", "t2", D3, records({"a": {"company": "TA2"}}, source="t"))
    other = tables(con, "t")
    for i in [0, 1, 3, 2, 4, 1]:  # in order, late, replayed
        key, day, rows = SCENARIO[i]
        apply(con, "s", key, day, records(rows, delivery_key=key))
        assert tables(con, "t") == other
    s_only = tables(con, "s")
    apply(con, "t", "t0", date(2023, 7, 1), records({"x": {"company": "TX"}}, source="t"))  # late for t
    assert tables(con, "s") == s_only
    assert apply(con, "t", "t4", D4, records({}, source="t")) == counts(deleted=1)
    assert tables(con, "s") == s_only


# ------------------------------------------------------------------------------------------------
# schema growth, transactions, preview


def test_a_new_business_column_is_added_without_rewriting_history():
    con = duckdb.connect()
    small = {"company": STRING}
    apply(con, "s", "k1", D1, records({"a": {"company": "A"}, "b": {"company": "B"}}, columns=small))
    grown = {"company": STRING, "email": STRING, "min_age": pd.Int64Dtype()}
    # the new columns are NULL: same hashes, nothing changes
    assert apply(con, "s", "k2", D2, records({"a": {"company": "A"}, "b": {"company": "B"}}, columns=grown)) == counts(unchanged=2)
    assert apply(con, "s", "k3", D3, records({"a": {"company": "A", "email": "a@x.org"}, "b": {"company": "B", "min_age": 6}},
                                             columns=grown)) == counts(updated=2)
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'source_history'").fetchall())
    assert types["email"] == "VARCHAR" and types["min_age"] == "BIGINT"
    assert con.execute(f"SELECT email FROM {CURRENT} WHERE _record_key = 'a'").fetchone() == ("a@x.org",)
    # an older delivery without the columns, arriving late, still works
    assert apply(con, "s", "k0", date(2023, 1, 1), records({"a": {"company": "A"}}, columns=small)) == counts(inserted=1)
    got = con.execute(f"SELECT _delivery_key, change_type FROM {HISTORY} WHERE _record_key = 'a' "
                      "ORDER BY valid_from, _delivery_key").fetchall()
    assert got == [("k0", "insert"), ("k3", "update")]  # k1 becomes unchanged, k2 too


def test_functions_run_in_the_callers_transaction():
    con = duckdb.connect()
    con.execute("BEGIN")
    ensure_warehouse(con)
    apply_delivery(con, "s", "k1", "e", D1, records({"a": {"company": "A"}}))
    assert con.execute(f"SELECT count(*) FROM {HISTORY}").fetchone()[0] == 1
    con.execute("ROLLBACK")  # would fail or keep rows if apply_delivery had committed
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'source_history'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def test_ensure_warehouse_is_idempotent():
    con = duckdb.connect()
    ensure_warehouse(con)
    apply(con, "s", "k1", D1, records({"a": {"company": "A"}}))
    ensure_warehouse(con)
    ensure_warehouse(con)
    assert con.execute(f"SELECT count(*) FROM {CURRENT}").fetchone()[0] == 1


@pytest.mark.parametrize("applied", [[0, 1], [0, 1, 2, 3, 4], [0, 4], [0, 1, 2, 4]])
def test_preview_matches_apply_and_writes_nothing(applied):
    for i in range(len(SCENARIO)):
        con = build(applied)
        before = tables(con)
        key, day, rows = SCENARIO[i]
        frame = records(rows, delivery_key=key)
        preview = preview_delivery(con, "s", key, day, frame)
        assert tables(con) == before
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
        assert preview == apply(con, "s", key, day, frame), (applied, key)


def test_preview_before_any_history_and_on_a_read_only_connection(tmp_path):
    frame = records({"a": {"company": "A"}, "b": {"company": "B"}, "c": {}})
    assert preview_delivery(duckdb.connect(), "s", "k1", D1, frame) == counts(inserted=3)
    path = str(tmp_path / "w.duckdb")
    con = duckdb.connect(path)
    apply(con, "s", "k1", D1, frame)
    con.close()
    ro = duckdb.connect(path, read_only=True)
    few = records({"a": {"company": "A"}})
    got = preview_delivery(ro, "s", "k2", D2, few)
    assert got == counts(deleted=2, unchanged=1)
    assert got.previously_live == 3 and got.deleted_share == pytest.approx(2 / 3) and got.deleted_share > 0.5
    assert got.as_metadata() == {"inserted": 0, "updated": 0, "deleted": 2, "revived": 0, "unchanged": 1}


# ------------------------------------------------------------------------------------------------
# derived sample deliveries (scripts/derive_deliveries.py)

# A handful of columns per source, enough to see every derived change.
SAMPLE_MAPS = {
    "nevada": {"Credential Number": "license_number", "Name": "company", "Status": "license_status",
               "Address": "address1", "Phone#": "phone", "Primary Contact Name": "operator"},
    "texas": {"Operation #": "provider_id", "Operation/Caregiver Name": "company", "Status": "license_status",
              "Address": "address1", "Phone": "phone", "Email Address": "email"},
}


def sample_records(path: Path, source: str, key_column: str, encoding: str, delivery_key: str) -> pd.DataFrame:
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline="")))
    n = len(rows)
    frame = pd.DataFrame({t: pd.array([r[s].strip() or None for r in rows], dtype=STRING) for s, t in SAMPLE_MAPS[source].items()})
    frame["_record_key"] = pd.array([r[key_column].strip() for r in rows], dtype=STRING)
    frame["_source"] = pd.array([source] * n, dtype=STRING)
    frame["_delivery_key"] = pd.array([delivery_key] * n, dtype=STRING)
    frame["_row_number"] = pd.array(range(1, n + 1), dtype="int64")
    frame["_line_number"] = pd.array(range(2, n + 2), dtype="int64")
    frame["_ingested_at"] = pd.Series([INGESTED] * n, dtype=TIMESTAMP)
    return frame


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    out = tmp_path_factory.mktemp("derived")
    derive_deliveries.main([str(out)])
    expected = json.loads((out / "expected_counts.json").read_text())
    frames = {
        d["delivery_key"]: sample_records(out / d["delivery_key"], d["source"], d["record_key_column"], d["encoding"], d["delivery_key"])
        for d in expected["deliveries"]
    }
    return out, expected["deliveries"], frames


def test_derived_script_is_deterministic_and_keeps_originals(derived, tmp_path):
    out, deliveries, _ = derived
    derive_deliveries.main([str(tmp_path)])
    for d in deliveries:
        assert (out / d["delivery_key"]).read_bytes() == (tmp_path / d["delivery_key"]).read_bytes()
        if d["original"]:
            assert (out / d["delivery_key"]).read_bytes() == (PROJECT_ROOT / "data" / "sample_bucket" / d["delivery_key"]).read_bytes()
    assert {d["source"] for d in deliveries} >= {"nevada", "texas"}
    assert [d["records"] for d in deliveries if d["original"]] == [100, 99]


def test_derived_deliveries_give_the_expected_counts(derived):
    _, deliveries, frames = derived
    con = duckdb.connect()
    for d in deliveries:
        day = date.fromisoformat(d["delivery_date"])
        got = apply(con, d["source"], d["delivery_key"], day, frames[d["delivery_key"]])
        assert got.as_metadata() == d["counts"], d["delivery_key"]
        for change, keys in d["record_keys"].items():
            rows = con.execute(
                f"SELECT _record_key, change_type FROM {HISTORY} WHERE _source = ? AND _delivery_key = ?",
                [d["source"], d["delivery_key"]],
            ).fetchall()
            label = {"inserted": "insert", "updated": "update", "deleted": "delete", "revived": "revive"}[change]
            assert sorted(k for k, c in rows if c == label) == keys
    # applied newest first, the tables are the same
    backwards = duckdb.connect()
    for d in reversed(deliveries):
        apply(backwards, d["source"], d["delivery_key"], date.fromisoformat(d["delivery_date"]), frames[d["delivery_key"]])
    assert tables(backwards) == tables(con)
    stored = backwards.execute(
        f"SELECT _delivery_key, inserted, updated, deleted, revived, unchanged FROM {DELIVERIES}").fetchall()
    assert {k: dict(zip(("inserted", "updated", "deleted", "revived", "unchanged"), v)) for k, *v in stored} == {
        d["delivery_key"]: d["counts"] for d in deliveries
    }


def test_snapshots_and_values_hold_every_delivery_exactly():
    """Every snapshot row finds exactly one values row; no values row is orphaned (after replays)."""
    con = build(range(len(SCENARIO)))
    changed = {"a": {"company": "A", "capacity": 99}, "z": {"company": "Z"}}
    apply(con, "s", "k2", D2, records(changed, delivery_key="k2"))
    from etl_assets.stages.history import SNAPSHOTS, VALUES

    unmatched = con.execute(
        f"""SELECT count(*) FROM {SNAPSHOTS} s LEFT JOIN {VALUES} v
            ON v._source = s._source AND v._record_key = s._record_key AND v.row_hash = s.row_hash
            WHERE v._record_key IS NULL"""
    ).fetchone()[0]
    assert unmatched == 0
    assert con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {VALUES} GROUP BY _source, _record_key, row_hash HAVING count(*) > 1)"
    ).fetchone()[0] == 0
    orphans = con.execute(
        f"""SELECT count(*) FROM {VALUES} v WHERE NOT EXISTS (SELECT 1 FROM {SNAPSHOTS} s
            WHERE s._source = v._source AND s._record_key = v._record_key AND s.row_hash = v.row_hash)"""
    ).fetchone()[0]
    assert orphans == 0
    # each delivery's records, read back from the stored changes, are exactly the delivery's
    from etl_assets.stages.history import snapshots

    for k, day, rows in SCENARIO:
        rows = changed if k == "k2" else rows
        stored = con.execute(
            f"SELECT _record_key, _row_number FROM {snapshots.state_sql()} AS s ORDER BY 1",
            {"source": "s", "date": day, "key": k, "ingested": INGESTED},
        ).fetchall()
        assert stored == [(key, i) for i, key in sorted(enumerate(rows, 1), key=lambda p: p[1])], k


def test_a_refresh_stores_only_what_changed_in_its_snapshot():
    """A full refresh repeating the last one stores no snapshot row; one changed record stores one
    row, one record gone one ``in_delivery = false`` row; the history is the same as ever."""
    from etl_assets.stages.history import SNAPSHOTS

    rows = {k: {"company": k.upper()} for k in "abcdef"}
    con = duckdb.connect()
    apply(con, "s", "w1", D1, records(rows, delivery_key="w1"))
    apply(con, "s", "w2", D2, records(rows, delivery_key="w2"))
    changed = {**{k: v for k, v in rows.items() if k != "f"}, "a": {"company": "A2"}}  # f gone: e shifts no line
    apply(con, "s", "w3", D3, records(changed, delivery_key="w3"))
    stored = con.execute(f"SELECT _delivery_key, _record_key, in_delivery FROM {SNAPSHOTS} "
                         "WHERE _delivery_key <> 'w1' ORDER BY 1, 2").fetchall()
    assert stored == [("w3", "a", True), ("w3", "f", False)]
    assert [v["change_type"] for v in versions(con, "f")] == ["insert", "delete"]


def test_a_warehouse_with_whole_snapshots_is_upgraded_once():
    """Snapshots stored whole (every record of every delivery, as before) are re-stored as changes
    on the next load: the tables end as if they had been stored as changes from the start."""
    from etl_assets.stages.history import SNAPSHOTS, snapshots

    con = build(range(len(SCENARIO)))
    expected = tables(con)
    params = {"source": "s", "ingested": INGESTED}
    rows = []
    for k, day, _ in SCENARIO:
        rows += con.execute(f"SELECT 's', '{k}', * FROM {snapshots.state_sql()} AS s",
                            {**params, "date": day, "key": k}).fetchall()
    # the old layout: no delivery_date, no in_delivery; one row per record and delivery
    con.execute(f"DROP TABLE {SNAPSHOTS}")
    con.execute(f"""CREATE TABLE {SNAPSHOTS} (_source VARCHAR, _delivery_key VARCHAR, _record_key VARCHAR,
                    row_hash VARCHAR, _ingested_at TIMESTAMPTZ, _row_number BIGINT, _line_number BIGINT,
                    _dq_flags VARCHAR, _extras VARCHAR)""")
    con.executemany(f"INSERT INTO {SNAPSHOTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("BEGIN")
    snapshots.upgrade(con)
    con.execute("COMMIT")
    assert tables(con) == expected
    key, day, scenario_rows = SCENARIO[1]  # and a replay on the upgraded tables is exact
    assert apply(con, "s", key, day, records(scenario_rows, delivery_key=key)) == SCENARIO_COUNTS[key]
    assert tables(con) == expected
