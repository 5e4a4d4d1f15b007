"""Normalize: a delivery from its raw stage file into the normalized stage file, batch by batch.

Map, transform, type, validate with pandera and mark quarantine, following one source's mapping
(the rules per batch are ``normalize_rows.py``'s). The column-level choices (header map, a date
column's format) read only the columns they need from the raw file, then each batch of
``BATCH_ROWS`` records is normalized alone and appended as one row group. What the asset's
metadata shows (counts, previews) is gathered on the way. The quarantine-threshold rule
(:func:`above_threshold`) fails a delivery before its file is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl_assets import progress
from etl_assets.records import QUARANTINE_REASON, ROW_NUMBER
from etl_assets.sources.spec import LeadsSchema, SourceSpec
from etl_assets.stages.coverage import without_address
from etl_assets.stages.files import StageFile, StageFileWriter, release_memory
from etl_assets.stages.normalize_rows import normalize_batch, plan_normalize

# Rows transformed, typed and validated at a time: the stage's temporaries (object columns, per-row
# messages, JSON) scale with the batch, not the delivery. Column-level choices (header map, a date
# column's format) are made once over the whole delivery first, so batches cannot disagree. A batch
# costs a fixed ~0.5 s (pandera's validation), so batches stay large.
BATCH_ROWS = 200_000
_PREVIEW_ROWS = 5
_REASON_ROWS = 10


@dataclass
class NormalizedFile:
    file: StageFile
    column_map: dict[str, str]  # mapping's source column -> header found in the delivery
    unmapped_columns: list[str]  # delivery columns no mapping entry reads (kept in _extras)
    warnings: list[str]
    quarantined: int
    without_address: int
    reasons: pd.DataFrame  # the first quarantined rows' row number and reason
    clean_sample: pd.DataFrame  # the first clean rows (preview)
    schema_sample: pd.DataFrame = field(repr=False)  # no rows, the normalized columns and dtypes

    @property
    def rows(self) -> int:
        return self.file.rows

    @property
    def clean(self) -> int:
        return self.rows - self.quarantined

    def above_threshold(self, spec: SourceSpec) -> bool:
        return above_threshold(self.rows, self.quarantined, spec)


def above_threshold(total: int, quarantined: int, spec: SourceSpec) -> bool:
    """The quarantine rule: more than the source's ``quarantine_threshold`` quarantined fails the delivery."""
    return bool(total) and quarantined / total > spec.quarantine_threshold


def check_share(total: int, bad: int, examples: list[str], spec: SourceSpec, where: str) -> None:
    """:func:`above_threshold` as an error naming the share and the first reasons."""
    if above_threshold(total, bad, spec):
        raise ValueError(
            f"{where}: {bad} of {total} records ({bad / total:.0%}) failed validation, above the "
            f"threshold of {spec.quarantine_threshold:.0%}; first reasons: {examples}"
        )


def normalize_file(
    raw: StageFile, spec: SourceSpec, leads: LeadsSchema, where: str, writer: StageFileWriter,
    enforce_threshold: bool = True,
) -> NormalizedFile:
    """Normalize ``raw`` into ``writer``; the quarantine-threshold rule is applied before the file
    is published (above it: ValueError, no file; ``enforce_threshold=False``: published, the caller
    judges, as ``check-mapping`` does). Raises MissingColumnsError or ColumnPrepareError when no
    row could be trusted."""
    source_columns = [c for c in raw.columns if not c.startswith("_")]
    plan = plan_normalize(spec, leads, source_columns, where, lambda names: raw.read(columns=[ROW_NUMBER, *names]))
    quarantined = no_address = 0
    reasons, clean_sample, schema_sample = [], [], None
    for batch in raw.batches(batch_rows=BATCH_ROWS):
        rows = normalize_batch(batch, plan)
        bad = rows[QUARANTINE_REASON].notna()
        quarantined += int(bad.sum())
        no_address += without_address(rows[~bad])
        if sum(map(len, reasons)) < _REASON_ROWS:
            reasons.append(rows.loc[bad, [ROW_NUMBER, QUARANTINE_REASON]].head(_REASON_ROWS).copy())
        if sum(map(len, clean_sample)) < _PREVIEW_ROWS:
            clean_sample.append(rows[~bad].head(_PREVIEW_ROWS).copy())
        if schema_sample is None:
            schema_sample = rows.head(0).copy()
        writer.write(rows)
        progress.advance(len(batch))
        del rows, batch, bad
        if raw.rows > BATCH_ROWS:  # more than one batch (a small delivery skips the 0.2 s collect)
            release_memory()  # a batch's temporaries sit in reference cycles: without it RSS grows per batch
    if schema_sample is None:  # no records at all: still a typed, empty file
        rows = normalize_batch(raw.head(0), plan)
        schema_sample = rows.head(0)
        writer.write(rows)
    reasons_frame = pd.concat(reasons, ignore_index=True).head(_REASON_ROWS) if reasons else schema_sample[[ROW_NUMBER, QUARANTINE_REASON]]
    clean_frame = pd.concat(clean_sample, ignore_index=True).head(_PREVIEW_ROWS) if clean_sample else schema_sample
    if enforce_threshold:
        check_share(writer.rows, quarantined, reasons_frame[QUARANTINE_REASON].head(3).tolist(), spec, where)
    return NormalizedFile(writer.close(), plan.column_map, plan.unmapped, plan.warnings, quarantined, no_address,
                          reasons_frame, clean_frame, schema_sample)
