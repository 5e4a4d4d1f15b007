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


def csv_records(text: io.TextIOBase, delimiter: str) -> Iterator[tuple[list[str], int, int, str | None]]:
    """Yield (fields, first_line, last_line, problem) per record, counting physical lines.

    A quote left open mid-file makes the CSV parser swallow the following lines into one record.
    Such a record (several lines, not the header's width, and at least one of the swallowed lines
    has the header's width on its own; or still open after MAX_RECORD_LINES lines) is cut back to
    its first line, yielded with a ``problem`` naming that line, and the swallowed lines are read
    again as records of their own: nothing is lost and the break is visible. Raises ``csv.Error``
    (NUL bytes and the like) for the caller to place.
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


def csv_line(fields: list[str]) -> str:
    """Fields as one CSV line (used to keep surplus fields as text)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()
