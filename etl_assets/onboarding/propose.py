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
column, else a composite natural key chosen on the normalized sample (``natural_key.py``,
``sample_run.py``, which runs the sample through the stage files in a temporary directory).
Nothing here talks to S3 or writes the mapping; the CLI does.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from etl_assets.ingest.encoding import choose_encoding
from etl_assets.ingest.read import ReadResult, describe_read_errors, read_whole
from etl_assets.onboarding.headerless import guess_city_and_type
from etl_assets.onboarding.kinds import KIND_BY_NAME, KINDS, Kind, header_similarity, normalize_header
from etl_assets.onboarding.proposal import FieldProposal, Proposal
from etl_assets.onboarding.sample_run import finish
from etl_assets.onboarding.sniff import Sniffed, is_date, is_one_line_address, is_phone, is_zip, sniff
from etl_assets.sources.spec import ReadOptions

HEADER_MATCH = 0.8  # header similarity (0..1) from which the header counts as evidence
ACCEPT = 0.6  # minimum confidence to map a column
_AGE_FLAGS = {"infant": "infant", "infants": "infant", "toddler": "toddler", "toddlers": "toddler",
              "preschool": "preschool", "pre school": "preschool", "school": "school", "school age": "school"}  # fmt: skip
_STRONG_VALUES = ("phone", "email", "zip", "date", "one_line_address", "url", "yes_no", "type_and_number")


class ProposalError(ValueError):
    """The sample cannot be turned into a usable mapping (e.g. no record key found)."""


@dataclass
class Candidate:
    column: str
    kind: Kind
    confidence: float
    why: str


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
    result = read_whole(io.BytesIO(data), options, name)
    if header_looks_like_data(result.header):
        result = read_whole(io.BytesIO(data), options.model_copy(update={"header": False}), name)
    return result


# --- matching ---------------------------------------------------------------------------------


def _value_agreement(kind: Kind, s: Sniffed) -> float:
    if kind.value == "id":
        return s.share("id") * (1.0 if s.n_distinct >= 0.95 * s.n_values else 0.6)
    if kind.value == "person":
        return s.shares.get("person", 0.5 if s.share("company") < 0.5 else 0.2)
    if kind.value == "company":
        strong = max([s.share(v) for v in _STRONG_VALUES] + [s.share("id") if s.share("company") < 0.5 else 0.0])
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
        value_word = {"integer": "integers", "id": "id-like", "yes_no": "Y/N", "type_and_number": "'type - number'"}.get(kind.value or "", kind.value)
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
        if kind.value in ("phone", "email", "zip", "state", "date", "one_line_address", "yes_no", "type_and_number") and v < 0.5:
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


def propose(result: ReadResult, source: str, sample_name: str, data: bytes) -> Proposal:
    """Match the sample's columns (``result``: ``data`` read whole) to leads columns and choose
    transforms, key and read options."""
    header = result.header != [f"column_{i}" for i in range(1, len(result.columns) + 1)]
    records = result.records
    unreadable = describe_read_errors(records["_read_error"]) if "_read_error" in records else None
    if "_read_error" in records:
        records = records[records["_read_error"].isna()]
    if unreadable and records.empty:
        raise ProposalError(f"no record of the sample could be read: {unreadable}")
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

    if not header:
        found = guess_city_and_type(result.columns, sniffed, {k: c.column for k, c in assigned.items()}, taken)
        for name, (column, why) in found.items():
            if name not in assigned:
                assigned[name] = Candidate(column, KIND_BY_NAME[name], 0.6, why)
                taken.add(column)
    record_key = _choose_record_key(assigned, result.columns, sniffed, taken)
    natural = not record_key
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
        if name == "license_type_and_number" and record_key == ["license_number"]:
            required = ("license_number",)
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
    notes = [w for w in result.warnings if "mojibake" in w or "trailing delimiter" in w]
    if unreadable:
        notes.append(f"read errors (these records are quarantined): {unreadable}")
    if natural:  # provisional, until the sample run below has chosen the natural key
        if not produced:
            raise ProposalError("no column of the sample matched a leads column, so there is nothing to key records by")
        record_key = ["company_std"] if "company_std" in produced else sorted(produced)[:1]
    proposal = Proposal(
        source=source, sample_name=PurePosixPath(sample_name).name, encoding=result.encoding.replace("-sig", ""),
        header=header, columns=list(result.columns), records=len(result.records), fields=fields,
        unmatched=unmatched, record_key=record_key, identifiers=identifiers,
        delivery_date=_delivery_date(sample_name), notes=notes, natural_key=natural,
    )  # fmt: skip
    if header and not natural:
        return proposal
    kinds = {c.column: name for name, c in assigned.items()}
    return finish(proposal, data, kinds)


def _choose_record_key(assigned: dict[str, Candidate], columns, sniffed: dict[str, Sniffed], taken: set[str]) -> list[str]:
    for name in ("license_number", "license_type_and_number", "provider_id"):
        cand = assigned.get(name)
        if cand and sniffed[cand.column].n_distinct >= 0.95 * max(sniffed[cand.column].n_values, 1):
            return ["license_number" if name == "license_type_and_number" else name]
    # an id-like column nobody claimed, unique and (nearly) always filled → provider_id
    for c in columns:
        s = sniffed[c]
        if c not in taken and s.unique and s.filled >= 0.99 and s.share("id") >= 0.9 and "provider_id" not in assigned:
            assigned["provider_id"] = Candidate(c, KIND_BY_NAME["provider_id"], 0.6, "values only: unique id-like column")
            taken.add(c)
            return ["provider_id"]
    for name in ("license_number", "license_type_and_number", "provider_id"):
        if name in assigned:
            return ["license_number" if name == "license_type_and_number" else name]
    return []  # no license / id: a composite natural key is chosen on the sample (sample_run.py)


def propose_mapping(stream: BinaryIO | bytes, source: str, sample_name: str) -> Proposal:
    """Read a sample delivery (bytes or a binary stream) and propose its mapping."""
    data = stream if isinstance(stream, bytes) else stream.read()
    return propose(read_sample(data, sample_name), source, sample_name, data)


def detect_encoding(data: bytes) -> str:
    """UTF-8 or cp1252 (what the reader would choose with the proposed read options)."""
    return choose_encoding(io.BytesIO(data), ReadOptions(), "sample").replace("-sig", "")
