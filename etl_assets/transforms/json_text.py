"""Text columns → one JSON object per row, built with Arrow string kernels (no Python per row).

Why: the normalize stage keeps a delivery's unmapped columns (``_extras``) and a quarantined
record (``_raw_record``) as JSON text; ``json.dumps`` of one dict per row was the largest part of
normalizing a 1M-record delivery. The output is byte for byte ``json.dumps(record,
ensure_ascii=False)`` of ``{column: value or None, ...}`` (keys in the given order),
``etl_assets_tests/transforms/test_json_text.py`` checks it on arbitrary text (hypothesis).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

# json.dumps' escapes (ensure_ascii=False): backslash and quote first, then the control characters
# (their replacements hold backslashes, so backslash must already be done).
_SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROL = [(chr(c), _SHORT.get(chr(c), f"\\u{c:04x}")) for c in range(0x20)]
_HAS_CONTROL = "[\\x00-\\x1f]"


def json_string_values(values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Each text value as a JSON string literal (``"a\\"b"``), a missing value as ``null``."""
    text = values.cast(pa.large_string())
    text = pc.replace_substring(text, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    if pc.any(pc.match_substring_regex(text, _HAS_CONTROL)).as_py():
        for char, escaped in _CONTROL:
            if pc.any(pc.match_substring(text, char)).as_py():
                text = pc.replace_substring(text, char, escaped)
    quoted = pc.binary_join_element_wise(_s('"'), text, _s('"'), _s(""))
    return _chunked(pc.fill_null(quoted, _s("null")))


def json_objects(columns: Sequence[tuple[str, pa.ChunkedArray | pa.Array]], extra: tuple[str, pa.ChunkedArray] | None = None,
                 length: int | None = None) -> pa.ChunkedArray:
    """One JSON object per row: every named column (a missing value as ``null``), then ``extra``'s
    key only in the rows where its value is present (surplus fields). ``length`` is the row count
    when there are no columns."""
    n = len(columns[0][1]) if columns else (len(extra[1]) if extra is not None else length or 0)
    parts: list = []
    for i, (name, values) in enumerate(columns):
        parts.append(("" if i == 0 else ", ") + json.dumps(name, ensure_ascii=False) + ": ")
        parts.append(json_string_values(values))
    if extra is not None:
        name, values = extra
        lead = (", " if columns else "") + json.dumps(name, ensure_ascii=False) + ": "
        tail = pc.binary_join_element_wise(_s(lead), json_string_values(values), _s(""))
        parts.append(pc.if_else(pc.is_null(values), _s(""), tail))
    if not parts:
        return _chunked(pa.array(["{}"] * n, type=pa.large_string()))
    body = pc.binary_join_element_wise(_s("{"), *[_s(p) if isinstance(p, str) else p for p in parts], _s("}"), _s(""))
    return _chunked(body)


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _chunked(values) -> pa.ChunkedArray:
    values = values.cast(pa.large_string())
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
