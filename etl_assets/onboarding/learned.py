"""Every committed mapping teaches the next proposal: the headers it maps are synonyms.

Why: the synonym table in ``kinds.py`` is written by hand and the next registry's header is often
one an earlier registry already used (``Operation/Caregiver Name``, ``Currently_Accepts_Subsidy``).
The ``from`` headers of ``mappings/*.yaml`` and their ``aliases`` count as synonyms for the kind the
field fills (the kind whose targets equal the field's ``to``), so a header seen once is never
unmatched again. Mappings of files without a header row (``column_3``) teach nothing; neither do
fields reading several columns or a constant.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from etl_assets.onboarding.kinds import KINDS

_KIND_BY_TARGETS = {}
for _kind in KINDS:  # the first kind listed for a set of targets wins (phone before phone2 ...)
    _KIND_BY_TARGETS.setdefault(_kind.to, _kind.name)


def learned_synonyms(directory: Path, skip: str | None = None) -> dict[str, dict[str, str]]:
    """kind name -> {header: the mapping file it comes from} over ``directory/*.yaml`` (not
    ``leads.yaml``, nor the source ``skip`` being proposed). A file that does not parse is skipped:
    ``check-mapping`` and the definitions report it, not the proposer."""
    learned: dict[str, dict[str, str]] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        if path.name == "leads.yaml" or path.stem == skip:
            continue
        try:
            mapping = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(mapping, dict) or (mapping.get("read") or {}).get("header") is False:
            continue
        for field in mapping.get("fields") or ():
            for header, kind in _headers(field):
                learned.setdefault(kind, {}).setdefault(header, path.name)
    return learned


def _headers(field) -> list[tuple[str, str]]:
    if not isinstance(field, dict):
        return []
    source, to = field.get("from"), field.get("to")
    if isinstance(source, list) and len(source) == 1:
        source = source[0]
    targets = (to,) if isinstance(to, str) else tuple(to or ())
    kind = _KIND_BY_TARGETS.get(targets)
    if kind is None or not isinstance(source, str):
        return []
    aliases = (field.get("aliases") or {}).get(source) or ()
    return [(h, kind) for h in (source, *aliases) if isinstance(h, str) and h.strip()]
