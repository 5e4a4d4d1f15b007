"""What each page shows, gathered from the warehouse (``console_queries``) in plain dicts."""

from __future__ import annotations

import json

from etl_assets.console import chart, compare
from etl_assets.warehouse import console_queries as cq

LEAD_FIELDS = ("company", "first_name", "last_name", "address1", "address2", "city", "state", "zip", "phone", "email",
               "website_address", "license_number", "license_type", "license_status", "facility_type", "capacity",
               "sources", "record_count")
RECORD_FIELDS = ("company", "address1", "city", "zip", "phone", "email", "license_number")


def _side(reader: cq.Reader, pair: dict, side: str) -> dict:
    source, key = pair[f"source_{side}"], pair[f"record_key_{side}"]
    live = cq.record(reader, source, key) or {}
    return {"source": source, "record_key": key, "lead_id": cq.lead_of(reader, source, key) or pair[f"lead_id_{side}"],
            "delivery_key": live.get("_delivery_key"), "line_number": live.get("_line_number"),
            "delivery_date": live.get("valid_from"), "live": bool(live)}


def queue(reader: cq.Reader, *, source: str | None, state: str, band: str | None, focus: str | None,
          skipped: list[str]) -> dict:
    """The filtered queue, the pair in focus (the requested one, else the first not skipped) side by
    side, the next pair to skip to, the recent decisions and those waiting for the next refresh."""
    pairs = cq.queue(reader, source=source, state=state, band=band)
    current = cq.pair(reader, focus) if focus else next((p for p in pairs if p["pair_id"] not in skipped), None)
    ids = [p["pair_id"] for p in pairs]
    following = None
    if current is not None:
        at = ids.index(current["pair_id"]) + 1 if current["pair_id"] in ids else 0
        after = ids[at:] + ids[:at]  # round the queue: a skipped pair comes back after the rest
        following = next((i for i in after if i not in skipped and i != current["pair_id"]), None)
    decisions = cq.recent_decisions(reader)
    pending = [d for d in decisions if d["is_latest"] and d["queued"] and d["decision"] in ("accept", "reject")]
    return {
        "pairs": pairs, "current": current, "next_pair": following, "sources": cq.review_sources(reader),
        "fields": compare.fields(current) if current else [],
        "left": _side(reader, current, "l") if current else None,
        "right": _side(reader, current, "r") if current else None,
        "decisions": decisions, "pending": pending, "state": state,
    }


def lead(reader: cq.Reader, lead_id: str) -> dict | None:
    """One lead: its values, licenses, records and how each joined,
    merges and splits, change history, and whether it is net new against the CRM."""
    row = cq.lead(reader, lead_id)
    if row is None:
        return None
    licenses = row.get("licenses")  # '|'-joined, as leads declares it
    return {
        "lead": row, "lead_id": lead_id, "fields": [(f, row[f]) for f in LEAD_FIELDS if f in row],
        "licenses": [part for part in (licenses or "").split("|") if part], "records": cq.lead_records(reader, lead_id),
        "record_fields": RECORD_FIELDS, "changes": cq.lead_changes(reader, lead_id),
        "events": cq.lead_events(reader, lead_id),
    }


def model(reader: cq.Reader) -> dict:
    """The stored model: when and on how many records it was trained, the prior, the linking rules,
    and every comparison level's match weight as a chart."""
    row = cq.model(reader)
    if row is None:
        return {"model": None, "bars": [], "frame": {}, "rules": []}
    levels = chart.levels(row.get("splink_settings"))
    bars, frame = chart.bars(levels)
    return {"model": row, "bars": bars, "frame": frame, "rules": json.loads(row.get("linking_rules") or "[]")}
