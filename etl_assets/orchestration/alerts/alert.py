"""The alert record: what one failed run or failed check tells every sink."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class Alert:
    kind: str  # "run_failure" | "check_failed"
    severity: str  # "ERROR" | "WARN"
    source: str | None
    delivery_key: str | None  # the partition key: the delivery's S3 key
    step: str  # the failed check(s) or step(s), e.g. "nevada/raw:schema_drift"
    message: str
    counts: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    run_url: str | None = None
    alert_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    raised_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        where = " ".join(p for p in (self.source, self.delivery_key) if p)
        return f"[{self.severity}] {self.kind} {where}: {self.step}: {self.message}"
