"""Which header of a delivery is each mapped source column: exact name, a declared alias, the same
name up to case and punctuation, or (last) a close fuzzy match. Drift is reported, never fatal here.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from etl_assets.sources.spec import SourceSpec


class MissingColumnsError(ValueError):
    """A delivery lacks columns its mapping requires: the whole delivery is held back."""

# A renamed header is taken for a mapped column when its normalized name (lower case, letters and
# digits only) is at least this similar (rapidfuzz ratio, 0-100) to the column or one of its aliases.
FUZZY_HEADER_THRESHOLD = 85


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_columns(spec: SourceSpec, available: list[str], where: str) -> tuple[dict[str, str], list[str]]:
    """Find each mapped source column in the delivery's header: exact name, a declared alias,
    the same name up to case, spaces and punctuation, or (last) a close fuzzy match.
    Returns the map and drift warnings."""
    by_key = {_header_key(a): a for a in available}
    found: dict[str, str] = {}
    warnings: list[str] = []
    for column in spec.source_columns:
        candidates = [column, *spec.aliases_for(column)]
        actual = next((c for c in candidates if c in available), None)
        if actual is None:
            actual = next((by_key[_header_key(c)] for c in candidates if _header_key(c) in by_key), None)
        if actual is None:
            continue
        if actual != column:
            warnings.append(f"column {column!r} found as {actual!r}")
        found[column] = actual
    for column, (actual, score) in _fuzzy_columns(spec, available, found).items():
        warnings.append(
            f"column {column!r} found as {actual!r} (fuzzy header match, similarity {score:.0f}); "
            f"add {actual!r} to its aliases if this is right"
        )
        found[column] = actual
    missing_required = [c for c in spec.required_source_columns if c not in found]
    if missing_required:
        raise MissingColumnsError(
            f"{where}: required column(s) {missing_required} missing from the header; "
            f"the delivery has {available}"
        )
    for column in spec.source_columns:
        if column not in found:
            warnings.append(f"column {column!r} is missing; its targets stay empty")
    return found, warnings


def _fuzzy_columns(spec: SourceSpec, available: list[str], found: dict[str, str]) -> dict[str, tuple[str, float]]:
    """Mapped columns still missing → the delivery header closest to their name or an alias.

    Only headers no other mapped column already took are considered; a column takes a header when
    the similarity reaches FUZZY_HEADER_THRESHOLD and no other free header is as similar (a tie is
    left unmatched). Pairs are assigned best first, so two columns never share a header.
    """
    taken = set(found.values())
    free = [a for a in available if a not in taken and _header_key(a)]
    pairs: list[tuple[float, str, str]] = []
    for column in spec.source_columns:
        if column in found:
            continue
        keys = [_header_key(c) for c in (column, *spec.aliases_for(column))]
        scores = {a: max(fuzz.ratio(k, _header_key(a)) for k in keys if k) for a in free} if any(keys) else {}
        if not scores:
            continue
        best = max(scores.values())
        winners = [a for a, sc in scores.items() if sc == best]
        if best >= FUZZY_HEADER_THRESHOLD and len(winners) == 1:
            pairs.append((best, column, winners[0]))
    chosen: dict[str, tuple[str, float]] = {}
    for score, column, header in sorted(pairs, key=lambda p: -p[0]):
        if header not in taken:
            chosen[column] = (header, score)
            taken.add(header)
    return chosen
