"""Which text encoding a delivery's bytes are in, and mojibake in text decoded upstream.

Why apart from record splitting: an encoding is chosen from the raw bytes before any record is
read (a BOM; else the configured encodings, strictly, whole file; gzip or binary content stops the
read at once), and its failures name a byte offset, not a record.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

import pandas as pd
import pyarrow.compute as pc

from etl_assets.records import LINE_NUMBER
from etl_assets.sources.spec import ReadOptions

_SNIFF_BYTES = 64 * 1024


class DeliveryReadError(ValueError):
    """The delivery cannot be read at all; the message names the file and what is wrong."""


def _detect_encoding(head: bytes, options: ReadOptions, where: str) -> str | None:
    """Return an encoding forced by the first bytes (BOM), or None to try the configured ones."""
    if head.startswith(b"\x1f\x8b"):
        raise DeliveryReadError(f"{where}: the file is gzip-compressed, not CSV text (magic bytes 1f 8b at byte 0)")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    nul = head.find(b"\x00")
    if nul >= 0:
        raise DeliveryReadError(f"{where}: binary content (a NUL byte at byte {nul}); not a CSV text file")
    return None


def _first_undecodable(stream: BinaryIO, encoding: str) -> str | None:
    """None when the whole stream decodes in ``encoding``, else where it first fails
    (``byte 0x81 at offset 1234, line 12``), read in chunks so memory stays flat."""
    decoder = codecs.getincrementaldecoder(encoding)()
    stream.seek(0)
    offset = newlines = 0
    try:
        while chunk := stream.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # the decoder may hold back up to a few bytes of the previous chunk: close enough
                bad = max(exc.start - len(exc.object) + len(chunk), 0)
                line = newlines + chunk.count(b"\n", 0, bad) + 1
                return f"byte 0x{chunk[bad]:02x} at offset {offset + bad}, line {line}"
            offset += len(chunk)
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return f"an incomplete character at the end (offset {offset})"
    finally:
        stream.seek(0)
    return None


def choose_encoding(stream: BinaryIO, options: ReadOptions, where: str) -> str:
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    if not head:
        raise DeliveryReadError(f"{where}: the file is empty (0 bytes)")
    forced = _detect_encoding(head, options, where)
    if forced:
        return forced
    candidates = [options.encoding, *options.fallback_encodings]
    failures = []
    for encoding in candidates:
        problem = _first_undecodable(stream, encoding)
        if problem is None:
            return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        failures.append(f"{encoding}: {problem}")
    raise DeliveryReadError(
        f"{where}: the bytes are not valid in any of the encodings {candidates} ({'; '.join(failures)})"
    )


# Mojibake: UTF-8 bytes decoded as cp1252 somewhere upstream ('Ã©' for 'é', 'â€™' for '’'). A UTF-8
# lead byte (0xC2-0xF4) read as cp1252, followed by continuation bytes (0x80-0xBF) read as cp1252.
_MOJIBAKE_LEAD = bytes(range(0xC2, 0xF5)).decode("cp1252", errors="ignore")
_MOJIBAKE_CONT = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
MOJIBAKE = f"[{re.escape(_MOJIBAKE_LEAD)}][{re.escape(_MOJIBAKE_CONT)}]+"


def mojibake_repair(text: str) -> str | None:
    """The text re-decoded (cp1252 bytes → UTF-8) when it round-trips cleanly and changes, else None."""
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return None
    return fixed if fixed != text else None


_MOJIBAKE_EXAMPLES = 3


def mojibake_cells(records, columns: list[str], found: dict | None = None) -> dict[str, list]:
    """Per column of a frame of records, [count, first examples (line, text, repaired)]; adds to
    ``found`` (the reader calls it chunk by chunk). A cell counts when it contains a mojibake-looking
    sequence and re-decoding it as cp1252 → UTF-8 round-trips cleanly (so legitimate text such as
    'SÃO' followed by a space is not reported). Detected, not repaired: raw stays as landed."""
    found = {} if found is None else found
    for column in columns:
        values = records[column]
        if _all_ascii(values):  # the sequence starts with a non-ASCII character: no regex needed
            continue
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


def _all_ascii(values) -> bool:
    """Every value of an Arrow-backed text column is ASCII (Arrow's kernel; other columns: False)."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return False
    return bool(pc.all(pc.fill_null(pc.string_is_ascii(values.array._pa_array), True)).as_py())  # noqa: SLF001


def mojibake_warnings(found: dict[str, list]) -> list[str]:
    """One read warning per column of :func:`mojibake_cells`'s findings."""
    warnings: list[str] = []
    for column, (count, repairs) in found.items():
        examples = "; ".join(f"line {line}: {text!r} would read {fixed!r}" for line, text, fixed in repairs)
        warnings.append(
            f"mojibake (UTF-8 text decoded as cp1252 before it was written) in {count} cell(s) of column "
            f"{column!r}, not repaired: {examples}"
        )
    return warnings
