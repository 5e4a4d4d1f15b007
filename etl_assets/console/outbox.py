"""Decisions waiting for the DuckDB file: a run held it when the reviewer decided.

One JSON object per line in ``settings.review_outbox_path()`` (so a restart of the console loses
none), each with the moment the reviewer decided; ``flush`` writes them, oldest first, through the
same ``decide`` as any decision, as soon as the file frees (the server tries every few seconds and
on every decision). A decision whose pair left the queue meanwhile (a refresh found its records
changed) cannot be applied: it is dropped and reported in ``failed``.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pandas as pd

from etl_assets.console.store import Store, WarehouseBusy
from etl_assets.warehouse.review import UnknownPair

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, path: Path, store: Store):
        self.path, self.store = path, store
        self.failed: list[str] = []  # what could not be applied, in words (shown on the queue page)
        self._lock = threading.Lock()

    def add(self, pair_id: str, decision: str, decided_by: str, note: str | None = None,
            pair: dict | None = None) -> None:
        entry = {"pair_id": pair_id, "decision": decision, "decided_by": decided_by, "note": note, "pair": pair,
                 "decided_at": pd.Timestamp.now(tz="UTC").isoformat()}
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    def pending(self) -> list[dict]:
        with self._lock:
            return self._read()

    def _read(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def flush(self) -> int:
        """Write the waiting decisions, oldest first; returns how many were written (0 while busy)."""
        with self._lock:
            entries = self._read()
            done = 0
            try:
                for entry in entries:
                    try:
                        self.store.decide(entry["pair_id"], entry["decision"], entry["decided_by"], entry["note"],
                                          decided_at=pd.Timestamp(entry["decided_at"]), pair=entry.get("pair"))
                    except UnknownPair as exc:
                        self.failed.append(f"{entry['decision']} {entry['pair_id']} by {entry['decided_by']}: {exc}")
                        log.warning("review outbox: dropped %s", exc)
                    done += 1
            except WarehouseBusy:
                pass
            rest = entries[done:]
            if rest:
                self.path.write_text("".join(json.dumps(e) + "\n" for e in rest), encoding="utf-8")
            elif self.path.exists():
                self.path.unlink()
            return done
