"""What each unit of work reads from and writes to the warehouse, declared once.

DuckDB ignores scopes (the whole file is open). On PostgreSQL a scope marked ``in_server`` runs
its SQL in the server (``postgres/connection.py``): a source load in one transaction under its
lock, a read-only scope (a check, the analyst views, the export) in one snapshot, copying
nothing; its ``reads`` and ``replaces`` say what that SQL may touch. A writing scope marked
``snapshot`` (the leads refresh: it reads every source's records while loads commit) runs in one
REPEATABLE READ transaction begun after its lock. The other scopes go through
``mirror.py``: the rows a scope reads are copied into an in-memory DuckDB, the one implementation
of the SQL runs there, and the rows it replaces or appends are copied back in one transaction.
A scope with a ``lock`` holds that advisory lock from its read to its commit, so one source's
deliveries (or two leads refreshes) never interleave, while different sources load in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl_assets.warehouse.tables import (ALERTS, COLUMN_PROFILES, DELIVERIES, HISTORY, LEAD_BLOCK_KEYS, LEAD_EVENTS,
                                         LEAD_MATCH_STATE, LEAD_MODEL, LEAD_MODEL_TF, LEAD_REVIEW,
                                         LEAD_REVIEW_DECISIONS, LEAD_SOURCES, LEADS, QUARANTINE, SNAPSHOTS, VALUES)

# Tables whose rows belong to one source (column _source): a delivery touches only its source's.
SOURCE_TABLES = (DELIVERIES, HISTORY, SNAPSHOTS, VALUES, QUARANTINE, COLUMN_PROFILES)
BY_SOURCE = "_source = {source}"
LIVE = "is_current AND NOT is_deleted"


@dataclass(frozen=True)
class Scope:
    name: str
    reads: tuple[tuple[str, str | None], ...] = ()  # (table, constant predicate or None for all rows)
    replaces: tuple[tuple[str, str | None], ...] = ()  # rows matching the predicate replaced by the mirror's
    appends: tuple[str, ...] = ()  # the mirror's rows appended (it starts with none of these tables' rows)
    source: str | None = None  # the value of {source} in the predicates
    lock: str | None = None
    in_server: bool = False  # PostgreSQL: the unit of work runs its SQL in the server, no mirror
    snapshot: bool = False  # in the server: one REPEATABLE READ transaction, committed at the end (writing scopes)

    @property
    def read_only(self) -> bool:
        return not (self.replaces or self.appends)


def source_load(source: str) -> Scope:
    """One delivery of ``source``: on PostgreSQL applied in the server (``postgres/connection.py``),
    in one transaction under the source's lock, reading only what the delivery needs (its source's
    current versions, load log and snapshot rows); the tables it writes are its source's rows."""
    part = tuple((t, BY_SOURCE) for t in SOURCE_TABLES)
    return Scope(f"load {source}", reads=part, replaces=part, source=source, lock=f"source:{source}", in_server=True)


def source_read(source: str) -> Scope:
    """A check on one delivery: its source's load log row, live count and change preview, on the server."""
    return Scope(f"read {source}", reads=tuple((t, BY_SOURCE) for t in SOURCE_TABLES), source=source, in_server=True)


def leads_refresh() -> Scope:
    """Entity resolution: the live records, the reviewers' decisions and everything the last refresh
    kept (leads, crosswalk, review queue, match state, model) in; the same tables out. On PostgreSQL
    in the server, in one snapshot under the leads lock: the incremental refresh reads and writes
    the part a change reaches; a full re-resolve runs on a mirror of ``reads`` written back over
    ``replaces`` in the same transaction (``resolve/refresh.py``)."""
    state = ((LEADS, None), (LEAD_SOURCES, None), (LEAD_REVIEW, None), (LEAD_MATCH_STATE, None),
             (LEAD_BLOCK_KEYS, None), (LEAD_MODEL, None), (LEAD_MODEL_TF, None))
    return Scope(
        "leads refresh",
        reads=((HISTORY, LIVE), (LEAD_REVIEW_DECISIONS, None), *state),
        replaces=state,
        appends=(LEAD_EVENTS,),
        lock="leads",
        in_server=True,
        snapshot=True,
    )


def leads_read() -> Scope:
    """The leads checks and freshness: counts over live records, leads, crosswalk, load log, on the server."""
    return Scope("read leads", reads=((HISTORY, LIVE), (LEADS, None), (LEAD_SOURCES, None), (DELIVERIES, None)),
                 in_server=True)


def alert_append() -> Scope:
    return Scope("alert", appends=(ALERTS,))


def review_list() -> Scope:
    return Scope("review list", reads=((LEAD_REVIEW, None),))


def review_decide() -> Scope:
    """A reviewer's decision: the queue read, one decision appended (under the leads lock, so a
    refresh running meanwhile reads the decisions before or after it, never half)."""
    return Scope("review decision", reads=((LEAD_REVIEW, None),), appends=(LEAD_REVIEW_DECISIONS,), lock="leads")


def analyst_read() -> Scope:
    """The analyst views and the CRM export: the published views queried on the server (what they
    read: the whole history, lead_changes compares versions), read only."""
    return Scope("analyst views", reads=((HISTORY, None), (DELIVERIES, None), (LEADS, None), (LEAD_SOURCES, None)),
                 in_server=True)
