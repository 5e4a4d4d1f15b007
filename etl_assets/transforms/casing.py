"""Careful title case of names: ``MCDANIEL`` → ``McDaniel``, the registry's mixed case kept.

Why: registries shout (``ANDREA MCDANIEL``) or whisper (``noel``); the leads table wants one
casing for people, licensees and cities whichever registry wrote them. Rules: a word written in one
case is title-cased with care — ``McDaniel``, ``O'Brien``/``D'Angelo`` (one-letter prefix before the
apostrophe; ``Ta'shana`` otherwise), each part of a hyphenated name (``Garcia-Berrospe``), roman
numerals kept (``III``); a word already in mixed case (``McCoy``, ``DeShawn``) is left as written.
"""

from __future__ import annotations

import re

_ROMAN = frozenset({"II", "III", "IV", "VI", "VII", "VIII"})
_WORD_PIECE = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿ]+)")


def _case_piece(piece: str) -> str:
    """Title-case one alphabetic run (``MCDANIEL`` → ``McDaniel``)."""
    upper = piece.upper()
    if len(piece) > 3 and upper.startswith("MC"):
        return "Mc" + piece[2].title() + piece[3:].lower()
    # title(), not upper(): 'ß'.upper() is 'SS', which would case differently a second time
    return piece[:1].title() + piece[1:].lower()


def case_name_word(word: str) -> str:
    """Careful title case of one name word; a word already in mixed case is kept."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return word
    if any(c.isupper() for c in letters) and any(c.islower() for c in letters):
        return word
    if word.upper().rstrip(".") in _ROMAN:
        return word.upper()
    parts = re.split(r"(['’\-])", word)
    out: list[str] = []
    for i, part in enumerate(parts):
        if part in ("'", "’", "-"):
            out.append(part)
            continue
        if i >= 2 and parts[i - 1] in ("'", "’"):
            prefix = parts[i - 2]
            cased = _WORD_PIECE.sub(lambda m: _case_piece(m.group(1)), part)
            out.append(cased if len(prefix) == 1 else cased.lower())
        else:
            out.append(_WORD_PIECE.sub(lambda m: _case_piece(m.group(1)), part))
    return "".join(out)


def case_name(text: str | None) -> str | None:
    """Careful title case of a name (several words)."""
    if not text:
        return None
    return " ".join(case_name_word(w) for w in text.split()) or None
