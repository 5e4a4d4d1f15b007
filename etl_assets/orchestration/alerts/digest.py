"""Many alerts at once → one message per source.

A hundred deliveries failing together (a bad credential, the bucket renamed) must not become a
hundred Slack posts: the people reading them need the count, what failed, the first few failures in
full and one link to the filtered runs page. The JSON-lines file and the ``alerts`` table still get
one row per alert (``sinks.emit_all``); only the message sinks (Slack, webhook) get digests.
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from dataclasses import dataclass
from typing import Any

from etl_assets import settings
from etl_assets.orchestration.alerts.alert import Alert

FIRST_IN_FULL = 3  # a digest carries the first failures whole, the rest as counts


@dataclass(frozen=True)
class Digest:
    source: str | None
    alerts: tuple[Alert, ...]

    @property
    def severity(self) -> str:
        return "ERROR" if any(a.severity == "ERROR" for a in self.alerts) else self.alerts[0].severity

    def steps(self) -> dict[str, int]:
        """How many alerts name each failed step or check, most frequent first."""
        return dict(Counter(a.step for a in self.alerts).most_common())

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "digest",
            "severity": self.severity,
            "source": self.source,
            "count": len(self.alerts),
            "kinds": dict(Counter(a.kind for a in self.alerts)),
            "steps": self.steps(),
            "first": [a.as_dict() for a in self.alerts[:FIRST_IN_FULL]],
            "runs_url": failed_runs_url(self.source),
        }

    def text(self) -> str:
        """The Slack text: count and steps, the first failures one line each, the runs link."""
        steps = ", ".join(f"{step} ×{n}" for step, n in self.steps().items())
        lines = [f"*{self.severity}* {len(self.alerts)} failures: *{self.source or '-'}* ({steps})"]
        lines += [f"• `{a.delivery_key or '-'}` {a.step}: {a.message[:200]}" for a in self.alerts[:FIRST_IN_FULL]]
        if len(self.alerts) > FIRST_IN_FULL:
            lines.append(f"… and {len(self.alerts) - FIRST_IN_FULL} more")
        lines.append(f"<{failed_runs_url(self.source)}|failed runs>")
        return "\n".join(lines)


def digests(alerts: list[Alert]) -> list[Digest]:
    """One digest per source, sources in the order their first alert came."""
    by_source: dict[str | None, list[Alert]] = {}
    for alert in alerts:
        by_source.setdefault(alert.source, []).append(alert)
    return [Digest(source, tuple(group)) for source, group in by_source.items()]


def failed_runs_url(source: str | None) -> str:
    """The UI's runs page filtered to failed runs (of the source, when known)."""
    filters = ["status:FAILURE"] + ([f"tag:etl/source={source}"] if source else [])
    query = urllib.parse.urlencode([("q[]", f) for f in filters])
    return f"{settings.dagster_ui_url().rstrip('/')}/runs?{query}"
