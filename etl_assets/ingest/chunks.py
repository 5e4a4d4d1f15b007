"""One delivery read chunk by chunk (``read._CHUNK_ROWS`` records each), for the streaming raw stage.

Same records, messages and read facts as :func:`read.read_delivery`, which holds the whole table:
placeholder counts and mojibake warnings are summed over the chunks and come out in the file's
column order, so a delivery's raw metadata does not depend on how it was read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

import pandas as pd
import pyarrow as pa

from etl_assets.ingest.encoding import DeliveryReadError, choose_encoding
from etl_assets.ingest.placeholders import null_placeholders, null_value_set
from etl_assets.ingest.read import ReadResult, _rows, iter_tables, mojibake_cells, mojibake_warnings, unique_column_names
from etl_assets.records import STRING
from etl_assets.sources.spec import ReadOptions


class DeliveryChunks:
    """Iterate to get the records as frames; afterwards ``result()`` holds the read facts.

    Opening reads the encoding and the header (a file that cannot be read raises here)."""

    def __init__(self, stream: BinaryIO, options: ReadOptions, where: str):
        self.where = where
        self.options = options
        self.encoding = choose_encoding(stream, options, where)
        self._text = io.TextIOWrapper(stream, encoding=self.encoding, newline="")
        self._lines = _rows(self._text, options.delimiter)
        try:
            first = next(self._lines)
        except StopIteration:
            self._text.detach()
            raise DeliveryReadError(f"{where}: the file holds no records") from None
        if options.header:
            self.header = first[0]
            self._pending: list = []
        else:
            self.header = [f"column_{i}" for i in range(1, len(first[0]) + 1)]
            self._pending = [first]
        self.columns, self.warnings = unique_column_names(self.header)
        self.records = 0
        self._placeholders: dict[str, dict[str, int]] = {}
        self._mojibake: dict[str, list] = {}
        self._done = False

    def __iter__(self) -> Iterator[pd.DataFrame]:
        nulls = null_value_set(self.options.null_values, self.options.default_null_values)
        try:
            for table in iter_tables(self.columns, self._pending, self._lines, self.where):
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
        order = {c: i for i, c in enumerate(self.columns)}
        mojibake = dict(sorted(self._mojibake.items(), key=lambda kv: order[kv[0]]))
        warnings.extend(mojibake_warnings(mojibake))
        placeholders = dict(sorted(self._placeholders.items(), key=lambda kv: order[kv[0]]))
        empty = pd.DataFrame({c: pd.array([], dtype=STRING) for c in self.columns})
        return ReadResult(records=empty, header=list(self.header), columns=self.columns, encoding=self.encoding,
                          warnings=warnings, placeholders=placeholders)
