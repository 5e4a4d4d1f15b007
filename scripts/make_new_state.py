"""Generate a synthetic new state, "franklin", from the Texas and Nevada sample rows.

    .venv/bin/python scripts/make_new_state.py [OUT_DIR]   (default: .local/new_state)

The State of Franklin never joined the Union, so its licensing registry is invented: its delivery
is the 99 Texas + 100 Nevada sample records, shuffled (fixed seed) and rewritten with Franklin's
own column names and order, its own value formats and encoding:

- ``Lic #`` (Nevada's credential number; Texas's operation number), ``Facility Name``,
  ``Date Licensed`` as ``%d-%b-%Y`` (``13-Oct-2011``), ``Contact Phone`` as ``(830) 429-1010``,
  ``Site Address`` on one line (``19290 K ST, SOMERSET, TX 78069``), ``Facility Type``, ``County``,
  ``Expires On`` as ``%Y-%m-%d``, ``E-mail``, ``Licensed Capacity``, ``Director``, ``Complaints``
  (a Y/N column no leads column takes), ``Status``;
- cp1252 bytes, CRLF line endings, key ``franklin/2023-08-01 Franklin Office of Child Care Licensing.csv``.

``make_new_state(out_dir)`` returns the file and, per record in file order, the sample record it
came from (``(source, line_number)``), so a test can compare the onboarded source's normalized
values with the originals' (``etl_assets_tests/onboarding/test_new_state.py``). The samples in
``data/sample_bucket/`` are only read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BUCKET = PROJECT_ROOT / "data" / "sample_bucket"
SOURCE = "franklin"
FILE_NAME = "2023-08-01 Franklin Office of Child Care Licensing.csv"
KEY = f"{SOURCE}/{FILE_NAME}"
SEED = 7
COLUMNS = [
    "Lic #", "Facility Name", "Date Licensed", "Contact Phone", "Site Address", "Facility Type", "County",
    "Expires On", "E-mail", "Licensed Capacity", "Director", "Complaints", "Status",
]  # fmt: skip


def _sample(source: str) -> Path:
    (path,) = sorted((SAMPLE_BUCKET / source).glob("*.csv"))
    return path


def _records(source: str, encoding: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, record) per sample record, counted as the platform's reader counts lines."""
    with _sample(source).open(encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        header = [h.strip() or f"column_{i}" for i, h in enumerate(header, start=1)]
        out, last = [], reader.line_num
        for fields in reader:
            out.append((last + 1, dict(zip(header, fields))))
            last = reader.line_num
    return out


def _date(text: str, fmt: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return dt.datetime.strptime(text, "%m/%d/%Y").strftime(fmt)


def _phone(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else text


def _texas(r: dict[str, str]) -> dict[str, str]:
    return {
        "Lic #": r["Operation #"], "Facility Name": r["Operation/Caregiver Name"],
        "Date Licensed": _date(r["Issue Date"], "%d-%b-%Y"), "Contact Phone": _phone(r["Phone"]),
        "Site Address": f"{r['Address'].strip()}, {r['City'].strip()}, {r['State'].strip()} {r['Zip'].strip()}",
        "Facility Type": r["Type"], "County": r["County"], "Expires On": "", "E-mail": r["Email Address"],
        "Licensed Capacity": r["Capacity"], "Director": "", "Complaints": "N", "Status": r["Status"],
    }  # fmt: skip


def _nevada(r: dict[str, str]) -> dict[str, str]:
    return {
        "Lic #": r["Credential Number"], "Facility Name": r["Name"],
        "Date Licensed": _date(r["First Issue Date"], "%d-%b-%Y"), "Contact Phone": _phone(r["Phone#"]),
        "Site Address": r["Address"], "Facility Type": r["Credential Type"], "County": r["County"],
        "Expires On": _date(r["Expiration Date"], "%Y-%m-%d"), "E-mail": "", "Licensed Capacity": "",
        "Director": r["Primary Contact Name"], "Complaints": r["Disciplinary Action"], "Status": r["Status"],
    }  # fmt: skip


def build_rows() -> list[tuple[tuple[str, int], dict[str, str]]]:
    """((source, line), Franklin record) for every Texas and Nevada sample record, shuffled."""
    rows = [(("texas", line), _texas(r)) for line, r in _records("texas", "utf-8")]
    rows += [(("nevada", line), _nevada(r)) for line, r in _records("nevada", "cp1252")]
    random.Random(SEED).shuffle(rows)
    return rows


def to_bytes(rows: list[dict[str, str]], columns: list[str] = COLUMNS, header: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("cp1252")


def make_new_state(out_dir: Path, header: bool = True) -> tuple[Path, list[tuple[str, int]]]:
    """Write Franklin's delivery under ``out_dir/franklin/``; returns the path and the origins."""
    rows = build_rows()
    path = Path(out_dir) / SOURCE / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes([r for _, r in rows], header=header))
    return path, [origin for origin, _ in rows]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else PROJECT_ROOT / ".local" / "new_state"
    path, origins = make_new_state(out)
    print(f"{len(origins)} records -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
