"""All source specs, and which source an S3 key belongs to."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from etl_assets.settings import mappings_dir
from etl_assets.sources.spec import LeadsSchema, MappingError, SourceSpec, load_leads_schema, load_spec

LEADS_FILE = "leads.yaml"


@lru_cache(maxsize=4)
def leads_schema(directory: Path | None = None) -> LeadsSchema:
    return load_leads_schema((directory or mappings_dir()) / LEADS_FILE)


@lru_cache(maxsize=4)
def load_specs(directory: Path | None = None) -> tuple[SourceSpec, ...]:
    """Every mappings/<source>.yaml, sorted by source name; duplicate names are an error."""
    directory = directory or mappings_dir()
    leads = leads_schema(directory)
    specs = [load_spec(p, leads) for p in sorted(directory.glob("*.yaml")) if p.name != LEADS_FILE]
    seen: dict[str, Path | None] = {}
    for spec in specs:
        if spec.source in seen:
            raise MappingError(f"source {spec.source!r} is declared twice: {seen[spec.source]} and {spec.path}")
        seen[spec.source] = spec.path
    return tuple(sorted(specs, key=lambda s: s.source))


def spec_for_key(key: str, specs: tuple[SourceSpec, ...]) -> SourceSpec | None:
    """The one source whose key pattern matches; None when no source claims the key."""
    matches = [s for s in specs if s.matches_key(key)]
    if len(matches) > 1:
        names = ", ".join(s.source for s in matches)
        raise MappingError(f"S3 key {key!r} matches several sources: {names}")
    return matches[0] if matches else None


def spec_by_name(name: str, specs: tuple[SourceSpec, ...]) -> SourceSpec:
    for s in specs:
        if s.source == name:
            return s
    raise KeyError(f"unknown source {name!r}; known: {', '.join(s.source for s in specs)}")
