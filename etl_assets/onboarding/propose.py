"""Propose a mapping YAML for a new source from one sample delivery (``etl-assets propose-mapping``).

Pure functions: a sample (bytes) in, a ``Proposal`` out, rendered as a ``mappings/<source>.yaml``
in the project's format. Each source column is matched to a kind of leads value (phone, company,
license number, issue date ...) by two kinds of evidence:

- its header, compared with a synonym table (rapidfuzz ratio on normalized names: ``Phone#``,
  ``Telephone``, ``Contact Phone`` → phone; ``Lic #`` → license number);
- its values (``sniff.py``): phones, e-mails, ZIPs, state codes, dates and their strptime format,
  Y/N flags, small integers, one-line addresses, street lines, person vs company names, ids, ages
  served, opening hours and days;
- the headers committed mappings already map (``learned.py``).

How sure each match is: ``matching.py``. Leads columns spread over several source columns (a split
street, hours + days, four age flags) and the state a borough column implies: ``multi_column.py``.
Columns are assigned best first, one column per kind; the rest are listed as unmatched (they stay in
``_extras``). The record key is the license number, else the provider id, else an id-like unique
column, else a composite natural key chosen on the normalized sample (``natural_key.py``,
``sample_run.py``, which runs the sample through the stage files in a temporary directory).
Nothing here talks to S3 or writes the mapping; the CLI does.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from etl_assets.ingest.encoding import choose_encoding
from etl_assets.ingest.read import ReadResult, describe_read_errors, read_whole
from etl_assets.onboarding.headerless import guess_city_and_type
from etl_assets.onboarding.kinds import KIND_BY_NAME
from etl_assets.onboarding.matching import Candidate, candidates_for, order_value_only_dates
from etl_assets.onboarding.multi_column import (age_flag_field, age_label_field, implied_state, schedule_field, std_field,
                                                street_fields, week_field)  # fmt: skip
from etl_assets.onboarding.proposal import FieldProposal, Proposal
from etl_assets.onboarding.sample_run import finish
from etl_assets.onboarding.sniff import Sniffed, is_date, is_one_line_address, is_phone, is_zip, sniff
from etl_assets.sources.spec import ReadOptions

class ProposalError(ValueError):
    """The sample cannot be turned into a usable mapping (e.g. no record key found)."""


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


def _delivery_date(sample_name: str) -> dict[str, str] | None:
    name = PurePosixPath(sample_name).name
    if re.search(r"\d{2}-\d{2}-\d{4}", name):
        return {"regex": r"(\d{2}-\d{2}-\d{4})", "format": "%m-%d-%Y"}
    if re.search(r"\d{4}-\d{2}-\d{2}", name):
        return {"regex": r"(\d{4}-\d{2}-\d{2})", "format": "%Y-%m-%d"}
    return None


def propose(result: ReadResult, source: str, sample_name: str, data: bytes,
            learned: dict[str, dict[str, str]] | None = None) -> Proposal:  # fmt: skip
    """Match the sample's columns (``result``: ``data`` read whole) to leads columns and choose
    transforms, key and read options; ``learned`` holds the committed mappings' headers (``learned.py``)."""
    header = result.header != [f"column_{i}" for i in range(1, len(result.columns) + 1)]
    records = result.records
    unreadable = describe_read_errors(records["_read_error"]) if "_read_error" in records else None
    if "_read_error" in records:
        records = records[records["_read_error"].isna()]
    if unreadable and records.empty:
        raise ProposalError(f"no record of the sample could be read: {unreadable}")
    values = {c: records[c].tolist() for c in result.columns}
    sniffed = {c: sniff(values[c]) for c in result.columns}

    fields: list[FieldProposal] = []
    used: set[str] = set()
    if header:
        fields.extend(f for f in [age_flag_field(result.columns, sniffed)] if f)
        fields.extend(street_fields(result.columns, sniffed, values, {c for f in fields for c in f.from_}))
        for claim in (week_field, age_label_field, lambda cs, sn, tk: schedule_field(cs, sn, None, tk)):
            used = {c for f in fields for c in f.from_}
            found = claim(result.columns, sniffed, used)
            if found and not set(found.to) & {t for g in fields for t in g.to}:
                fields.append(found)
        used = {c for f in fields for c in f.from_}
    produced_early = {t for f in fields for t in f.to}

    candidates = [c for col in result.columns if col not in used for c in candidates_for(col, sniffed[col], header, learned)]
    candidates = order_value_only_dates(candidates, sniffed)
    order = {c: i for i, c in enumerate(result.columns)}
    candidates.sort(key=lambda c: (-c.confidence, order[c.column]))
    assigned: dict[str, Candidate] = {}  # kind name -> candidate
    taken: set[str] = set(used)
    for cand in candidates:
        kind = cand.kind
        if cand.column in taken or set(kind.to) & produced_early:
            continue
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
        fields.extend(_fields_of(name, cand, sniffed[cand.column], record_key))
    street = next((f for f in fields if f.transform == "street_parts"), None)
    if street and "zip" in assigned:
        fields.append(std_field(street, assigned["zip"].column))
    if "address1" in assigned and "zip" in assigned:
        cols = (assigned["address1"].column, assigned["zip"].column)
        conf = min(assigned["address1"].confidence, assigned["zip"].confidence)
        fields.append(FieldProposal(cols, ("address_std",), "address_std", conf, "matching key of street + ZIP"))
    if "city" in assigned and "state" not in assigned:
        fields.extend(f for f in [implied_state(assigned["city"].column, values[assigned["city"].column])] if f)
    # an operator column comes first: a later field fills only what earlier ones left empty
    fields.sort(key=lambda f: (f.to != ("operator",), order[f.from_[0]] if f.from_ else len(order)))
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


def _fields_of(name: str, cand: Candidate, s: Sniffed, record_key: list[str]) -> list[FieldProposal]:
    """The field(s) one matched column gives: its transform, date formats, what is required."""
    kind = cand.kind
    params: dict[str, Any] = {"formats": s.date.formats} if kind.transform == "date" and s.date else {}
    required: bool | tuple[str, ...] = ("company",) if name == "company" else False
    if name in record_key or kind.to == tuple(record_key):
        required = True
    if name == "license_type_and_number" and record_key == ["license_number"]:
        required = ("license_number",)
    why = cand.why
    if kind.transform == "date" and s.date and s.date.ambiguous_with:
        why += f"; AMBIGUOUS: {s.date.ambiguous_with!r} reads the sample too, check it"
    out = [FieldProposal((cand.column,), kind.to, kind.transform, cand.confidence, why, params, required)]
    if name == "one_line_address":
        out.append(FieldProposal((cand.column,), ("address_std",), "address_std_one_line", cand.confidence,
                                 "matching key of the one-line address"))  # fmt: skip
    return out


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


def propose_mapping(stream: BinaryIO | bytes, source: str, sample_name: str,
                    learned: dict[str, dict[str, str]] | None = None) -> Proposal:  # fmt: skip
    """Read a sample delivery (bytes or a binary stream) and propose its mapping."""
    data = stream if isinstance(stream, bytes) else stream.read()
    return propose(read_sample(data, sample_name), source, sample_name, data, learned)


def detect_encoding(data: bytes) -> str:
    """UTF-8 or cp1252 (what the reader would choose with the proposed read options)."""
    return choose_encoding(io.BytesIO(data), ReadOptions(), "sample").replace("-sig", "")
