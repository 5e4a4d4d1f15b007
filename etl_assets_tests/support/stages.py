"""Test helpers that run a delivery through the file stages (``stages/chain.py``) and read the
stage files back as frames, for tests that look at cells."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl_assets.records import QUARANTINE_REASON
from etl_assets.sources.registry import leads_schema
from etl_assets.stages.chain import StagedDelivery, stage_delivery

LANDED_AT = pd.Timestamp("2023-07-07T12:00:00Z")


@dataclass(frozen=True)
class StagedFrames:
    staged: StagedDelivery  # the stages' facts (read warnings, column map, counts); its files are gone
    raw: pd.DataFrame
    rows: pd.DataFrame  # the normalized file
    deduped: pd.DataFrame | None

    @property
    def read(self):  # the read facts: header, encoding, warnings, placeholders
        return self.staged.raw.read

    @property
    def column_map(self) -> dict[str, str]:
        return self.staged.normalized.column_map

    @property
    def unmapped_columns(self) -> list[str]:
        return self.staged.normalized.unmapped_columns

    @property
    def warnings(self) -> list[str]:  # normalize's (drift)
        return self.staged.normalized.warnings

    @property
    def clean(self) -> pd.DataFrame:
        return self.rows[self.rows[QUARANTINE_REASON].isna()]

    @property
    def quarantined(self) -> pd.DataFrame:
        return self.rows[self.rows[QUARANTINE_REASON].notna()]


def run_stages(data: bytes | str, spec, key: str, etag: str | None = '"e1"', landed_at=LANDED_AT, where: str | None = None,
               leads=None, dedup: bool = False, strict: bool = False) -> StagedFrames:
    """``data`` (bytes, or text as UTF-8) landed, normalized (and deduped) in a temporary folder,
    every stage file read back. ``strict=False`` (the default): no quarantine threshold, empty allowed."""
    data = data.encode() if isinstance(data, str) else data
    with tempfile.TemporaryDirectory(prefix="stages-") as folder:
        staged = stage_delivery(io.BytesIO(data), spec, leads or leads_schema(), key, etag, landed_at,
                                where or f"s3://test/{key}", Path(folder), dedup=dedup, strict=strict)
        deduped = staged.deduped.file.read() if staged.deduped else None
        return StagedFrames(staged, staged.raw.file.read(), staged.normalized.file.read(), deduped)


def sample_and_bad_cases(bad_files: list[str]):
    """pytest params (source, path): every sample delivery, then the named bad-corpus files as Texas's."""
    import pytest

    from etl_assets_tests.conftest import PROJECT_ROOT, SAMPLE_RECORDS, sample_file

    for source in SAMPLE_RECORDS:
        yield pytest.param(source, sample_file(source), id=source)
    for name in bad_files:
        yield pytest.param("texas", PROJECT_ROOT / "etl_assets_tests" / "fixtures" / "bad" / name, id=f"bad-{name}")
