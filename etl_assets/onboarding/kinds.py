"""The kinds of leads value a sample column can be, and how a header names them.

Why its own module: the synonym table (``Phone#``, ``Telephone``, ``Contact Phone`` → phone) is
the part of onboarding that grows with every new registry; ``propose.py`` weighs a column's
``header_similarity`` against its sniffed values (``sniff.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz


@dataclass(frozen=True)
class Kind:
    name: str
    to: tuple[str, ...]
    transform: str
    synonyms: tuple[str, ...]
    value: str | None = None  # the sniffer share that supports this kind
    value_only: float | None = None  # share from which the values alone are enough (no header)


def _k(name, to, transform, synonyms, value=None, value_only=None) -> Kind:
    to = (to,) if isinstance(to, str) else tuple(to)
    return Kind(name, to, transform, tuple(synonyms), value, value_only)


KINDS: tuple[Kind, ...] = (
    _k("company", ["company", "licensee_name", "operator", "company_std"], "company_name",
       ["facility name", "operation name", "provider", "provider name", "program name", "business name", "center name",
        "name", "company", "facility", "dba", "dba name", "operation caregiver name", "site name", "organization",
        "organization name", "legal name", "child care name", "operation", "program", "display name",
        "provider display name"], "company", 0.5),
    _k("contact_name", ["first_name", "last_name"], "person_name",
       ["contact", "contact name", "primary contact", "primary contact name", "director", "director name", "owner",
        "owner name", "caregiver", "primary caregiver", "administrator", "contact person"], "person", 0.6),
    _k("first_name", "first_name", "given_name", ["first name", "contact first name", "given name"]),
    _k("last_name", "last_name", "name_case", ["last name", "contact last name", "surname", "family name"]),
    _k("title", "title", "text", ["title", "role", "contact role", "primary contact role", "position", "contact title"]),
    _k("license_number", "license_number", "license_number",
       ["license number", "license", "license no", "credential number", "license id", "permit number",
        "certificate number", "license num", "credential"], "id", 0.9),
    _k("license_type_and_number", ["license_type", "license_number"], "license_type_and_number",
       ["type license", "license type and number", "license", "license type", "credential", "license number",
        "license type number", "permit"], "type_and_number", 0.8),
    _k("provider_id", "provider_id", "text",
       ["operation number", "operation id", "facility id", "provider id", "id", "site id", "program id",
        "facility number", "provider number", "operation", "provider uid", "uid", "provider key", "record id"], "id"),
    _k("operator", "operator", "operator_name",
       ["operator", "operator name", "permit holder", "permittee", "applicant", "applicant name", "licensee",
        "licensee name", "license holder", "owner organization", "sponsor", "sponsor name", "legal entity",
        "legal entity name", "operating organization", "agency name"]),
    _k("license_type", "license_type", "text",
       ["license type", "credential type", "type", "permit type", "care type", "license category"]),
    _k("facility_type", "facility_type", "text",
       ["facility type", "operation type", "program type", "provider type", "site type", "facility type description",
        "provider type description", "type of care", "care setting"]),
    _k("license_status", "license_status", "text",
       ["status", "license status", "credential status", "permit status", "facility status", "provider status",
        "site status", "program status", "operating status", "status description", "current status"]),
    _k("phone", "phone", "phone_e164",
       ["phone", "phone number", "telephone", "contact phone", "tel", "telephone number", "primary phone",
        "facility phone", "business phone", "phone 1"], "phone", 0.8),
    _k("phone2", "phone2", "phone_e164",
       ["mobile phone", "cell", "cell phone", "alternate phone", "secondary phone", "mobile", "phone 2"], "phone"),
    _k("email", "email", "email", ["email", "email address", "contact email", "emails"], "email", 0.8),
    _k("website", "website_address", "text", ["website", "web site", "url", "web address", "homepage"], "url", 0.8),
    _k("one_line_address", ["address1", "city", "state", "zip"], "us_address_one_line",
       ["address", "full address", "location", "site address", "facility address", "physical address",
        "location address", "street address"], "one_line_address", 0.8),
    _k("address1", "address1", "street_address",
       ["address", "street", "street address", "address1", "address line 1", "physical address", "site address",
        "location address", "facility address", "mailing address"], "street", 0.9),
    _k("address2", "address2", "street_address", ["address2", "address line 2", "suite", "unit", "apt"]),
    _k("city", "city", "name_case",
       ["city", "town", "municipality", "physical city", "site city", "borough", "boro", "borough name"]),
    _k("county", "county", "name_case", ["county", "county name", "parish"]),
    _k("state", "state", "state_code", ["state", "st", "state code", "province"], "state", 0.9),
    _k("zip", "zip", "zip5", ["zip", "zip code", "postal code", "zipcode", "postal", "zip5"], "zip", 0.9),
    _k("capacity", "capacity", "capacity",
       ["capacity", "licensed capacity", "total capacity", "total cap", "max capacity", "slots", "licensed slots",
        "maximum capacity"], "integer"),
    _k("license_issued", "license_issued", "date",
       ["issue date", "issued", "date issued", "first issue date", "license date", "date licensed", "licensed since",
        "effective date", "original issue date", "license issued", "issued on", "monitoring since",
        "license monitoring since", "licensed on"], "date"),
    _k("certificate_expiration_date", "certificate_expiration_date", "date",
       ["expiration date", "expires", "expiry", "expiration", "exp date", "expires on", "valid until", "expiry date",
        "license expiration"], "date"),
    _k("license_renewed", "license_renewed", "date", ["renewal date", "renewed", "last renewed", "renewed on"], "date"),
    _k("accepts_financial_aid", "accepts_financial_aid", "yes_no",
       ["accepts subsidy", "subsidy", "financial aid", "accepts ccap", "ccdf", "subsidy accepted",
        "currently accepts subsidy", "accepts subsidies", "accepts child care subsidy", "subsidy provider",
        "subsidy participation", "accepts vouchers", "ccap provider", "accepts state subsidy"], "yes_no"),
    _k("ages", ["ages_served", "min_age", "max_age"], "age_range",
       ["ages served", "age range", "ages", "age group", "age groups", "ages licensed", "licensed ages",
        "age groups served", "ages of children", "age range served", "capacity by age"], "ages", 0.8),
    _k("schedule", "schedule", "hours_and_days",
       ["hours", "hours of operation", "operating hours", "open hours", "schedule", "hours open", "business hours",
        "operation hours", "days and hours", "hours and days"], "hours", 0.8),
    _k("language", "language", "text", ["language", "languages", "languages spoken"]),
    _k("curriculum_type", "curriculum_type", "text", ["curriculum", "curriculum type"]),
)  # fmt: skip
KIND_BY_NAME = {k.name: k for k in KINDS}
_WORDS = {"no": "number", "num": "number", "nbr": "number", "lic": "license", "e mail": "email", "tel": "telephone",
          "addr": "address", "exp": "expiration", "st": "state"}  # fmt: skip


def normalize_header(text: str) -> str:
    """camelCase and ``_`` split, lower case, ``#`` → number, punctuation → space, a few abbreviations spelled out."""
    t = re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", text)  # ProviderStatus, Currently_Accepts_Subsidy
    t = t.lower().replace("#", " number ").replace("&", " and ")
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    words = t.split()
    return " ".join(_WORDS.get(w, w) for w in words)


_NORMALIZED_SYNONYMS = {k.name: [normalize_header(s) for s in k.synonyms] for k in KINDS}


def header_similarity(header: str, kind: Kind, learned: tuple[str, ...] = ()) -> tuple[float, str]:
    """(0..1, the closest synonym) between a header and a kind's synonyms (plus ``learned`` headers)."""
    h = normalize_header(header)
    if not h:
        return 0.0, ""
    best, best_syn = 0.0, ""
    pairs = [*zip(_NORMALIZED_SYNONYMS[kind.name], kind.synonyms), *((normalize_header(x), x) for x in learned)]
    for syn, raw in pairs:
        score = max(fuzz.ratio(h, syn), fuzz.token_sort_ratio(h, syn))
        if score > best:
            best, best_syn = score, raw
    return best / 100, best_syn
