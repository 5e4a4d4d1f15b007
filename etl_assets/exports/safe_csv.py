"""CSV out of the warehouse, safe to open in a spreadsheet: registry text is untrusted."""

from __future__ import annotations

import pandas as pd

from etl_assets.transforms.text import neutralize_formula


def to_safe_csv(frame: pd.DataFrame, path_or_buffer, **kwargs) -> None:
    """The one way to export rows built from source values as CSV: every text cell that a
    spreadsheet would evaluate (``=HYPERLINK(...)``, ``@SUM``, ``+cmd|...``) is neutralised with a
    leading apostrophe (headers too). The warehouse keeps the values verbatim (flagged in
    ``_dq_flags``); only the export, which may be opened in a spreadsheet, changes them."""
    safe = frame.rename(columns=lambda c: neutralize_formula(str(c)))
    text_columns = [c for c, t in safe.dtypes.items() if t == object or isinstance(t, pd.StringDtype)]
    for column in text_columns:
        safe[column] = safe[column].map(neutralize_formula, na_action="ignore")
    safe.to_csv(path_or_buffer, index=False, **kwargs)
