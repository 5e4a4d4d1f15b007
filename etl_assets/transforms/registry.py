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


@dataclass
class TransformOutput:
    """A transform applied to whole columns: one Series per output, plus per-row flags/errors."""

    columns: dict[str, pd.Series]
    flags: pd.Series  # object Series of str | None
    errors: pd.Series  # object Series of str | None


def apply_transform(t: Transform, inputs: Sequence[pd.Series], params: dict[str, Any]) -> TransformOutput:
    """Apply a scalar transform to aligned input columns, once per distinct input (tuple).

    Rows are numbered by their distinct input (factorize), the transform runs once per number,
    and its results are spread back to the rows with one numpy take per output.
    """
    if not inputs:
        raise ValueError(f"transform {t.name!r} needs at least one input column")
    if t.n_inputs is not None and len(inputs) != t.n_inputs:
        raise ValueError(f"transform {t.name!r} takes {t.n_inputs} input column(s), got {len(inputs)}")
    index = inputs[0].index
    if t.column is not None and len(inputs) == 1 and not params and is_arrow_text(inputs[0]) and mostly_distinct(inputs[0]):
        nothing = pd.Series(np.full(len(index), None, dtype=object), index=index)
        return TransformOutput(columns={t.outputs[0]: t.column(inputs[0])}, flags=nothing, errors=nothing)
    # Missing cells arrive as None; everything else is the source text.
    cleaned = [s.astype(object).where(s.notna(), None) for s in inputs]
    if len(cleaned) == 1:
        codes, uniques = pd.factorize(cleaned[0].to_numpy(), use_na_sentinel=False)
        # factorize turns None into NaN in `uniques`: every missing cell must reach the transform as None
        distinct = [(None if pd.isna(v) else v,) for v in uniques]
    else:
        frame = pd.DataFrame({i: c.to_numpy() for i, c in enumerate(cleaned)}, index=range(len(index)))
        groups = frame.groupby(list(frame.columns), dropna=False, sort=False)
        codes = groups.ngroup().to_numpy()
        # with sort=False groups are numbered in order of first appearance, as head(1) returns them
        distinct = [tuple(None if pd.isna(v) else v for v in row) for row in groups.head(1).itertuples(index=False)]
    results = [t.func(*args, **params) for args in distinct]

    def spread(values: list) -> pd.Series:
        column = np.empty(len(values), dtype=object)
        column[:] = values
        return pd.Series(column[codes], index=index, dtype=object)

    columns = {out: spread([r.values[i] for r in results]) for i, out in enumerate(t.outputs)}
    return TransformOutput(
        columns=columns, flags=spread([r.flag for r in results]), errors=spread([r.error for r in results])
    )


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
