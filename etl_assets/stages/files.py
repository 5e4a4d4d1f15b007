"""A stage's output as a Parquet file written batch by batch, and the small handle assets pass on.

Why: a delivery of millions of records does not fit a run pod several times over. Each stage
reads its input one row group (or a few columns) at a time and appends its output batch by batch
(one row group per batch, ``pyarrow.parquet.ParquetWriter``), so its memory is set by the batch,
not by the delivery. The file appears atomically (temp file + rename): readers see the previous
file or the new one, never half. Frames per batch stay pandas, typed alike in every batch
(Arrow-backed strings, the pandas metadata of the first batch).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from etl_assets.records import STRING

_TYPES = {pa.string(): STRING, pa.large_string(): STRING}.get


def release_memory(collect: bool = True) -> None:
    """Give memory freed by earlier steps back to the OS before the next stage loads its input.

    Runs execute steps one after another in one process; without this, Arrow's allocator
    (mimalloc) and glibc keep the pages of frames already dropped, and every step's peak stacks on
    the last (300 MB Texas delivery, raw + normalized + their checks: 5.1 GiB peak RSS before, see
    etl_assets_tests/hardening/test_big_delivery.py). Between two batches of a stage: normalize's
    pandas batches leave reference cycles, so it collects (without it RSS grew ~90 MB per 200k-record
    batch); Arrow-only loops pass ``collect=False`` (freed by reference counting, trimmed only)."""
    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Arrow → pandas as every stage expects: strings Arrow-backed, other types per pandas metadata."""
    return table.to_pandas(types_mapper=_TYPES)


@dataclass(frozen=True)
class StageFile:
    """A stage's stored output: where it is, how many rows, which columns. Holds no data."""

    path: Path
    rows: int
    columns: tuple[str, ...]
    row_groups: int

    @classmethod
    def open(cls, path: str | Path) -> StageFile:
        meta = pq.ParquetFile(path).metadata
        names = tuple(meta.schema.to_arrow_schema().names)
        return cls(Path(path), meta.num_rows, names, meta.num_row_groups)

    def __len__(self) -> int:
        return self.rows

    def batches(self, columns: Sequence[str] | None = None, batch_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The rows in file order, one frame per row group (or per ``batch_rows`` rows)."""
        file = pq.ParquetFile(self.path)
        cols = list(columns) if columns is not None else None
        if batch_rows is None:
            for i in range(file.num_row_groups):
                yield to_frame(file.read_row_group(i, columns=cols))
            return
        pending: list[pa.Table] = []
        held = 0
        for i in range(file.num_row_groups):
            pending.append(file.read_row_group(i, columns=cols))
            held += pending[-1].num_rows
            while held >= batch_rows:
                table = pa.concat_tables(pending)
                yield to_frame(table.slice(0, batch_rows))
                rest = table.slice(batch_rows)
                pending, held = ([rest] if rest.num_rows else []), rest.num_rows
        if held:
            yield to_frame(pa.concat_tables(pending))

    def tables(self, columns: Sequence[str] | None = None, *, valid: str | None = None) -> Iterator[pa.Table]:
        """The row groups as Arrow tables (stages that filter or count without pandas); with
        ``valid``, only those whose Parquet statistics do not say that column is null in every row."""
        file = pq.ParquetFile(self.path)
        for i in range(file.num_row_groups):
            if valid is not None and _all_null(file.metadata.row_group(i), valid):
                continue
            yield file.read_row_group(i, columns=list(columns) if columns is not None else None)

    def null_counts(self, columns: Sequence[str]) -> dict[str, int]:
        """Missing values per column (Arrow nulls: pandas' NA/NaN as written), from the row groups'
        Parquet statistics (no value read); a row group's column without them is read and counted."""
        counts = dict.fromkeys(columns, 0)
        file = pq.ParquetFile(self.path)
        meta = file.metadata
        where = {meta.schema.column(i).path: i for i in range(meta.num_columns)}
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            unknown = []
            for name in columns:
                stats = group.column(where[name]).statistics if name in where else None
                if stats is not None and stats.has_null_count:
                    counts[name] += stats.null_count
                else:
                    unknown.append(name)
            if unknown:
                table = file.read_row_group(g, columns=unknown)
                for name in unknown:
                    counts[name] += table.column(name).null_count
        return counts

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Whole columns (only the named ones: a pre-pass over a column, a key set, tests)."""
        return to_frame(pq.read_table(self.path, columns=list(columns) if columns is not None else None))

    def first(self, column: str):
        """The column's value in the first row (lineage is constant per delivery), None when empty."""
        file = pq.ParquetFile(self.path)
        for i in range(file.num_row_groups):
            values = file.read_row_group(i, columns=[column]).column(0)
            if len(values):
                return to_frame(pa.table({column: values.slice(0, 1)})).iat[0, 0]
        return None

    def head(self, rows: int = 5) -> pd.DataFrame:
        """The first rows (previews and column schemas in metadata)."""
        file = pq.ParquetFile(self.path)
        first = next(file.iter_batches(batch_size=max(rows, 1)), None) if self.rows else None
        table = pa.Table.from_batches([first]) if first is not None else file.schema_arrow.empty_table()
        return to_frame(table.replace_schema_metadata(file.schema_arrow.metadata).slice(0, rows))

    def dataset(self) -> ds.Dataset:
        """The file as an Arrow dataset: DuckDB scans it lazily (projection and filters pushed down)."""
        return ds.dataset(self.path, format="parquet")


def _all_null(group: pq.RowGroupMetaData, column: str) -> bool:
    """The row group's statistics say ``column`` is null in every row (False when they do not say)."""
    for i in range(group.num_columns):
        chunk = group.column(i)
        if chunk.path_in_schema == column:
            stats = chunk.statistics
            return stats is not None and stats.has_null_count and stats.null_count == group.num_rows
    return False


class StageFileWriter:
    """Appends frames as row groups to ``path``'s temp file; ``close`` renames it into place.

    Use as a context manager: on an exception the temp file is removed and the previous file stays."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_suffix(f".tmp-{os.getpid()}")
        for stale in self.path.parent.glob(glob.escape(self.path.stem) + ".tmp-*"):  # left by a killed write
            stale.unlink(missing_ok=True)
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self.rows = 0
        self.batches = 0

    def write(self, frame: pd.DataFrame) -> None:
        """One batch → one row group, typed like the first batch (a batch that cannot be is an error)."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self.tmp, self._schema)
        elif not table.schema.equals(self._schema, check_metadata=False):
            table = _conform(table, self._schema, self.path)
        if table.num_rows or not self.batches:
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.rows += table.num_rows
        self.batches += 1

    def write_table(self, table: pa.Table) -> None:
        """An Arrow batch (from DuckDB) in the file's schema (``schema`` set first by ``start``)."""
        assert self._writer is not None and self._schema is not None, "start(schema) first"
        table = _conform(table, self._schema, self.path)
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.rows += table.num_rows
        self.batches += 1

    def start(self, schema: pa.Schema) -> None:
        """Open the file with a given schema (a stage whose batches come from SQL as Arrow)."""
        self._schema = schema
        self._writer = pq.ParquetWriter(self.tmp, schema)

    def close(self) -> StageFile:
        if self._writer is None:
            raise ValueError(f"{self.path}: nothing was written (not even an empty batch)")
        self._writer.close()
        self._writer = None
        os.replace(self.tmp, self.path)  # atomic: readers see the old file or the new one, never half
        return StageFile.open(self.path)

    def abort(self) -> None:
        """Drop the temp file (its writer's close may fail again on a full disk: the file goes anyway)."""
        writer, self._writer = self._writer, None
        try:
            if writer is not None:
                writer.close()
        except (OSError, pa.ArrowException):
            pass
        finally:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> StageFileWriter:
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:  # disk full, a bad batch, killed...: the previous file stays, no debris
            self.abort()
        elif self._writer is not None:
            self.abort()  # not closed on purpose: a stage that did not finish does not publish


def _conform(table: pa.Table, schema: pa.Schema, path: Path) -> pa.Table:
    """``table`` with the file's column order and types; an impossible cast names the column."""
    if table.schema.names != schema.names:
        missing = [n for n in schema.names if n not in table.schema.names]
        extra = [n for n in table.schema.names if n not in schema.names]
        if missing or extra:
            raise ValueError(f"{path}: a batch's columns differ from the first batch's (missing {missing}, extra {extra})")
        table = table.select(schema.names)
    arrays = []
    for field, column in zip(schema, table.columns):
        try:
            arrays.append(column if column.type == field.type else column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"{path}: column {field.name!r} of a batch is {column.type}, the file's is {field.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=schema)
