"""Write the corpus of bad deliveries used by etl_assets_tests/hardening/test_bad_deliveries.py.

Every file is in Texas's layout (mappings/texas.yaml) and starts from real records of the Texas
sample, so it goes through the real mapping; each injects one defect. The bytes are committed
under etl_assets_tests/fixtures/bad/ (deterministic: re-running this script rewrites identical
files). The 300 MB file is not here: the memory test generates it into a temp dir (``write_big``).

    .venv/bin/python scripts/make_bad_corpus.py          # (re)write the corpus
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample_bucket" / "texas" / "07-07-2023 Texas DHHS.csv"
OUT = ROOT / "etl_assets_tests" / "fixtures" / "bad"

GOOD = 20  # good records per file: a few bad ones stay under the 20 % quarantine threshold


def sample() -> tuple[list[str], list[list[str]]]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[2 : 2 + GOOD]  # skip the first record (its own quoting quirk)


def to_csv(rows: list[list[str]], newline: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def build() -> dict[str, bytes]:
    header, good = sample()
    idx = {name: i for i, name in enumerate(header)}

    def put(row: list[str], column: str, value: str) -> list[str]:
        row = list(row)
        row[idx[column]] = value
        return row

    files: dict[str, bytes] = {}
    plain = to_csv([header, *good])
    files["good.csv"] = plain.encode()  # delivered under hostile S3 keys (../, unicode, apostrophe)
    files["empty.csv"] = b""
    files["header_only.csv"] = to_csv([header]).encode()
    files["no_header.csv"] = to_csv(good).encode()
    rng = random.Random(8)
    files["binary_garbage.csv"] = bytes(rng.randrange(256) for _ in range(4096))
    files["gzip_named_csv.csv"] = gzip.compress(plain.encode(), mtime=0)
    files["xlsx_named_csv.csv"] = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(200)
    files["html_error_page.csv"] = b"<html><head><title>503 Service Unavailable</title></head>\n<body>try later</body></html>\n"

    # encodings: the same records with accented names
    accented = [put(good[0], "Operation/Caregiver Name", "Niños Café Learning Center"), *good[1:]]
    text = to_csv([header, *accented])
    files["utf16_bom.csv"] = text.encode("utf-16")  # BOM + UTF-16-LE
    files["utf8_bom.csv"] = text.encode("utf-8-sig")
    files["cp1252.csv"] = text.encode("cp1252")
    files["not_any_encoding.csv"] = to_csv([header, *good[:10]]).encode() + b"1999999,,Bad \x81\x8d byte\r\n" + to_csv(good[10:]).encode()

    # line endings: \r\n, \n and a lone \r, mixed
    endings = ["\r\n", "\n", "\r"]
    files["mixed_line_endings.csv"] = "".join(
        to_csv([row], newline=endings[i % 3]) for i, row in enumerate([header, *good])
    ).encode()

    # a quote opened mid-file: in record 9, never closed (no later quote in the file) ...
    lines = to_csv([header, *good]).split("\r\n")
    assert '"' in lines[7] and all('"' not in line for line in lines[8:])
    lines[10] = lines[10].replace(",", ',"', 2).replace(',"', ",", 1)  # `"` opens the 3rd field
    files["open_quote_to_eof.csv"] = "\r\n".join(lines).encode()
    # ... and in record 2, closed by accident by the quoted field of record 6
    lines = to_csv([header, *good]).split("\r\n")
    lines[2] = lines[2].replace(",", ',"', 2).replace(',"', ",", 1)
    files["open_quote_closed_later.csv"] = "\r\n".join(lines).encode()

    # ragged: one record with two surplus fields, one short by three, one of a single field
    files["ragged_rows.csv"] = to_csv(
        [header, *good[:5], [*good[5], "surplus", "more"], *good[6:10], good[10][:-3], *good[11:], ["1800000"]]
    ).encode()
    # trailing delimiter on every data row (not the header): a delimiter artefact, read as the header's columns
    files["trailing_delimiter_all_rows.csv"] = to_csv([header, *[[*r, ""] for r in good]]).encode()

    dup = list(header)
    dup[idx["County"]] = "City"  # two columns named City
    files["duplicated_header_names.csv"] = to_csv([dup, *good]).encode()
    empty_cell = list(header)
    empty_cell[idx["Agency Number"]] = ""
    files["empty_header_cell.csv"] = to_csv([empty_cell, *good]).encode()
    missing = [h for h in header if h != "Operation #"]
    files["required_column_missing.csv"] = to_csv([missing, *[r[1:] for r in good]]).encode()
    files["extra_unknown_columns.csv"] = to_csv(
        [[*header, "Notes", "Internal Code"], *[[*r, f"note {i}", f"X{i}"] for i, r in enumerate(good)]]
    ).encode()
    files["semicolon_delimited.csv"] = to_csv([header, *good]).replace(",", ";").encode()

    files["field_100k_chars.csv"] = to_csv(
        [header, put(good[0], "Operation/Caregiver Name", "Bright Beginnings " + "x" * 100_000),
         put(good[1], "Address", "1 Main St " + "y" * 100_000), *good[2:]]
    ).encode()

    sql = '"; DROP TABLE leads; --'
    files["sql_quotes_controls.csv"] = to_csv(
        [
            [*header, sql, "it's \"quoted\"", "new\nline"],
            [*put(good[0], "Operation/Caregiver Name", sql), "x", "y", "z"],
            [*put(good[1], "Operation/Caregiver Name", "O'Brien's \"Little\" Ones"), "x", "y", "z"],
            [*put(good[2], "Address", "12 Elm St\nSuite 4\r\nBack door"), "x", "y", "z"],
            [*put(good[3], "Operation/Caregiver Name", "Bell\x07 Esc\x1b[31m Del\x7f Kids\x0b\x0c"), "x", "y", "z"],
            [*put(good[4], "City", "Robert'); DROP TABLE source_history;--"), "x", "y", "z"],
            *[[*r, "x", "y", "z"] for r in good[5:]],
        ]
    ).encode()

    files["spreadsheet_formulas.csv"] = to_csv(
        [
            header,
            put(good[0], "Operation/Caregiver Name", '=HYPERLINK("http://evil.example/x","Click me")'),
            put(good[1], "Address", "@SUM(1+1)*cmd|' /C calc'!A0"),
            put(good[2], "City", "+cmd|' /C notepad'!A1"),
            put(good[3], "County", "-2+3+cmd|' /C calc'!A0"),
            *good[4:],
        ]
    ).encode()

    files["impossible_dates.csv"] = to_csv(
        [header, put(good[0], "Issue Date", "02/30/2023"), put(good[1], "Issue Date", "12/31/9999"),
         put(good[2], "Issue Date", "13/45/2023"), *good[3:]]
    ).encode()
    files["capacity_out_of_range.csv"] = to_csv(
        [header, put(good[0], "Capacity", "-5"), put(good[1], "Capacity", "1e9"), put(good[2], "Capacity", "12.5"), *good[3:]]
    ).encode()
    files["same_record_1000_times.csv"] = to_csv([header, *([good[0]] * 1000), *good[1:]]).encode()
    files["missing_record_keys.csv"] = to_csv(
        [header, put(good[0], "Operation #", ""), put(good[1], "Operation #", "   "), *good[2:]]
    ).encode()
    files["mostly_bad_rows.csv"] = to_csv([header, *[put(r, "Operation #", "") for r in good[:10]], *good[10:]]).encode()
    files["blank_lines_between.csv"] = to_csv([header, *good[:5]]).encode() + b"\r\n\r\n,,,\r\n" + to_csv(good[5:]).encode()
    files["truncated_last_record.csv"] = (plain.rstrip("\r\n").rsplit(",", 9)[0]).encode()
    files["nul_after_64k.csv"] = to_csv([header, *(good * 200)]).encode()[: 70_000].rsplit(b"\r\n", 1)[0] + b"\r\n1799999,,Nul\x00Kids\r\n"
    return files


def main(out: Path = OUT) -> int:
    out.mkdir(parents=True, exist_ok=True)
    files = build()
    for name, data in files.items():
        (out / name).write_bytes(data)
    stale = sorted(p.name for p in out.iterdir() if p.suffix == ".csv" and p.name not in files)
    for name in stale:
        (out / name).unlink()
    print(f"wrote {len(files)} files to {out}" + (f"; removed {stale}" if stale else ""))
    return 0


def write_big(path: Path, target_bytes: int) -> int:
    """Stream a Texas-layout delivery of about ``target_bytes`` to ``path``; returns its records.

    Record keys are unique (the reader, the record key and dedup see every row); names cycle
    through 1,000 variants and other values through the 20 sample records (registries repeat
    cities, types and statuses; transforms run once per distinct value, so this keeps the test's
    run time down without changing the row-proportional memory it measures)."""
    header, good = sample()
    written = records = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        while written < target_bytes:
            block = io.StringIO()
            w = csv.writer(block, lineterminator="\r\n")
            for _ in range(10_000):
                row = list(good[records % len(good)])
                row[0] = str(10_000_000 + records)
                row[2] = f"{row[2]} {records % 50}"
                w.writerow(row)
                records += 1
            chunk = block.getvalue()
            f.write(chunk)
            written += len(chunk)
    return records


if __name__ == "__main__":
    sys.exit(main())
