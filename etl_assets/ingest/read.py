"""Bytes of one delivery → tables of text, one row per source record, chunk by chunk, nothing dropped.

Every field stays text (typing is the normalize stage's job). Records the CSV parser cannot
square with the header (too few or too many fields, a quote left open until the end of the file)
are kept with a ``_read_error`` naming the line, so the normalize stage can quarantine them with a
reason instead of losing them. Only problems that make the whole file unreadable raise
``DeliveryReadError`` (the message names the file and, where known, the line). Which encoding the
bytes are in is ``encoding.py``'s question, splitting the text into records ``csv_records.py``'s;
this module turns records into chunks of ``CHUNK_ROWS`` records (memory is one chunk's) and sums
the read facts (placeholders, mojibake) over the chunks in the file's column order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO

import pandas as pd
import pyarrow as pa

from etl_assets.ingest.chunks import record_tables
from etl_assets.ingest.csv_records import csv_records
from etl_assets.ingest.encoding import DeliveryReadError, choose_encoding, mojibake_cells, mojibake_warnings
from etl_assets.ingest.placeholders import null_placeholders, null_value_set
from etl_assets.records import STRING
from etl_assets.sources.spec import ReadOptions

CHUNK_ROWS = 50_000


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


class DeliveryChunks:
    """Iterate to get the records as frames; afterwards ``result()`` holds the read facts.

    Opening reads the encoding and the header (a file that cannot be read raises here)."""

    def __init__(self, stream: BinaryIO, options: ReadOptions, where: str):
        self.where = where
        self.options = options
        self.encoding = choose_encoding(stream, options, where)
        self._text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
        self._lines = csv_records(self._text, options.delimiter)
        try:
            first = next(self._lines)
        except StopIteration:
            self._text.detach()
            raise DeliveryReadError(f"{where}: the file holds no records") from None
        self.trailing: Trailing | None = None
        if options.header:
            self._pending: list = self._first_records(where)
            data = next((r[0] for r in self._pending if r[0]), None)
            self.header, self.trailing = trailing_delimiter(first[0], data)
        else:
            self.header = [f"column_{i}" for i in range(1, len(first[0]) + 1)]
            self._pending = [first]
        self.columns, self.warnings = unique_column_names(self.header)
        self.records = 0
        self._placeholders: dict[str, dict[str, int]] = {}
        self._mojibake: dict[str, list] = {}
        self._done = False

    def _first_records(self, where: str) -> list:
        """The records up to the first non-blank one: its width tells a trailing delimiter."""
        taken = []
        try:
            for record in self._lines:
                taken.append(record)
                if record[0]:
                    break
        except csv.Error as exc:
            self._text.detach()
            raise DeliveryReadError(f"{where}, record 1: {exc}") from exc
        return taken

    def __iter__(self) -> Iterator[pd.DataFrame]:
        nulls = null_value_set(self.options.null_values, self.options.default_null_values)
        try:
            for table in record_tables(self.columns, self._pending, self._lines.rest(), self.where, self.trailing, CHUNK_ROWS):
                frame = table.to_pandas(types_mapper={pa.string(): STRING}.get)
                for column, spellings in null_placeholders(frame, self.columns, nulls).items():
                    total = self._placeholders.setdefault(column, {})
                    for value, n in spellings.items():
                        total[value] = total.get(value, 0) + n
                mojibake_cells(frame, self.columns, self._mojibake)
                self.records += len(frame)
                yield frame
        finally:
            self._text.detach()
        self._done = True

    def result(self) -> ReadResult:
        """The read facts once every chunk was taken (the records themselves are not kept)."""
        if not self._done:
            raise RuntimeError(f"{self.where}: result() before the last chunk was read")
        warnings = list(self.warnings)
        if self.records == 0:
            warnings.append("the file has a header and no records")
        if self.trailing is not None and self.trailing.trimmed:
            warnings.append(self.trailing.warning(self.records))
        order = {c: i for i, c in enumerate(self.columns)}
        mojibake = dict(sorted(self._mojibake.items(), key=lambda kv: order[kv[0]]))
        warnings.extend(mojibake_warnings(mojibake))
        placeholders = dict(sorted(self._placeholders.items(), key=lambda kv: order[kv[0]]))
        empty = pd.DataFrame({c: pd.array([], dtype=STRING) for c in self.columns})
        return ReadResult(records=empty, header=list(self.header), columns=self.columns, encoding=self.encoding,
                          warnings=warnings, placeholders=placeholders)


def read_whole(stream: BinaryIO, options: ReadOptions, where: str) -> ReadResult:
    """Every chunk of :class:`DeliveryChunks` gathered into ``records``: for a sample small enough
    to hold (``propose-mapping`` sniffs its columns' values). The stages stream chunk by chunk."""
    chunks = DeliveryChunks(stream, options, where)
    frames = list(chunks)
    return replace(chunks.result(), records=pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])


@dataclass
class Trailing:
    """A delimiter artefact: every record ends with one empty field more than the header names
    (or the header ends with an empty cell too). Such an empty last field is dropped, counted; a
    value there is a read error, unless the header has the (empty) cell: then it is kept as extra."""

    width: int  # the header's columns, once its own trailing empty cell is dropped
    in_header: bool
    trimmed: int = 0  # records whose empty last field was dropped

    def warning(self, records: int) -> str:
        share = f"every record has {self.width + 1} fields" if self.trimmed == records else (
            f"{self.trimmed} of {records} records have {self.width + 1} fields")
        header = " (once its own empty last cell is dropped)" if self.in_header else ""
        return (f"{share}, the header {self.width}{header}, and the last field is empty: a trailing delimiter, "
                f"read as the header's {self.width} columns")


def describe_read_errors(errors: pd.Series) -> str | None:
    """The commonest cause of a sample's read errors in one phrase (``every record has 15 fields,
    the header 13``), so a tool refusing the sample names it; ``errors`` is the ``_read_error``
    column of every record. None when no record failed."""
    failed = errors.dropna()
    if failed.empty:
        return None
    who = "every record" if len(failed) == len(errors) else f"{len(failed)} of {len(errors)} records"
    widths = failed.str.extract(r"record has (\d+) fields, the header has (\d+)").dropna()
    if len(widths) == len(failed) and len(widths.drop_duplicates()) == 1:
        got, header = widths.iloc[0]
        verb = "has" if who == "every record" else "have"
        return f"{who} {verb} {got} fields, the header {header} (e.g. {failed.iloc[0]})"
    return f"{who} could not be read (e.g. {failed.iloc[0]})"


def trailing_delimiter(header: list[str], first: list[str] | None) -> tuple[list[str], Trailing | None]:
    """The header to use and the artefact, judged on the first record: one more field than the
    header with an empty last one, or a header whose last cell is empty like the record's."""
    if not first or not (first[-1] or "").strip():
        if first and len(first) == len(header) + 1:
            return header, Trailing(len(header), in_header=False)
        if first and len(header) > 1 and len(first) == len(header) and not header[-1].strip():
            return header[:-1], Trailing(len(header) - 1, in_header=True)
    return header, None
