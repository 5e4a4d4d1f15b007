"""Bytes of one delivery → a table of text, one row per source record, nothing dropped.

Every field stays text (typing is the normalize stage's job). Records the CSV parser cannot
square with the header (too few or too many fields, a quote left open until the end of the file)
are kept with a ``_read_error`` naming the line, so the normalize stage can quarantine them with a
reason instead of losing them. Only problems that make the whole file unreadable raise
``DeliveryReadError`` (the message names the file and, where known, the line). Which encoding the
bytes are in is ``encoding.py``'s question; this module splits the text into records.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd
import pyarrow as pa

from etl_assets import progress
from etl_assets.ingest.encoding import MOJIBAKE, DeliveryReadError, choose_encoding, mojibake_repair
from etl_assets.ingest.placeholders import null_placeholders, null_value_set
# Lineage columns the reader adds; land adds _source, _delivery_key, _etag, _ingested_at.
from etl_assets.records import EXTRA_FIELDS, LINE_NUMBER, READ_ERROR, ROW_NUMBER, STRING
from etl_assets.sources.spec import ReadOptions

_CHUNK_ROWS = 50_000
csv.field_size_limit(2**31 - 1)  # a 100,000-character field is data, not an attack


@dataclass
class ReadResult:
    records: pd.DataFrame  # source columns (unique names) + _row_number, _line_number, _read_error, _extra_fields
    header: list[str]  # the header cells exactly as in the file
    columns: list[str]  # the column names used in `records`, in file order
    encoding: str
    warnings: list[str] = field(default_factory=list)
    placeholders: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> spelling -> cells nulled


def unique_column_names(header: list[str]) -> tuple[list[str], list[str]]:
    """Make header names usable: an empty cell becomes ``column_<n>``, repeats get ``_<k>``.

    Returns the names and a warning per change, so drift and defects stay visible.
    """
    names: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(header, start=1):
        name = cell.strip()
        if not name:
            name = f"column_{position}"
            warnings.append(f"header cell {position} is empty; named it {name!r}")
        base, k = name, 2
        while name in seen:
            name = f"{base}_{k}"
            k += 1
        if name != (cell.strip() or f"column_{position}"):
            warnings.append(f"header cell {position} repeats {base!r}; named it {name!r}")
        seen.add(name)
        names.append(name)
    return names, warnings


# A record still open after this many physical lines is a quote left open (a real multi-line
# field is a few lines): its first line is kept as a broken record and the rest is read again.
MAX_RECORD_LINES = 1_000


class _RunawayRecord(Exception):
    """Raised inside the CSV reader when a record grows past MAX_RECORD_LINES lines."""


class _Lines:
    """The text's physical lines, numbered; lines pushed back are read again first.

    ``taken`` holds the (number, line) pairs the current record consumed."""

    def __init__(self, text: io.TextIOBase):
        self._text = iter(text)
        self._again: deque[tuple[int, str]] = deque()
        self.number = 0
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _RunawayRecord
        if self._again:
            item = self._again.popleft()
        else:
            self.number += 1
            item = (self.number, next(self._text))
        self.taken.append(item)
        return item[1]

    def take(self) -> list[tuple[int, str]]:
        taken, self.taken = self.taken, []
        return taken

    def push_back(self, items: list[tuple[int, str]]) -> None:
        self._again.extendleft(reversed(items))


def _one_line(line: str, delimiter: str, quoting: int = csv.QUOTE_MINIMAL) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter, quoting=quoting, strict=False), [])


def _rows(text: io.TextIOBase, delimiter: str) -> Iterator[tuple[list[str], int, int, str | None]]:
    """Yield (fields, first_line, last_line, problem) per record, counting physical lines.

    A quote left open mid-file makes the CSV parser swallow the following lines into one record.
    Such a record (several lines, not the header's width, and at least one of the swallowed lines
    has the header's width on its own; or still open after MAX_RECORD_LINES lines) is cut back to
    its first line, yielded with a ``problem`` naming that line, and the swallowed lines are read
    again as records of their own: nothing is lost and the break is visible.
    """
    lines = _Lines(text)
    width: int | None = None  # the first record's (the header's) width
    while True:
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        try:
            for fields in reader:
                taken = lines.take()
                if (
                    width is not None
                    and len(taken) > 1
                    and len(fields) != width
                    and any(len(_one_line(line, delimiter)) == width for _, line in taken[1:])
                ):
                    lines.taken = taken
                    raise _RunawayRecord
                width = len(fields) if width is None else width
                yield fields, taken[0][0], taken[-1][0], None
            return
        except _RunawayRecord:
            taken = lines.take()
            (number, line), rest = taken[0], taken[1:]
            lines.push_back(rest)
            swallowed = f"{len(rest)}+" if len(taken) >= MAX_RECORD_LINES else str(len(rest))
            yield _one_line(line, delimiter, csv.QUOTE_NONE), number, number, (
                f"a quote opened in this line is not closed on it and swallowed the next {swallowed} lines "
                "(kept as a broken record; those lines are read again as records of their own)"
            )


def read_delivery(stream: BinaryIO, options: ReadOptions, where: str) -> ReadResult:
    """Read one delivery from a seekable binary stream. ``where`` names it in messages."""
    encoding = choose_encoding(stream, options, where)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        rows = _rows(text, options.delimiter)
        try:
            first = next(rows)
        except StopIteration:
            raise DeliveryReadError(f"{where}: the file holds no records") from None
        if options.header:
            header = first[0]
            pending: list[tuple[list[str], int, int, str | None]] = []
        else:
            header = [f"column_{i}" for i in range(1, len(first[0]) + 1)]
            pending = [first]
        columns, warnings = unique_column_names(header)
        records = _build_table(columns, pending, rows, where)
    finally:
        text.detach()
    if len(records) == 0:
        warnings.append("the file has a header and no records")
    placeholders = null_placeholders(records, columns, null_value_set(options.null_values, options.default_null_values))
    warnings.extend(detect_mojibake(records, columns))
    return ReadResult(records=records, header=list(header), columns=columns, encoding=encoding, warnings=warnings,
                      placeholders=placeholders)


_MOJIBAKE_EXAMPLES = 3


def detect_mojibake(records: pd.DataFrame, columns: list[str]) -> list[str]:
    """One read warning per column holding mojibake cells (detected, not repaired: raw stays as landed).

    A cell counts when it contains a mojibake-looking sequence and re-decoding it as cp1252 → UTF-8
    round-trips cleanly (so legitimate text such as 'SÃO' followed by a space is not reported).
    """
    return mojibake_warnings(mojibake_cells(records, columns))


def mojibake_cells(records: pd.DataFrame, columns: list[str], found: dict | None = None) -> dict[str, list]:
    """Per column, [count, first examples (line, text, repaired)]; adds to ``found`` (chunk by chunk)."""
    found = {} if found is None else found
    for column in columns:
        values = records[column]
        hit = values.str.contains(MOJIBAKE, regex=True, na=False).to_numpy()
        if not hit.any():
            continue
        cells = [(line, text) for line, text in zip(records[LINE_NUMBER].to_numpy()[hit], values[hit]) if text]
        repairs = [(line, text, fixed) for line, text in cells if (fixed := mojibake_repair(text)) is not None]
        if not repairs:
            continue
        entry = found.setdefault(column, [0, []])
        entry[0] += len(repairs)
        entry[1].extend(repairs[: _MOJIBAKE_EXAMPLES - len(entry[1])])
    return found


def mojibake_warnings(found: dict[str, list]) -> list[str]:
    warnings: list[str] = []
    for column, (count, repairs) in found.items():
        examples = "; ".join(f"line {line}: {text!r} would read {fixed!r}" for line, text, fixed in repairs)
        warnings.append(
            f"mojibake (UTF-8 text decoded as cp1252 before it was written) in {count} cell(s) of column "
            f"{column!r}, not repaired: {examples}"
        )
    return warnings


def _build_table(columns, pending, rows, where) -> pd.DataFrame:
    table = pa.concat_tables(list(iter_tables(columns, pending, rows, where)))
    return table.to_pandas(types_mapper={pa.string(): STRING}.get)


def iter_tables(columns, pending, rows, where) -> Iterator[pa.Table]:
    """The records as Arrow tables of up to ``_CHUNK_ROWS`` rows (always at least one, maybe empty)."""
    width = len(columns)
    buf: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    line_numbers: list[int] = []
    errors: list[str | None] = []
    extras: list[str | None] = []

    def flush() -> pa.Table:
        arrays = [pa.array(col, type=pa.string()) for col in buf]
        arrays += [
            pa.array(row_numbers, type=pa.int64()),
            pa.array(line_numbers, type=pa.int64()),
            pa.array(errors, type=pa.string()),
            pa.array(extras, type=pa.string()),
        ]
        table = pa.Table.from_arrays(arrays, names=[*columns, ROW_NUMBER, LINE_NUMBER, READ_ERROR, EXTRA_FIELDS])
        progress.advance(len(row_numbers))
        for col in buf:
            col.clear()
        for lst in (row_numbers, line_numbers, errors, extras):
            lst.clear()
        return table

    def all_rows():
        yield from pending
        yield from rows

    n = 0
    try:
        for fields, first_line, last_line, problem in all_rows():
            if not fields:  # a blank line is not a record
                continue
            n += 1
            error = None
            extra = None
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
            for col, value in zip(buf, fields):
                col.append(value)
            row_numbers.append(n)
            line_numbers.append(first_line)
            errors.append(error)
            extras.append(extra)
            if len(row_numbers) >= _CHUNK_ROWS:
                yield flush()
    except csv.Error as exc:  # only raised for NUL bytes or similar in non-strict mode
        raise DeliveryReadError(f"{where}, record {n + 1}: {exc}") from exc
    if row_numbers or not n:
        yield flush()


def csv_line(fields: list[str]) -> str:
    """Fields as one CSV line (used to keep surplus fields as text)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()
