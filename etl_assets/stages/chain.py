"""One delivery through the file stages (land → normalize → dedup) as the asset chain runs them.

For the callers that run a delivery outside Dagster and want what production would make of it:
``check-mapping``, a proposal's sample run, the golden files, benchmarks and tests. The stage
files go into one folder (the caller's, usually a temporary directory); a caller that needs a
frame at the end reads a stage's file (``StageFile.read()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from etl_assets.sources.spec import LeadsSchema, SourceSpec
from etl_assets.stages.dedup import DedupedFile, dedup_file
from etl_assets.stages.files import StageFileWriter
from etl_assets.stages.land import LandedFile, land_to_file
from etl_assets.stages.normalize import NormalizedFile, normalize_file


@dataclass(frozen=True)
class StagedDelivery:
    raw: LandedFile
    normalized: NormalizedFile
    deduped: DedupedFile | None  # None when not asked for


def stage_delivery(
    stream: BinaryIO,
    spec: SourceSpec,
    leads: LeadsSchema,
    key: str,
    etag: str | None,
    landed_at: datetime | pd.Timestamp,
    where: str,
    folder: Path,
    dedup: bool = True,
    strict: bool = True,
) -> StagedDelivery:
    """Land, normalize (and dedup) the delivery under S3 ``key`` into ``folder``'s stage files.

    ``where`` names the delivery in read errors, ``key`` in normalize's. ``strict=False``: a header
    without records and a quarantined share above the threshold are the caller's to report, not
    errors (``check-mapping``). Raises what the stages raise; a failed stage publishes no file."""
    folder = Path(folder)
    with StageFileWriter(folder / "raw.parquet") as writer:
        raw = land_to_file(stream, spec, key, etag, landed_at, where, writer, require_records=strict)
    with StageFileWriter(folder / "normalized.parquet") as writer:
        normalized = normalize_file(raw.file, spec, leads, key, writer, enforce_threshold=strict)
    deduped = None
    if dedup:
        with StageFileWriter(folder / "deduped.parquet") as writer:
            deduped = dedup_file(normalized.file, writer)
    return StagedDelivery(raw, normalized, deduped)
