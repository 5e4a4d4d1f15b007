"""E-mail addresses: trimmed, lower-cased and syntax-checked with ``email-validator``.

Why: the same inbox is written ``MISS_AWESOME79@YAHOO.COM`` in one registry and lower case in
another; sales tools and the duplicate finder need one form. Deliverability (DNS) is never checked:
transforms are pure and offline.

Rules:
- ``mailto:`` and surrounding ``<>``/quotes are stripped; a cell with several addresses
  (``;``, ``,``, white space) keeps the first, flagged;
- the whole address is lower-cased (local parts are case-insensitive at every mailbox provider the
  registries use) and must pass ``email_validator.validate_email(check_deliverability=False)``;
- only ASCII addresses are accepted: an internationalised address is flagged and nulled (none occur
  in the registries, and the lower-casing of non-ASCII text is not stable);
- invalid → ``None`` with a flag such as ``email: invalid address 'foo@'`` (row kept).
"""

from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.registry import Parsed, transform

_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
_SEVERAL = re.compile(r"[;,\s]+")
_STRIP = "<>\"'()[] "


def normalize_email(value: Any) -> tuple[str | None, str | None]:
    """(lower-cased valid address, flag); never raises."""
    text = as_text(value)
    if text is None:
        return None, None
    parts = [p.strip(_STRIP) for p in _SEVERAL.split(_MAILTO.sub("", text.strip(_STRIP)))]
    parts = [_MAILTO.sub("", p).strip(_STRIP) for p in parts if p.strip(_STRIP)]
    if not parts:
        return None, f"email: invalid address {quote(text)}"
    several = "email: several addresses, kept the first" if len(parts) > 1 else None
    candidate = parts[0].lower()
    if not candidate.isascii():
        return None, join_flags(f"email: invalid address {quote(text)}", several)
    try:
        checked = validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None, join_flags(f"email: invalid address {quote(text)}", several)
    except Exception:  # defensive: the contract is "never raise"
        return None, join_flags(f"email: invalid address {quote(text)}", several)
    return checked.normalized.lower(), several


@transform("email", outputs=["email"])
def email(value: Any) -> Parsed:
    """A lower-cased, syntax-checked e-mail address; invalid → null + flag."""
    address, flag = normalize_email(value)
    return Parsed((address,), flag=flag)
