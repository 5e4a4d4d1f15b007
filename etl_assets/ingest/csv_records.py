"""Decoded CSV text → its records as field lists, each with the physical lines it spans.

Why apart from the reader: splitting text into records is where a quote left open must not
swallow the rest of the file, a question of lines and quotes alone; turning records into typed
chunks with lineage and read errors is ``read.py``'s.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

csv.field_size_limit(2**31 - 1)  # a 100,000-character field is data, not an attack

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


# Characters of whole lines taken at a time by the block path: ~4 MB of text, ~20,000 records of a
# registry export.
BLOCK_CHARS = 1 << 22


@dataclass
class Block:
    """Physical lines that are each exactly one record: line ``first_line + i`` is ``lines[i]``.

    ``quoted`` holds the fields of the lines with a quote (parsed already, to prove each closes on
    its own line); the other lines are split on the delimiter alone, so Arrow's CSV reader with
    quoting off reads them as ``csv.reader`` does (:func:`block_table`)."""

    lines: list[str]
    first_line: int
    quoted: dict[int, list[str]]
    delimiter: str

    def rows(self) -> list[list[str]]:
        """Every line's fields as ``csv.reader`` gives them (a blank line is an empty list)."""
        return list(csv.reader(self.lines, delimiter=self.delimiter, strict=False))


def block_table(block: Block, width: int) -> pa.Table | None:
    """The block as ``width`` text columns named ``"0"``, ``"1"``, ..., when every line is a record
    of ``width`` fields; else None (blank lines, ragged records: the caller reads ``block.rows()``)."""
    if any(len(fields) != width for fields in block.quoted.values()):
        return None
    names = [str(i) for i in range(width)]
    plain = [line for i, line in enumerate(block.lines) if i not in block.quoted] if block.quoted else block.lines
    table = pa.table({n: pa.array([], pa.string()) for n in names})
    if plain:
        data = "".join(plain).encode("utf-8")
        try:
            table = pacsv.read_csv(
                io.BytesIO(data),
                read_options=pacsv.ReadOptions(column_names=names, block_size=len(data) + 1),
                parse_options=pacsv.ParseOptions(delimiter=block.delimiter, quote_char=False, double_quote=False,
                                                 escape_char=False, newlines_in_values=False, ignore_empty_lines=True),
                convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False),
            )
        except pa.ArrowInvalid:  # a line of another width
            return None
        if table.num_rows != len(plain):  # blank lines (skipped by Arrow, not records)
            return None
    if not block.quoted:
        return table
    quoted = pa.table({n: pa.array(values, pa.string()) for n, values in zip(names, zip(*block.quoted.values()))})
    at = np.fromiter(block.quoted, dtype=np.int64, count=len(block.quoted))
    order = np.empty(len(block.lines), dtype=np.int64)
    plain_at = np.ones(len(block.lines), dtype=bool)
    plain_at[at] = False
    order[plain_at] = np.arange(len(plain))
    order[at] = len(plain) + np.arange(len(at))
    return pa.concat_tables([table, quoted]).take(pa.array(order))


def _closed_quoted_lines(chunk: list[str], delimiter: str) -> dict[int, list[str]] | None:
    """The fields of the lines with a quote, when each of them is a whole record on its own (a
    line without a quote always is); None when a quote stays open past its line (or a NUL or
    parser error: the one-by-one path places it)."""
    at = [i for i, line in enumerate(chunk) if '"' in line or "\x00" in line]
    if not at:
        return {}
    try:  # a blank line after the last: swallowed if a quote is still open there
        rows = list(csv.reader([*(chunk[i] for i in at), "\n"], delimiter=delimiter, strict=False))
    except csv.Error:
        return None
    if len(rows) != len(at) + 1 or rows[-1] or any("\x00" in chunk[i] for i in at):
        return None
    return dict(zip(at, rows))


def csv_records(text: io.TextIOBase, delimiter: str) -> CsvRecords:
    """The text's records: iterate for them one by one (``(fields, first_line, last_line, problem)``),
    then :meth:`CsvRecords.rest` for the remaining ones in blocks."""
    return CsvRecords(text, delimiter)


class CsvRecords:
    """Yield (fields, first_line, last_line, problem) per record, counting physical lines.

    A quote left open mid-file makes the CSV parser swallow the following lines into one record.
    Such a record (several lines, not the header's width, and at least one of the swallowed lines
    has the header's width on its own; or still open after MAX_RECORD_LINES lines) is cut back to
    its first line, yielded with a ``problem`` naming that line, and the swallowed lines are read
    again as records of their own: nothing is lost and the break is visible. Raises ``csv.Error``
    (NUL bytes and the like) for the caller to place.
    """

    def __init__(self, text: io.TextIOBase, delimiter: str):
        self._text = text
        self._delimiter = delimiter
        self._lines = _Lines(text)
        self._records = self._one_by_one()

    def __iter__(self) -> CsvRecords:
        return self

    def __next__(self) -> tuple[list[str], int, int, str | None]:
        return next(self._records)

    def rest(self) -> Iterator[Block | tuple[list[str], int, int, str | None]]:
        """The records not taken yet: :class:`Block` s while every record of a block is one line
        (the same fields the one-by-one path gives: same lines, same parser), and from the first
        block where one is not (a field spanning lines, a quote left open, a parser error) one by
        one, exactly as iterating gives them."""
        lines = self._lines
        if lines._again or lines.taken:  # noqa: SLF001 - lines pushed back: stay on the one-by-one path
            yield from self._records
            return
        while chunk := self._text.readlines(BLOCK_CHARS):
            start = lines.number + 1
            lines.number += len(chunk)
            quoted = _closed_quoted_lines(chunk, self._delimiter)
            if quoted is not None:
                yield Block(chunk, start, quoted, self._delimiter)
                continue
            lines.push_back(list(enumerate(chunk, start)))
            yield from self._records
            return

    def _one_by_one(self) -> Iterator[tuple[list[str], int, int, str | None]]:
        lines, delimiter = self._lines, self._delimiter
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


def csv_line(fields: list[str]) -> str:
    """Fields as one CSV line (used to keep surplus fields as text)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()
