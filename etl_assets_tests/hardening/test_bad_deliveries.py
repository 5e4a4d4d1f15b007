"""Every file of the bad-delivery corpus (etl_assets_tests/fixtures/bad/, scripts/make_bad_corpus.py)
through the real Texas chain (S3 → raw → normalized → deduped → warehouse), next to a good Nevada
delivery in the same Dagster instance and warehouse.

For each file, one explicit expectation: either the good rows land and the bad ones sit in
quarantine with a reason naming the line (and the column, for value problems), with
``source_current + quarantine + collapsed == records in the file``; or the run fails with a clear
message naming the delivery (and the line where known) and nothing of it reaches the warehouse.
Always: Nevada's warehouse rows, stored stage files and latest materializations are untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from dagster import instance_for_test

from etl_assets.orchestration.io_manager import partition_file_name
from etl_assets_tests.hardening.world import build_world, delivery_counts, ingest, source_state
from etl_assets_tests.support.pipeline import error_text
from etl_assets_tests.support.scripts import load_script

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"


@dataclass(frozen=True)
class Lands:
    records: int  # records in the file (counted by hand from make_bad_corpus.py)
    live: int
    quarantined: int = 0
    collapsed: int = 0
    lines: tuple[int, ...] = ()  # file lines named by the quarantine reasons
    sql: tuple[tuple[str, object], ...] = ()  # (query over the delivery's rows, expected result)


@dataclass(frozen=True)
class Fails:
    step: str  # the step that fails: raw (unreadable), raw:schema_drift (raw's step, failed by its blocking check) or normalized
    message: tuple[str, ...] = field(default_factory=tuple)  # fragments of the error


# (one sample record, "5 Little Ducklings", has no issue date and no capacity: "3 + 1" nulls below)
CURRENT = "SELECT {} FROM source_current WHERE _source = 'texas'"
FLAGS = "SELECT count(*) FROM source_snapshots WHERE _source = 'texas' AND _dq_flags LIKE ?"

EXPECTED: dict[str, Lands | Fails] = {
    "good.csv": Lands(20, 20),
    "empty.csv": Fails("raw", ("the file is empty (0 bytes)",)),
    # decision: a full-refresh delivery listing nothing is a broken export: it fails at raw
    "header_only.csv": Fails("raw", ("the file has a header and no records",)),
    # a missing required column is held back by the blocking raw/schema_drift check
    "no_header.csv": Fails("raw:schema_drift", ("required column(s) ['Operation #', 'Operation/Caregiver Name'] missing",)),
    "binary_garbage.csv": Fails("raw", ("binary content (a NUL byte at byte 413)",)),
    # decision: a gzip file under a .csv name fails clearly (no transparent decompression, see docs/architecture.md)
    "gzip_named_csv.csv": Fails("raw", ("gzip-compressed",)),
    "xlsx_named_csv.csv": Fails("raw", ("binary content (a NUL byte at byte 5)",)),
    "html_error_page.csv": Fails("raw:schema_drift", ("required column(s)",)),
    "utf16_bom.csv": Lands(20, 20, sql=((CURRENT.format("count(*)") + " AND company = 'Niños Café Learning Center'", 1),)),
    "utf8_bom.csv": Lands(20, 20, sql=((CURRENT.format("count(*)") + " AND company = 'Niños Café Learning Center'", 1),)),
    "cp1252.csv": Lands(20, 20, sql=((CURRENT.format("count(*)") + " AND company = 'Niños Café Learning Center'", 1),)),
    "not_any_encoding.csv": Fails("raw", ("not valid in any of the encodings", "byte 0x81", "line 12")),
    "mixed_line_endings.csv": Lands(20, 20, sql=((CURRENT.format("max(_line_number)"), 21),)),
    "open_quote_to_eof.csv": Lands(20, 19, 1, lines=(11,)),
    "open_quote_closed_later.csv": Lands(20, 19, 1, lines=(3,)),
    "ragged_rows.csv": Lands(21, 18, 3, lines=(7, 12, 22)),
    # a trailing empty field on every record is a delimiter artefact: read as the header's columns (a read warning)
    "trailing_delimiter_all_rows.csv": Lands(20, 20),
    "duplicated_header_names.csv": Lands(20, 20, sql=((CURRENT.format("count(county)"), 0),)),
    "empty_header_cell.csv": Lands(20, 20),
    "required_column_missing.csv": Fails("raw:schema_drift", ("required column(s) ['Operation #'] missing",)),
    "extra_unknown_columns.csv": Lands(20, 20, sql=(
        ("SELECT count(*) FROM source_snapshots WHERE _source = 'texas' AND _extras LIKE '%\"Internal Code\": \"X%'", 20),)),
    "semicolon_delimited.csv": Fails("raw:schema_drift", ("required column(s)",)),
    "field_100k_chars.csv": Lands(20, 20, sql=((CURRENT.format("max(length(company))"), 100_018),
                                              (CURRENT.format("max(length(address1))"), 100_010))),
    "sql_quotes_controls.csv": Lands(20, 20, sql=(
        (CURRENT.format("count(*)") + " AND company LIKE '%DROP TABLE leads; --%'", 1),
        (CURRENT.format("count(*)") + " AND company LIKE 'O''Brien''s %'", 1),
        (CURRENT.format("count(*)") + " AND city ILIKE 'Robert''); DROP TABLE source_history;--'", 1),
        ("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'source_history'", 1),
        ("SELECT count(*) FROM source_snapshots WHERE _source = 'texas' AND _extras LIKE '%DROP TABLE leads%'", 20),
    )),
    "spreadsheet_formulas.csv": Lands(20, 20, sql=(
        (CURRENT.format("count(*)") + " AND company LIKE '=HYPERLINK(%'", 1),
        (FLAGS, ("%looks like a spreadsheet formula%", 4)),
    )),
    "impossible_dates.csv": Lands(20, 20, sql=(
        (CURRENT.format("count(*) - count(license_issued)"), 3 + 1),
        (FLAGS, ("%'02/30/2023' does not match%", 1)), (FLAGS, ("%'12/31/9999' is a no-expiry placeholder%", 1)),
    )),
    "capacity_out_of_range.csv": Lands(20, 20, sql=(
        (CURRENT.format("count(*) - count(capacity)"), 3 + 1), (FLAGS, ("%capacity: negative '-5'%", 1)),
        (FLAGS, ("%capacity: not a whole number '1e9'%", 1)),
    )),
    "same_record_1000_times.csv": Lands(1019, 20, 0, 999),
    "missing_record_keys.csv": Lands(20, 18, 2, lines=(2, 3)),
    "mostly_bad_rows.csv": Fails("normalized", ("10 of 20 records (50%) failed validation, above the threshold of 20%",)),
    "blank_lines_between.csv": Lands(21, 20, 1, lines=(9,)),
    "truncated_last_record.csv": Lands(20, 19, 1, lines=(21,)),
    "nul_after_64k.csv": Lands(373, 20, 1, 352, lines=(374,)),
}

# Hostile S3 keys: the good file delivered under them (partition keys, file names, SQL values).
HOSTILE_KEYS = {
    "dot-dot": "texas/../07-14-2023 ../../etc/passwd.csv",
    "unicode": "texas/07-14-2023 Niños Café ☃ 🚸 ü.csv",
    "apostrophe": "texas/07-14-2023 O'Brien's \"best\" delivery; DROP TABLE leads; --.csv",
}


@pytest.fixture(scope="module")
def world(s3_endpoint, tmp_path_factory):
    with instance_for_test() as instance:
        yield build_world(s3_endpoint, tmp_path_factory.mktemp("bad_world"), instance)


def test_the_corpus_is_what_the_script_writes_and_every_file_has_an_expectation():
    files = load_script("make_bad_corpus").build()
    assert len(files) >= 25 and sorted(files) == sorted(EXPECTED)
    for name, data in files.items():
        assert (BAD / name).read_bytes() == data, f"{name}: re-run scripts/make_bad_corpus.py"


def run_one(world, tmp_path, key: str, data: bytes):
    world.client.put_object(Bucket=world.bucket, Key=key, Body=data)
    database = world.warehouse_copy(tmp_path / "warehouse.duckdb")
    result = ingest(world.instance, world.resources(database), "texas", key)
    return result, database


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_delivery(world, tmp_path, name):
    key = f"texas/07-14-2023 bad {name}"
    url = f"s3://{world.bucket}/{key}"
    expected = EXPECTED[name]
    result, database = run_one(world, tmp_path, key, (BAD / name).read_bytes())

    if isinstance(expected, Fails):
        assert not result.success
        step, _, held_by = expected.step.partition(":")
        (failure,) = result.get_step_failure_events()
        assert failure.step_key == f"texas__{step}"
        message = error_text(failure.step_failure_data.error)
        if held_by:  # the run is the delivery's partition; the check says why
            (check,) = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                        and e.event_specific_data.check_name == held_by]
            assert not check.passed and check.blocking
            assert result.dagster_run.tags.get("dagster/partition") == key
            assert held_by in message  # Dagster's step failure names the blocking check
            assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]  # a held delivery is not retried
            message = check.description
        else:
            assert key in message, message  # the delivery is named (the s3:// URL for read errors)
        if expected.step == "raw":
            assert url in message
            assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]  # no pointless retries
        for fragment in expected.message:
            assert fragment in message, message
        state = source_state(database, "texas")
        assert state == {"current": [], "history": [], "quarantine": [], "deliveries": []}  # nothing half-loaded
    else:
        assert result.success, [e.step_failure_data.error.message for e in result.get_step_failure_events()]
        live, quarantined, collapsed, reasons = delivery_counts(database, key)
        assert (live, quarantined, collapsed) == (expected.live, expected.quarantined, expected.collapsed)
        assert live + quarantined + collapsed == expected.records  # nothing lost, nothing invented
        assert all(rows_read == expected.records for rows_read, *_ in reasons)
        assert [line for _, line, _ in reasons] == list(expected.lines)
        for _, line, reason in reasons:
            assert re.search(rf"\bline {line}\b", reason), reason
            if "record has" not in reason and "quote opened" not in reason:
                assert "column" in reason, reason  # value problems name the column
        with duckdb.connect(str(database), read_only=True) as con:
            for query, want in expected.sql:
                params, want = (list(want[:-1]), want[-1]) if isinstance(want, tuple) else ([], want)
                assert con.execute(query, params).fetchone()[0] == want, query
    world.assert_nevada_untouched(database)


@pytest.mark.parametrize("label", sorted(HOSTILE_KEYS))
def test_hostile_s3_keys_are_data_not_paths_or_sql(world, tmp_path, label):
    key = HOSTILE_KEYS[label]
    result, database = run_one(world, tmp_path, key, (BAD / "good.csv").read_bytes())
    assert result.success
    live, quarantined, collapsed, _ = delivery_counts(database, key)
    assert (live, quarantined, collapsed) == (20, 0, 0)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT DISTINCT _delivery_key FROM source_current WHERE _source = 'texas'").fetchall() == [(key,)]
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] >= 5
    # stage files stay inside the storage dir: one per stage, named from the key with no '/' left
    name = partition_file_name(key)
    assert "/" not in name and not name.startswith(".")
    for stage in ("raw", "normalized", "deduped"):
        path = (world.storage / "texas" / stage / name).resolve()
        assert path.is_file() and path.parent == (world.storage / "texas" / stage).resolve()
    world.assert_nevada_untouched(database)


def test_the_sensor_requests_every_bad_delivery_and_every_hostile_key(world, s3_client, bucket_name, resources):
    from etl_assets_tests.support.pipeline import evaluate_delivery_sensor

    keys = [f"texas/07-14-2023 bad {name}" for name in EXPECTED] + list(HOSTILE_KEYS.values())
    for key in keys:
        s3_client.put_object(Bucket=bucket_name, Key=key, Body=b"x")
    with instance_for_test() as instance:
        result = evaluate_delivery_sensor(instance, resources)
    assert sorted(r.partition_key for r in result.run_requests) == sorted(keys)
    assert {r.tags["etl/source"] for r in result.run_requests} == {"texas"}
