"""What the review console reads, in SQL that runs unchanged on DuckDB and PostgreSQL.

The console reads the warehouse directly on either backend (a read-only DuckDB connection, or the
PostgreSQL server) through a ``Reader``: ``rows(sql, params)`` with ``?`` placeholders, and the
columns of a table. Tables are named bare (``lead_review``): DuckDB's default schema and
PostgreSQL's ``public`` both resolve them. Values always go through parameters; the only SQL
text built here is from the constants and reviewed fragments below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from etl_assets.warehouse.tables import (HISTORY, LEAD_EVENTS, LEAD_MODEL, LEAD_REVIEW, LEAD_REVIEW_DECISIONS,
                                         LEAD_SOURCES, LEADS)


def _bare(table: str) -> str:
    return table.split(".", 1)[1]


_REVIEW, _DECISIONS, _SOURCES, _LEADS = map(_bare, (LEAD_REVIEW, LEAD_REVIEW_DECISIONS, LEAD_SOURCES, LEADS))
_HISTORY, _EVENTS, _MODEL, _CHANGES = _bare(HISTORY), _bare(LEAD_EVENTS), _bare(LEAD_MODEL), "lead_changes"
# Probability bands of the queue filter: name → (label, constant SQL condition on q.match_probability).
BANDS = {
    "rule": ("queued by a rule (no probability)", "q.match_probability IS NULL"),
    "low": ("below 50%", "q.match_probability < 0.5"),
    "mid": ("50% to 80%", "q.match_probability >= 0.5 AND q.match_probability < 0.8"),
    "high": ("80% and above", "q.match_probability >= 0.8"),
}
STATES = {
    "open": "undecided (or undone) pairs",
    "pending": "decided, applied by the next refresh",
    "all": "every queued pair",
}
_STATE_SQL = {"open": "(d.decision IS NULL OR d.decision = 'undo')", "pending": "d.decision IN ('accept', 'reject')",
              "all": "TRUE"}
# Most uncertain first: nearest to 50%; pairs queued by a rule (no probability) after them.
_UNCERTAIN_FIRST = "CASE WHEN q.match_probability IS NULL THEN 1 ELSE 0 END, abs(q.match_probability - 0.5), q.pair_id"


class Reader(Protocol):
    def rows(self, sql: str, params: Sequence[object] = ()) -> list[dict]: ...

    def columns(self, table: str) -> list[str]: ...  # [] when the table or view does not exist


def _latest_decisions(r: Reader) -> str:
    """A subquery: each pair's latest decision (who: NULL on a table older than ``decided_by``)."""
    if not r.columns(_DECISIONS):
        return ("(SELECT CAST(NULL AS VARCHAR) AS pair_id, CAST(NULL AS VARCHAR) AS decision, "
                "CAST(NULL AS VARCHAR) AS decided_by, CAST(NULL AS TIMESTAMP) AS decided_at, "
                "CAST(NULL AS VARCHAR) AS note WHERE FALSE)")
    who = "decided_by" if "decided_by" in r.columns(_DECISIONS) else "CAST(NULL AS VARCHAR) AS decided_by"
    return (f"(SELECT pair_id, decision, {who}, decided_at, note FROM (SELECT *, row_number() OVER "
            f"(PARTITION BY pair_id ORDER BY decided_at DESC) AS rn FROM {_DECISIONS}) AS ranked WHERE rn = 1)")


def review_sources(r: Reader) -> list[str]:
    if not r.columns(_REVIEW):
        return []
    rows = r.rows(f"SELECT source_l AS s FROM {_REVIEW} UNION SELECT source_r FROM {_REVIEW} ORDER BY 1")
    return [row["s"] for row in rows if row["s"] is not None]


def queue(r: Reader, *, source: str | None = None, state: str = "open", band: str | None = None,
          limit: int = 200) -> list[dict]:
    """Pairs of ``lead_review`` with their latest decision, filtered, most uncertain first."""
    if not r.columns(_REVIEW):
        return []
    conditions, params = [_STATE_SQL[state]], []
    if band:
        conditions.append(BANDS[band][1])
    if source:
        conditions.append("(q.source_l = ? OR q.source_r = ?)")
        params += [source, source]
    where = " AND ".join(conditions)
    latest = _latest_decisions(r)
    return r.rows(
        f"SELECT q.*, d.decision, d.decided_by, d.decided_at, d.note FROM {_REVIEW} AS q "
        f"LEFT JOIN {latest} AS d ON d.pair_id = q.pair_id WHERE {where} "
        f"ORDER BY {_UNCERTAIN_FIRST} LIMIT {int(limit)}", params)


def pair(r: Reader, pair_id: str) -> dict | None:
    if not r.columns(_REVIEW):
        return None
    latest = _latest_decisions(r)
    found = r.rows(f"SELECT q.*, d.decision, d.decided_by, d.decided_at, d.note FROM {_REVIEW} AS q "
                   f"LEFT JOIN {latest} AS d ON d.pair_id = q.pair_id WHERE q.pair_id = ?", [pair_id])
    return found[0] if found else None


def record(r: Reader, source: str, record_key: str) -> dict | None:
    """A live record's lineage and values (delivery, line) from the history."""
    if not r.columns(_HISTORY):
        return None
    found = r.rows(f"SELECT * FROM {_HISTORY} WHERE _source = ? AND _record_key = ? AND is_current AND NOT is_deleted",
                   [source, record_key])
    return found[0] if found else None


def recent_decisions(r: Reader, limit: int = 15) -> list[dict]:
    """The latest decisions, newest first, each with whether its pair is still queued (a queued
    accept or reject waits for the next refresh; one whose pair left the queue was applied)."""
    if not r.columns(_DECISIONS):
        return []
    who = "d.decided_by" if "decided_by" in r.columns(_DECISIONS) else "CAST(NULL AS VARCHAR) AS decided_by"
    queued = (f"EXISTS (SELECT 1 FROM {_REVIEW} AS q WHERE q.pair_id = d.pair_id)" if r.columns(_REVIEW)
              else "FALSE")
    latest = _latest_decisions(r)
    return r.rows(
        f"SELECT d.pair_id, d.source_l, d.record_key_l, d.source_r, d.record_key_r, d.decision, d.decided_at, "
        f"d.note, {who}, {queued} AS queued, (l.decided_at = d.decided_at) AS is_latest FROM {_DECISIONS} AS d "
        f"JOIN {latest} AS l ON l.pair_id = d.pair_id ORDER BY d.decided_at DESC LIMIT {int(limit)}")


def last_decision(r: Reader, pair_id: str) -> dict | None:
    """The pair's latest decision row (its records' keys: what an undo names)."""
    if not r.columns(_DECISIONS):
        return None
    found = r.rows(f"SELECT pair_id, source_l, record_key_l, source_r, record_key_r, decision, decided_at "
                   f"FROM {_DECISIONS} WHERE pair_id = ? ORDER BY decided_at DESC LIMIT 1", [pair_id])
    return found[0] if found else None


def lead(r: Reader, lead_id: str) -> dict | None:
    if not r.columns(_LEADS):
        return None
    found = r.rows(f"SELECT * FROM {_LEADS} WHERE lead_id = ?", [lead_id])
    return found[0] if found else None


def lead_of(r: Reader, source: str, record_key: str) -> str | None:
    """The lead a record is in now (a queued pair's lead ids may be a refresh old)."""
    if not r.columns(_SOURCES):
        return None
    found = r.rows(f"SELECT lead_id FROM {_SOURCES} WHERE _source = ? AND _record_key = ?", [source, record_key])
    return found[0]["lead_id"] if found else None


def lead_records(r: Reader, lead_id: str) -> list[dict]:
    """The lead's records: how each joined (rule, weight, evidence) and its live values and lineage."""
    if not r.columns(_SOURCES):
        return []
    return r.rows(
        f"SELECT s.match_rule, s.match_score, s.match_weight, s.match_evidence, s.matched_to, h.* "
        f"FROM {_SOURCES} AS s LEFT JOIN {_HISTORY} AS h ON h._source = s._source AND h._record_key = s._record_key "
        f"AND h.is_current AND NOT h.is_deleted WHERE s.lead_id = ? ORDER BY s._source, s._record_key", [lead_id])


def lead_changes(r: Reader, lead_id: str, limit: int = 200) -> list[dict]:
    """The lead's change history (``lead_changes``: inserted, updated columns, deleted, revived)."""
    if not r.columns(_CHANGES):
        return []
    return r.rows(f"SELECT * FROM {_CHANGES} WHERE lead_id = ? ORDER BY delivery_date DESC, source, record_key, "
                  f"column_name LIMIT {int(limit)}", [lead_id])


def lead_events(r: Reader, lead_id: str) -> list[dict]:
    """Merges, splits and retirements that name the lead."""
    if not r.columns(_EVENTS):
        return []
    return r.rows(f"SELECT * FROM {_EVENTS} WHERE lead_id = ? OR strpos(related_lead_ids, ?) > 0 "
                  f"ORDER BY recorded_at DESC", [lead_id, lead_id])


def find_leads(r: Reader, text: str, limit: int = 50) -> list[dict]:
    """Leads whose name, lead id or phone holds ``text`` (case-insensitive)."""
    if not r.columns(_LEADS):
        return []
    needle = text.lower()
    return r.rows(f"SELECT lead_id, company, city, state, phone, sources, record_count, is_net_new FROM {_LEADS} "
                  f"WHERE strpos(lower(company), ?) > 0 OR lower(lead_id) = ? OR strpos(phone, ?) > 0 "
                  f"ORDER BY company, lead_id LIMIT {int(limit)}", [needle, needle, text])


def model(r: Reader) -> dict | None:
    if not r.columns(_MODEL):
        return None
    found = r.rows(f"SELECT * FROM {_MODEL} ORDER BY trained_at DESC LIMIT 1")
    return found[0] if found else None
