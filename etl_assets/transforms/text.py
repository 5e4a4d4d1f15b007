"""Plain text transforms: trimming and empty-to-null. The default for a mapped column."""

from __future__ import annotations

import re

from etl_assets.transforms.columns import text_column
from etl_assets.transforms.registry import Parsed, transform

_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str | None:
    """Collapse runs of white space, trim, and turn an empty string into None."""
    if value is None:
        return None
    text = _SPACES.sub(" ", value).strip()
    return text or None


# Characters no name begins or ends with: a delivery's wrapper (``\\St. Joseph Daycare Ministry\\``,
# ``*Kids Place*``, ``|ABC|``). ``=``, ``+``, ``-`` and ``@`` are left alone: at the start they make
# a spreadsheet formula, which is kept as delivered and flagged (``looks_like_formula``).
_WRAPPER = "\\/|*~^_`"
# Brackets go only in pairs around the whole value or when unbalanced: ``[x](y)`` keeps its own;
# angle brackets are markup, not a wrapper, and stay (shown escaped).
_BRACKETS = ("[]", "{}")
_LEADING_ONLY = ".,;:!?"
_QUOTES = "\"'“”‘’"


def strip_wrappers(text: str | None) -> str | None:
    """A name without the wrapper punctuation around the whole value, white space collapsed.

    Backslashes, slashes, pipes, asterisks and the like at either end; leading ``.,;:!?``; quotes
    at an end when they wrap the whole value or are unbalanced (``'Little Stars`` → ``Little
    Stars``; ``Kids' Place`` and ``"K" Street`` keep theirs). Empty → None."""
    text = clean_text(text)
    while text:
        before = text
        text = text.strip(_WRAPPER + " ").lstrip(_LEADING_ONLY + " ")
        for opener, closer in _BRACKETS:
            text = _strip_brackets(text, opener, closer)
        for q in _QUOTES:
            if text.startswith(q) and (text.endswith(q) or text.count(q) == 1):
                text = text[1:]
            if text.endswith(q) and text.count(q) == 1 and q != "'" and q != "’":
                text = text[:-1]
        text = text.strip()
        if text == before:
            break
    return clean_text(text)


def _strip_brackets(text: str, opener: str, closer: str) -> str:
    """One pair around the whole value goes, and an opener or closer at an end that has no partner."""
    if text.startswith(opener) and text.endswith(closer) and text.count(opener) == text.count(closer) == 1:
        return text[1:-1]
    if text.startswith(opener) and text.count(opener) > text.count(closer):
        text = text[1:]
    if text.endswith(closer) and text.count(closer) > text.count(opener):
        text = text[:-1]
    return text


@transform("text", outputs=["value"], column=text_column)
def text(value: str | None) -> Parsed:
    """Trimmed text with white space collapsed; empty becomes null."""
    return Parsed((clean_text(value),))


# Spreadsheet formula injection (OWASP "CSV injection"): a cell that a spreadsheet would evaluate.
# `=` or `@` first (after white space), or `+`/`-` followed by anything but a plain number or phone
# (`-5` and `+1 (702) 555-0100` are data; `-2+3+cmd|' /C calc'!A0` is not). RE2- and re-compatible.
FORMULA_PATTERN = r"^\s*(?:[=@]|[+\-][\s\S]*[^0-9\s().,+\-])"
_FORMULA = re.compile(FORMULA_PATTERN)


def looks_like_formula(value: object) -> bool:
    """True for a text value a spreadsheet would run as a formula (kept as data, flagged)."""
    return isinstance(value, str) and _FORMULA.match(value) is not None


def neutralize_formula(value: object) -> object:
    """A cell safe to open in a spreadsheet: text that looks like a formula gets a leading
    apostrophe (OWASP's advice; spreadsheets show it as text). Other values, including numbers and
    E.164 phones (``+17025550100``), pass unchanged."""
    return "'" + value if looks_like_formula(value) else value
