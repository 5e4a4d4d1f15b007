"""Person and company names: contacts split into first/last/title, licensees told from businesses.

Why: registries write people as ``HELLSTROM, ELIZABETH`` (last, first), ``JANEECE NOEL`` (first
last), ``Elizabeth Hellstrom\\r\\nPrimary Caregiver`` (name and role in one cell) or as several
people at once (``TANIA & NICOLE PINEDA & POBLETE`` = Tania Pineda and Nicole Poblete). The leads
table holds one contact per row, consistently cased, and tells the licensed person (when the
licensee is a person) from the business name.

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
- casing: a word written in one case (``MCDANIEL``, ``noel``) is title-cased with care — ``McDaniel``,
  ``O'Brien``/``D'Angelo`` (one-letter prefix before the apostrophe; ``Ta'shana`` otherwise), each
  part of a hyphenated name (``Garcia-Berrospe``), roman numerals kept (``III``); a word already in
  mixed case (``McCoy``, ``DeShawn``) is left as the registry wrote it.

Companies (``company_name`` → company, licensee_name, operator, company_std):

- ``<licensee> DBA <business>``: company is the business, licensee_name/operator the licensee
  (``BRIGGS, DASHESHIA DBA DEELIGHTFUL LEARNING STATION, LLC`` → company ``DEELIGHTFUL LEARNING
  STATION, LLC``, licensee and operator ``Dasheshia Briggs``). The part before DBA is a person in the
  ``LAST, FIRST`` shape or, without a comma, when probablepeople tags it as a person (given name and
  surname); a licensee that is a business becomes the operator only.
- otherwise the value is a person only in the ``LAST, FIRST`` shape (one comma, name-like words, no
  business or legal words, and ``probablepeople`` finds no business marker such as a legal type —
  its bare "CorporationName" verdict is ignored, it gives it for ``JOHNSON, ROSHONDA``): the company keeps
  the registry's display value (an Oklahoma family home is listed under its owner's name) and
  licensee_name/operator get ``Elizabeth Hellstrom``. Without a comma the value is always treated as
  a business: probablepeople calls ``Precious Cargo`` and ``Panther Cub Corner`` people.
- ``licensee_if_contact`` (name, contact) fills licensee_name/operator when a comma-less name is
  exactly the contact person (Nevada ``CHARLENE RATH`` with contact ``CHARLENE RATH``): the second
  column is the evidence probablepeople cannot give. Listed after ``company_name`` in a mapping,
  it only fills what ``company_name`` left empty.
- a mis-quoted name (Texas ``K" Street Learning Center LLC"``) loses its stray quotes; a quoted
  word (``"K" Street``) is kept.
- company keeps the registry's casing (trimmed, spaces around commas fixed); company_std is the
  matching key: upper case, ``&`` → ``AND``, punctuation removed, legal suffixes folded
  (``L.L.C.`` → ``LLC``, ``Incorporated`` → ``INC``, ``Corporation`` → ``CORP``, ``Company`` → ``CO``,
  ``Limited`` → ``LTD``) and a trailing ``, The`` moved to the front.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import probablepeople

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.registry import Parsed, transform

# --- casing ----------------------------------------------------------------------------------

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


# --- people ----------------------------------------------------------------------------------

_AND = re.compile(r"\s*(?:&|\+|\bAND\b)\s*", re.IGNORECASE)
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


def _person_from_text(text: str) -> tuple[str | None, str | None]:
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
    if _AND.search(text):
        if text.count(",") == 1:
            left, right = (p.strip() for p in text.split(","))
            firsts = [p for p in _AND.split(left) if p.strip()]
            lasts = [p for p in _AND.split(right) if p.strip()]
            if len(firsts) == len(lasts) > 1:  # A & B, X & Y
                return [(f.strip(), l.strip()) for f, l in zip(firsts, lasts)]
            if len(firsts) == 1 and len(lasts) > 1 and all(len(_words(l)) == 1 for l in lasts):  # SMITH, JOHN & JANE
                return [(f.strip(), left) for f in lasts]
        segments = [s.strip() for s in _AND.split(text) if s.strip()]
        return _people_from_segments(segments)
    if text.count(",") == 2:  # A, B X, Y
        segments = [s.strip() for s in text.split(",") if s.strip()]
        if len(segments) == 3 and len(_words(segments[1])) >= 2:
            return _people_from_segments(segments)
    first, last = _person_from_text(text)
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
    return [p for p in (_person_from_text(s) for s in segments) if p[0] or p[1]]


def parse_contact(value: Any) -> tuple[tuple[str | None, str | None, str | None], list[str]]:
    """((first, last, title), problems) for a contact cell; title = the cell's further lines."""
    if value is None:
        return (None, None, None), []
    raw = value if isinstance(value, str) else str(as_text(value) or "")
    lines = [ln for ln in (as_text(x) for x in re.split(r"[\r\n]+", raw)) if ln]
    if not lines:
        return (None, None, None), []
    name_line, title = lines[0], (" ".join(lines[1:]) or None)
    problems: list[str] = []
    dropped = _PARENS.findall(name_line)
    if dropped:
        name_line = as_text(_PARENS.sub(" ", name_line)) or ""
        problems.extend(f"name: dropped {quote('(' + d + ')')}" for d in dropped)
    name_line = name_line.replace("(", " ").replace(")", " ")
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
    text = as_text(value)
    if text is None:
        return Parsed((None,))
    problems: list[str] = []
    segments = [seg.strip() for seg in _AND.split(text) if seg.strip()]
    if len(segments) > 1:
        problems.append("name: several people, kept the first")
    words = (segments[0] if segments else "").split()
    while len(words) > 1 and words[0].upper().rstrip(".") in _HONORIFICS:
        words = words[1:]
    if not words or words[0].upper().rstrip(".") in _HONORIFICS:
        problems.append(f"name: no name in {quote(text)}")
        return Parsed((None,), flag=join_flags(*problems))
    return Parsed((case_name(" ".join(words)),), flag=join_flags(*problems))


# --- companies -------------------------------------------------------------------------------

_DBA = re.compile(r"\s+(?:D\s*/\s*B\s*/\s*A|D\.\s*B\.\s*A\.?|DBA|DOING\s+BUSINESS\s+AS|A\.?K\.?A\.?)\s+", re.IGNORECASE)
_LEGAL = {
    "LLC": "LLC", "L.L.C.": "LLC", "L.L.C": "LLC", "L L C": "LLC", "INC": "INC", "INC.": "INC", "INCORPORATED": "INC",
    "CORP": "CORP", "CORP.": "CORP", "CORPORATION": "CORP", "CO": "CO", "CO.": "CO", "COMPANY": "CO",
    "LTD": "LTD", "LTD.": "LTD", "LIMITED": "LTD", "LC": "LC", "L.C.": "LC", "LP": "LP", "L.P.": "LP",
    "LLP": "LLP", "L.L.P.": "LLP", "PLLC": "PLLC", "P.L.L.C.": "PLLC", "PC": "PC", "P.C.": "PC",
}  # fmt: skip
_BUSINESS_WORDS = re.compile(
    r"\b(?:ACADEMY|ACADEMIES|CENTERS?|CENTRES?|CTR|SCHOOLS?|PRE-?SCHOOL|PRE-?K|CHILD\s*CARE|DAY\s*CARE|"
    r"LEARNING|MONTESSORI|NURSERY|KIDS|KIDZ|CHURCH|MINISTRY|MINISTRIES|HEAD\s*START|PROGRAMS?|FOUNDATION|"
    r"UNIVERSITY|COLLEGE|DEVELOPMENT|PLAYHOUSE|TOTS|CLUB|YMCA|YWCA|SERVICES|GROUP|ASSOCIATION|DISTRICT|"
    r"CHRISTIAN|ELEMENTARY|INSTITUTE|HOMES?|ENTERPRISES?|HOLDINGS|TRUST|BAPTIST|METHODIST|LUTHERAN|"
    r"CATHOLIC|EPISCOPAL|TEMPLE|DCC|CDC|DAYCARE|CHILDCARE|FAMILY\s+CHILD)\b"
    r"|\b(?:LLC|L\.L\.C\.?|INC\.?|INCORPORATED|CORP\.?|CORPORATION|LTD\.?|LC|L\.C\.|LLP|PLLC)(?=\W|$)"
    r"|[#0-9!@]",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*\.?$")


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


def _looks_like_person(text: str, require_comma: bool) -> tuple[str, str] | None:
    """(first, last) when ``text`` names one person; see the module docstring for the rules."""
    if _BUSINESS_WORDS.search(text) or _AND.search(text):
        return None
    if text.count(",") == 1:
        last, first = (p.strip() for p in text.split(","))
        if not (1 <= len(last.split()) <= 3 and 1 <= len(first.split()) <= 4):
            return None
    elif require_comma or text.count(",") > 1 or not 2 <= len(text.split()) <= 4:
        return None
    if not all(_NAME_WORD.match(w) for w in text.replace(",", " ").split()):
        return None
    if _business_by_probablepeople(text):
        return None
    if "," not in text and not _person_by_probablepeople(text):
        return None
    first, last = _person_from_text(text)
    if not first or not last:
        return None
    return first, last


def clean_company(value: Any) -> str | None:
    """The display company name: registry casing, white space collapsed, ``X ,LLC`` → ``X, LLC``."""
    text = as_text(value)
    if text is None:
        return None
    if '"' in text:
        text = _drop_stray_quotes(text)
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",(?=[^\s,])", ", ", text)
    return text.strip(" ,;") or None


_QUOTED = re.compile(r'(?:(?<=\s)|^)"[^"\s][^"]*"(?=[\s,.;:!?]|$)')


def _drop_stray_quotes(text: str) -> str:
    """Keep a quoted word (``"K" Street``), drop quotes that open or close nothing.

    Texas writes one field mis-quoted; the CSV reader turns it into
    ``K" Street Learning Center LLC"``: both quotes are stray and the name is
    ``K Street Learning Center LLC``.
    """
    kept: list[str] = []
    last = 0
    for match in _QUOTED.finditer(text):
        kept.append(text[last : match.start()].replace('"', ""))
        kept.append(match.group(0))
        last = match.end()
    kept.append(text[last:].replace('"', ""))
    return as_text("".join(kept)) or ""


def company_key(value: Any) -> str | None:
    """company_std: upper case, & → AND, punctuation removed, legal suffixes folded, ', The' to the front."""
    text = as_text(value)
    if text is None:
        return None
    text = text.upper().replace("&", " AND ")
    words = []
    for word in re.split(r"[\s,;/]+", text):
        if not word:
            continue
        folded = _LEGAL.get(word)
        if folded is None:
            bare = re.sub(r"[.'’`]", "", word)
            folded = _LEGAL.get(bare, bare)
        words.extend(re.sub(r"[^A-Z0-9]+", " ", folded).split())
    text = " ".join(words)
    text = re.sub(r"\bL L C\b", "LLC", text)
    words = text.split()
    if len(words) > 1 and words[-1] == "THE":
        words = ["THE", *words[:-1]]
    return " ".join(words) or None


def _display_person(first: str, last: str) -> str:
    return " ".join(p for p in (case_name(first), case_name(last)) if p)


@transform("company_name", outputs=["company", "licensee_name", "operator", "company_std"])
def company_name(value: Any) -> Parsed:
    """Business vs licensed person: ``BRIGGS, DASHESHIA DBA X, LLC`` → (X, LLC; Dasheshia Briggs; …)."""
    text = clean_company(value)
    if text is None:
        return Parsed((None, None, None, None))
    parts = _DBA.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        owner, business = clean_company(parts[0]), clean_company(parts[1])
        person = _looks_like_person(owner, require_comma=False) if owner else None
        if person:
            licensee = _display_person(*person)
            return Parsed((business, licensee, licensee, company_key(business)))
        return Parsed((business, None, owner, company_key(business)))
    person = _looks_like_person(text, require_comma=True)
    if person:
        licensee = _display_person(*person)
        return Parsed((text, licensee, licensee, company_key(text)))
    return Parsed((text, None, None, company_key(text)))


def _name_key(text: str | None) -> tuple[str, ...]:
    return tuple(w.upper().strip(".") for w in (text or "").replace(",", " ").split())


@transform("licensee_if_contact", outputs=["licensee_name", "operator"], n_inputs=2)
def licensee_if_contact(name: Any, contact: Any) -> Parsed:
    """(registry name, contact name) → the licensed person when the name *is* the contact person.

    Nevada lists a family-care home under its owner's name (``CHARLENE RATH``) with the same person
    as primary contact (``CHARLENE RATH``, Owner). ``company_name`` never calls a comma-less name a
    person (probablepeople calls ``Precious Cargo`` one); the matching contact is the evidence it
    lacks. Anything else → (None, None), so a mapping can list this after ``company_name`` and the
    normalize stage keeps ``company_name``'s licensee where it found one.
    """
    text = clean_company(name)
    if text is None or _DBA.search(f" {text} ") or _BUSINESS_WORDS.search(text) or _AND.search(text):
        return Parsed((None, None))
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD.match(w) for w in words):
        return Parsed((None, None))
    (first, last, _title), problems = parse_contact(contact)
    if not first or not last or problems:
        return Parsed((None, None))
    person_key = _name_key(f"{first} {last}")
    if _name_key(text) in (person_key, _name_key(f"{last} {first}")):
        licensee = _display_person(first, last)
        return Parsed((licensee, licensee))
    return Parsed((None, None))
