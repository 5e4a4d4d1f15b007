"""The model page's chart: Splink's match weight of every comparison level, as inline SVG.

The weights are computed from the stored model (``lead_model.splink_settings``: Splink's JSON with
the trained m and u of each level): weight = log2(m / u), the evidence one level adds to the prior.
Drawn on the server, so the page needs no script; labels are escaped by the template engine.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

ROW, LABEL_W, BAR_W, PAD = 22, 330, 420, 8


@dataclass(frozen=True)
class Level:
    comparison: str
    label: str
    m: float
    u: float
    weight: float


@dataclass(frozen=True)
class Bar:
    level: Level
    y: int
    x: float
    width: float
    positive: bool


def levels(splink_settings: str | None) -> list[Level]:
    """Every non-null level with both m and u, comparison by comparison, in the model's order."""
    if not splink_settings:
        return []
    out = []
    for comp in json.loads(splink_settings).get("comparisons", []):
        for lvl in comp.get("comparison_levels", []):
            m, u = lvl.get("m_probability"), lvl.get("u_probability")
            if lvl.get("is_null_level") or not m or not u:
                continue
            out.append(Level(comp.get("output_column_name", "?"), lvl.get("label_for_charts", "?"), m, u,
                             math.log2(m / u)))
    return out


def bars(found: list[Level]) -> tuple[list[Bar], dict]:
    """Bar geometry (the zero line at the middle of the bar area, scaled to the largest weight)."""
    scale = max([abs(lv.weight) for lv in found] + [1.0])
    zero = LABEL_W + BAR_W / 2
    out = []
    for i, lv in enumerate(found):
        width = abs(lv.weight) / scale * (BAR_W / 2 - PAD)
        x = zero if lv.weight >= 0 else zero - width
        out.append(Bar(lv, PAD + i * ROW, round(x, 1), round(max(width, 1.0), 1), lv.weight >= 0))
    frame = {"width": LABEL_W + BAR_W + 60, "height": PAD * 2 + ROW * len(found) + 20, "zero": zero,
             "scale": round(scale, 1), "row": ROW, "bottom": PAD + ROW * len(found)}
    return out, frame
