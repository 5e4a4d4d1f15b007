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


# Characters of whole lines parsed at a time by the block path (one ``csv.reader`` pass, no Python
# per record): ~4 MB of text, ~20,000 records of a registry export.
BLOCK_CHARS = 1 << 22


@dataclass
class Block:
    """Records that are each exactly one physical line, parsed in one pass: ``rows[i]`` is line
    ``first_line + i`` (a blank line is an empty list)."""

    rows: list[list[str]]
    first_line: int


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
            # The last line could open a quoted field closed further down only if it has a quote:
            # then the block takes lines until its last has none (or the text ends).
            added, more = 0, "."
            while '"' in chunk[-1] and added < MAX_RECORD_LINES and (more := self._text.readline()):
                chunk.append(more)
                added += 1
            rows = None
            if '"' not in chunk[-1] or not more:  # else a quote may still be open: one by one
                try:
                    rows = list(csv.reader(chunk, delimiter=self._delimiter, strict=False))
                except csv.Error:
                    rows = None
            start = lines.number + 1
            lines.number += len(chunk)
            if rows is not None and len(rows) == len(chunk):
                yield Block(rows, start)
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
