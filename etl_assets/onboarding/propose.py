"""Propose a mapping YAML for a new source from one sample delivery (``etl-assets propose-mapping``).

Pure functions: a sample (bytes) in, a ``Proposal`` out, rendered as a ``mappings/<source>.yaml``
in the project's format. Each source column is matched to a kind of leads value (phone, company,
license number, issue date ...) by two kinds of evidence:

- its header, compared with a synonym table (rapidfuzz ratio on normalized names: ``Phone#``,
  ``Telephone``, ``Contact Phone`` → phone; ``Lic #`` → license number);
- its values (``sniff.py``): phones, e-mails, ZIPs, state codes, dates and their strptime format,
  Y/N flags, small integers, one-line addresses, street lines, person vs company names, ids.

confidence = 0.6 x header similarity + 0.4 x value agreement when the header matches (>= 0.8);
0.5 + 0.3 x value share when only the values speak (files without a header row). Value agreement
is the sniffed share for value kinds, 0.5 + half the company-like share for company names, and a
neutral 0.5 for plain text kinds (0 when the values are clearly phones, dates ...). Columns are
assigned best first, one column per kind; the rest are listed as unmatched (they stay in
``_extras``). The record key is the license number, else the provider id, else an id-like unique
column. Nothing here writes files or talks to S3; the CLI does.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import yaml
from rapidfuzz import fuzz

from etl_assets.ingest.read import ReadResult, choose_encoding, read_delivery
from etl_assets.onboarding.sniff import Sniffed, is_date, is_one_line_address, is_phone, is_zip, sniff
from etl_assets.sources.spec import ReadOptions

HEADER_MATCH = 0.8  # header similarity (0..1) from which the header counts as evidence
ACCEPT = 0.6  # minimum confidence to map a column


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
        "organization name", "legal name", "child care name", "operation"], "company", 0.5),
    _k("contact_name", ["first_name", "last_name"], "person_name",
       ["contact", "contact name", "primary contact", "primary contact name", "director", "director name", "owner",
        "owner name", "caregiver", "primary caregiver", "administrator", "contact person"], "person", 0.6),
    _k("first_name", "first_name", "given_name", ["first name", "contact first name", "given name"]),
    _k("last_name", "last_name", "name_case", ["last name", "contact last name", "surname", "family name"]),
    _k("title", "title", "text", ["title", "role", "contact role", "primary contact role", "position", "contact title"]),
    _k("license_number", "license_number", "license_number",
       ["license number", "license", "license no", "credential number", "license id", "permit number",
        "certificate number", "license num", "credential"], "id", 0.9),
    _k("provider_id", "provider_id", "text",
       ["operation number", "operation id", "facility id", "provider id", "id", "site id", "program id",
        "facility number", "provider number", "operation"], "id"),
    _k("license_type", "license_type", "text",
       ["license type", "credential type", "type", "permit type", "care type", "license category"]),
    _k("facility_type", "facility_type", "text", ["facility type", "operation type", "program type", "provider type"]),
    _k("license_status", "license_status", "text", ["status", "license status", "credential status", "permit status"]),
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
    _k("city", "city", "name_case", ["city", "town", "municipality", "physical city", "site city"]),
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
       ["accepts subsidy", "subsidy", "financial aid", "accepts ccap", "ccdf", "subsidy accepted"], "yes_no"),
    _k("language", "language", "text", ["language", "languages", "languages spoken"]),
    _k("curriculum_type", "curriculum_type", "text", ["curriculum", "curriculum type"]),
)  # fmt: skip
KIND_BY_NAME = {k.name: k for k in KINDS}
_AGE_FLAGS = {"infant": "infant", "infants": "infant", "toddler": "toddler", "toddlers": "toddler",
              "preschool": "preschool", "pre school": "preschool", "school": "school", "school age": "school"}  # fmt: skip
_STRONG_VALUES = ("phone", "email", "zip", "date", "one_line_address", "url", "yes_no")
_WORDS = {"no": "number", "num": "number", "nbr": "number", "lic": "license", "e mail": "email", "tel": "telephone",
          "addr": "address", "exp": "expiration", "st": "state"}  # fmt: skip


class ProposalError(ValueError):
    """The sample cannot be turned into a usable mapping (e.g. no record key found)."""


def normalize_header(text: str) -> str:
    """Lower case, ``#`` → number, punctuation → space, a few abbreviations spelled out."""
    t = text.lower().replace("#", " number ").replace("&", " and ")
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    words = t.split()
    return " ".join(_WORDS.get(w, w) for w in words)


_NORMALIZED_SYNONYMS = {k.name: [normalize_header(s) for s in k.synonyms] for k in KINDS}


def header_similarity(header: str, kind: Kind) -> tuple[float, str]:
    """(0..1, the closest synonym) between a header and a kind's synonyms."""
    h = normalize_header(header)
    if not h:
        return 0.0, ""
    best, best_syn = 0.0, ""
    for syn, raw in zip(_NORMALIZED_SYNONYMS[kind.name], kind.synonyms):
        score = max(fuzz.ratio(h, syn), fuzz.token_sort_ratio(h, syn))
        if score > best:
            best, best_syn = score, raw
    return best / 100, best_syn


@dataclass
class Candidate:
    column: str
    kind: Kind
    confidence: float
    why: str


@dataclass
class FieldProposal:
    from_: tuple[str, ...]
    to: tuple[str, ...]
    transform: str
    confidence: float
    why: str
    params: dict[str, Any] = field(default_factory=dict)
    required: bool | tuple[str, ...] = False

    def as_yaml(self) -> str:
        entry: dict[str, Any] = {
            "from": self.from_[0] if len(self.from_) == 1 else list(self.from_),
            "to": self.to[0] if len(self.to) == 1 else list(self.to),
            "transform": self.transform,
        }
        if self.params:
            entry["params"] = self.params
        if self.required:
            entry["required"] = self.required if self.required is True else list(self.required)
        return _flow(entry)


@dataclass
class Proposal:
    source: str
    sample_name: str
    encoding: str
    header: bool
    columns: list[str]
    records: int
    fields: list[FieldProposal]
    unmatched: list[str]
    record_key: list[str]
    identifiers: dict[str, list[str]]
    delivery_date: dict[str, str] | None
    notes: list[str] = field(default_factory=list)

    @property
    def mapped_columns(self) -> dict[str, FieldProposal]:
        return {c: f for f in self.fields for c in f.from_}

    def to_yaml(self) -> str:
        lines = [
            f"# {self.source}: proposed by `etl-assets propose-mapping` from the sample {self.sample_name!r}",
            f"# ({self.records} records, {len(self.columns)} columns, "
            f"{'with' if self.header else 'WITHOUT'} a header row, sample encoding {self.encoding}).",
            f"# Review the confidence comments, then run `etl-assets check-mapping {self.source}`.",
            *[f"# note: {n}" for n in self.notes],
            f"source: {self.source}",
            f"description: {_scalar(f'{self.source} (mapping proposed from {self.sample_name})')}",
            "deliveries:",
            f"  key_pattern: {_scalar(f'{self.source}/*.csv')}",
        ]
        if self.delivery_date:
            lines.append(f"  date: {_flow(self.delivery_date)}")
        read: dict[str, Any] = {"encoding": "utf-8", "fallback_encodings": ["cp1252"]}
        if not self.header:
            read["header"] = False
        lines.append(
            f"read: {_flow(read)}  # sample is {self.encoding}; UTF-8 is tried first (strict), cp1252 when it fails"
        )
        lines.append(f"record_key: {_flow(self.record_key)}")
        if self.identifiers:
            lines.append(f"identifiers: {_flow(self.identifiers)}")
        lines.append("fields:")
        for f in self.fields:
            lines.append(f"  - {f.as_yaml()}  # confidence {f.confidence:.2f}: {f.why}")
        if self.unmatched:
            lines.append(f"# Unmatched columns (no leads column found; kept in _extras): {', '.join(map(repr, self.unmatched))}")
        else:
            lines.append("# Unmatched columns: none")
        return "\n".join(lines) + "\n"


def _flow(obj: Any) -> str:
    return yaml.safe_dump(obj, default_flow_style=True, sort_keys=False, width=10**6, allow_unicode=True).strip()


def _scalar(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10**6, allow_unicode=True).strip().removesuffix("...").strip()


# --- reading the sample -----------------------------------------------------------------------

_DATA_CELL = (is_phone, is_date, is_zip, is_one_line_address, lambda v: "@" in v and "." in v,
              lambda v: bool(re.fullmatch(r"\d{3,}", v)))  # fmt: skip


def header_looks_like_data(header: Sequence[str]) -> bool:
    """A first row whose cells sniff as phones, dates, ZIPs, e-mails or numbers is data, not a header."""
    cells = [c.strip() for c in header if c and c.strip()]
    if not cells:
        return False
    data = sum(1 for c in cells if any(test(c) for test in _DATA_CELL))
    return data >= 2 or data / len(cells) >= 0.25


def read_sample(data: bytes, name: str) -> ReadResult:
    """The sample read as the raw asset reads it; re-read without a header when row 1 is data."""
    options = ReadOptions(encoding="utf-8", fallback_encodings=("cp1252",))
    result = read_delivery(io.BytesIO(data), options, name)
    if header_looks_like_data(result.header):
        result = read_delivery(io.BytesIO(data), options.model_copy(update={"header": False}), name)
    return result


# --- matching ---------------------------------------------------------------------------------


def _value_agreement(kind: Kind, s: Sniffed) -> float:
    if kind.value == "id":
        return s.share("id") * (1.0 if s.n_distinct >= 0.95 * s.n_values else 0.6)
    if kind.value == "person":
        return s.shares.get("person", 0.5 if s.share("company") < 0.5 else 0.2)
    if kind.value == "company":
        strong = max((s.share(v) for v in _STRONG_VALUES), default=0)
        return 0.5 + 0.5 * s.share("company") if strong < 0.5 else 0.0
    if kind.value == "integer":
        return s.share("integer")
    if kind.value:
        return s.share(kind.value)
    # a text kind: no evidence either way (0.5) unless the values are clearly something else
    strong = max((s.share(v) for v in _STRONG_VALUES), default=0.0)
    return 0.5 * (1.0 - strong)


def _date_kind_by_values(s: Sniffed) -> str:
    return "certificate_expiration_date" if s.date and s.date.future_share > 0.5 else "license_issued"


def candidates_for(column: str, s: Sniffed, header: bool) -> list[Candidate]:
    out: list[Candidate] = []
    if s.n_values == 0:
        return out
    for kind in KINDS:
        h, syn = header_similarity(column, kind) if header else (0.0, "")
        v = _value_agreement(kind, s)
        value_word = {"integer": "integers", "id": "id-like", "yes_no": "Y/N"}.get(kind.value or "", kind.value)
        shown = s.share("company") if kind.value == "company" else v
        value_note = f"{shown:.0%} of values {value_word}" if kind.value else "text"
        if h >= HEADER_MATCH:
            confidence = 0.6 * h + 0.4 * v
            why = f"header {column!r} ~ {syn!r} ({h * 100:.0f}); {value_note}"
        elif (
            kind.value_only is not None
            and (vo := s.share("company") if kind.value == "company" else v) >= kind.value_only
            and (not header or kind.value in _STRONG_VALUES + ("state",))
        ):
            confidence = 0.5 + 0.3 * vo
            why = f"values only: {value_note}"
        elif kind.value == "date" and s.date and s.share("date") >= 0.8 and kind.name == _date_kind_by_values(s):
            confidence = 0.5 + 0.2 * s.share("date")
            why = f"values only: {s.share('date'):.0%} dates, {s.date.future_share:.0%} in the future"
        else:
            continue
        if kind.value in ("phone", "email", "zip", "state", "date", "one_line_address", "yes_no") and v < 0.5:
            continue  # the header says phone, the values say otherwise: not a match
        if kind.name == "one_line_address" and v < 0.5:
            continue
        if confidence >= ACCEPT:
            out.append(Candidate(column, kind, round(confidence, 2), why))
    return out


_DATE_KINDS = ("license_issued", "certificate_expiration_date", "license_renewed")


def _order_value_only_dates(candidates: list[Candidate], sniffed: dict[str, Sniffed]) -> list[Candidate]:
    """Date columns known by their values only: the earliest (by median) is the issue date, the
    latest the expiration date, one in between the renewal date."""
    blind = [c for c in candidates if c.kind.name in _DATE_KINDS and c.why.startswith("values only")]
    if len(blind) < 2:
        return candidates
    blind.sort(key=lambda c: sniffed[c.column].date.median)
    names = ["license_issued", *(["license_renewed"] * (len(blind) - 2)), "certificate_expiration_date"]
    rest = [c for c in candidates if c not in blind]
    for cand, name in zip(blind, names):
        note = f"; {'earliest' if name == 'license_issued' else 'latest' if name.startswith('cert') else 'middle'} date column"
        rest.append(Candidate(cand.column, KIND_BY_NAME[name], cand.confidence, cand.why + note))
    return rest


def _age_flag_field(columns: list[str], sniffed: dict[str, Sniffed]) -> FieldProposal | None:
    found: dict[str, str] = {}
    for c in columns:
        key = _AGE_FLAGS.get(normalize_header(c))
        if key and key not in found and sniffed[c].share("yes_no") >= 0.8:
            found[key] = c
    if len(found) != 4:
        return None
    cols = tuple(found[k] for k in ("infant", "toddler", "preschool", "school"))
    return FieldProposal(cols, ("ages_served", "min_age", "max_age"), "ages_from_flags", 0.9,
                         "four Y/N columns named infant, toddler, preschool, school")  # fmt: skip


def _delivery_date(sample_name: str) -> dict[str, str] | None:
    name = PurePosixPath(sample_name).name
    if re.search(r"\d{2}-\d{2}-\d{4}", name):
        return {"regex": r"(\d{2}-\d{2}-\d{4})", "format": "%m-%d-%Y"}
    if re.search(r"\d{4}-\d{2}-\d{2}", name):
        return {"regex": r"(\d{4}-\d{2}-\d{2})", "format": "%Y-%m-%d"}
    return None


def propose(result: ReadResult, source: str, sample_name: str) -> Proposal:
    """Match the sample's columns to leads columns and choose transforms, key and read options."""
    header = result.header != [f"column_{i}" for i in range(1, len(result.columns) + 1)]
    records = result.records
    if "_read_error" in records:
        records = records[records["_read_error"].isna()]
    sniffed = {c: sniff(records[c].tolist()) for c in result.columns}

    fields: list[FieldProposal] = []
    used: set[str] = set()
    ages = _age_flag_field(result.columns, sniffed) if header else None
    if ages:
        fields.append(ages)
        used.update(ages.from_)

    candidates = [c for col in result.columns if col not in used for c in candidates_for(col, sniffed[col], header)]
    candidates = _order_value_only_dates(candidates, sniffed)
    order = {c: i for i, c in enumerate(result.columns)}
    candidates.sort(key=lambda c: (-c.confidence, order[c.column]))
    assigned: dict[str, Candidate] = {}  # kind name -> candidate
    taken: set[str] = set(used)
    for cand in candidates:
        if cand.column in taken:
            continue
        kind = cand.kind
        if kind.name in assigned:
            if kind.name == "phone" and "phone2" not in assigned:
                kind = KIND_BY_NAME["phone2"]
            else:
                continue
        if kind.name in ("address1", "one_line_address") and ({"address1", "one_line_address"} & set(assigned)):
            continue
        assigned[kind.name] = Candidate(cand.column, kind, cand.confidence, cand.why)
        taken.add(cand.column)

    record_key = _choose_record_key(assigned, result.columns, sniffed, taken)
    for name, cand in sorted(assigned.items(), key=lambda kv: order[kv[1].column]):
        kind, s = cand.kind, sniffed[cand.column]
        params: dict[str, Any] = {}
        if kind.transform == "date" and s.date:
            params = {"formats": s.date.formats}
        required: bool | tuple[str, ...] = False
        if name == "company":
            required = ("company",)
        if name in record_key or kind.to == tuple(record_key):
            required = True
        why = cand.why
        if kind.transform == "date" and s.date and s.date.ambiguous_with:
            why += f"; AMBIGUOUS: {s.date.ambiguous_with!r} reads the sample too, check it"
        fields.append(FieldProposal((cand.column,), kind.to, kind.transform, cand.confidence, why, params, required))
        if name == "one_line_address":
            fields.append(FieldProposal((cand.column,), ("address_std",), "address_std_one_line", cand.confidence,
                                        "matching key of the one-line address"))  # fmt: skip
    if "address1" in assigned and "zip" in assigned:
        cols = (assigned["address1"].column, assigned["zip"].column)
        conf = min(assigned["address1"].confidence, assigned["zip"].confidence)
        fields.append(FieldProposal(cols, ("address_std",), "address_std", conf, "matching key of street + ZIP"))
    fields.sort(key=lambda f: order[f.from_[0]])
    unmatched = [c for c in result.columns if c not in {col for f in fields for col in f.from_}]
    produced = {t for f in fields for t in f.to}
    identifiers: dict[str, list[str]] = {}
    if "phone" in produced:
        identifiers["primary"] = ["phone"]
    if "address_std" in produced:
        identifiers["secondary"] = ["address_std"]
    notes = [w for w in result.warnings if "mojibake" in w]
    return Proposal(
        source=source, sample_name=PurePosixPath(sample_name).name, encoding=result.encoding.replace("-sig", ""),
        header=header, columns=list(result.columns), records=len(result.records), fields=fields,
        unmatched=unmatched, record_key=record_key, identifiers=identifiers,
        delivery_date=_delivery_date(sample_name), notes=notes,
    )  # fmt: skip


def _choose_record_key(assigned: dict[str, Candidate], columns, sniffed: dict[str, Sniffed], taken: set[str]) -> list[str]:
    for name in ("license_number", "provider_id"):
        cand = assigned.get(name)
        if cand and sniffed[cand.column].n_distinct >= 0.95 * max(sniffed[cand.column].n_values, 1):
            return [name]
    # an id-like column nobody claimed, unique and (nearly) always filled → provider_id
    for c in columns:
        s = sniffed[c]
        if c not in taken and s.unique and s.filled >= 0.99 and s.share("id") >= 0.9 and "provider_id" not in assigned:
            assigned["provider_id"] = Candidate(c, KIND_BY_NAME["provider_id"], 0.6, "values only: unique id-like column")
            taken.add(c)
            return ["provider_id"]
    for name in ("license_number", "provider_id"):
        if name in assigned:
            return [name]
    raise ProposalError(
        "no record key: no column looks like a license number or a unique id; "
        "add one to the mapping by hand (record_key + a field producing it)"
    )


def propose_mapping(stream: BinaryIO | bytes, source: str, sample_name: str) -> Proposal:
    """Read a sample delivery (bytes or a binary stream) and propose its mapping."""
    data = stream if isinstance(stream, bytes) else stream.read()
    return propose(read_sample(data, sample_name), source, sample_name)


def detect_encoding(data: bytes) -> str:
    """UTF-8 or cp1252 (what the reader would choose with the proposed read options)."""
    return choose_encoding(io.BytesIO(data), ReadOptions(), "sample").replace("-sig", "")
