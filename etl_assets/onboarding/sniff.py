"""Value sniffers: what a sample column's values look like, as shares of its non-empty values.

Pure functions over lists of text. Each sniffer answers the share (0..1) of the distinct non-empty
values of a column that look like one kind of value: phones, e-mails, ZIP codes, 2-letter state
codes, dates (with the one strptime format that reads them all), Y/N flags, capacity integers,
one-line addresses (``..., ST 12345``), street lines, person names, company names, identifiers,
web addresses, ages served (``6 WKS To 13 YRS``, ``Infant (7); Toddler (10)``), opening hours
(``0600 To 1800``) and days (``MTWTHF``); ``few_distinct`` says when a column's cardinality rules
out a name. ``propose.py`` combines these with header similarity (``kinds.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from etl_assets.transforms import people
from etl_assets.transforms.age_ranges import looks_like_ages
from etl_assets.transforms.hours import looks_like_days, looks_like_hours
from etl_assets.transforms.dates import parse_date, year_twin
from etl_assets.transforms.licenses import is_type_and_number
from etl_assets.transforms.vocab import BUSINESS_WORDS, NO_WORDS, US_STATES, YES_WORDS

_PHONE = re.compile(r"^\+?1?[\s.\-]?\(?[2-9]\d{2}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}(?:\s*(?:x|ext\.?)\s*\d+)?$", re.I)
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[a-z]{2,}$", re.I)
_ZIP = re.compile(r"^\d{5}(?:-?\d{4})?$")
_YES_NO = (YES_WORDS | NO_WORDS) - {"1", "0"}  # 1/0 columns are counts more often than flags
_INTEGER = re.compile(r"^\d{1,4}$")
_ONE_LINE = re.compile(r"^\d*.+?,?\s+[A-Z]{2}\s+\d{5}(?:-?\d{4})?$", re.I)
_STREET = re.compile(r"^\d+[A-Z]?(?:-\d+)?\s+\S+", re.I)
_URL = re.compile(r"^(?:https?://|www\.)\S+$|^[a-z0-9-]+\.(?:com|org|net|edu|us|gov)(?:/\S*)?$", re.I)
_ID = re.compile(r"^[A-Z]{0,4}[-#]?\d[\dA-Z\-./]{2,19}$", re.I)
_OPAQUE_ID = re.compile(r"^[A-Z]{0,4}[_-]?(?=[0-9A-F]*\d)[0-9A-F]{6,40}$|^[0-9A-F]{8}(?:-[0-9A-F]{4}){3}-[0-9A-F]{12}$", re.I)

# strptime formats tried on date-looking columns, in order of preference (US first: a column that
# both %m/%d/%Y and %d/%m/%Y read entirely is taken as US and reported as ambiguous).
DATE_FORMATS = (
    "%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y", "%Y/%m/%d", "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%B %d, %Y",
    "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%Y%m%d",
)  # fmt: skip
_DATE_HINT = re.compile(r"\d{1,4}[/\-. ](?:\d{1,2}|[A-Za-z]{3,9})[/\-. ,]+\d{2,4}|[A-Za-z]{3,9} \d{1,2}, \d{4}|^\d{8}$")

MAX_SAMPLE = 2000  # distinct values looked at per column
FEW_DISTINCT = 0.2  # at most this share of distinct values (and at least 5 values): a type, not a name


@dataclass
class DateGuess:
    formats: list[str]  # the format reading every value (plus its year twin when both widths occur)
    share: float  # share of distinct values read
    ambiguous_with: str | None = None  # another format reading every value differently
    future_share: float = 0.0  # share of dates after today (expiration dates are mostly in the future)
    median: dt.date | None = None


@dataclass
class Sniffed:
    """Shares of distinct non-empty values per kind, for one column."""

    n_values: int  # non-empty values
    n_distinct: int
    unique: bool  # every non-empty value distinct
    filled: float  # share of rows with a value
    shares: dict[str, float] = field(default_factory=dict)
    date: DateGuess | None = None
    examples: list[str] = field(default_factory=list)

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)


def few_distinct(s: Sniffed) -> bool:
    """A handful of values over many records (``Child Care Center`` x 900): a type, kind or
    status, never a business or person name, which are mostly distinct."""
    return s.n_values >= 5 and s.n_distinct <= max(2, FEW_DISTINCT * s.n_values)


def _share(values: Sequence[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def is_phone(v: str) -> bool:
    return bool(_PHONE.match(v.strip()))


def is_date(v: str) -> bool:
    return bool(_DATE_HINT.search(v)) and any(parse_date(v, [f]) for f in DATE_FORMATS)


def is_zip(v: str) -> bool:
    return bool(_ZIP.match(v.strip()))


def is_one_line_address(v: str) -> bool:
    return "," in v and bool(_ONE_LINE.match(v.strip()))


def guess_date_format(values: Sequence[str], today: dt.date | None = None) -> DateGuess | None:
    """The strptime format reading every value (a %Y format never reads a 2-digit year; when both
    widths occur the format and its %y twin are returned); None when no format reads most values."""
    if not values:
        return None
    today = today or dt.date.today()
    results: list[tuple[int, int, list[str], dict[str, dt.date]]] = []
    for rank, fmt in enumerate(DATE_FORMATS):
        members = [fmt] + ([year_twin(fmt)] if year_twin(fmt) else [])
        got: dict[str, dt.date] = {}
        used: dict[str, int] = {}
        for v in values:
            for m in members:
                d = parse_date(v, [m])
                if d is not None:
                    got[v] = d
                    used[m] = used.get(m, 0) + 1
                    break
        if got:
            chosen = sorted(used, key=lambda m: -used[m])
            results.append((len(got), -rank, chosen, got))
    if not results:
        return None
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    n, _, formats, got = results[0]
    share = n / len(values)
    if share < 0.5:
        return None
    ambiguous = next(
        (r[2][0] for r in results[1:] if r[0] == n and any(r[3].get(v) != d for v, d in got.items())), None
    )
    future = sum(1 for d in got.values() if d > today) / len(got)
    median = sorted(got.values())[len(got) // 2]
    return DateGuess(formats=formats, share=share, ambiguous_with=ambiguous, future_share=future, median=median)


def looks_like_person(v: str) -> bool:
    return people.looks_like_person(" ".join(v.split()), require_comma=False) is not None


_NOT_WORDS = re.compile(r"[#0-9!@]")


def looks_like_company(v: str) -> bool:
    """A business word (ACADEMY, LEARNING, LLC ...) in a text that is not an e-mail, phone, date or address."""
    if _EMAIL.match(v) or is_phone(v) or is_one_line_address(v) or _STREET.match(v):
        return False
    return bool(BUSINESS_WORDS.search(_NOT_WORDS.sub(" ", v)))


def sniff(values: Sequence[str | None]) -> Sniffed:
    """Shares per kind over the column's distinct non-empty values (at most MAX_SAMPLE of them)."""
    present = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    distinct = list(dict.fromkeys(present))
    sample = distinct[:MAX_SAMPLE]
    result = Sniffed(
        n_values=len(present),
        n_distinct=len(distinct),
        unique=len(distinct) == len(present) and bool(present),
        filled=len(present) / len(values) if values else 0.0,
        examples=sample[:3],
    )
    if not sample:
        return result
    upper = [v.upper() for v in sample]
    result.shares = {
        "phone": _share(sample, is_phone),
        "email": _share(sample, lambda v: bool(_EMAIL.match(v))),
        "zip": _share(sample, is_zip),
        "state": _share(upper, lambda v: v in US_STATES),
        "yes_no": _share(upper, lambda v: v in _YES_NO),
        "integer": _share(sample, lambda v: bool(_INTEGER.match(v))),
        "one_line_address": _share(sample, is_one_line_address),
        "street": _share(sample, lambda v: bool(_STREET.match(v)) and not is_one_line_address(v)),
        "url": _share(sample, lambda v: bool(_URL.match(v))),
        "id": _share(sample, lambda v: bool(_ID.match(v) or _OPAQUE_ID.match(v))),
        "company": _share(sample, looks_like_company),
        "type_and_number": _share(sample, is_type_and_number),
        "ages": _share(sample[:300], looks_like_ages),
        "hours": _share(sample[:300], looks_like_hours),
        "days": _share(sample[:300], looks_like_days),
    }
    if _share(sample, lambda v: bool(_DATE_HINT.search(v))) >= 0.5:
        result.date = guess_date_format(sample)
        result.shares["date"] = result.date.share if result.date else 0.0
    if result.shares["company"] < 0.5 and max(result.shares.values()) < 0.5:
        result.shares["person"] = _share(sample[:300], looks_like_person)
    return result
