"""Normalize a delivery from its raw stage file into the normalized stage file, batch by batch.

The same rows as :func:`normalize.normalize_delivery` (which takes and returns whole frames): the
column-level choices (header map, a date column's format) read only the columns they need from the
raw file, then each batch of ``normalize.BATCH_ROWS`` records is normalized alone and appended as
one row group. What the asset's metadata shows (counts, previews) is gathered on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl_assets import progress
from etl_assets.stages.coverage import without_address
from etl_assets.records import QUARANTINE_REASON, ROW_NUMBER
from etl_assets.sources.spec import LeadsSchema, SourceSpec
from etl_assets.stages.files import StageFile, StageFileWriter, release_memory
from etl_assets.stages import normalize as nz
from etl_assets.stages.headers import resolve_columns
from etl_assets.transforms import get_transform

_PREVIEW_ROWS = 5
_REASON_ROWS = 10


@dataclass
class NormalizedFile:
    file: StageFile
    column_map: dict[str, str]
    unmapped_columns: list[str]
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


def prepared_columns(spec: SourceSpec, column_map: dict[str, str]) -> list[str]:
    """The delivery columns a transform's column-level pre-pass reads (it needs them whole)."""
    needed: list[str] = []
    for f in spec.fields:
        if f.value is None and get_transform(f.transform).prepare is not None:
            needed += [column_map[c] for c in f.from_ if c in column_map and column_map[c] not in needed]
    return needed


def normalize_file(raw: StageFile, spec: SourceSpec, leads: LeadsSchema, where: str, writer: StageFileWriter) -> NormalizedFile:
    """Normalize ``raw`` into ``writer``; the quarantine-threshold rule is applied before the file
    is published (above it: ValueError, no file). Raises what normalize_delivery raises."""
    source_columns = [c for c in raw.columns if not c.startswith("_")]
    column_map, warnings = resolve_columns(spec, source_columns, where)
    whole = raw.read(columns=[ROW_NUMBER, *prepared_columns(spec, column_map)])
    plans = nz._plan_fields(spec, whole, column_map, where, warnings)
    del whole
    mapped_headers = set(column_map.values())
    unmapped = [c for c in source_columns if c not in mapped_headers]
    quarantined = no_address = 0
    reasons, clean_sample, schema_sample = [], [], None
    for batch in raw.batches(batch_rows=nz.BATCH_ROWS):
        rows = nz._normalize_batch(batch, spec, leads, plans, column_map, source_columns, unmapped)
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
        if raw.rows > nz.BATCH_ROWS:  # more than one batch (a small delivery skips the 0.2 s collect)
            release_memory()  # a batch's temporaries sit in reference cycles: without it RSS grows per batch
    if schema_sample is None:  # no records at all: still a typed, empty file
        empty = raw.head(0)
        rows = nz._normalize_batch(empty, spec, leads, plans, column_map, source_columns, unmapped)
        schema_sample = rows.head(0)
        writer.write(rows)
    reasons_frame = pd.concat(reasons, ignore_index=True).head(_REASON_ROWS) if reasons else schema_sample[[ROW_NUMBER, QUARANTINE_REASON]]
    clean_frame = pd.concat(clean_sample, ignore_index=True).head(_PREVIEW_ROWS) if clean_sample else schema_sample
    nz.check_share(writer.rows, quarantined, reasons_frame[QUARANTINE_REASON].head(3).tolist(), spec, where)
    return NormalizedFile(writer.close(), column_map, unmapped, warnings, quarantined, no_address,
                          reasons_frame, clean_frame, schema_sample)

