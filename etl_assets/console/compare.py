"""A queued pair, field by field: what agreed and what did not (what the reviewer decides on).

The verdicts are the console's reading of the two records, not the matcher's: the matcher's own
account of the pair is ``evidence`` and the match weight, shown beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

NAME_AGREES = 85  # token-set similarity (0-100) from which two names read as one


@dataclass(frozen=True)
class Field:
    label: str
    left: str | None
    right: str | None
    verdict: str  # agree | differ | missing
    detail: str = ""


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _same(label: str, left: object, right: object, fold=str.lower) -> Field:
    a, b = _text(left), _text(right)
    if a is None or b is None:
        return Field(label, a, b, "missing")
    return Field(label, a, b, "agree" if fold(a) == fold(b) else "differ")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def fields(pair: dict) -> list[Field]:
    """Name (with its similarity score), address, city / zip, phone, email, license of both records."""
    a, b = _text(pair.get("company_l")), _text(pair.get("company_r"))
    if a is None or b is None:
        name = Field("name", a, b, "missing")
    else:
        score = round(fuzz.token_set_ratio(a.lower(), b.lower()))
        name = Field("name", a, b, "agree" if score >= NAME_AGREES else "differ", f"similarity {score}")
    place = [_same("address", pair.get("address_std_l"), pair.get("address_std_r")),
             _same("city", pair.get("city_l"), pair.get("city_r")),
             _same("zip", pair.get("zip_l"), pair.get("zip_r"), fold=lambda z: z[:5])]
    return [name, *place,
            _same("phone", pair.get("phone_l"), pair.get("phone_r"), fold=_digits),
            _same("email", pair.get("email_l"), pair.get("email_r")),
            _same("license", pair.get("license_number_l"), pair.get("license_number_r"), fold=lambda s: s.upper())]
