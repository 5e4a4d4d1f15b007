"""Company names: the business told from the licensed person, and the company matching key.

Why: a registry's name column holds a business (``Precious Cargo``), a person who holds the license
(``HELLSTROM, ELIZABETH``, an Oklahoma family home) or both (``BRIGGS, DASHESHIA DBA DEELIGHTFUL
LEARNING STATION, LLC``); the leads table keeps the display name, the licensee and a matching key.
Whether a text names one person is ``people.looks_like_person``; the legal suffixes and business
words are ``vocab.py``.

Rules (``company_name`` → company, licensee_name, operator, company_std):

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
- wrapper punctuation around the whole value (``\\St. Joseph Daycare Ministry\\``, ``*Kids Place*``,
  an unbalanced leading quote) is dropped and doubled spaces collapsed (``text.strip_wrappers``);
- a mis-quoted name (Texas ``K" Street Learning Center LLC"``) loses its stray quotes; a quoted
  word (``"K" Street``) is kept.
- company keeps the registry's casing (trimmed, spaces around commas fixed); company_std is the
  matching key: upper case, ``&`` → ``AND``, punctuation removed, legal suffixes folded
  (``L.L.C.`` → ``LLC``, ``Incorporated`` → ``INC``, ``Corporation`` → ``CORP``, ``Company`` → ``CO``,
  ``Limited`` → ``LTD``) and a trailing ``, The`` moved to the front.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text
from etl_assets.transforms.casing import case_name
from etl_assets.transforms.people import NAME_WORD, PEOPLE_JOINER, looks_like_person, parse_contact
from etl_assets.transforms.registry import Parsed, transform
from etl_assets.transforms.text import strip_wrappers
from etl_assets.transforms.vocab import BUSINESS_WORDS, LEGAL_SUFFIXES

_DBA = re.compile(r"\s+(?:D\s*/\s*B\s*/\s*A|D\.\s*B\.\s*A\.?|DBA|DOING\s+BUSINESS\s+AS|A\.?K\.?A\.?)\s+", re.IGNORECASE)


def clean_company(value: Any) -> str | None:
    """The display company name: registry casing, white space collapsed, ``X ,LLC`` → ``X, LLC``,
    the delivery's wrapper punctuation (``\\St. Joseph Daycare\\``) dropped (``text.strip_wrappers``)."""
    text = strip_wrappers(as_text(value))
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
        folded = LEGAL_SUFFIXES.get(word)
        if folded is None:
            bare = re.sub(r"[.'’`]", "", word)
            folded = LEGAL_SUFFIXES.get(bare, bare)
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
        person = looks_like_person(owner, require_comma=False) if owner else None
        if person:
            licensee = _display_person(*person)
            return Parsed((business, licensee, licensee, company_key(business)))
        return Parsed((business, None, owner, company_key(business)))
    person = looks_like_person(text, require_comma=True)
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
    if text is None or _DBA.search(f" {text} ") or BUSINESS_WORDS.search(text) or PEOPLE_JOINER.search(text):
        return Parsed((None, None))
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 4 or not all(NAME_WORD.match(w) for w in words):
        return Parsed((None, None))
    (first, last, _title), problems = parse_contact(contact)
    if not first or not last or problems:
        return Parsed((None, None))
    person_key = _name_key(f"{first} {last}")
    if _name_key(text) in (person_key, _name_key(f"{last} {first}")):
        licensee = _display_person(first, last)
        return Parsed((licensee, licensee))
    return Parsed((None, None))


@transform("operator_name", outputs=["operator"])
def operator_name(value: Any) -> Parsed:
    """The operating organisation from its own column (``Permit Holder``, ``ApplicantName``), cleaned as a company name."""
    return Parsed((clean_company(value),))
