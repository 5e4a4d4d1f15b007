"""Ages served: registry labels or Y/N columns → ``ages_served`` + ``min_age``/``max_age`` in months.

Why: every registry describes ages differently (Oklahoma: ``Infants (0-11 months)`` labels in four
columns; Texas: ``Infant``/``Toddler``/``Preschool``/``School`` Y/N columns). The warehouse keeps one
vocabulary and one unit.

Vocabulary, always in this order and ``|``-joined: ``infant|toddler|preschool|school_age`` (``age_groups.py``, shared with ``flags.py``).
Each term has fixed bounds in months, used for ``min_age``/``max_age`` whatever the source says:

====================  =======  ======================================================
term                  months   note
====================  =======  ======================================================
infant                0-11
toddler               12-23
preschool             24-59    up to the 5th birthday (Oklahoma's label says 24-48)
school_age            60-155   from 5 years to the 12th birthday, 12 years = 155 months
                               (the usual upper age for subsidised school-age care)
====================  =======  ======================================================

``min_age`` is the lowest bound of the terms served and ``max_age`` the highest, even when the
terms are not contiguous (infant + school_age → 0..155).

Labels are recognised by pattern, not by position: Oklahoma's trailing columns ``School Year Only``
and ``Evening Hours`` are shifted and sometimes hold an age label (``Preschool (24-48 months; 2-4
yrs.)``), so ``ages_from_labels`` takes any number of columns, honours an age label wherever it is,
silently skips Oklahoma's program phrases (``Year Round``, ``Accepts Subsidy``, ``Daytime Hours``,
``School Year Only``, ``Evening Hours``, ``Subsidy Contract Number: …``) and flags any other value.
"""

from __future__ import annotations

from typing import Any

from etl_assets.transforms._common import as_text, join_flags, quote
from etl_assets.transforms.age_groups import AGE_TERMS, age_terms
from etl_assets.transforms.flags import is_program_value, parse_yes_no
from etl_assets.transforms.registry import Parsed, transform


def ages_result(terms: set[str]) -> tuple[str | None, int | None, int | None]:
    """(ages_served, min_age, max_age) for a set of vocabulary terms."""
    ordered = [t for t in AGE_TERMS if t in terms]
    if not ordered:
        return None, None, None
    return "|".join(ordered), min(AGE_TERMS[t][0] for t in ordered), max(AGE_TERMS[t][1] for t in ordered)


@transform("ages_from_labels", outputs=["ages_served", "min_age", "max_age"], n_inputs=None)
def ages_from_labels(*values: Any) -> Parsed:
    """Age-group labels found in any of the given columns → ages_served, min_age, max_age (months)."""
    terms: set[str] = set()
    unknown: list[str] = []
    for value in values:
        text = as_text(value)
        if text is None:
            continue
        found = age_terms(text)
        if found:
            terms |= found
        elif not is_program_value(text):
            unknown.append(text)
    flag = join_flags(*(f"ages: unknown label {quote(u)}" for u in unknown))
    return Parsed(ages_result(terms), flag=flag)


@transform("ages_from_flags", outputs=["ages_served", "min_age", "max_age"], n_inputs=4)
def ages_from_flags(infant: Any, toddler: Any, preschool: Any, school: Any) -> Parsed:
    """Four Y/N columns (Infant, Toddler, Preschool, School, in that order) → ages_served, min_age, max_age."""
    terms: set[str] = set()
    problems: list[str] = []
    seen_any = False
    for term, value in zip(AGE_TERMS, (infant, toddler, preschool, school)):
        answer, problem = parse_yes_no(value)
        if problem:
            problems.append(f"ages: {term} {problem}")
        if answer is not None:
            seen_any = True
        if answer:
            terms.add(term)
    if seen_any and not terms:
        problems.append("ages: no age group marked")
    return Parsed(ages_result(terms), flag=join_flags(*problems))
