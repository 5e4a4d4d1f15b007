"""Metadata shown in the Dagster UI, built so that source values cannot inject markup.

Registry text is untrusted: a company named ``[click](http://evil)`` or ``<img src=x>`` must show
as text. Every cell of a markdown preview is escaped here, and long cells are cut.
"""

from __future__ import annotations

import re

import pandas as pd
from dagster import MetadataValue, TableColumn, TableSchema

# Dagster compiles a metadata record's checked constructor on its first use and keeps the calling
# frame's locals for good (dagster_shared.check.builder, EvalContext: for forward references). The
# first caller used to be column_schema(frame) in the raw asset, so one raw delivery frame stayed
# alive for the whole run (1 GiB of a 300 MB delivery). Build them once here, from a frame holding
# nothing big.
def _compile_metadata_records() -> None:
    TableSchema(columns=[TableColumn(name="_", type="_")])
    MetadataValue.md("")
    MetadataValue.json({})
    MetadataValue.text("")


_compile_metadata_records()

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")
_MAX_CELL = 60


def escape_markdown(value: object) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    text = " ".join(str(value).split())  # newlines and tabs would break the table
    if len(text) > _MAX_CELL:
        text = text[: _MAX_CELL - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def preview(frame: pd.DataFrame, rows: int = 5, columns: list[str] | None = None) -> MetadataValue:
    """A markdown table of the first rows, every header and cell escaped."""
    columns = columns or list(frame.columns)
    head = frame.head(rows)  # the rows first: selecting columns of the whole frame copies it
    lines = [
        "| " + " | ".join(escape_markdown(c) for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for record in zip(*(list(head[c]) for c in columns)) if columns else ():  # (itertuples, without a frame copy)
        lines.append("| " + " | ".join(escape_markdown(v) for v in record) + " |")
    return MetadataValue.md("\n".join(lines))


def column_schema(frame: pd.DataFrame) -> TableSchema:
    return TableSchema(columns=[TableColumn(name=str(c), type=str(t)) for c, t in frame.dtypes.items()])
