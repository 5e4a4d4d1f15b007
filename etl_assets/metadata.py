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
    head = frame[columns].head(rows)
    lines = [
        "| " + " | ".join(escape_markdown(c) for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for record in head.itertuples(index=False):
        lines.append("| " + " | ".join(escape_markdown(v) for v in record) + " |")
    return MetadataValue.md("\n".join(lines))


def to_safe_csv(frame: pd.DataFrame, path_or_buffer, **kwargs) -> None:
    """The one way to export rows built from source values as CSV: every text cell that a
    spreadsheet would evaluate (``=HYPERLINK(...)``, ``@SUM``, ``+cmd|...``) is neutralised with a
    leading apostrophe (headers too). The warehouse keeps the values verbatim (flagged in
    ``_dq_flags``); only the export, which may be opened in a spreadsheet, changes them."""
    from etl_assets.transforms.text import neutralize_formula

    safe = frame.rename(columns=lambda c: neutralize_formula(str(c)))
    text_columns = [c for c, t in safe.dtypes.items() if t == object or isinstance(t, pd.StringDtype)]
    for column in text_columns:
        safe[column] = safe[column].map(neutralize_formula, na_action="ignore")
    safe.to_csv(path_or_buffer, index=False, **kwargs)


def column_schema(frame: pd.DataFrame) -> TableSchema:
    return TableSchema(columns=[TableColumn(name=str(c), type=str(t)) for c, t in frame.dtypes.items()])
