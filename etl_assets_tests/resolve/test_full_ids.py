"""The full refresh's lead ids with a previous crosswalk (a retrain) are made in the warehouse
(``resolve/full_ids.py``): they must be ``ids.assign_lead_ids``'s, crosswalk and events alike.

Real DuckDB warehouse file; random clusterings against random previous crosswalks (merges, splits,
ties in the shared counts, retired ids, clusters without a previous id), and a previous id equal
to a new cluster's first sha1 choice, so the new ids are salted.
"""

from __future__ import annotations

import hashlib
import random

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl_assets.resolve.full_ids import crosswalk_writer
from etl_assets.resolve.ids import assign_lead_ids
from etl_assets.warehouse.tables import LEAD_SOURCES, ensure_warehouse

LIVE = "_test_live"


def _case(seed: int, n: int = 60):
    rng = random.Random(seed)
    keys = [(rng.choice(["texas", "oklahoma", "salesforce"]), f"k{i:03d}") for i in range(n)]
    keys = sorted(set(keys))
    roots = np.array([rng.randrange(len(keys)) if rng.random() < 0.6 else i for i in range(len(keys))], dtype=np.int64)
    previous = [(s, k, f"P{rng.randrange(len(keys) // 3)}") for s, k in keys if rng.random() < 0.8]
    previous += [("texas", f"gone{i}", f"P{100 + i}") for i in range(3)]  # ids with no live record left
    explained = {"match_rule": np.array([rng.choice(["singleton", "splink"]) for _ in keys], dtype=object),
                 "match_score": np.array([rng.random() for _ in keys]), "matched_to": np.full(len(keys), None, dtype=object),
                 "match_weight": np.full(len(keys), np.nan), "match_evidence": np.full(len(keys), None, dtype=object)}
    return keys, roots, pd.DataFrame(previous, columns=["_source", "_record_key", "lead_id"]), explained


def _both(tmp_path, keys, roots, previous, explained):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_warehouse(con)
    con.execute(f"CREATE TEMP TABLE {LIVE} (uid BIGINT, _source VARCHAR, _record_key VARCHAR)")
    con.executemany(f"INSERT INTO {LIVE} VALUES (?, ?, ?)", [(i, s, k) for i, (s, k) in enumerate(keys)])
    lead_ids, events = crosswalk_writer(con, LIVE)(roots, explained, previous)
    written = con.execute(f"SELECT * FROM {LEAD_SOURCES} ORDER BY _source, _record_key").df()
    con.close()
    crosswalk = pd.DataFrame({"_source": [s for s, _ in keys], "_record_key": [k for _, k in keys], "cluster": roots,
                              **explained})
    want, want_events = assign_lead_ids(crosswalk, previous)
    return lead_ids, events, written, want, want_events


@pytest.mark.parametrize("seed", range(8))
def test_ids_with_a_previous_crosswalk_are_assign_lead_ids(tmp_path, seed):
    lead_ids, events, written, want, want_events = _both(tmp_path, *_case(seed))
    assert list(lead_ids) == want["lead_id"].tolist()
    assert set(want_events["event_type"]) >= {"merge", "split", "retired"}  # every kind of event met
    pd.testing.assert_frame_equal(events.reset_index(drop=True), want_events.reset_index(drop=True))
    expected = want.drop(columns="cluster")[list(written.columns)].sort_values(["_source", "_record_key"])
    for col in written.columns:
        assert written[col].astype(object).where(written[col].notna(), None).tolist() == \
            expected[col].astype(object).where(expected[col].notna(), None).tolist(), col


def test_a_taken_first_choice_is_salted_as_assign_lead_ids_salts(tmp_path):
    keys, roots, previous, explained = _case(3)
    crosswalk = pd.DataFrame({"_source": [s for s, _ in keys], "_record_key": [k for _, k in keys], "cluster": roots})
    prev_keys = set(zip(previous["_source"], previous["_record_key"]))
    fresh = [f"{s}:{k}" for (s, k), c in zip(keys, roots) if (s, k) not in prev_keys and c == keys.index((s, k))]
    taken = "L" + hashlib.sha1(min(fresh).encode("utf-8")).hexdigest()[:12]  # a new cluster's first choice
    previous = pd.concat([previous, pd.DataFrame([("texas", "gone-x", taken)], columns=previous.columns)], ignore_index=True)
    lead_ids, events, written, want, want_events = _both(tmp_path, keys, roots, previous, explained)
    assert taken not in set(lead_ids) and list(lead_ids) == want["lead_id"].tolist()
    assert len(crosswalk) == len(written)
    pd.testing.assert_frame_equal(events.reset_index(drop=True), want_events.reset_index(drop=True))
