"""A proposed mapping as records, and its rendering as a ``mappings/<source>.yaml`` file.

Why apart from the matching: what a proposal *is* and how it is written for review (confidence
comments, unmatched columns, read options) changes for other reasons than how columns are matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml


@dataclass
class FieldProposal:
    from_: tuple[str, ...]
    to: tuple[str, ...]
    transform: str
    confidence: float
    why: str
    params: dict[str, Any] = field(default_factory=dict)
    required: bool | tuple[str, ...] = False
    value: str | None = None  # a constant instead of source columns (the state a city registry implies)

    def as_yaml(self) -> str:
        entry: dict[str, Any] = (
            {"value": self.value} if self.value is not None
            else {"from": self.from_[0] if len(self.from_) == 1 else list(self.from_)}
        )  # fmt: skip
        entry["to"] = self.to[0] if len(self.to) == 1 else list(self.to)
        entry["transform"] = self.transform
        if self.params:
            entry["params"] = self.params
        if self.required:
            entry["required"] = self.required if self.required is True else list(self.required)
        return _flow(entry)


@dataclass
class Proposal:
    source: str
    sample_name: str
    encoding: str
    header: bool
    columns: list[str]
    records: int
    fields: list[FieldProposal]
    unmatched: list[str]
    record_key: list[str]
    identifiers: dict[str, list[str]]
    delivery_date: dict[str, str] | None
    notes: list[str] = field(default_factory=list)
    natural_key: bool = False  # no license / id column: record_key is a composite of normalized fields
    key_note: list[str] = field(default_factory=list)  # why this record key (comment lines)
    column_notes: dict[str, str] = field(default_factory=dict)  # headerless: what each column holds

    @property
    def mapped_columns(self) -> dict[str, FieldProposal]:
        return {c: f for f in self.fields for c in f.from_}

    def to_yaml(self) -> str:
        lines = [
            f"# {self.source}: proposed by `etl-assets propose-mapping` from the sample {self.sample_name!r}",
            f"# ({self.records} records, {len(self.columns)} columns, "
            f"{'with' if self.header else 'WITHOUT'} a header row, sample encoding {self.encoding}).",
            f"# Review the confidence comments, then run `etl-assets check-mapping {self.source}`.",
            *[f"# note: {n}" for n in self.notes],
            f"source: {self.source}",
            f"description: {_scalar(f'{self.source} (mapping proposed from {self.sample_name})')}",
            "deliveries:",
            f"  key_pattern: {_scalar(f'{self.source}/*.csv')}",
        ]
        if self.delivery_date:
            lines.append(f"  date: {_flow(self.delivery_date)}")
        read: dict[str, Any] = {"encoding": "utf-8", "fallback_encodings": ["cp1252"]}
        if not self.header:
            read["header"] = False
        lines.append(
            f"read: {_flow(read)}  # sample is {self.encoding}; UTF-8 is tried first (strict), cp1252 when it fails"
        )
        lines.extend(f"# {n}" for n in self.key_note)
        lines.append(f"record_key: {_flow(self.record_key)}")
        if self.identifiers:
            lines.append(f"identifiers: {_flow(self.identifiers)}")
        if self.column_notes:
            lines.append("# The file has no header row; what each column holds (on the sample):")
            lines.extend(f"#   {c}: {n}" for c, n in self.column_notes.items())
        lines.append("fields:")
        for f in self.fields:
            lines.append(f"  - {f.as_yaml()}  # confidence {f.confidence:.2f}: {f.why}")
        if self.unmatched:
            lines.append(f"# Unmatched columns (no leads column found; kept in _extras): {', '.join(map(repr, self.unmatched))}")
        else:
            lines.append("# Unmatched columns: none")
        return "\n".join(lines) + "\n"


def _flow(obj: Any) -> str:
    return yaml.safe_dump(obj, default_flow_style=True, sort_keys=False, width=10**6, allow_unicode=True).strip()


def _scalar(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10**6, allow_unicode=True).strip().removesuffix("...").strip()
