"""normalize works in batches of BATCH_ROWS records: any batch size gives the same rows.

Each sample (and bad-delivery corpus files that land, carrying read errors, quarantines, formulas,
surplus fields, impossible dates and repeated records) is normalized from its raw stage file in one
batch and in batches of a third of its records (so every case crosses batch boundaries); the
normalized files must be equal cell for cell, dtypes included, and so must the warnings.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from etl_assets.sources.registry import leads_schema, load_specs
from etl_assets.stages import normalize
from etl_assets.stages.files import StageFileWriter
from etl_assets.stages.land import land_to_file
from etl_assets_tests.support.stages import sample_and_bad_cases

LANDED_AT = datetime(2024, 1, 2, tzinfo=timezone.utc)
BAD_FILES = ["spreadsheet_formulas.csv", "ragged_rows.csv", "impossible_dates.csv", "same_record_1000_times.csv"]


def _normalized(raw, spec, folder, name: str) -> normalize.NormalizedFile:
    with StageFileWriter(folder / f"{name}.parquet") as writer:
        return normalize.normalize_file(raw, spec, leads_schema(), "k", writer, enforce_threshold=False)


@pytest.mark.parametrize("source,path", list(sample_and_bad_cases(BAD_FILES)))
def test_any_batch_size_gives_the_same_rows(monkeypatch, tmp_path, source, path):
    spec = next(s for s in load_specs() if s.source == source)
    key = f"{source}/{path.name}"
    with path.open("rb") as stream, StageFileWriter(tmp_path / "raw.parquet") as writer:
        raw = land_to_file(stream, spec, key, "etag", LANDED_AT, f"s3://test/{key}", writer).file
    whole = _normalized(raw, spec, tmp_path, "whole")
    assert whole.rows == len(raw) and whole.file.row_groups == 1
    size = max(2, len(raw) // 3)
    assert size < len(raw) < normalize.BATCH_ROWS
    monkeypatch.setattr(normalize, "BATCH_ROWS", size)
    batched = _normalized(raw, spec, tmp_path, "batched")
    assert batched.file.row_groups > 1
    pd.testing.assert_frame_equal(batched.file.read(), whole.file.read())
    assert batched.warnings == whole.warnings
    assert (batched.column_map, batched.unmapped_columns) == (whole.column_map, whole.unmapped_columns)
