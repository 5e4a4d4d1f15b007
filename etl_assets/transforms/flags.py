"""Booleans: Y/N-style columns, subsidy acceptance and Oklahoma's program phrases.

Why: registries encode booleans as ``Y``/``N``, ``TRUE``/``FALSE``, ``Yes``/``No`` or as the
presence of a phrase (Oklahoma writes ``Accepts Subsidy`` or leaves the cell empty). The warehouse
wants ``bool`` or null.

Oklahoma's trailing columns are shifted: ``School Year Only`` and ``Evening Hours`` hold values such
as ``Year Round``, ``Accepts Subsidy``, ``Daytime Hours`` or an age label. Values are therefore
classified **by their pattern, not by their column**: ``oklahoma_program_flags`` reads all of
``Accepts Subsidy, Year Round, Daytime Hours, School Year Only, Evening Hours, Subsidy Contract Number``
(any order, any number of columns) and answers ``accepts_financial_aid``:

- True  when ``Accepts Subsidy`` appears in any column, or a contract number is given
  (``Subsidy Contract Number: 59884``);
- False when at least one column has a value but none of the above (e.g. ``Subsidy Contract Number: N/A``);
- None  when every column is empty (e.g. Oklahoma's short rows).

Age labels found there are left to ``ages_from_labels``; any other value is flagged.
The other program phrases (year round, daytime/evening hours, school year only) have no leads column
yet; ``program_attributes`` extracts them for when one is added.
"""

from __future__ import annotations

import re
from typing import Any

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.age_groups import age_terms
from etl_assets.transforms.registry import Parsed, transform
from etl_assets.transforms.vocab import NO_WORDS, YES_WORDS


# Oklahoma's program phrases, by canonical attribute name.
_PROGRAM_PHRASES: dict[str, re.Pattern[str]] = {
    "accepts_subsidy": re.compile(r"^accepts?\s+subsid(?:y|ies)$", re.IGNORECASE),
    "no_subsidy": re.compile(r"^(?:does\s+not|doesn't|no)\s+accepts?\s+subsid(?:y|ies)$", re.IGNORECASE),
    "year_round": re.compile(r"^year[\s-]+round$", re.IGNORECASE),
    "school_year_only": re.compile(r"^school\s+year\s+only$", re.IGNORECASE),
    "daytime_hours": re.compile(r"^day\s*time\s+hours$", re.IGNORECASE),
    "evening_hours": re.compile(r"^evening\s+hours$", re.IGNORECASE),
}
_CONTRACT = re.compile(r"^(?:subsidy\s+)?contract\s*(?:number|no\.?|#)?\s*:?\s*(?P<number>.*)$", re.IGNORECASE)
_BARE_CONTRACT = re.compile(r"^#?\s*(?P<number>[A-Z0-9][A-Z0-9-]*|N/A|N\.A\.)$", re.IGNORECASE)
_NO_CONTRACT = frozenset({"", "N/A", "NA", "N.A.", "NONE", "-", "0", "NULL"})


def parse_yes_no(value: Any) -> tuple[bool | None, str | None]:
    """(bool, problem) for Y/N/TRUE/FALSE/Yes/No/1/0; empty → (None, None); other → (None, problem)."""
    text = as_text(value)
    if text is None:
        return None, None
    key = text.upper().rstrip(".")
    if key in YES_WORDS:
        return True, None
    if key in NO_WORDS:
        return False, None
    return None, f"not a yes/no value {quote(text)}"


def subsidy_contract(value: Any, bare_ok: bool = False) -> tuple[bool, str | None] | None:
    """``Subsidy Contract Number: 59884`` → (True, '59884'); ``…: N/A`` → (False, None); other text → None.

    With ``bare_ok`` (the cell is known to be the contract column) ``59884`` and ``N/A`` alone count too.
    """
    text = as_text(value)
    if text is None:
        return None
    match = _CONTRACT.match(text) or (_BARE_CONTRACT.match(text) if bare_ok else None)
    if not match:
        return None
    number = match.group("number").strip()
    if number.upper() in _NO_CONTRACT:
        return False, None
    return True, number


def program_phrase(value: Any) -> str | None:
    """The canonical name of an Oklahoma program phrase (``Year Round`` → 'year_round'), else None."""
    text = as_text(value)
    if text is None:
        return None
    for name, pattern in _PROGRAM_PHRASES.items():
        if pattern.match(text):
            return name
    return None


def is_program_value(value: Any) -> bool:
    """True for a program phrase or a subsidy-contract cell (values the ages transform may skip)."""
    return program_phrase(value) is not None or subsidy_contract(value) is not None


def program_attributes(*values: Any) -> tuple[dict[str, bool | None], list[str]]:
    """Classify Oklahoma's program columns by pattern → ({attribute: bool|None}, unknown values)."""
    found: set[str] = set()
    contract: bool | None = None
    unknown: list[str] = []
    any_value = False
    for value in values:
        text = as_text(value)
        if text is None:
            continue
        any_value = True
        phrase = program_phrase(text)
        if phrase:
            found.add(phrase)
            continue
        has_contract = subsidy_contract(text)
        if has_contract is not None:
            contract = has_contract[0] if contract is None else (contract or has_contract[0])
            continue
        if not age_terms(text):
            unknown.append(text)
    names = ("year_round", "school_year_only", "daytime_hours", "evening_hours")
    result: dict[str, bool | None] = {n: (n in found) if any_value else None for n in names}
    if not any_value:
        result["accepts_financial_aid"] = None
    elif "no_subsidy" in found and "accepts_subsidy" not in found and not contract:
        result["accepts_financial_aid"] = False
    else:
        result["accepts_financial_aid"] = "accepts_subsidy" in found or bool(contract)
    return result, unknown


@transform("yes_no", outputs=["value"])
def yes_no(value: Any) -> Parsed:
    """Y/N, Yes/No, TRUE/FALSE, 1/0 → bool; empty → null; anything else → null + flag."""
    answer, problem = parse_yes_no(value)
    return Parsed((answer,), flag=f"yes_no: {problem}" if problem else None)


@transform("accepts_subsidy", outputs=["accepts_financial_aid"], n_inputs=2)
def accepts_subsidy(flag_text: Any, contract_text: Any) -> Parsed:
    """(``Accepts Subsidy`` flag text, ``Subsidy Contract Number: …``) → accepts_financial_aid.

    True when the flag says so or a contract number is given; False when the flag says no or the
    contract is ``N/A`` (an empty flag cell next to ``N/A`` is Oklahoma's "does not accept");
    None when neither input says anything.
    """
    text = as_text(flag_text)
    problems: list[str] = []
    stated: bool | None = None
    if text is not None:
        phrase = program_phrase(text)
        if phrase == "accepts_subsidy":
            stated = True
        elif phrase == "no_subsidy":
            stated = False
        else:
            stated, problem = parse_yes_no(text)
            if problem:
                problems.append(f"subsidy: {problem}")
    contract = subsidy_contract(contract_text, bare_ok=True)
    if contract is None and as_text(contract_text) is not None:
        problems.append(f"subsidy: unrecognised contract value {quote(as_text(contract_text))}")
    has_contract = contract[0] if contract else None
    answer: bool | None
    if stated is True or has_contract is True:
        answer = True
        if stated is False:
            problems.append("subsidy: says no subsidy but gives a contract number")
        elif stated is None:
            problems.append("subsidy: contract number without 'Accepts Subsidy'")
    elif stated is False or has_contract is False:
        answer = False
    else:
        answer = None
    return Parsed((answer,), flag=join_flags(*problems))


@transform("oklahoma_program_flags", outputs=["accepts_financial_aid"], n_inputs=None)
def oklahoma_program_flags(*values: Any) -> Parsed:
    """Oklahoma's shifted program columns, classified by pattern → accepts_financial_aid."""
    attributes, unknown = program_attributes(*values)
    flag = join_flags(*(f"program: unknown value {quote(u)}" for u in unknown))
    return Parsed((attributes["accepts_financial_aid"],), flag=flag)
