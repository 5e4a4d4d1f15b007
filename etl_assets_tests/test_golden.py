"""Golden files: the normalize stage, field by field, against reviewed expectations.

For each sample delivery (``data/sample_bucket/<source>/*.csv``) the test lands and normalizes the
file through the stage files as the ``<source>/raw`` and ``<source>/normalized`` assets do
(``stages/chain.py``, fixed lineage values), in-process, and compares every cell of the normalized file with
``etl_assets_tests/golden/<source>.csv``: one row per source record, ``_row_number``,
``_line_number``, every leads column of ``mappings/leads.yaml`` (``address_std`` and
``company_std`` included) as text, ``_quarantine_reason`` and ``_dq_flags``. Any difference fails
with a report naming source, line, column, expected and got; the field-level accuracy per column
(share of cells equal to golden) is printed for every source. The writer and this test share one
pipeline function (``scripts/write_golden.py``: ``golden_rows``), so a failure is a change of
behaviour, not of harness. Re-generate with ``.venv/bin/python scripts/write_golden.py`` and review
the diff before committing it.

How the golden files were reviewed
----------------------------------
By an engineer (the author of this test, working with an AI coding assistant), not by the code that
produced them. All 288 rows were reviewed (Nevada 100, Oklahoma 50, Texas 99, Salesforce 39),
each against its source record: 288 x 36 = 10,368 output fields (5,079 non-empty), read in
side-by-side listings "source cell(s) -> output column(s)", one listing per field family (company /
licensee / operator / company_std; contact first / last / title; one-line and multi-column
addresses with city / state / zip / address_std; license type / number / status; dates; phones;
e-mails; schedules; subsidy flag; ages; capacity; flags and quarantine reasons). The mechanical
fields were in addition cross-checked by an independent script (its own ``strptime``, digit
extraction + ``phonenumbers.is_valid_number``, lower-casing, ZIP cut): 1,583 cells, 0 mismatches.

Corrections made as a result (each with a unit test using the real string):

1. ``transforms/one_line_addresses.py`` ``us_address_one_line``: Nevada cities came out upper case
   (``LAS VEGAS``) while every other source's city is title-cased through ``name_case``; the city
   is now title-cased (``North Las Vegas``), 100 Nevada rows.
2. ``transforms/companies.py`` new ``licensee_if_contact`` + ``mappings/nevada.yaml``: Nevada family
   homes listed under the owner's name (line 18 ``CHARLENE RATH``, line 36 ``CELIDA PADILLA``,
   both also the Owner contact) had no licensee; when the comma-less name *is* the contact person,
   licensee_name and operator are that person. Business names are untouched (``GALINA'S CHILD
   CARE``), and without the matching contact a two-word name is still never called a person.
3. ``transforms/companies.py`` ``clean_company``: Texas line 2, mis-quoted in the file, read as
   ``K" Street Learning Center LLC"``; stray quotes are dropped (``K Street Learning Center LLC``),
   a properly quoted word (``"K" Street``) is kept.
4. ``mappings/texas.yaml``: ``Type`` now fills ``license_type`` too (the other three sources fill
   it; Texas's operation type is its permit type), ``facility_type`` unchanged.
5. ``transforms/people.py`` new ``given_name`` + ``mappings/salesforce.yaml`` ``first_name``: line
   25 ``Ms.`` was kept as a first name (now null + flag ``no name in 'Ms.'``), line 40 ``Ms.
   Chrissy`` → ``Chrissy``, line 31 ``NANCY & DANIELLE`` → ``Nancy`` and line 37 ``P. & Silverton
   G.`` → ``P.``, flagged ``several people, kept the first`` (as contact_name does).
6. ``transforms/people.py`` ``contact_name``: Oklahoma line 96 ``Burgess Mia`` is most likely Mia
   Burgess; it is kept in the registry's order but now flagged ``may be written LAST FIRST``
   (probablepeople reads it surname-first; it reads no other sample contact that way).

Known remaining limitations (arguable values kept as the platform produces them):

- ``address_std`` abbreviates USPS words wherever they occur, street names included (``LAKE MEAD``
  → ``LK MEAD``, ``HARBOR ISLAND`` → ``HBR IS``, ``VISTA DR`` → ``VIS DR``, ``UNION ST`` → ``UN
  ST``, ``840 NORTH BLVD`` → ``840 N BLVD``): a deterministic matching key, not a display value.
- Cells naming several people keep the first (21 Nevada contacts, flagged); in ``ALEKSANDRA &
  KATIE LIPSKA HALLOCK & MEEKER`` the first surname is read as ``Lipska Hallock`` (two words),
  which is the likelier reading but not certain. ``Burgess Mia`` stays first_name ``Burgess``.
- Company display names keep the registry's casing (Nevada upper case, Salesforce ``kaizen
  high``) and Oklahoma family homes keep the registry's ``HELLSTROM, ELIZABETH`` as company, by
  design; ``company_std`` drops ``+`` (``A + Learning Academy`` → ``A LEARNING ACADEMY``) and dots
  (``1.2..me Kidz`` → ``12ME KIDZ``).
- Salesforce: synthetic last names (``test1`` → ``Test1``); full names written in the first-name
  column (``Simone Regal``, ``Rilee Taylor``) are kept whole, since the last-name column is
  synthetic; ``title`` is kept as written (``Vp Of Sales``); Canadian rows keep street and city
  with state and ZIP null + flagged (the warehouse is US-only).
- Phones not valid per libphonenumber are null + flagged by rule (Nevada ``362-231-1137``,
  ``565-583-1155``; all Salesforce ``1234567890..``), not "fixed".
- Careful title case cannot know official spellings: Texas ``DESOTO`` → ``Desoto`` (DeSoto).
- Oklahoma: preschool is 24-59 months (the vocabulary's bound, the label says 24-48); the trailing
  columns are read by pattern. The truncated last record (line 100) is quarantined and keeps
  the partial values its 14 fields give (e.g. a schedule); none of them reaches the warehouse.
- Columns without a leads target (Nevada ``Disciplinary Action``, Oklahoma ``Star Level``, Texas
  ``Agency Number``/``Facility ID``/``Monitoring Frequency``, Salesforce CRM fields) live in
  ``_extras`` and are not part of the golden files.
"""

from __future__ import annotations

from collections import Counter

import pytest

from etl_assets_tests.support.scripts import load_script

write_golden = load_script("write_golden")

# Records and quarantined records per sample: exact, from the files (PROVENANCE.md) and the review.
EXPECTED_COUNTS = {"nevada": (100, 0), "oklahoma": (50, 1), "texas": (99, 0), "salesforce": (39, 0)}
KEY_COLUMNS = ("_row_number", "_line_number")
MAX_REPORTED = 60


@pytest.fixture(scope="module")
def produced() -> dict[str, list[dict[str, str]]]:
    return {source: write_golden.golden_rows(source) for source in write_golden.SOURCES}


def _accuracy(expected: list[dict[str, str]], got: list[dict[str, str]], columns: list[str]) -> dict[str, float]:
    equal: Counter[str] = Counter()
    for e, g in zip(expected, got):
        for c in columns:
            equal[c] += e.get(c) == g.get(c)
    total = max(len(expected), len(got)) or 1
    return {c: equal[c] / total for c in columns}


def _print_accuracy(source: str, accuracy: dict[str, float], capsys) -> None:
    cells = ", ".join(f"{c} {share:.1%}" for c, share in accuracy.items())
    overall = sum(accuracy.values()) / len(accuracy)
    with capsys.disabled():
        print(f"\n[golden] {source}: field-level accuracy {overall:.2%} over {len(accuracy)} columns: {cells}")


@pytest.mark.parametrize("source", write_golden.SOURCES)
def test_normalize_matches_golden_field_by_field(source, produced, capsys):
    path = write_golden.golden_path(source)
    assert path.exists(), f"{path} is missing: run scripts/write_golden.py and review it"
    expected = write_golden.read_golden(source)
    got = produced[source]
    columns = write_golden.golden_columns()
    with path.open(encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\n").split(",")
    assert header == columns, f"{source}: golden header differs from the leads schema: {header} != {columns}"

    compared = [c for c in columns if c not in KEY_COLUMNS]
    accuracy = _accuracy(expected, got, compared)
    _print_accuracy(source, accuracy, capsys)

    problems: list[str] = []
    if len(expected) != len(got):
        problems.append(f"{source}: golden has {len(expected)} rows, the pipeline produced {len(got)}")
    for e, g in zip(expected, got):
        if (e["_row_number"], e["_line_number"]) != (g["_row_number"], g["_line_number"]):
            problems.append(
                f"{source} record {e['_row_number']}: golden line {e['_line_number']}, got record "
                f"{g['_row_number']} at line {g['_line_number']}"
            )
            continue
        for c in compared:
            if e[c] != g[c]:
                problems.append(f"{source}, line {e['_line_number']}, column {c}: expected {e[c]!r}, got {g[c]!r}")
    if problems:
        shown = problems[:MAX_REPORTED]
        more = f"\n… and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        worst = sorted((share, c) for c, share in accuracy.items() if share < 1)
        summary = ", ".join(f"{c} {share:.1%}" for share, c in worst)
        pytest.fail(
            f"{source}: {len(problems)} field(s) differ from {path.name} (columns below 100%: {summary})\n"
            + "\n".join(shown) + more,
            pytrace=False,
        )


@pytest.mark.parametrize(("source", "records", "quarantined"), [(s, *c) for s, c in EXPECTED_COUNTS.items()])
def test_record_and_quarantine_counts(source, records, quarantined, produced):
    rows = produced[source]
    assert len(rows) == records
    assert [int(r["_row_number"]) for r in rows] == list(range(1, records + 1))
    assert sum(1 for r in rows if r["_quarantine_reason"]) == quarantined
    golden = write_golden.read_golden(source)
    assert len(golden) == records
    assert sum(1 for r in golden if r["_quarantine_reason"]) == quarantined


def test_oklahoma_quarantines_only_the_truncated_last_record(produced):
    rows = produced["oklahoma"]
    (bad,) = [r for r in rows if r["_quarantine_reason"]]
    assert bad is rows[-1]
    assert (bad["_row_number"], bad["_line_number"]) == ("50", "100")
    assert "line 100: record has 14 fields, the header has 30" in bad["_quarantine_reason"]
    assert bad["license_number"] == "K820050012"  # what could be read is kept for the quarantine table


def test_golden_files_are_utf8_with_lf_line_endings():
    for source in write_golden.SOURCES:
        data = write_golden.golden_path(source).read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data  # LF line endings; no value carries a CR either
        assert data.endswith(b"\n")
