"""An incremental leads refresh gives exactly what a full re-resolve with the same model gives.

Two real DuckDB warehouses take the same random sequence of full-refresh deliveries (through the
history, as the warehouse assets apply them) and reviewer decisions; after every step one refreshes
incrementally (the default), the other re-resolves every live record (``full=True``, same stored
model). Leads, crosswalk (ids included), review queue, match state and the events must be equal.
Records come from small pools of names, addresses, phones and emails so that clusters form, merge,
split and chain through shared phones; the blocks are made small (``max_block_size`` 4, emails
shared by more than 2 are not evidence) so that sizes cross the limits in both directions.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl_assets.stages.history import apply_delivery
from etl_assets.resolve.resolver import ResolveConfig
from etl_assets.resolve.refresh import refresh_leads
from etl_assets.warehouse import backend
from etl_assets.warehouse.tables import (LEAD_MATCH_STATE, LEAD_REVIEW, LEAD_REVIEW_DECISIONS, LEAD_SOURCES, LEADS,
                                         ensure_warehouse)

STRING = pd.StringDtype("pyarrow")
TIMESTAMP = pd.ArrowDtype(__import__("pyarrow").timestamp("us", tz="UTC"))

NAMES = ["Sunny Days Daycare", "SUNNY DAYS DAYCARE LLC", "Little Stars Academy", "Little Star Academy",
         "Kids Corner", "Bright Futures Learning Center", "Bright Futures Child Care", "Happy Hearts Preschool",
         "Tiny Steps Montessori", "Maple Grove Kids Club", None]
ADDRESSES = [("12 OAK ST", "78701", "AUSTIN"), ("12 N OAK ST", "78701", "AUSTIN"), ("14 OAK ST", "78701", "AUSTIN"),
             ("300 ELM AVE", "73101", "OKLAHOMA CITY"), ("301 ELM AVE", "73101", "OKLAHOMA CITY"),
             ("300 ELM AVE", None, "OKC"), ("9 PINE RD", "89501", "RENO"), ("77 CEDAR LN", "89501", "RENO"),
             ("5 BIRCH CT", "74101", "TULSA"), (None, None, None)]
PHONES = ["+15125550101", "+15125550102", "+14055550103", "+17755550104", "+19185550105", "+17755550106", None]
EMAILS = ["office@sunny.example", "hello@stars.example", "info@maple.example", None, None]
LICENSES = ["A1", "A2", "B7", None, None]
SOURCES = ("texas", "oklahoma", "salesforce")
KEYS = [f"k{i}" for i in range(8)]

# Splink scores every pair the license rule leaves open (as in a warehouse of more than
# splink_em_min_records records); its m values are the starting ones (EM on a few dozen records
# costs seconds and only changes the stored numbers, not what the comparison is about)
CONFIG = ResolveConfig(max_block_size=4, max_identifier_share=2, retrain_growth=1e9, u_max_pairs=1e4,
                       deterministic_rules=("deterministic:license",), splink_em=False,
                       lead_columns=("company", "address_std", "zip", "city", "phone", "email", "license_number"))

record = st.fixed_dictionaries({
    "company": st.sampled_from(NAMES), "address": st.sampled_from(ADDRESSES), "phone": st.sampled_from(PHONES),
    "phone2": st.sampled_from([None, None, *PHONES[:2]]), "email": st.sampled_from(EMAILS),
    "license_number": st.sampled_from(LICENSES),
})
# a later delivery: the source's previous delivery with a few records added, changed or gone
# (None), as a registry's weekly full refresh looks, or (one in three) a wholly new list
edits = st.lists(st.tuples(st.sampled_from(KEYS), st.one_of(st.none(), record)), min_size=1, max_size=3)
delivery = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(SOURCES), edits),
    st.tuples(st.just("edit"), st.sampled_from(SOURCES), edits),
    st.tuples(st.just("delivery"), st.sampled_from(SOURCES),
              st.dictionaries(st.sampled_from(KEYS), record, min_size=1, max_size=len(KEYS))))
decision = st.tuples(st.just("decision"), st.sampled_from(["accept", "reject"]), st.integers(0, 10_000),
                     st.integers(0, 10_000))
# a first delivery of every source (enough records to train Splink with EM: the model is then
# the one of a real warehouse, where the license rule alone links and Splink scores the rest),
# then deliveries and decisions in any order
first = st.tuples(st.just("deliveries"), st.tuples(*(
    st.tuples(st.just(s), st.dictionaries(st.sampled_from(KEYS), record, min_size=4, max_size=len(KEYS)))
    for s in SOURCES)))
steps = st.builds(lambda a, b: [a, *b], first, st.lists(st.one_of(delivery, delivery, decision), min_size=1, max_size=4))


def _frame(source: str, day: date, rows: dict) -> pd.DataFrame:
    keys = sorted(rows)
    n = len(keys)
    col = lambda f: pd.array([f(rows[k]) for k in keys], dtype=STRING)  # noqa: E731
    return pd.DataFrame({
        "_record_key": pd.array(keys, dtype=STRING),
        "company": col(lambda r: r["company"]), "company_std": col(lambda r: r["company"] and r["company"].upper()),
        "address_std": col(lambda r: r["address"][0]), "address1": col(lambda r: r["address"][0]),
        "zip": col(lambda r: r["address"][1]), "city": col(lambda r: r["address"][2]),
        "phone": col(lambda r: r["phone"]), "phone2": col(lambda r: r["phone2"]), "email": col(lambda r: r["email"]),
        "license_number": col(lambda r: r["license_number"]),
        "_source": pd.array([source] * n, dtype=STRING), "_delivery_key": pd.array([f"{source}/{day}"] * n, dtype=STRING),
        "_etag": pd.array([f"etag-{day}"] * n, dtype=STRING), "_row_number": pd.array(range(1, n + 1), dtype="int64"),
        "_line_number": pd.array(range(2, n + 2), dtype="int64"),
        "_ingested_at": pd.Series([pd.Timestamp(day, tz="UTC")] * n, dtype=TIMESTAMP),
        "_dq_flags": pd.array([None] * n, dtype=STRING), "_extras": pd.array([None] * n, dtype=STRING),
    })


def _snapshot(con) -> dict[str, pd.DataFrame]:
    def table(name, order):
        if not backend.table_exists(con, name):
            return pd.DataFrame()
        frame = con.execute(f"SELECT * FROM {name}").df()
        return frame.sort_values(order).reset_index(drop=True) if len(frame) else frame
    return {"leads": table(LEADS, ["lead_id"]), "lead_sources": table(LEAD_SOURCES, ["_source", "_record_key"]),
            "lead_review": table(LEAD_REVIEW, ["pair_id"]) if backend.table_exists(con, LEAD_REVIEW) else None,
            "state": table(LEAD_MATCH_STATE, ["_source", "_record_key"])}


def _decide(con, kind: str, i: int, j: int) -> None:
    live = con.execute("SELECT _source, _record_key FROM source_current ORDER BY 1, 2").fetchall()
    if len(live) < 2:
        return
    a, b = live[i % len(live)], live[j % len(live)]
    if a == b:
        return
    con.execute(f"INSERT INTO {LEAD_REVIEW_DECISIONS} VALUES (?, ?, ?, ?, ?, ?, now(), NULL, NULL)",
                [f"R{a}{b}", a[0], a[1], b[0], b[1], kind])


def _run(steps_, tmp_path, config=CONFIG):
    incremental, full = (duckdb.connect(str(tmp_path / f"{name}.duckdb")) for name in ("incremental", "full"))
    day = date(2026, 1, 1)
    modes = []
    delivered: dict[str, dict] = {s: {} for s in SOURCES}
    try:
        for con in (incremental, full):
            ensure_warehouse(con)
        for step in steps_:
            day += timedelta(days=1)
            if step[0] == "edit":
                rows = dict(delivered[step[1]])
                for key, row in step[2]:
                    rows.pop(key, None) if row is None else rows.__setitem__(key, row)
                step = ("delivery", step[1], rows) if rows else ("decision", "accept", 0, 0)
            for source, rows in (step[1] if step[0] == "deliveries" else [step[1:]] if step[0] == "delivery" else []):
                delivered[source] = rows
            events = {}
            for name, con in (("incremental", incremental), ("full", full)):
                con.execute("BEGIN")
                if step[0] in ("delivery", "deliveries"):
                    for source, rows in (step[1] if step[0] == "deliveries" else [step[1:]]):
                        apply_delivery(con, source, f"{source}/{day}", f"etag-{day}", day, _frame(source, day, rows))
                else:
                    _decide(con, *step[1:])
                had_state = con.execute(f"SELECT count(*) FROM {LEAD_MATCH_STATE}").fetchone()[0] > 0
                refresh = refresh_leads(con, config, full=name == "full")
                con.execute("COMMIT")
                events[name] = sorted(map(tuple, refresh.events.astype(str).to_numpy().tolist()))
                if name == "incremental":
                    modes.append((had_state, refresh.mode))
            a, b = _snapshot(incremental), _snapshot(full)
            for table in a:
                if a[table] is None and b[table] is None:
                    continue
                pd.testing.assert_frame_equal(a[table], b[table], check_dtype=False, obj=f"{table} after {step[0]}")
            assert events["incremental"] == events["full"], f"events after {step[0]}"
    finally:
        incremental.close()
        full.close()
    return modes


def _check(steps_, tmp_path_factory) -> None:
    modes = _run(steps_, tmp_path_factory.mktemp("wh"))
    assert all(mode == "incremental" for had_state, mode in modes if had_state)  # the full path is not the one compared


# ~5 s an example (two warehouses, Splink trained twice and scoring each refresh): a few in
# `make test`, many more in `make test-slow`
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps_=steps)
def test_incremental_refresh_equals_full_re_resolve(steps_, tmp_path_factory):
    _check(steps_, tmp_path_factory)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps_=steps)
def test_incremental_refresh_equals_full_re_resolve_many(steps_, tmp_path_factory):
    _check(steps_, tmp_path_factory)


def test_a_delivery_touching_one_cluster_re_resolves_only_its_component(tmp_path):
    """Cost follows the change: a changed phone in one of two unrelated clusters re-resolves that
    cluster's records only, and the untouched lead keeps its row as it was."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_warehouse(con)
    sunny = {"company": "Sunny Days Daycare", "address": ADDRESSES[0], "phone": PHONES[0], "phone2": None,
             "email": None, "license_number": None}
    elm = {"company": "Kids Corner", "address": ADDRESSES[3], "phone": PHONES[2], "phone2": None, "email": None,
           "license_number": None}
    for i, (rows, day) in enumerate([({"k1": sunny, "k2": elm}, date(2026, 1, 1)),
                                     ({"k1": sunny, "k2": {**elm, "phone": PHONES[1]}}, date(2026, 1, 2))]):
        con.execute("BEGIN")
        apply_delivery(con, "texas", f"t/{i}", "e", day, _frame("texas", day, rows))
        apply_delivery(con, "oklahoma", f"o/{i}", "e", day, _frame("oklahoma", day, {"k9": sunny}))
        refresh = refresh_leads(con, CONFIG)
        con.execute("COMMIT")
        if i == 0:
            assert refresh.mode == "full"
            sunny_lead = con.execute(f"SELECT * FROM {LEADS} WHERE company = 'Sunny Days Daycare'").df()
    assert (refresh.mode, refresh.changed, refresh.gone, refresh.resolved) == ("incremental", 1, 0, 1)
    assert con.execute(f"SELECT count(DISTINCT lead_id) FROM {LEAD_SOURCES}").fetchone()[0] == 2
    pd.testing.assert_frame_equal(con.execute(f"SELECT * FROM {LEADS} WHERE company = 'Sunny Days Daycare'").df(),
                                  sunny_lead)


def test_a_new_record_joins_the_unchanged_records_it_shares_a_block_with(tmp_path):
    """The neighbour path alone: a new record whose only link is to unchanged records of another
    component (removing the neighbour seeds from ``lead_state.mark_part`` fails this)."""
    sunny = {"company": "Sunny Days Daycare", "address": ADDRESSES[0], "phone": PHONES[0], "phone2": None,
             "email": None, "license_number": None}
    other = {"company": "Kids Corner", "address": ADDRESSES[3], "phone": PHONES[2], "phone2": None, "email": None,
             "license_number": None}
    modes = _run([("deliveries", (("texas", {"k0": sunny, "k5": other}), ("oklahoma", {"k0": other}),
                                  ("salesforce", {"k0": other}))),
                  ("delivery", "texas", {"k0": sunny, "k5": other, "k1": {**sunny, "company": "SUNNY DAYS DAYCARE LLC"}})],
                 tmp_path)
    assert modes == [(False, "full"), (True, "incremental")]


@pytest.mark.parametrize("change", ["rules", "retrain"])
def test_a_rule_change_or_a_retrain_re_resolves_everything(tmp_path, change):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_warehouse(con)
    rows = {"k1": {"company": "Kids Corner", "address": ADDRESSES[3], "phone": PHONES[2], "phone2": None,
                   "email": None, "license_number": None}}
    con.execute("BEGIN")
    apply_delivery(con, "texas", "t/0", "e", date(2026, 1, 1), _frame("texas", date(2026, 1, 1), rows))
    assert refresh_leads(con, CONFIG).retrained
    again = (refresh_leads(con, ResolveConfig(**{**CONFIG.__dict__, "name_threshold": 85.0})) if change == "rules"
             else refresh_leads(con, CONFIG, retrain=True))
    con.execute("COMMIT")
    assert (again.mode, again.retrained) == ("full", True)
    assert again.reason == ("the resolution rules changed" if change == "rules" else "retrain requested")
