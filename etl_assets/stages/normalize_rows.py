"""One batch of raw text records → its typed leads rows, following one source's mapping.

Pure: frames and a plan in, a frame out; the normalize stage (``normalize.py``) streams a delivery
through it batch by batch. Every input record comes out exactly once, either clean
(``_quarantine_reason`` null) or with the reasons it is quarantined, each naming the file line and
the source column: **where a quarantine reason is written** (``_Reasons``). Column-level choices
(the header map, a date column's format) are made once for the whole delivery by
:func:`plan_normalize`, so batches cannot disagree. Only a structural problem (a required column
missing from the delivery, an ambiguous column) raises, because then no row could be trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa

from etl_assets.records import (DQ_FLAGS, EXTRA_FIELDS, EXTRAS, KEY_SEPARATOR, LINE_NUMBER, LINEAGE_COLUMNS,
                                QUARANTINE_REASON, RAW_RECORD, READ_ERROR, RECORD_KEY, STRING)
from etl_assets.sources.schemas import PANDAS_DTYPES, normalized_schema
from etl_assets.sources.validation import validate
from etl_assets.sources.spec import FieldMap, LeadsSchema, SourceSpec
from etl_assets.stages.headers import resolve_columns
from etl_assets.transforms import get_transform
from etl_assets.transforms.registry import Spread, apply_transform_distinct
from etl_assets.transforms._common import quote
from etl_assets.transforms.columns import formula_candidates, is_arrow_text
from etl_assets.transforms.json_text import json_objects
from etl_assets.transforms.text import FORMULA_PATTERN


class ColumnPrepareError(ValueError):
    """A column cannot be read safely as a whole (e.g. an ambiguous date format): the delivery is held back."""


@dataclass(frozen=True)
class FieldPlan:
    field: FieldMap
    transform: object
    params: dict  # after the transform's column-level pre-pass, if it has one
    label: str  # the source column(s) as messages name them


@dataclass(frozen=True)
class NormalizePlan:
    """What every batch of one delivery is normalized by, decided once over the whole delivery."""

    spec: SourceSpec
    leads: LeadsSchema
    fields: list[FieldPlan]
    column_map: dict[str, str]  # mapping's source column -> header found in the delivery
    source_columns: list[str]  # the delivery's own columns, in file order
    unmapped: list[str]  # delivery columns no mapping entry reads (kept in _extras)
    warnings: list[str]  # drift: header matches that were not exact, pre-pass warnings


def plan_normalize(
    spec: SourceSpec, leads: LeadsSchema, source_columns: list[str], where: str,
    whole_columns: Callable[[list[str]], pd.DataFrame],
) -> NormalizePlan:
    """Map the delivery's headers and run each transform's column-level pre-pass (e.g. a date
    column's format) over the whole delivery. ``whole_columns(names)`` gives every record's values
    of the named delivery columns (the stage reads only those from the raw file). Raises
    MissingColumnsError (a required column is missing) or ColumnPrepareError."""
    column_map, warnings = resolve_columns(spec, source_columns, where)
    whole = whole_columns(prepared_columns(spec, column_map))
    fields = []
    for f in spec.fields:
        t = get_transform(f.transform)
        label = ", ".join(repr(column_map.get(c, c)) for c in f.from_) or "constant"
        params = f.params
        if t.prepare is not None and f.value is None:
            prepared = t.prepare(_field_inputs(f, whole, column_map), f.params)
            if prepared.error:
                raise ColumnPrepareError(f"{where}: column {label}: {prepared.error}")
            params = prepared.params
            warnings.extend(f"column {label}: {w}" for w in prepared.warnings)
        fields.append(FieldPlan(f, t, params, label))
    mapped_headers = set(column_map.values())
    unmapped = [c for c in source_columns if c not in mapped_headers]
    return NormalizePlan(spec, leads, fields, column_map, list(source_columns), unmapped, warnings)


def prepared_columns(spec: SourceSpec, column_map: dict[str, str]) -> list[str]:
    """The delivery columns a transform's column-level pre-pass reads (it needs them whole)."""
    needed: list[str] = []
    for f in spec.fields:
        if f.value is None and get_transform(f.transform).prepare is not None:
            needed += [column_map[c] for c in f.from_ if c in column_map and column_map[c] not in needed]
    return needed


def _field_inputs(f: FieldMap, raw: pd.DataFrame, column_map: dict[str, str]) -> list[pd.Series]:
    if f.value is not None:
        return [pd.Series(f.value, index=raw.index, dtype=object)]
    return [raw[column_map[c]] if c in column_map else pd.Series(None, index=raw.index, dtype=object) for c in f.from_]


class _Reasons:
    """Collects per-row quarantine reasons and data-quality flags by row position."""

    def __init__(self, n: int):
        self.reasons: dict[int, list[str]] = {}
        self.flags: dict[int, list[str]] = {}
        self.n = n

    @staticmethod
    def _add(store: dict[int, list[str]], positions: np.ndarray, messages) -> None:
        for pos, msg in zip(positions, messages):
            store.setdefault(int(pos), []).append(msg)

    def reason(self, positions, messages) -> None:
        self._add(self.reasons, positions, messages)

    def flag(self, positions, messages) -> None:
        self._add(self.flags, positions, messages)

    def as_series(self, store: dict[int, list[str]], index: pd.Index) -> pd.Series:
        """One text per row (its messages joined, repeats once), null where there are none (Arrow take)."""
        codes = np.zeros(self.n, dtype=np.int64)
        codes[np.fromiter(store, dtype=np.int64, count=len(store))] = np.arange(1, len(store) + 1)
        texts = pa.array([None, *("; ".join(dict.fromkeys(msgs)) for msgs in store.values())], type=pa.large_string())
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([texts.take(pa.array(codes))])), index=index)


def _cast(values: pd.Series | Spread, type_name: str, index: pd.Index) -> tuple[pd.Series, np.ndarray]:
    """Cast transform output to the leads type; returns the column and positions that failed.
    A ``Spread`` is cast once per distinct value, then spread to the rows."""
    if isinstance(values, Spread):
        distinct, bad = _cast_values(Spread(np.arange(len(values.values)), values.values).series(None), type_name)
        column = pd.Series(distinct.array.take(values.codes), index=index)
        return column, (np.flatnonzero(np.isin(values.codes, bad)) if len(bad) else bad)
    return _cast_values(values, type_name)


def _cast_values(values: pd.Series, type_name: str) -> tuple[pd.Series, np.ndarray]:
    dtype = PANDAS_DTYPES[type_name]
    try:
        return values.astype(dtype), np.array([], dtype=int)
    except Exception:  # noqa: BLE001 - any cast failure: fall back to one value at a time to name the bad rows
        out, bad = [], []
        for pos, v in enumerate(values.to_numpy()):
            try:
                pd.array([v], dtype=dtype)
                out.append(v)
            except Exception:  # noqa: BLE001
                out.append(None)
                bad.append(pos)
        return pd.Series(pd.array(out, dtype=dtype), index=values.index), np.array(bad, dtype=int)


def normalize_batch(raw: pd.DataFrame, plan: NormalizePlan) -> pd.DataFrame:
    """One batch of raw records (index 0..n-1) → its normalized rows, one per record."""
    spec, leads, column_map = plan.spec, plan.leads, plan.column_map
    n = len(raw)
    notes = _Reasons(n)
    lines = raw[LINE_NUMBER].to_numpy()
    targets = leads.all_columns
    out: dict[str, pd.Series] = {}
    origin: dict[str, str] = {}  # target -> source column(s) that fed it, for messages

    for field_plan in plan.fields:
        f, label = field_plan.field, field_plan.label
        result = apply_transform_distinct(field_plan.transform, _field_inputs(f, raw, column_map), field_plan.params)
        for target, values in zip(f.to, result.columns.values()):
            origin.setdefault(target, label)
            if target in out:  # a second field feeds the target: merged row by row (first value wins), then cast
                first, values = (v.series(raw.index) if isinstance(v, Spread) else v for v in (out[target], values))
                values = first.where(first.notna(), values)
            out[target] = values
        for found, add in ((result.errors, notes.reason), (result.flags, notes.flag)):
            hit = found.hits() if isinstance(found, Spread) else np.flatnonzero(found.notna().to_numpy())
            message = (lambda p: found.values[found.codes[p]]) if isinstance(found, Spread) else found.iat.__getitem__
            if len(hit):
                add(hit, [f"line {lines[p]}, column {label}: {message(p)}" for p in hit])

    typed = pd.DataFrame(index=raw.index)
    for name, column in targets.items():
        values = out.get(name, Spread(np.zeros(n, dtype=np.int64), [None]))  # no field fills it: null
        typed[name], bad = _cast(values, column.type, raw.index)
        if len(bad):
            notes.reason(bad, [f"line {lines[p]}, column {origin.get(name, name)}: not a valid {column.type} for {name}" for p in bad])

    _validate(typed, spec, leads, notes, lines, origin)

    read_errors = raw[READ_ERROR]
    hit = np.flatnonzero(read_errors.notna().to_numpy())
    notes.reason(hit, [read_errors.iat[p] for p in hit])
    _flag_formulas(raw, plan.source_columns, notes, lines)

    key_parts = [typed[k].astype(STRING) for k in spec.record_key]
    record_key = key_parts[0].str.cat(key_parts[1:], sep=KEY_SEPARATOR) if len(key_parts) > 1 else key_parts[0]
    missing_key = np.flatnonzero(record_key.isna().to_numpy())
    notes.reason(missing_key, [f"line {lines[p]}: record key {list(spec.record_key)} is missing" for p in missing_key])

    rows = pd.concat([raw[list(LINEAGE_COLUMNS)], typed], axis=1)
    rows[RECORD_KEY] = record_key
    rows[DQ_FLAGS] = notes.as_series(notes.flags, raw.index)
    rows[EXTRAS] = _json_records(raw, plan.unmapped, extra_fields=raw[EXTRA_FIELDS])
    rows[QUARANTINE_REASON] = notes.as_series(notes.reasons, raw.index)
    quarantined = rows[QUARANTINE_REASON].notna()
    rows[RAW_RECORD] = notes.as_series({}, raw.index)
    if quarantined.any():
        rows.loc[quarantined, RAW_RECORD] = _json_records(raw[quarantined], plan.source_columns, raw.loc[quarantined, EXTRA_FIELDS])
    return rows


def _validate(typed, spec, leads, notes: _Reasons, lines, origin) -> None:
    """Run the pandera leads schema lazily and turn each failure case into a row reason."""
    try:
        validate(normalized_schema(spec, leads), typed, lazy=True)  # pandera itself unless clearly clean
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        row_cases = cases[cases["index"].notna()]
        for column, check, value, index in row_cases[["column", "check", "failure_case", "index"]].itertuples(index=False):
            pos = typed.index.get_loc(index)
            problem = f"required value for {column} is missing" if check == "not_nullable" else f"{column} fails {check} ({value!r})"
            notes.reason([pos], [f"line {lines[pos]}, column {origin.get(column, column)}: {problem}"])
        schema_level = cases[cases["index"].isna()]
        if len(schema_level):
            raise ValueError(f"normalized schema error: {schema_level.to_dict('records')}") from exc


def _flag_formulas(raw: pd.DataFrame, columns: list[str], notes: _Reasons, lines) -> None:
    """Spreadsheet formulas in source values (``=HYPERLINK(...)``, ``@SUM``, ``+cmd|...``) are data
    here: kept verbatim, flagged in ``_dq_flags``; CSV exports neutralise them (exports.safe_csv.to_safe_csv)."""
    for column in columns:
        values = raw[column] if raw[column].dtype == STRING else raw[column].astype(STRING)
        maybe = formula_candidates(values)  # the regex only where the first character allows a formula
        hit = maybe[values.iloc[maybe].str.match(FORMULA_PATTERN).fillna(False).to_numpy(dtype=bool)]
        if len(hit):
            notes.flag(hit, [
                f"line {lines[p]}, column {column!r}: looks like a spreadsheet formula ({quote(values.iat[p])}); "
                "kept as text, neutralised in CSV exports" for p in hit
            ])


_JSON_CHUNK_ROWS = 50_000  # rows built at a time (bounds the Arrow temporaries of the escapes)


def _json_records(frame: pd.DataFrame, columns: list[str], extra_fields: pd.Series) -> pd.Series:
    """One JSON object per row holding the named columns (and surplus fields, if any); Arrow
    kernels over whole columns (``transforms/json_text.py``), equal to ``json.dumps`` per row."""
    if not columns and extra_fields.isna().all():
        return pd.Series(pd.array([None] * len(frame), dtype=STRING), index=frame.index)
    named = [(c, _arrow_text(frame[c])) for c in columns]
    extra = _arrow_text(extra_fields)
    chunks = []
    for start in range(0, len(frame), _JSON_CHUNK_ROWS):
        part = [(c, values.slice(start, _JSON_CHUNK_ROWS)) for c, values in named]
        rows = min(_JSON_CHUNK_ROWS, len(frame) - start)
        chunks += json_objects(part, (EXTRA_FIELDS, extra.slice(start, _JSON_CHUNK_ROWS)), length=rows).chunks
    built = pa.chunked_array(chunks, type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(built), index=frame.index)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """The Arrow strings behind a text column (the reader's columns are Arrow-backed; others are converted)."""
    if not is_arrow_text(values):
        values = values.astype(STRING)
    return values.array._pa_array  # noqa: SLF001 - the Arrow data behind the column
