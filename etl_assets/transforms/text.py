"""Plain text transforms: trimming and empty-to-null. The default for a mapped column."""

from __future__ import annotations

import re

from etl_assets.transforms.registry import Parsed, transform

_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str | None:
    """Collapse runs of white space, trim, and turn an empty string into None."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value).strip()
    return text or None


@transform("text", outputs=["value"])
def text(value: str | None) -> Parsed:
    """Trimmed text with white space collapsed; empty becomes null."""
    return Parsed((clean_text(value),))
