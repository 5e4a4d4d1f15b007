"""Check a source mapping against sample deliveries (``etl-assets check-mapping NAME [sample ...]``).

Each sample is read and normalized through the stage files exactly as the ``<source>/raw`` and ``<source>/normalized``
assets do. The report gives the coverage of the leads columns, the share of flagged values per
source column (from ``_dq_flags`` and quarantine reasons naming the column), the quarantined share
and the drift warnings. The mapping fails (``CheckReport.ok`` false, exit 1) when:

- the YAML does not validate (unknown transform or target column, bad shape);
- a sample cannot be read, lacks a required column, or has an ambiguous date column;
- the quarantined share is above the source's ``quarantine_threshold``;
- a source column has more than ``max_failure_rate`` (default 50%) of its non-empty values flagged;
- the record key is missing on more than ``max_key_null_share`` (10%) of the records, or repeated on
  more than ``max_key_duplicate_share`` (20%) (whole-row repeats included: dedup collapses them);
- dedup would collapse more than ``max_key_collision_share`` (3%) of the records although they
  differ, or a name or key column has very few distinct values for its size (``check_rules.py``).

It also names the placeholder cells read as missing per column, the share of records without
an address (``coverage.py``), the cause of read errors, and the leads columns the sample's columns
could fill against those the mapping fills (``check_rules.coverage``).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl_assets.ingest.placeholders import describe as describe_placeholders
from etl_assets.ingest.read import DeliveryReadError, describe_read_errors
from etl_assets.onboarding.check_rules import (MAX_KEY_COLLISION_SHARE, Coverage, cardinality_errors, collision_errors,
                                               coverage)  # fmt: skip
from etl_assets.stages.coverage import without_address
from etl_assets.onboarding.natural_key import KeyStats, key_stats, record_content
from etl_assets.records import DQ_FLAGS, QUARANTINE_REASON, READ_ERROR, RECORD_KEY
from etl_assets.sources.registry import LEADS_FILE
from etl_assets.sources.spec import MappingError, load_leads_schema, load_spec
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.headers import MissingColumnsError
from etl_assets.stages.normalize_rows import ColumnPrepareError

MAX_FAILURE_RATE = 0.5
MAX_KEY_NULL_SHARE = 0.1
MAX_KEY_DUPLICATE_SHARE = 0.2
LANDED_AT = pd.Timestamp("2000-01-01T00:00:00Z")


@dataclass
class ColumnStat:
    column: str  # the header in the sample
    non_empty: int
    flagged: int

    @property
    def rate(self) -> float:
        return self.flagged / self.non_empty if self.non_empty else 0.0


@dataclass
class SampleReport:
    sample: str
    records: int = 0
    quarantined: int = 0
    coverage: dict[str, float] = field(default_factory=dict)  # target -> share of clean rows filled
    columns: list[ColumnStat] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)  # per column: placeholder cells read as missing
    key: KeyStats | None = None
    without_address: int = 0
    sniffed: Coverage | None = None  # leads columns the sample could fill vs those mapped

    @property
    def quarantined_share(self) -> float:
        return self.quarantined / self.records if self.records else 0.0

    @property
    def without_address_share(self) -> float:
        return self.without_address / self.records if self.records else 0.0


@dataclass
class CheckReport:
    source: str
    mapping: Path
    samples: list[SampleReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # mapping-level
    not_produced: list[str] = field(default_factory=list)  # leads columns the mapping never fills

    @property
    def ok(self) -> bool:
        return not self.errors and not any(s.errors for s in self.samples)


def column_flags(rows: pd.DataFrame, raw: pd.DataFrame, headers: list[str]) -> list[ColumnStat]:
    notes = rows[DQ_FLAGS].fillna("").astype(str) + " " + rows[QUARANTINE_REASON].fillna("").astype(str)
    stats = []
    for h in headers:
        non_empty = int(raw[h].fillna("").astype(str).str.strip().ne("").sum())
        pattern = re.compile(r"column [^:]*" + re.escape(repr(h)))
        flagged = int(notes.map(lambda text: bool(pattern.search(text))).sum())
        stats.append(ColumnStat(h, non_empty, flagged))
    return stats


@dataclass(frozen=True)
class Limits:
    """The verdict's thresholds (``check-mapping --max-failure-rate / --max-key-null-share / --max-key-duplicate-share``)."""

    max_failure_rate: float = MAX_FAILURE_RATE
    max_key_null_share: float = MAX_KEY_NULL_SHARE
    max_key_duplicate_share: float = MAX_KEY_DUPLICATE_SHARE
    max_key_collision_share: float = MAX_KEY_COLLISION_SHARE


def _key_errors(key: KeyStats, limits: Limits) -> list[str]:
    errors = []
    if key.null_share > limits.max_key_null_share:
        errors.append(f"record key {list(key.key)} is missing on {key.null} of {key.records} records "
                      f"({key.null_share:.0%}, limit {limits.max_key_null_share:.0%}); choose fields that are always filled")  # fmt: skip
    if key.duplicate_share > limits.max_key_duplicate_share:
        errors.append(f"record key {list(key.key)} repeats on {key.duplicates} of {key.records} records "
                      f"({key.duplicate_share:.0%}, limit {limits.max_key_duplicate_share:.0%}; {key.repeats} whole-row "
                      f"repeats, {key.collisions} different records); add a field to the key")  # fmt: skip
    return errors


def check_sample(path: Path, spec, leads, limits: Limits | float = MAX_FAILURE_RATE) -> SampleReport:
    limits = limits if isinstance(limits, Limits) else Limits(max_failure_rate=limits)
    max_failure_rate = limits.max_failure_rate
    report = SampleReport(sample=str(path))
    key = f"{spec.source}/{path.name}"
    try:  # through the stage files, as the raw and normalized assets run it; the report reads them back
        with tempfile.TemporaryDirectory(prefix="check-mapping-") as folder, path.open("rb") as stream:
            staged = stage_delivery(stream, spec, leads, key, '"check"', LANDED_AT, str(path), Path(folder),
                                    dedup=False, strict=False)
            raw, rows = staged.raw.file.read(), staged.normalized.file.read()
    except (DeliveryReadError, MissingColumnsError, ColumnPrepareError) as exc:
        report.errors.append(str(exc))
        return report
    report.warnings.extend(f"read: {w}" for w in staged.raw.read.warnings)
    report.placeholders = describe_placeholders(staged.raw.read.placeholders)
    result = staged.normalized
    report.records = len(rows)
    report.quarantined = int(rows[QUARANTINE_REASON].notna().sum())
    report.unmapped = result.unmapped_columns
    report.warnings.extend(f"drift: {w}" for w in result.warnings)
    clean = rows[rows[QUARANTINE_REASON].isna()]
    for target in spec.target_columns:
        report.coverage[target] = float(clean[target].notna().mean()) if len(clean) else 0.0
    report.columns = column_flags(rows, raw, list(dict.fromkeys(result.column_map.values())))
    readable = raw[READ_ERROR].isna().to_numpy()
    source_columns = [c for c in raw.columns if not c.startswith("_")]
    report.key = key_stats(rows.loc[readable, RECORD_KEY], record_content(raw[readable], source_columns), spec.record_key)
    report.errors.extend(_key_errors(report.key, limits))
    report.errors.extend(collision_errors(report.key, limits.max_key_collision_share))
    report.errors.extend(cardinality_errors(spec, raw[readable], result.column_map))
    report.sniffed = coverage(spec, raw[readable], spec.read.header)
    unreadable = describe_read_errors(raw[READ_ERROR])
    if unreadable:
        report.warnings.append(f"read: {unreadable}")
    report.without_address = without_address(rows)
    if result.above_threshold(spec):
        examples = rows.loc[rows[QUARANTINE_REASON].notna(), QUARANTINE_REASON].head(3).tolist()
        report.errors.append(
            f"{report.quarantined} of {report.records} records quarantined ({report.quarantined_share:.0%}), above "
            f"the threshold {spec.quarantine_threshold:.0%}; "
            + (f"the cause: {unreadable}" if unreadable and raw[READ_ERROR].notna().mean() > 0.5 else f"e.g. {examples}")
        )
    for stat in report.columns:
        if stat.non_empty and stat.rate > max_failure_rate:
            report.errors.append(
                f"column {stat.column!r}: {stat.flagged} of {stat.non_empty} values ({stat.rate:.0%}) could not be "
                f"parsed or were flagged (limit {max_failure_rate:.0%}); check its transform and params"
            )
    return report


def default_samples(source: str, sample_bucket: Path) -> list[Path]:
    return sorted((sample_bucket / source).glob("*.csv"))


def check_mapping(
    source: str, samples: list[Path], mappings: Path, max_failure_rate: float = MAX_FAILURE_RATE, limits: Limits | None = None
) -> CheckReport:
    limits = limits or Limits(max_failure_rate=max_failure_rate)
    path = mappings / f"{source}.yaml"
    report = CheckReport(source=source, mapping=path)
    if not path.exists():
        report.errors.append(f"{path} does not exist (run `etl-assets propose-mapping` first)")
        return report
    try:
        leads = load_leads_schema(mappings / LEADS_FILE)
        spec = load_spec(path, leads)
    except MappingError as exc:
        report.errors.append(f"the mapping does not validate: {exc}")
        return report
    if spec.source != source:
        report.errors.append(f"{path} declares source {spec.source!r}, expected {source!r}")
    if not samples:
        report.errors.append(f"no sample to check against (give one, or put it under data/sample_bucket/{source}/)")
        return report
    report.not_produced = [c for c in leads.all_columns if c not in spec.target_columns]
    report.samples = [check_sample(Path(s), spec, leads, limits) for s in samples]
    return report


def render(report: CheckReport) -> str:
    lines = [f"check-mapping {report.source}: {report.mapping}"]
    for e in report.errors:
        lines.append(f"  ERROR {e}")
    for s in report.samples:
        lines.append(f"sample {s.sample}: {s.records} records, {s.quarantined} quarantined ({s.quarantined_share:.1%})")
        if s.key:
            lines.append(f"  record key {s.key.describe()}")
        if s.records:
            lines.append(f"  records without an address (withheld, blank or placeholder): {s.without_address} "
                         f"({s.without_address_share:.1%})")  # fmt: skip
        for p in s.placeholders:
            lines.append(f"  {p}")
        if s.coverage:
            cov = ", ".join(f"{t} {share:.0%}" for t, share in s.coverage.items())
            lines.append(f"  coverage of leads columns (clean rows filled): {cov}")
        if s.sniffed:
            lines.append(f"  {s.sniffed.describe()}")
        for stat in s.columns:
            if stat.flagged:
                lines.append(f"  column {stat.column!r}: {stat.flagged}/{stat.non_empty} values flagged ({stat.rate:.0%})")
        if s.unmapped:
            lines.append(f"  unmapped columns (kept in _extras): {', '.join(map(repr, s.unmapped))}")
        for w in s.warnings:
            lines.append(f"  WARN {w}")
        for e in s.errors:
            lines.append(f"  ERROR {e}")
    if report.not_produced:
        lines.append(f"leads columns this mapping does not fill: {', '.join(report.not_produced)}")
    lines.append("OK" if report.ok else "FAILED")
    return "\n".join(lines)
