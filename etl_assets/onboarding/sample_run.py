"""The proposed mapping tried on its own sample: what the proposal's comments report.

Why: some choices can only be judged on normalized values, not on raw text: which natural key
has the fewest missing and colliding records (``natural_key.py``), and how well each column of a
headerless file parsed (``column_3: street address, 97% parsed``). The sample is normalized
exactly as the ``<source>/normalized`` asset would with the proposed YAML, so the numbers are the
ones ``check-mapping`` will print.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import yaml

from etl_assets.onboarding.check import column_flags
from etl_assets.onboarding.natural_key import choose_natural_key, record_content
from etl_assets.onboarding.proposal import Proposal
from etl_assets.records import READ_ERROR
from etl_assets.sources.registry import leads_schema
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.normalize_rows import ColumnPrepareError

_LANDED = pd.Timestamp("2000-01-01T00:00:00Z")
_WHAT = {
    "company": "provider name", "contact_name": "contact person", "license_number": "license number",
    "license_type_and_number": "license type and number", "provider_id": "provider id", "license_type": "license type",
    "facility_type": "facility type", "license_status": "license status", "phone": "phone", "phone2": "second phone",
    "email": "e-mail", "website": "web address", "one_line_address": "one-line address", "address1": "street address",
    "address2": "address line 2", "city": "city", "county": "county", "state": "state", "zip": "ZIP code",
    "capacity": "capacity", "license_issued": "issue date", "certificate_expiration_date": "expiration date",
    "license_renewed": "renewal date", "accepts_financial_aid": "subsidy Y/N",
}  # fmt: skip


@dataclass(frozen=True)
class SampleRun:
    rows: pd.DataFrame  # the normalized stage file, read back
    raw: pd.DataFrame  # the raw stage file, read back


def run_sample(proposal: Proposal, data: bytes) -> SampleRun:
    """The sample's bytes through land and normalize with the proposed mapping."""
    spec = SourceSpec.model_validate(yaml.safe_load(proposal.to_yaml()))
    name = proposal.sample_name
    with tempfile.TemporaryDirectory(prefix="sample-run-") as folder:
        staged = stage_delivery(io.BytesIO(data), spec, leads_schema(), name, None, _LANDED, name, Path(folder),
                                dedup=False, strict=False)
        return SampleRun(staged.normalized.file.read(), staged.raw.file.read())


def finish(proposal: Proposal, data: bytes, kinds: dict[str, str]) -> Proposal:
    """The proposal with its natural key chosen (when it has no license / id key) and, for a
    headerless file, a note per column saying what it holds and how much of it parsed.
    ``data`` is the sample's bytes; ``kinds`` maps a mapped column to the kind it was matched as."""
    try:
        run = run_sample(proposal, data)
    except ColumnPrepareError as exc:
        return replace(proposal, key_note=[*proposal.key_note, f"could not try the mapping on the sample: {exc}"])
    if proposal.natural_key:
        proposal = _with_natural_key(proposal, run)
    if not proposal.header:
        proposal = replace(proposal, column_notes=_column_notes(proposal, run, kinds))
    return proposal


def _with_natural_key(proposal: Proposal, run: SampleRun) -> Proposal:
    rows = run.rows[run.raw[READ_ERROR].isna().to_numpy()]
    content = record_content(run.raw.loc[rows.index], proposal.columns)
    try:
        best, ranked = choose_natural_key(rows, content)
    except ValueError as exc:  # no name, address, phone or e-mail at all: keep the provisional key, say so
        return replace(proposal, key_note=[f"NO NATURAL KEY FOUND ({exc}); record_key below is a guess, review it"])
    note = [
        "No column looks like a license number or a unique id, so the record key is a composite natural key",
        "of normalized fields, chosen on the sample as the one with the fewest records without it or sharing it:",
        f"  {best.describe()}.",
        "A change in any key field (a new phone, a corrected name) reads as a delete of the old record plus",
        "an insert of a new one. Other candidates on the sample:",
        *[f"  {s.describe()}" for s in ranked[1:4]],
    ]
    return replace(proposal, record_key=list(best.key), key_note=note)


def _column_notes(proposal: Proposal, run: SampleRun, kinds: dict[str, str]) -> dict[str, str]:
    stats = {s.column: s for s in column_flags(run.rows, run.raw, proposal.columns)}
    notes = {}
    for column in proposal.columns:
        stat = stats[column]
        filled = f"{stat.non_empty} of {len(run.raw)} filled"
        if column in kinds:
            parsed = 1 - stat.rate
            notes[column] = f"{_WHAT.get(kinds[column], kinds[column])}, {parsed:.0%} parsed ({filled})"
        else:
            notes[column] = f"not matched ({filled})"
    return notes
