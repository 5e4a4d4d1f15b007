"""SourceSpec: a validated, typed view of one mappings/<source>.yaml.

A source is data, not code: adding a YAML file under mappings/ adds a source. Everything the
pipeline needs to know about a registry lives here, checked once at load time so that a bad
mapping fails with a message naming the file and the field instead of failing inside a run.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnType(_Model):
    type: Literal["text", "date", "integer", "boolean"]
    doc: str = ""
    pattern: str | None = None
    min: int | None = None
    max: int | None = None


class LeadsSchema(_Model):
    """mappings/leads.yaml: the target columns every source maps onto."""

    columns: dict[str, ColumnType]
    matching: dict[str, ColumnType] = Field(default_factory=dict)
    resolution: dict[str, Any] = Field(default_factory=dict, description="ResolveConfig overrides")

    @property
    def all_columns(self) -> dict[str, ColumnType]:
        return {**self.columns, **self.matching}


class DeliveryDate(_Model):
    """How a delivery's date is found: a regex on the key, else the object's LastModified."""

    regex: str = r"(\d{2}-\d{2}-\d{4})"
    format: str = "%m-%d-%Y"

    def from_key(self, key: str) -> date | None:
        match = re.search(self.regex, key)
        if not match:
            return None
        try:
            return datetime.strptime(match.group(1), self.format).date()
        except ValueError:
            return None


class Deliveries(_Model):
    key_pattern: str = Field(description="fnmatch glob on the S3 key, e.g. 'nevada/*.csv'")
    date: DeliveryDate = Field(default_factory=DeliveryDate)
    freshness_days: int | None = Field(default=None, description="a delivery is expected at least this often")


class ReadOptions(_Model):
    encoding: str = "utf-8"
    fallback_encodings: tuple[str, ...] = ("cp1252",)
    delimiter: str = ","
    header: bool = True
    null_values: tuple[str, ...] = Field(default=(), description="more placeholder spellings read as missing")
    default_null_values: bool = Field(default=True, description="read N/A, NULL, -, unknown ... as missing")

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if len(v) != 1:
            raise ValueError("delimiter must be one character")
        return v


class FieldMap(_Model):
    """One entry of `fields:`: source column(s) → transform → target column(s)."""

    from_: tuple[str, ...] = Field(default=(), alias="from")
    value: str | None = Field(default=None, description="a constant instead of a source column")
    to: tuple[str, ...]
    transform: str = "text"
    params: dict[str, Any] = Field(default_factory=dict)
    required: bool | tuple[str, ...] = Field(
        default=False, description="true, or the targets that must not be null; a row missing one is quarantined"
    )
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="other header names per source column")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one_origin(self) -> FieldMap:
        if bool(self.from_) == (self.value is not None):
            raise ValueError(f"field {self.to}: give exactly one of 'from' or 'value'")
        if isinstance(self.required, tuple) and not set(self.required) <= set(self.to):
            raise ValueError(f"field {self.to}: required {list(self.required)} must name targets of this field")
        return self

    @property
    def required_targets(self) -> tuple[str, ...]:
        if self.required is True:
            return self.to
        return self.required or ()


class SourceSpec(_Model):
    source: str
    description: str = ""
    deliveries: Deliveries
    read: ReadOptions = Field(default_factory=ReadOptions)
    record_key: tuple[str, ...] = Field(description="target columns identifying a record within the source")
    identifiers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    fields: tuple[FieldMap, ...]
    quarantine_threshold: float = Field(default=0.2, ge=0, le=1, description="quarantined share that fails a delivery")
    max_delete_share: float = Field(default=0.5, ge=0, le=1, description="soft-delete share that holds a delivery")
    max_row_drop_share: float = Field(
        default=0.5, ge=0, le=1, description="drop in rows vs the previous delivery that holds a delivery"
    )
    max_null_rate_increase: float = Field(
        default=0.2, ge=0, le=1, description="rise of a column's null rate vs the previous delivery that warns"
    )
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("source")
    @classmethod
    def _valid_name(cls, v: str) -> str:
        if not _SOURCE_NAME.match(v):
            raise ValueError("source must be lower-case letters, digits and '_', starting with a letter")
        return v

    def matches_key(self, key: str) -> bool:
        return fnmatch.fnmatchcase(key, self.deliveries.key_pattern)

    @cached_property
    def source_columns(self) -> tuple[str, ...]:
        """Every source column the mapping reads, in mapping order, without repeats."""
        return tuple(dict.fromkeys(c for f in self.fields for c in f.from_))

    @cached_property
    def required_source_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for f in self.fields if f.required_targets for c in f.from_))

    @cached_property
    def required_targets(self) -> tuple[str, ...]:
        """Target columns that must be non-null: the record key and every field's required targets."""
        return tuple(dict.fromkeys([*self.record_key, *(t for f in self.fields for t in f.required_targets)]))

    @cached_property
    def target_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for f in self.fields for c in f.to))

    def aliases_for(self, column: str) -> tuple[str, ...]:
        for f in self.fields:
            if column in f.aliases:
                return f.aliases[column]
        return ()


class MappingError(ValueError):
    """A mapping file that cannot be used, with the file named."""


def load_leads_schema(path: Path) -> LeadsSchema:
    try:
        return LeadsSchema.model_validate(yaml.safe_load(path.read_text()))
    except (ValidationError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: {exc}") from exc


def load_spec(path: Path, leads: LeadsSchema) -> SourceSpec:
    """Parse and check one source mapping against the target schema and the transform registry."""
    from etl_assets.transforms import get_transform

    try:
        spec = SourceSpec.model_validate({**yaml.safe_load(path.read_text()), "path": path})
    except (ValidationError, yaml.YAMLError, TypeError) as exc:
        raise MappingError(f"{path}: {exc}") from exc
    targets = leads.all_columns
    for i, f in enumerate(spec.fields, start=1):
        where = f"{path}: fields[{i}] ({', '.join(f.from_) or repr(f.value)} -> {', '.join(f.to)})"
        unknown = [t for t in f.to if t not in targets]
        if unknown:
            raise MappingError(f"{where}: unknown target column(s) {unknown}; see mappings/leads.yaml")
        try:
            t = get_transform(f.transform)
        except KeyError as exc:
            raise MappingError(f"{where}: {exc.args[0]}") from None
        if len(f.to) != len(t.outputs):
            raise MappingError(f"{where}: transform {t.name!r} produces {list(t.outputs)}, 'to' names {len(f.to)}")
        n_in = 1 if f.value is not None else len(f.from_)
        if t.n_inputs is not None and n_in != t.n_inputs:
            raise MappingError(f"{where}: transform {t.name!r} takes {t.n_inputs} input column(s), got {n_in}")
    missing_key = [k for k in spec.record_key if k not in spec.target_columns and k != "_row_hash"]
    if missing_key:
        raise MappingError(f"{path}: record_key {missing_key} is not produced by any field")
    return spec
