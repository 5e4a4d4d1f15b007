"""Small helpers shared by the transform modules (not a transform family itself).

Every transform receives whatever the reader produced for a cell: normally ``str`` or ``None``,
but a defensive ``as_text`` also copes with numbers, NaN and bytes so that no transform can raise
on an unexpected cell type.
"""

from __future__ import annotations

import math
import re
from typing import Any

_SPACES = re.compile(r"\s+")
_MAX_QUOTED = 60


def as_text(value: Any) -> str | None:
    """The cell as text with white space collapsed and trimmed; None for missing/empty/NaN."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        value = str(value)
    text = _SPACES.sub(" ", value).strip()
    return text or None


def quote(value: Any) -> str:
    """A value for a flag message: repr-quoted and cut to a readable length."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_QUOTED:
        text = text[: _MAX_QUOTED - 1] + "…"
    return repr(text)


def join_flags(*flags: str | None) -> str | None:
    """Several data-quality notes as one flag string ('; '-separated), None when there are none."""
    kept = [f for f in flags if f]
    return "; ".join(dict.fromkeys(kept)) if kept else None
