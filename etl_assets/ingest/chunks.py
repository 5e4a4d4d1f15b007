"""Records → Arrow tables of ``CHUNK_ROWS`` rows, with their row and line numbers and read errors.

Why apart from ``read.py``: the reader's hot loop. A :class:`~etl_assets.ingest.csv_records.Block`
of plain one-line records of the header's width becomes whole columns at once (Arrow's CSV
reader, no Python per record); every other record (ragged, blank lines, trailing delimiters, cut
back or spanning lines) goes through :func:`_Chunks.add` one by one, as it always did.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pyarrow as pa

from etl_assets import progress
from etl_assets.ingest.csv_records import Block, block_table, csv_line
from etl_assets.ingest.encoding import DeliveryReadError
from etl_assets.records import EXTRA_FIELDS, LINE_NUMBER, READ_ERROR, ROW_NUMBER


class _Chunks:
    """Pieces (whole-block tables and one-by-one records) gathered in file order, cut at ``size`` rows."""

    def __init__(self, columns: list[str], size: int):
        self.names = [*columns, ROW_NUMBER, LINE_NUMBER, READ_ERROR, EXTRA_FIELDS]
        self.width = len(columns)
        self.types = [pa.string()] * self.width + [pa.int64(), pa.int64(), pa.string(), pa.string()]
        self.size = size
        self.pieces: list[pa.Table] = []
        self.held = 0  # rows in pieces
        self.buf: list[list[str | None]] = [[] for _ in range(self.width + 4)]  # columns, row, line, error, extra
        self.n = 0  # records so far

    def add(self, fields: list, line: int, error: str | None, extra: str | None) -> None:
        self.n += 1
        for col, value in zip(self.buf, (*fields, self.n, line, error, extra)):
            col.append(value)

    def add_table(self, table: pa.Table, first_line: int) -> None:
        self._seal()
        k = table.num_rows
        meta = [pa.array(range(self.n + 1, self.n + k + 1), pa.int64()), pa.array(range(first_line, first_line + k), pa.int64()),
                pa.nulls(k, pa.string()), pa.nulls(k, pa.string())]
        self.pieces.append(pa.Table.from_arrays([*table.columns, *meta], names=self.names))
        self.held += k
        self.n += k

    def _seal(self) -> None:
        if self.buf[0]:
            self.pieces.append(pa.Table.from_arrays([pa.array(c, t) for c, t in zip(self.buf, self.types)], names=self.names))
            self.held += len(self.buf[0])
            self.buf = [[] for _ in self.names]

    def full(self) -> Iterator[pa.Table]:
        """The chunks of ``size`` rows ready (one-by-one records sealed once ``size`` are buffered)."""
        if len(self.buf[0]) + self.held >= self.size:
            self._seal()
        while self.held >= self.size:
            yield self._cut(self.size)

    def last(self) -> pa.Table:
        self._seal()
        return self._cut(self.held)

    def _cut(self, rows: int) -> pa.Table:
        table = pa.concat_tables(self.pieces) if self.pieces else pa.schema(list(zip(self.names, self.types))).empty_table()
        head, rest = table.slice(0, rows), table.slice(rows)
        self.pieces, self.held = ([rest] if rest.num_rows else []), rest.num_rows
        progress.advance(head.num_rows)
        return head


def record_tables(columns, pending, rows, where, trailing, size: int) -> Iterator[pa.Table]:
    """The records as Arrow tables of up to ``size`` rows (always at least one, maybe empty).

    ``pending`` and ``rows``: the records (``(fields, first_line, last_line, problem)`` or Blocks)
    after the header; ``trailing``: the read's trailing-delimiter artefact, if any (counted here)."""
    width = len(columns)
    chunks = _Chunks(columns, size)

    def add(fields, first_line, last_line, problem) -> None:
        error = None
        extra = None
        if trailing is not None and len(fields) == width + 1:
            if not (fields[-1] or "").strip():
                fields = fields[:width]
                trailing.trimmed += 1
            elif trailing.in_header:  # the header names this cell (empty): a value there is kept, as extra
                extra, fields = csv_line(fields[width:]), fields[:width]
        if len(fields) != width:
            span = f"line {first_line}" if first_line == last_line else f"lines {first_line}-{last_line}"
            error = f"{where}, {span}: record has {len(fields)} fields, the header has {width}"
            if len(fields) > width:
                extra = csv_line(fields[width:])
                fields = fields[:width]
            else:
                fields = fields + [None] * (width - len(fields))
        if problem:
            error = f"{where}, line {first_line}: {problem}" + (f"; {error.split(': ', 1)[1]}" if error else "")
        chunks.add(fields, first_line, error, extra)

    def all_rows():
        yield from pending
        yield from rows

    try:
        for item in all_rows():
            if isinstance(item, Block):
                table = block_table(item, width)
                if table is not None:
                    chunks.add_table(table, item.first_line)
                    yield from chunks.full()
                    continue
                records = ((fields, i, i, None) for i, fields in enumerate(item.rows(), item.first_line))
            else:
                records = (item,)
            for fields, first_line, last_line, problem in records:
                if fields:  # a blank line is not a record
                    add(fields, first_line, last_line, problem)
                    if len(chunks.buf[0]) + chunks.held >= size:
                        yield from chunks.full()
    except csv.Error as exc:  # only raised for NUL bytes or similar in non-strict mode
        raise DeliveryReadError(f"{where}, record {chunks.n + 1}: {exc}") from exc
    if chunks.held or chunks.buf[0] or not chunks.n:
        yield chunks.last()
