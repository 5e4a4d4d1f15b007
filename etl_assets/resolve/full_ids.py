"""Lead ids and the crosswalk of a full refresh, made in the warehouse (the ``ids`` of ``resolve_leads``).

Why: ``ids.assign_lead_ids`` works on a pandas crosswalk of every record (``source:key`` strings,
sorts, dicts of a million clusters): at a million records the id assignment was the refresh's
peak (~0.8 GiB over the records' keys). Without a previous crosswalk (a first refresh; a retrain
of a warehouse whose leads were dropped) every cluster's id is the new-id rule of ``ids``: ``L`` +
12 hex digits of sha1 of its smallest ``source:key``, salted only when two would collide. DuckDB
computes those (the same sha1 over the same UTF-8 text, the same byte-order minimum) and the
crosswalk is written from a Parquet file of the per-record explanation joined to the live records'
keys. When a previous crosswalk has rows, or two clusters' ids collide (the salting is sequential),
``assign_lead_ids`` itself runs, so the ids are always the rule's.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from etl_assets.records import RECORD_KEY, SOURCE
from etl_assets.resolve.ids import EVENT_COLUMNS, new_lead_id
from etl_assets.warehouse import backend, frames, spill
from etl_assets.warehouse.tables import LEAD_SOURCES, TABLES

IDS = "_lr_cluster_ids"  # per cluster: its lead id
PREV = "_lr_previous"  # the previous crosswalk: per (source, key) its previous lead id (prev)
PREV_IDS = "_lr_previous_ids"  # per previous lead id: its code (rank in text order)
CLUSTERS = "_lr_clusters"  # per cluster: its smallest source:key (mk), its records (size)
COUNTS = "_lr_shared"  # per (cluster, previous id): the records they share (n)


def crosswalk_writer(con: duckdb.DuckDBPyConnection, live: str):
    """``ids(roots, explained, previous) -> (lead id per uid, events)`` writing ``lead_sources``
    (replaced) for the records of ``live`` (``uid``, ``_source``, ``_record_key``)."""
    def ids(roots: np.ndarray, explained: dict, previous: pd.DataFrame | None) -> tuple[np.ndarray, pd.DataFrame]:
        frames.create_table(con, LEAD_SOURCES)
        part = pd.DataFrame({"uid": np.arange(len(roots), dtype=np.int64), "cluster": np.asarray(roots, dtype=np.int64),
                             **explained})
        with spill.temp_directory() as where:
            path = where / "explained.parquet"
            part.to_parquet(path, index=False)
            del part
            relation = "read_parquet('" + str(path).replace("'", "''") + "')"
            if (previous is None or previous.empty) and _ids_in_sql(con, live, relation):
                return _written(con, live, relation), pd.DataFrame([], columns=EVENT_COLUMNS)
            return _with_previous(con, live, relation, previous)
    return ids


def _ids_in_sql(con, live: str, relation: str) -> bool:
    """``_lr_cluster_ids`` by the new-id rule; False when two clusters' ids collide (salting needed)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {IDS} AS
                    SELECT x.cluster, 'L' || left(sha1(min(l.{SOURCE} || ':' || l.{RECORD_KEY})), 12) AS lead_id
                    FROM {relation} x JOIN {live} l USING (uid) GROUP BY x.cluster""")
    clusters, distinct = con.execute(f"SELECT count(*), count(DISTINCT lead_id) FROM {IDS}").fetchall()[0]
    return clusters == distinct


def _written(con, live: str, relation: str) -> np.ndarray:
    """``lead_sources`` from the explanation, the live keys and the cluster ids; the lead id per uid."""
    cols_sql = ", ".join(TABLES[LEAD_SOURCES].columns)  # declared names
    select = {SOURCE: f"l.{SOURCE}", RECORD_KEY: f"l.{RECORD_KEY}", "lead_id": "i.lead_id"}
    types = frames.declared_types(LEAD_SOURCES)
    values_sql = ", ".join(f"CAST({select.get(c, 'x.' + c)} AS {t})" for c, t in types.items())  # declared names, types
    con.execute(f"""INSERT INTO {LEAD_SOURCES} ({cols_sql}) SELECT {values_sql}
                    FROM {relation} x JOIN {live} l USING (uid) JOIN {IDS} i USING (cluster)""")
    lead_ids = con.execute(f"SELECT i.lead_id FROM {relation} x JOIN {IDS} i USING (cluster) ORDER BY x.uid"
                           ).fetchnumpy()["lead_id"]
    con.execute(f"DROP TABLE {IDS}")
    return np.asarray(lead_ids, dtype=object)


def _with_previous(con, live: str, relation: str, previous: pd.DataFrame | None) -> tuple[np.ndarray, pd.DataFrame]:
    """``assign_lead_ids``'s rule (a previous crosswalk, or salting) with the crosswalk in the warehouse:
    per cluster its smallest ``source:key`` and per (cluster, previous id) the records they share in
    SQL; the greedy hand-out of previous ids over integer codes; new ids by sha1 in SQL unless one
    collides (then ``new_lead_id`` in turn, over the clusters without a previous id only)."""
    con.execute(f"DROP TABLE IF EXISTS {IDS}")
    prev = pd.DataFrame({SOURCE: pd.Series([], dtype=object), RECORD_KEY: pd.Series([], dtype=object),
                         "lead_id": pd.Series([], dtype=object)}) if previous is None or previous.empty else previous
    with backend.registered(con, prev[[SOURCE, RECORD_KEY, "lead_id"]]) as name:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {PREV} AS SELECT CAST({SOURCE} AS VARCHAR) AS {SOURCE},
                        CAST({RECORD_KEY} AS VARCHAR) AS {RECORD_KEY}, CAST(lead_id AS VARCHAR) AS prev FROM {name}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {CLUSTERS} AS
                    SELECT x.cluster, min(l.{SOURCE} || ':' || l.{RECORD_KEY}) AS mk, count(*) AS size
                    FROM {relation} x JOIN {live} l USING (uid) GROUP BY x.cluster""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {PREV_IDS} AS
                    SELECT prev, row_number() OVER (ORDER BY prev) - 1 AS code FROM (SELECT DISTINCT prev FROM {PREV})""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {COUNTS} AS
                    SELECT x.cluster, p.prev, count(*) AS n FROM {relation} x JOIN {live} l USING (uid)
                    JOIN {PREV} p ON p.{SOURCE} = l.{SOURCE} AND p.{RECORD_KEY} = l.{RECORD_KEY} GROUP BY 1, 2""")
    order = con.execute(f"""SELECT c.cluster, i.code FROM {COUNTS} c JOIN {PREV_IDS} i USING (prev)
                            JOIN {CLUSTERS} k USING (cluster) ORDER BY c.n DESC, c.prev, k.mk""").fetchnumpy()
    kept = _greedy(order["cluster"], order["code"])
    del order
    with backend.registered(con, kept) as name:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {IDS} AS SELECT k.cluster, i.prev AS lead_id
                        FROM {name} k JOIN {PREV_IDS} i USING (code)""")
    _new_ids(con)
    events = _events(con)
    for table in (PREV, CLUSTERS, PREV_IDS, COUNTS):
        con.execute(f"DROP TABLE {table}")
    return _written(con, live, relation), events


def _greedy(clusters: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
    """Previous ids to clusters in the given order (most shared records first): a cluster takes the
    first id offered not yet taken. Returns the (cluster, code) pairs kept."""
    taken_by = {}
    used = np.zeros(int(codes.max(initial=-1)) + 1, dtype=bool)
    for c, p in zip(clusters.tolist(), codes.tolist()):
        if c not in taken_by and not used[p]:
            taken_by[c] = p
            used[p] = True
    return pd.DataFrame({"cluster": np.fromiter(taken_by.keys(), dtype=np.int64, count=len(taken_by)),
                         "code": np.fromiter(taken_by.values(), dtype=np.int64, count=len(taken_by))})


def _new_ids(con) -> None:
    """Ids of the clusters without a previous id, into ``_lr_cluster_ids``: ``L`` + sha1 of the
    smallest ``source:key``, re-salted in order of that key when taken (``new_lead_id``)."""
    todo = f"(SELECT k.cluster, k.mk FROM {CLUSTERS} k ANTI JOIN {IDS} i USING (cluster))"
    candidates = f"(SELECT cluster, mk, 'L' || left(sha1(mk), 12) AS lead_id FROM {todo})"
    clash = con.execute(f"""SELECT count(*) - count(DISTINCT lead_id) + (SELECT count(*) FROM {candidates} c
                            SEMI JOIN {PREV_IDS} p ON p.prev = c.lead_id) FROM {candidates}""").fetchall()[0][0]
    if not clash:
        con.execute(f"INSERT INTO {IDS} SELECT cluster, lead_id FROM {candidates}")
        return
    rows = con.execute(f"SELECT cluster, mk FROM {todo} ORDER BY mk").fetchall()
    taken = {p for (p,) in con.execute(f"SELECT prev FROM {PREV_IDS}").fetchall()}
    fresh = []
    for cluster, mk in rows:
        fresh.append(new_lead_id(mk, taken))
        taken.add(fresh[-1])
    made = pd.DataFrame({"cluster": np.array([c for c, _ in rows], dtype=np.int64), "lead_id": np.array(fresh, dtype=object)})
    with backend.registered(con, made) as name:
        con.execute(f"INSERT INTO {IDS} SELECT cluster, lead_id FROM {name}")


def _events(con) -> pd.DataFrame:
    """``assign_lead_ids``'s merge, split and retired events from the shared counts and the ids."""
    events: list[dict] = []
    for _, ids, kept, size in con.execute(f"""
            SELECT c.cluster, list(c.prev ORDER BY c.prev), any_value(i.lead_id), any_value(k.size)
            FROM {COUNTS} c JOIN {IDS} i USING (cluster) JOIN {CLUSTERS} k USING (cluster)
            GROUP BY c.cluster HAVING count(*) > 1 ORDER BY c.cluster""").fetchall():
        ids = sorted(ids)
        events.append({"event_type": "merge", "lead_id": kept, "related_lead_ids": ",".join(i for i in ids if i != kept),
                       "record_count": int(size), "detail": f"{len(ids)} previous leads now one provider"})
    for p, parts, n in con.execute(f"""
            SELECT c.prev, list(i.lead_id ORDER BY c.cluster), sum(c.n) FROM {COUNTS} c JOIN {IDS} i USING (cluster)
            GROUP BY c.prev HAVING count(*) > 1""").fetchall():
        events.append({"event_type": "split", "lead_id": p, "related_lead_ids": ",".join(sorted(x for x in parts if x != p)),
                       "record_count": int(n), "detail": "kept by one part" if p in parts else "id moved to another cluster"})
    events[len([e for e in events if e["event_type"] == "merge"]):] = sorted(
        (e for e in events if e["event_type"] == "split"), key=lambda e: e["lead_id"])
    retired = con.execute(f"SELECT prev FROM {PREV_IDS} ANTI JOIN (SELECT DISTINCT prev FROM {COUNTS}) USING (prev)").fetchall()
    for (p,) in sorted(retired):
        events.append({"event_type": "retired", "lead_id": p, "related_lead_ids": "", "record_count": 0,
                       "detail": "no live source record left"})
    return pd.DataFrame(events, columns=EVENT_COLUMNS)
