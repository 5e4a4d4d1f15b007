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
from etl_assets.resolve.ids import EVENT_COLUMNS, assign_lead_ids
from etl_assets.warehouse import frames, spill
from etl_assets.warehouse.tables import LEAD_SOURCES, TABLES

IDS = "_lr_cluster_ids"  # per cluster: its lead id


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
            return _in_pandas(con, live, relation, previous, where)
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


def _in_pandas(con, live: str, relation: str, previous: pd.DataFrame | None, where) -> tuple[np.ndarray, pd.DataFrame]:
    """``assign_lead_ids`` on the crosswalk as ``resolve_leads`` builds it (a previous crosswalk, or salting)."""
    con.execute(f"DROP TABLE IF EXISTS {IDS}")
    crosswalk = con.execute(f"SELECT l.{SOURCE}, l.{RECORD_KEY}, x.* EXCLUDE (uid) FROM {relation} x "
                            f"JOIN {live} l USING (uid) ORDER BY x.uid").df()
    crosswalk, events = assign_lead_ids(crosswalk, previous)
    crosswalk = crosswalk.drop(columns="cluster")[list(TABLES[LEAD_SOURCES].columns)]
    crosswalk.to_parquet(where / "crosswalk.parquet", index=False)
    frames.insert_parquet(con, LEAD_SOURCES, where / "crosswalk.parquet", crosswalk.columns)
    return crosswalk["lead_id"].to_numpy(), events
