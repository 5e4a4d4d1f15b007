"""The analyst views on derived deliveries with known changes: exact counts, net-new excludes
every CRM lead, the scorecard's overlaps add up."""

from __future__ import annotations

from collections import defaultdict

import pytest

from etl_assets_tests.analyst.conftest import SALESFORCE_KEY

CHANGE_TYPES = {"inserted": "insert", "updated": "update", "deleted": "delete", "revived": "revive"}


def lead_members(w) -> dict[str, set[tuple[str, str]]]:
    members = defaultdict(set)
    for source, key, lead in w.query("SELECT _source, _record_key, lead_id FROM lead_sources"):
        members[lead].add((source, key))
    return members


def test_the_crm_copies_of_texas_providers_joined_their_texas_leads(analyst_warehouse):
    w = analyst_warehouse
    joined = w.query(
        "SELECT DISTINCT t._record_key, t.lead_id FROM lead_sources t JOIN lead_sources s ON s.lead_id = t.lead_id "
        "WHERE t._source = 'texas' AND s._source = 'salesforce'"
    )
    assert set(w.crm_texas_keys) <= {k for k, _ in joined}  # (a Texas duplicate of one may join it too)
    assert len({lead for _, lead in joined}) == 3


def test_delivery_summary_counts_are_exact(analyst_warehouse):
    w = analyst_warehouse
    rows = w.query(
        "SELECT delivery_key, delivery_date, records_read, records_quarantined, inserted, updated, deleted, revived, "
        "unchanged, leads_first_seen, net_new_leads_first_seen, crm_leads_first_seen, dagster_run_id FROM delivery_summary"
    )
    summary = {r[0]: r for r in rows}
    assert set(summary) == {d["delivery_key"] for d in w.expected["deliveries"]} | {SALESFORCE_KEY}
    quarantined = dict(w.query("SELECT _delivery_key, count(*) FROM quarantine GROUP BY 1"))
    for d in w.expected["deliveries"]:
        row = summary[d["delivery_key"]]
        assert str(row[1]) == d["delivery_date"]
        assert row[2] == d["records"]
        assert row[3] == quarantined.get(d["delivery_key"], 0)
        assert dict(zip(["inserted", "updated", "deleted", "revived", "unchanged"], row[4:9])) == d["counts"]
        assert row[12]

    # leads first seen, computed from the derive script's record keys and the crosswalk
    first_delivery = {}  # (source, record key) -> the delivery that first brought it
    for d in w.expected["deliveries"]:  # in (source, date) order
        keys = (w.query("SELECT _record_key FROM source_history WHERE _delivery_key = ?", [d["delivery_key"]])
                if d["original"] else [(k,) for k in d["record_keys"].get("inserted", [])])
        for (k,) in keys:
            first_delivery.setdefault((d["source"], k), (d["delivery_date"], d["delivery_key"]))
    for (k,) in w.query("SELECT _record_key FROM source_current WHERE _source = 'salesforce'"):
        first_delivery[("salesforce", k)] = ("2023-08-15", SALESFORCE_KEY)
    expected = defaultdict(lambda: [0, 0, 0])
    for members in lead_members(w).values():
        _, key = min(first_delivery[m] for m in members)
        in_crm = any(source == "salesforce" for source, _ in members)
        expected[key][0] += 1
        expected[key][2 if in_crm else 1] += 1
    for key, row in summary.items():
        assert list(row[9:12]) == expected.get(key, [0, 0, 0]), key
    assert list(summary[SALESFORCE_KEY][9:12]) == [w.crm_only, 0, w.crm_only]
    # by hand: Nevada 08-07 adds two providers, one leaves again on 09-07 (leads are today's); 09-07 adds one
    nevada = [d["delivery_key"] for d in w.expected["deliveries"] if d["source"] == "nevada"]
    assert [summary[k][9] for k in nevada[1:]] == [1, 1]


def test_lead_changes_lists_exactly_the_changed_records(analyst_warehouse):
    w = analyst_warehouse
    by_key = {d["delivery_key"]: d for d in w.expected["deliveries"]}
    for key, d in by_key.items():
        rows = w.query(
            "SELECT change_type, record_key, column_name, previous_delivery_key FROM lead_changes WHERE delivery_key = ?",
            [key])
        previous = [p for p in by_key.values() if p["source"] == d["source"] and p["delivery_date"] < d["delivery_date"]]
        expected_previous = max(previous, key=lambda p: p["delivery_date"])["delivery_key"] if previous else None
        assert {r[3] for r in rows} == {expected_previous}
        if d["original"]:
            assert {r[0] for r in rows} == {"insert"} and len(rows) == d["records"] - len(
                w.query("SELECT 1 FROM quarantine WHERE _delivery_key = ?", [key]))
            continue
        for name, change in CHANGE_TYPES.items():
            keys = sorted({r[1] for r in rows if r[0] == change})
            assert keys == d["record_keys"].get(name, []), (key, change)
            assert len(keys) == d["counts"][name]
        updates = [r for r in rows if r[0] == "update"]
        assert all(r[2] for r in updates) and all(r[2] is None for r in rows if r[0] != "update")


def test_lead_changes_shows_a_rename_with_old_and_new_value(analyst_warehouse):
    w = analyst_warehouse
    renames = w.query(
        "SELECT delivery_key, record_key, old_value, new_value FROM lead_changes WHERE source = 'nevada' "
        "AND column_name = 'company' ORDER BY delivery_date")
    (to_academy,) = [r for r in renames if r[3].upper().endswith("LEARNING ACADEMY")]
    back = [r for r in renames if r[1] == to_academy[1] and r[0] != to_academy[0]]
    assert back and back[0][2] == to_academy[3] and back[0][3] == to_academy[2]  # the old name came back


def test_net_new_leads_excludes_every_lead_with_a_crm_record(analyst_warehouse):
    w = analyst_warehouse
    members = lead_members(w)
    in_crm = {lead for lead, m in members.items() if any(s == "salesforce" for s, _ in m)}
    net_new = {lead for (lead,) in w.query("SELECT lead_id FROM net_new_leads")}
    assert net_new == set(members) - in_crm
    assert len(in_crm) == len(w.crm_texas_keys) + w.crm_only
    texas_in_crm = {lead for lead in in_crm if any(s == "texas" for s, _ in members[lead])}
    assert len(texas_in_crm) == 3 and not texas_in_crm & net_new
    (dupes,) = w.query("SELECT count(*) - count(DISTINCT lead_id) FROM net_new_leads")[0]
    assert dupes == 0


def test_source_scorecard_overlaps_add_up(analyst_warehouse):
    w = analyst_warehouse
    members = lead_members(w)
    sources_of = {lead: {s for s, _ in m} for lead, m in members.items()}
    card = {r[0]: r for r in w.query(
        "SELECT source, live_records, leads, exclusive_leads, shared_leads, crm_overlap_leads, net_new_leads, rank, score "
        "FROM source_scorecard")}
    assert set(card) == {"nevada", "texas", "salesforce"}
    live = dict(w.query("SELECT _source, count(*) FROM source_current GROUP BY 1"))
    for source, (_, live_records, leads, exclusive, shared, crm, net_new, _, _) in card.items():
        mine = [lead for lead, s in sources_of.items() if source in s]
        assert live_records == live[source]
        assert leads == len(mine) == exclusive + shared
        assert exclusive == sum(1 for lead in mine if sources_of[lead] == {source})
        assert leads == crm + net_new
        assert crm == sum(1 for lead in mine if "salesforce" in sources_of[lead])
    assert card["texas"][5] == 3 and card["salesforce"][4] == 3 and card["salesforce"][6] == 0
    overlap = dict(((a, b), n) for a, b, n in w.query("SELECT source, other_source, shared_leads FROM source_overlap"))
    assert overlap == {("texas", "salesforce"): 3, ("salesforce", "texas"): 3}
    # every lead counted once: exclusive leads of each source plus the shared ones
    shared_total = sum(1 for s in sources_of.values() if len(s) > 1)
    assert sum(c[3] for c in card.values()) + shared_total == len(members)
    ranked = sorted((c for c in card.values() if c[7] is not None), key=lambda c: c[7])
    assert [c[7] for c in ranked] == [1, 2] and ranked[0][8] >= ranked[1][8]
    assert card["salesforce"][7] is None


@pytest.mark.parametrize("view", ["delivery_summary", "lead_changes", "source_scorecard", "net_new_leads",
                                  "source_overlap", "lead_first_seen"])
def test_every_view_is_declared_with_its_columns_described(analyst_warehouse, view):
    from etl_assets.warehouse import ANALYST_VIEWS

    declared = ANALYST_VIEWS[f"main.{view}"]
    columns = [r[0] for r in analyst_warehouse.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [view])]
    assert columns == list(declared.columns) and all(declared.columns.values())
