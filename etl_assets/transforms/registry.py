"""The transform registry: named pure functions that mappings/*.yaml refer to by name.

A transform is written as a *scalar* function over one source value (or a tuple of values when a
field reads several source columns) and returns a ``Parsed``. The normalize stage applies it to a
whole column through ``apply_transform``, which calls the scalar function once per *distinct*
input, so transforms stay simple to read and test while the stage stays fast on repeated values.

Rules every transform follows:
- it never raises on any text: an unparseable value becomes ``Parsed(values={...None...}, flag=...)``
  (kept, flagged) or ``Parsed(..., error=...)`` (the row is quarantined with that reason);
- it is deterministic and idempotent on its own output where that makes sense;
- ``outputs`` names the values it produces; a mapping entry's ``to:`` list is matched to them in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from etl_assets.transforms.columns import is_arrow_text, mostly_distinct


@dataclass(frozen=True)
class Parsed:
    """What a scalar transform returns for one input value (or tuple of values)."""

    values: tuple[Any, ...]
    flag: str | None = None  # data-quality note: the row is kept, the note is recorded
    error: str | None = None  # the value is unusable and required: the row goes to quarantine


@dataclass(frozen=True)
class Transform:
    name: str
    func: Callable[..., Parsed]
    outputs: tuple[str, ...]
    doc: str = ""
    n_inputs: int | None = 1  # None = any number of source columns (passed as positional args)
    params: tuple[str, ...] = field(default=())
    # Optional column-level pre-pass, run once per delivery before the scalar function:
    # prepare(inputs: list[pd.Series], params: dict) -> Prepared. It may choose params from the
    # whole column (e.g. the date format of this delivery); the scalar contract stays unchanged.
    prepare: Callable[..., Prepared] | None = None
    # Optional whole-column twin of a one-output transform without flags or errors, for values that
    # are mostly distinct (ids, free text): column(text Series) -> Series, equal to the scalar's
    # results (transforms/columns.py). Used for Arrow-backed text inputs without params.
    column: Callable[[pd.Series], pd.Series] | None = None


@dataclass(frozen=True)
class Prepared:
    """What a column-level pre-pass returns: the params to apply, drift notes, or a structural error."""

    params: dict[str, Any]
    warnings: tuple[str, ...] = ()
    error: str | None = None  # the whole column cannot be read safely (e.g. ambiguous date format)


TRANSFORMS: dict[str, Transform] = {}


def transform(
    name: str, outputs: Sequence[str], n_inputs: int | None = 1, prepare: Callable[..., Prepared] | None = None,
    column: Callable[[pd.Series], pd.Series] | None = None,
) -> Callable:
    """Register a scalar transform under ``name`` (the name used in mappings/*.yaml)."""

    def register(func: Callable[..., Parsed]) -> Callable[..., Parsed]:
        if name in TRANSFORMS:
            raise ValueError(f"transform {name!r} is registered twice")
        TRANSFORMS[name] = Transform(
            name=name,
            func=func,
            outputs=tuple(outputs),
            doc=(func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else "",
            n_inputs=n_inputs,
            prepare=prepare,
            column=column,
        )
        return func

    return register


def get_transform(name: str) -> Transform:
    _load_builtin_transforms()
    try:
        return TRANSFORMS[name]
    except KeyError:
        known = ", ".join(sorted(TRANSFORMS))
        raise KeyError(f"unknown transform {name!r}; known transforms: {known}") from None


@dataclass(frozen=True)
class Spread:
    """One output of a transform per distinct input: row ``i`` holds ``values[codes[i]]``."""

    codes: np.ndarray
    values: list

    def series(self, index: pd.Index) -> pd.Series:
        """The per-row object column (what ``apply_transform`` returns)."""
        column = np.empty(len(self.values), dtype=object)
        column[:] = self.values
        return pd.Series(column[self.codes], index=index, dtype=object)

    def hits(self) -> np.ndarray:
        """Positions of the rows whose value is not None (flags, errors)."""
        column = np.empty(len(self.values), dtype=object)
        column[:] = self.values
        present = ~pd.isna(column)
        return np.flatnonzero(present[self.codes]) if present.any() else np.array([], dtype=np.int64)


@dataclass
class TransformOutput:
    """A transform applied to whole columns: one Series per output, plus per-row flags/errors
    (from :func:`apply_transform_distinct`: ``Spread`` s, each value once per distinct input)."""

    columns: dict[str, pd.Series | Spread]
    flags: pd.Series | Spread  # object Series of str | None
    errors: pd.Series | Spread  # object Series of str | None


def apply_transform(t: Transform, inputs: Sequence[pd.Series], params: dict[str, Any]) -> TransformOutput:
    """Apply a scalar transform to aligned input columns, once per distinct input (tuple).

    Rows are numbered by their distinct input (factorize), the transform runs once per number,
    and its results are spread back to the rows with one numpy take per output.
    """
    out = apply_transform_distinct(t, inputs, params)
    index = inputs[0].index

    def rows(values):
        return values.series(index) if isinstance(values, Spread) else values

    return TransformOutput({k: rows(v) for k, v in out.columns.items()}, rows(out.flags), rows(out.errors))


def apply_transform_distinct(t: Transform, inputs: Sequence[pd.Series], params: dict[str, Any]) -> TransformOutput:
    """:func:`apply_transform` with the results left per distinct input (``Spread``): the
    normalize stage types each distinct value once, not each row. The column path (mostly
    distinct text, ``Transform.column``) gives Series."""
    if not inputs:
        raise ValueError(f"transform {t.name!r} needs at least one input column")
    if t.n_inputs is not None and len(inputs) != t.n_inputs:
        raise ValueError(f"transform {t.name!r} takes {t.n_inputs} input column(s), got {len(inputs)}")
    index = inputs[0].index
    if t.column is not None and len(inputs) == 1 and not params and is_arrow_text(inputs[0]) and mostly_distinct(inputs[0]):
        nothing = pd.Series(np.full(len(index), None, dtype=object), index=index)
        return TransformOutput(columns={t.outputs[0]: t.column(inputs[0])}, flags=nothing, errors=nothing)
    codes, distinct = factorize(inputs)
    results = [t.func(*args, **params) for args in distinct]
    columns = {out: Spread(codes, [r.values[i] for r in results]) for i, out in enumerate(t.outputs)}
    return TransformOutput(columns, Spread(codes, [r.flag for r in results]), Spread(codes, [r.error for r in results]))


def factorize(inputs: Sequence[pd.Series]) -> tuple[np.ndarray, list[tuple]]:
    """Number the rows by their distinct input tuple: (codes, the distinct tuples by number).

    Missing cells arrive as None, everything else is the source value; Arrow-backed text is
    hashed by Arrow (``dictionary_encode``), anything else by pandas."""
    coded = [_codes(s) for s in inputs]
    codes = coded[0][0]
    if len(coded) == 1:
        return codes, [(v,) for v in coded[0][1]]
    for column_codes, uniques in coded[1:]:  # pairs of numbers below n, renumbered: no overflow
        codes, _ = pd.factorize(codes * max(len(uniques), 1) + column_codes)
    _, first = np.unique(codes, return_index=True)  # the first row of each number, numbers in order
    return codes, [tuple(uniques[c[p]] for c, uniques in coded) for p in first]


def _codes(values: pd.Series) -> tuple[np.ndarray, list]:
    if is_arrow_text(values):
        encoded = pc.dictionary_encode(values.array._pa_array.combine_chunks(), null_encoding="encode")  # noqa: SLF001
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()
    cleaned = values.astype(object).where(values.notna(), None)
    codes, uniques = pd.factorize(cleaned.to_numpy(), use_na_sentinel=False)
    # factorize turns None into NaN in `uniques`: every missing cell must reach the transform as None
    return codes.astype(np.int64), [None if pd.isna(v) else v for v in uniques]


_loaded = False


def _load_builtin_transforms() -> None:
    """Import every module of the transforms package so their @transform decorators run."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    import etl_assets.transforms as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "registry":
            importlib.import_module(f"etl_assets.transforms.{module.name}")
    _loaded = True
