"""The pandera fast path (``sources/validation.py``) never says "passes" where pandera would fail.

Real frames: every sample and the bad-delivery files that land are landed and normalized with the
fast path and with pandera forced; the stage files must be equal cell for cell (same quarantine
reasons), and the clean frames must take the fast path. Crafted frames: each kind of failure of
the raw and the normalized schema is refused by the fast path and rejected by pandera.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pandera.pandas as pa
import pytest

from etl_assets.records import DELIVERY_KEY, ROW_NUMBER, SOURCE
from etl_assets.sources import validation
from etl_assets.sources.registry import leads_schema, load_specs
from etl_assets.sources.schemas import normalized_schema, raw_schema
from etl_assets.stages import normalize
from etl_assets.stages.files import StageFileWriter
from etl_assets.stages.land import land_to_file
from etl_assets_tests.conftest import sample_file
from etl_assets_tests.support.stages import sample_and_bad_cases

LANDED_AT = datetime(2024, 1, 2, tzinfo=timezone.utc)
BAD_FILES = ["spreadsheet_formulas.csv", "ragged_rows.csv", "impossible_dates.csv", "field_100k_chars.csv"]


def _spec(source: str):
    return next(s for s in load_specs() if s.source == source)


def _land_and_normalize(spec, path, folder):
    key = f"{spec.source}/{path.name}"
    with path.open("rb") as stream, StageFileWriter(folder / "raw.parquet") as writer:
        raw = land_to_file(stream, spec, key, "etag", LANDED_AT, f"s3://test/{key}", writer).file
    with StageFileWriter(folder / "normalized.parquet") as writer:
        normalized = normalize.normalize_file(raw, spec, leads_schema(), "k", writer, enforce_threshold=False)
    return raw.read(), normalized


def _pandera_passes(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> bool:
    try:
        schema.validate(frame, lazy=True)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError):
        return False
    return True


@pytest.mark.parametrize("source,path", list(sample_and_bad_cases(BAD_FILES)))
def test_fast_path_gives_pandera_s_rows(monkeypatch, tmp_path, source, path):
    spec = _spec(source)
    (tmp_path / "fast").mkdir()
    (tmp_path / "pandera").mkdir()
    raw, fast = _land_and_normalize(spec, path, tmp_path / "fast")
    assert validation.passes(raw_schema(spec), raw) and _pandera_passes(raw_schema(spec), raw)
    monkeypatch.setattr(validation, "passes", lambda schema, frame: False)  # pandera every time
    raw_again, slow = _land_and_normalize(spec, path, tmp_path / "pandera")
    pd.testing.assert_frame_equal(raw_again.drop(columns="_ingested_at"), raw.drop(columns="_ingested_at"))
    pd.testing.assert_frame_equal(fast.file.read(), slow.file.read())
    assert fast.quarantined == slow.quarantined


def _normalized_frame(tmp_path):
    spec = _spec("texas")
    _, normalized = _land_and_normalize(spec, sample_file("texas"), tmp_path)
    rows = normalized.file.read()
    clean = rows[rows["_quarantine_reason"].isna()].reset_index(drop=True)
    return spec, normalized_schema(spec, leads_schema()), clean[list(leads_schema().all_columns)]


def _mutations(frame: pd.DataFrame, schema: pa.DataFrameSchema):
    """One bad value (or dtype) per column and kind: null, text garbage, out of range, wrong dtype."""
    for name, column in schema.columns.items():
        values = frame[name]
        yield name, "null", frame.assign(**{name: values.where(values.index != 0)})
        if str(values.dtype).startswith("string"):
            yield name, "garbage", frame.assign(**{name: values.mask(values.index == 0, "not valid ?!")})
        if str(values.dtype) == "Int64":
            yield name, "huge", frame.assign(**{name: values.mask(values.index == 0, 10**9)})
            yield name, "negative", frame.assign(**{name: values.mask(values.index == 0, -1)})
        yield name, "object", frame.assign(**{name: values.astype(object)})
    yield "-", "missing", frame.drop(columns=[next(iter(schema.columns))])


def test_fast_path_refuses_every_kind_of_normalized_failure(tmp_path):
    spec, schema, frame = _normalized_frame(tmp_path)
    assert validation.passes(schema, frame) and _pandera_passes(schema, frame)
    refused = 0
    for name, kind, mutated in _mutations(frame, schema):
        fast = validation.passes(schema, mutated)
        assert not fast or _pandera_passes(schema, mutated), (name, kind)  # never "passes" where pandera fails
        refused += not _pandera_passes(schema, mutated)
        if kind in ("huge", "negative") and name in ("capacity", "min_age", "max_age"):
            assert not fast, (name, kind)
        if kind == "garbage" and name in ("phone", "zip", "state"):
            assert not fast, (name, kind)
        if kind == "null" and name in spec.required_targets:
            assert not fast, (name, kind)
    assert refused > 10  # the mutations do break the schema


def test_fast_path_refuses_every_kind_of_raw_failure(tmp_path):
    spec = _spec("nevada")
    raw, _ = _land_and_normalize(spec, sample_file("nevada"), tmp_path)
    schema = raw_schema(spec)
    source_column = next(c for c in raw.columns if not c.startswith("_"))
    bad = {
        "other source": raw.assign(**{SOURCE: raw[SOURCE].mask(raw.index == 3, "texas")}),
        "row number repeated": raw.assign(**{ROW_NUMBER: raw[ROW_NUMBER].mask(raw.index == 3, 1)}),
        "row number zero": raw.assign(**{ROW_NUMBER: raw[ROW_NUMBER].mask(raw.index == 0, 0)}),
        "no delivery key": raw.drop(columns=[DELIVERY_KEY]),
        "null delivery key": raw.assign(**{DELIVERY_KEY: raw[DELIVERY_KEY].where(raw.index != 0)}),
        "source column not text": raw.assign(**{source_column: range(len(raw))}),
    }
    for why, frame in bad.items():
        assert not validation.passes(schema, frame), why
        with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors, ValueError)):
            validation.validate(schema, frame)  # pandera itself says why
    # what the fast path does not know (a repeated column name) is pandera's to judge
    assert not validation.passes(schema, pd.concat([raw, raw[[source_column]]], axis=1))
