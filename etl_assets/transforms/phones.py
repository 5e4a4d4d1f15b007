"""Phone numbers → E.164 (``+12097471797``), using Google's libphonenumber port ``phonenumbers``.

Why: the registries write phones as ``(209) 747-1797``, ``346-393-9400`` or bare digits, sometimes
with an extension (``x123``, ``ext. 12``). The warehouse stores one canonical form so that phones
can be compared across sources and dialled by the sales tools.

Rules:
- numbers are parsed with default region US and kept only when ``is_valid_number`` holds (a number
  in another country written with ``+`` is kept in its own E.164 form);
- an extension is split off and never glued onto the number; the leads table has no extension
  column, so ``phone_e164`` drops it and records a flag (``parse_phone`` returns it for callers);
- a cell holding several numbers (``;``, ``,``, ``|``, `` / ``, `` or ``) keeps the first, flagged;
- anything else → ``None`` and a flag such as ``phone: invalid number '123'`` (the row is kept).

The Salesforce sample carries synthetic phones ``1234567890``, ``1234567891``…: area code 123
does not exist, so they are *not* valid US numbers and correctly become null with a flag.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.registry import Parsed, transform

_REGION = "US"
_SEVERAL = re.compile(r"\s*(?:[;,|\n]|\s/\s|\bor\b|\band\b)\s*", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
_MAX_EXTENSION_DIGITS = 6  # a longer "extension" is really a second number glued on
_MAX_LEN = 100  # libphonenumber refuses longer input anyway


def _split_numbers(text: str) -> list[str]:
    """Split a cell on list separators; a piece with fewer than 7 digits (``ext. 12``) stays with the previous."""
    parts: list[str] = []
    for piece in _SEVERAL.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if parts and len(_DIGITS.findall(piece)) < 7:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return parts


def parse_phone(value: Any) -> tuple[str | None, str | None, str | None]:
    """(E.164 number, extension, flag) for one cell; never raises."""
    text = as_text(value)
    if text is None:
        return None, None, None
    parts = _split_numbers(text)
    if not parts:
        return None, None, f"phone: invalid number {quote(text)}"
    several = "phone: several numbers, kept the first" if len(parts) > 1 else None
    candidate = parts[0].strip()
    if len(candidate) > _MAX_LEN:
        return None, None, f"phone: invalid number {quote(text)}"
    try:
        number = phonenumbers.parse(candidate, _REGION)
        valid = phonenumbers.is_valid_number(number)
    except Exception:  # NumberParseException, and anything odd in the library
        return None, None, join_flags(f"phone: invalid number {quote(text)}", several)
    if not valid:
        return None, None, join_flags(f"phone: invalid number {quote(text)}", several)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    extension = number.extension or None
    flag = several
    if extension and len(extension) > _MAX_EXTENSION_DIGITS:
        flag = join_flags(flag, f"phone: ignored trailing digits {quote(extension)}")
        extension = None
    return e164, extension, flag


@transform("phone_e164", outputs=["phone"])
def phone_e164(value: Any) -> Parsed:
    """A phone number in E.164 (+1XXXXXXXXXX); invalid → null + flag; an extension is dropped + flagged."""
    e164, extension, flag = parse_phone(value)
    if extension:
        flag = join_flags(flag, f"phone: extension {quote(extension)} not kept")
    return Parsed((e164,), flag=flag)
