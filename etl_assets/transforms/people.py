"""People's names: contacts split into first/last/title, careful casing, "does this name one person?".

Why: registries write people as ``HELLSTROM, ELIZABETH`` (last, first), ``JANEECE NOEL`` (first
last), ``Elizabeth Hellstrom\\r\\nPrimary Caregiver`` (name and role in one cell) or as several
people at once (``TANIA & NICOLE PINEDA & POBLETE`` = Tania Pineda and Nicole Poblete). The leads
table holds one contact per row, consistently cased. Business names are ``companies.py``; it asks
``looks_like_person`` here whether a licensee is a person.

Contacts (``contact_name`` → first_name, last_name, title; ``person_name`` → first_name, last_name):

- the first line of the cell is the name, any further lines are the title (Oklahoma's role);
- ``LAST, FIRST [MIDDLE]`` when there is exactly one comma, otherwise ``FIRST [MIDDLE] LAST``; middle
  names stay with the first name (``Debra Jo``), surname particles with the last (``Van Rhyn``);
- several people — ``A & B X & Y``, ``A, B X, Y``, ``A & B, X & Y``, ``A X AND B Y``, ``A & B X``
  (shared surname) — keep the first person, flagged ``name: several people, kept the first``;
- a parenthesised part (``Malinda Wolfe (Phillips)``) is dropped and flagged; a leading honorific
  (Ms., Mr., Dr.) is dropped;
- a two-word ``FIRST LAST`` cell that probablepeople reads as surname-then-given-name (``Burgess
  Mia``) is kept in the registry's order and flagged ``may be written LAST FIRST`` (not swapped);
- ``given_name`` (a bare first-name column, Salesforce): leading honorific dropped, a lone
  honorific (``Ms.``) → null + flag, several people (``NANCY & DANIELLE``) → the first, flagged;
- wrapper punctuation around the name (``\\JANE DOE\\``, ``"Jane Doe``) is dropped (``text.strip_wrappers``);
- casing: ``casing.case_name`` (``MCDANIEL`` → ``McDaniel``; mixed case kept as written).

``looks_like_person`` (used by ``company_name`` and the onboarding sniffers): one person only in
the ``LAST, FIRST`` shape, or without a comma when probablepeople tags given name and surname; never
with a business word (``vocab.BUSINESS_WORDS``), an ``&``/``AND`` or a word no name has; and not when
probablepeople finds a business marker (its bare "CorporationName" verdict is ignored: it gives it for
``JOHNSON, ROSHONDA``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import probablepeople

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.casing import case_name
from etl_assets.transforms.registry import Parsed, transform
from etl_assets.transforms.text import strip_wrappers
from etl_assets.transforms.vocab import BUSINESS_WORDS

# --- people ----------------------------------------------------------------------------------

PEOPLE_JOINER = re.compile(r"\s*(?:&|\+|\bAND\b)\s*", re.IGNORECASE)
_PARENS = re.compile(r"\s*\(([^()]*)\)\s*")
_HONORIFICS = frozenset({"MR", "MRS", "MS", "MISS", "DR", "MX"})
_PARTICLES = frozenset({"VAN", "VON", "DE", "DA", "DI", "DEL", "DELA", "DELLA", "LA", "LE", "DU", "DOS", "DAS",
                        "ST", "SAINT", "BIN", "BEN", "TER", "TEN", "VANDER", "VANDEN"})  # fmt: skip
_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV"})


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", " ").split() if w]


def _first_last_from_words(words: list[str]) -> tuple[str | None, str | None]:
    """``FIRST [MIDDLE] [PARTICLE] LAST [JR]`` → (first incl. middle, last incl. particles/suffix)."""
    while words and words[0].upper().rstrip(".") in _HONORIFICS and len(words) > 1:
        words = words[1:]
    if not words:
        return None, None
    if len(words) == 1:
        return words[0], None
    end = len(words)
    if words[-1].upper().rstrip(".") in _SUFFIXES and len(words) > 2:
        end -= 1
    start = end - 1
    while start > 1 and words[start - 1].upper().rstrip(".") in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def person_from_text(text: str) -> tuple[str | None, str | None]:
    """One person's (first, last) from ``LAST, FIRST`` or ``FIRST LAST``."""
    if text.count(",") == 1:
        last, first = (p.strip() for p in text.split(","))
        if last and first:
            first_words = _words(first)
            while first_words and first_words[0].upper().rstrip(".") in _HONORIFICS and len(first_words) > 1:
                first_words = first_words[1:]
            return " ".join(first_words) or None, last
    return _first_last_from_words(_words(text))


def split_people(text: str) -> list[tuple[str | None, str | None]]:
    """Every person named in ``text`` as (first, last), in order (raw casing)."""
    if PEOPLE_JOINER.search(text):
        if text.count(",") == 1:
            left, right = (p.strip() for p in text.split(","))
            firsts = [p for p in PEOPLE_JOINER.split(left) if p.strip()]
            lasts = [p for p in PEOPLE_JOINER.split(right) if p.strip()]
            if len(firsts) == len(lasts) > 1:  # A & B, X & Y
                return [(f.strip(), l.strip()) for f, l in zip(firsts, lasts)]
            if len(firsts) == 1 and len(lasts) > 1 and all(len(_words(l)) == 1 for l in lasts):  # SMITH, JOHN & JANE
                return [(f.strip(), left) for f in lasts]
        segments = [s.strip() for s in PEOPLE_JOINER.split(text) if s.strip()]
        return _people_from_segments(segments)
    if text.count(",") == 2:  # A, B X, Y
        segments = [s.strip() for s in text.split(",") if s.strip()]
        if len(segments) == 3 and len(_words(segments[1])) >= 2:
            return _people_from_segments(segments)
    first, last = person_from_text(text)
    return [(first, last)] if first or last else []


def _people_from_segments(segments: list[str]) -> list[tuple[str | None, str | None]]:
    if len(segments) == 3 and len(_words(segments[1])) >= 2 and len(_words(segments[0])) == 1:
        # A & B X & Y: first names A, B; surnames X, Y (X may have several words)
        middle = _words(segments[1])
        return [(segments[0], " ".join(middle[1:])), (middle[0], segments[2])]
    if len(segments) == 2 and len(_words(segments[0])) == 1 and len(_words(segments[1])) >= 2:
        # JOHN & JANE SMITH: a shared surname
        second = _first_last_from_words(_words(segments[1]))
        return [(segments[0], second[1]), second]
    return [p for p in (person_from_text(s) for s in segments) if p[0] or p[1]]


def parse_contact(value: Any) -> tuple[tuple[str | None, str | None, str | None], list[str]]:
    """((first, last, title), problems) for a contact cell; title = the cell's further lines."""
    if value is None:
        return (None, None, None), []
    raw = value if isinstance(value, str) else str(as_text(value) or "")
    lines = [ln for ln in (as_text(x) for x in re.split(r"[\r\n]+", raw)) if ln]
    if not lines:
        return (None, None, None), []
    name_line, title = strip_wrappers(lines[0]) or "", (" ".join(lines[1:]) or None)
    problems: list[str] = []
    dropped = _PARENS.findall(name_line)
    if dropped:
        name_line = as_text(_PARENS.sub(" ", name_line)) or ""
        problems.extend(f"name: dropped {quote('(' + d + ')')}" for d in dropped)
    name_line = name_line.replace("(", " ").replace(")", " ")
    if _ORGANISATION.search(name_line):  # "Riverside School District" as an owner: nobody's first name
        return (None, None, title), [f"name: {quote(name_line)} names an organisation, not a person"]
    people = split_people(name_line) if name_line else []
    if len(people) > 1:
        problems.append("name: several people, kept the first")
    if not people:
        if name_line.strip():
            problems.append(f"name: no name in {quote(name_line)}")
        return (None, None, title), problems
    first, last = people[0]
    if len(people) == 1 and "," not in name_line and _surname_first(name_line):
        problems.append(f"name: {quote(name_line)} may be written LAST FIRST")
    return (case_name(first), case_name(last), title), problems


# Words no person's name holds (a subset of vocab.BUSINESS_WORDS without HOME/KIDS-like words a
# contact cell can carry next to a real name).
_ORGANISATION = re.compile(r"\b(?:SCHOOL|DISTRICT|ACADEMY|CHURCH|MINISTRIES|FOUNDATION|UNIVERSITY|COLLEGE|YMCA|YWCA|"
                           r"ASSOCIATION|INSTITUTE|LLC|INC|CORPORATION|COUNTY|CITY OF)\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _surname_first(text: str) -> bool:
    """probablepeople reads a two-word ``FIRST LAST`` cell as surname, then given name.

    Only a flag: ``Burgess Mia`` (Oklahoma) is probably Mia Burgess, but a CRF guess is not
    evidence enough to swap the registry's order, and Burgess is a given name too.
    """
    words = text.split()
    if len(words) != 2:
        return False
    try:
        tagged, kind = probablepeople.tag(text)
    except Exception:  # RepeatedLabelError and anything odd in the CRF tagger
        return False
    return kind == "Person" and list(tagged) == ["Surname", "GivenName"]


@transform("contact_name", outputs=["first_name", "last_name", "title"])
def contact_name(value: Any) -> Parsed:
    """A contact cell → first_name, last_name, title (``Elizabeth Hellstrom\\r\\nPrimary Caregiver``)."""
    values, problems = parse_contact(value)
    return Parsed(values, flag=join_flags(*problems))


@transform("person_name", outputs=["first_name", "last_name"])
def person_name(value: Any) -> Parsed:
    """A person's name → first_name, last_name (as contact_name, without the title)."""
    (first, last, _title), problems = parse_contact(value)
    return Parsed((first, last), flag=join_flags(*problems))


@transform("name_case", outputs=["value"])
def name_case(value: Any) -> Parsed:
    """One name part (a first or last name column), trimmed and carefully title-cased."""
    return Parsed((case_name(as_text(value)),))


@transform("given_name", outputs=["first_name"])
def given_name(value: Any) -> Parsed:
    """A first-name column (Salesforce ``first_name``): honorific dropped, first of several people, cased.

    ``Ms. Chrissy`` → ``Chrissy``; ``Ms.`` alone → null + flag (a salutation is not a name);
    ``NANCY & DANIELLE`` → ``Nancy`` + flag ``name: several people, kept the first``.
    """
    text = strip_wrappers(as_text(value))
    if text is None:
        return Parsed((None,))
    problems: list[str] = []
    segments = [seg.strip() for seg in PEOPLE_JOINER.split(text) if seg.strip()]
    if len(segments) > 1:
        problems.append("name: several people, kept the first")
    words = (segments[0] if segments else "").split()
    while len(words) > 1 and words[0].upper().rstrip(".") in _HONORIFICS:
        words = words[1:]
    if not words or words[0].upper().rstrip(".") in _HONORIFICS:
        problems.append(f"name: no name in {quote(text)}")
        return Parsed((None,), flag=join_flags(*problems))
    return Parsed((case_name(" ".join(words)),), flag=join_flags(*problems))


# --- one person or not ---------------------------------------------------------------------

NAME_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*\.?$")


@lru_cache(maxsize=8192)
def _probablepeople(text: str) -> tuple[str | None, frozenset[str]]:
    """(type, labels) from probablepeople.tag; (None, {}) when it cannot tag the text."""
    try:
        tagged, kind = probablepeople.tag(text)
    except Exception:  # RepeatedLabelError and anything odd in the CRF tagger
        return None, frozenset()
    return kind, frozenset(tagged)


def _business_by_probablepeople(text: str) -> bool:
    """probablepeople found a business *marker* (legal type, organisation word…), not just a guess.

    A bare ``CorporationName`` is its fallback for strings it cannot read — it says that of
    ``JOHNSON, ROSHONDA`` — so that alone does not make a business.
    """
    kind, labels = _probablepeople(text)
    return kind == "Corporation" and bool(labels - {"CorporationName"})


def _person_by_probablepeople(text: str) -> bool:
    kind, labels = _probablepeople(text)
    return kind == "Person" and {"GivenName", "Surname"} <= labels


def looks_like_person(text: str, require_comma: bool = False) -> tuple[str, str] | None:
    """(first, last) when ``text`` names one person, else None; the rules are in the module docstring."""
    if BUSINESS_WORDS.search(text) or PEOPLE_JOINER.search(text):
        return None
    if text.count(",") == 1:
        last, first = (p.strip() for p in text.split(","))
        if not (1 <= len(last.split()) <= 3 and 1 <= len(first.split()) <= 4):
            return None
    elif require_comma or text.count(",") > 1 or not 2 <= len(text.split()) <= 4:
        return None
    if not all(NAME_WORD.match(w) for w in text.replace(",", " ").split()):
        return None
    if _business_by_probablepeople(text):
        return None
    if "," not in text and not _person_by_probablepeople(text):
        return None
    first, last = person_from_text(text)
    if not first or not last:
        return None
    return first, last
