"""Write the golden files of the normalize stage: one CSV per sample delivery, every leads column as text.

    .venv/bin/python scripts/write_golden.py [--check]

For each source with a sample in ``data/sample_bucket/<source>/*.csv`` (never modified) the file is
landed and normalized through the stage files exactly as the ``<source>/raw`` and
``<source>/normalized`` assets run them (``stages/chain.py``, fixed lineage values), then the
normalized file is read back.
``etl_assets_tests/golden/<source>.csv`` gets one row per source record: ``_row_number``,
``_line_number``, every leads column of ``mappings/leads.yaml`` (including the matching columns
``address_std`` and ``company_std``) rendered as text, then ``_quarantine_reason`` and ``_dq_flags``.

Rendering: null → empty cell, dates ISO (``2023-11-30``), booleans ``true``/``false``, integers
without a decimal point, text as is. UTF-8, ``\\n`` line endings, minimal quoting.

A golden file is a *reviewed* expectation, not a snapshot: after re-generating, read the diff
(``git diff etl_assets_tests/golden``) against the source records before committing it.
``--check`` writes nothing and exits 1 when a golden file differs from what the code produces.

``etl_assets_tests/test_golden.py`` imports ``golden_rows`` from here, so the test and the writer
run one and the same pipeline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from etl_assets.records import DQ_FLAGS, LINE_NUMBER, QUARANTINE_REASON, ROW_NUMBER  # noqa: E402
from etl_assets.sources.registry import leads_schema, load_specs, spec_by_name  # noqa: E402
from etl_assets.stages.chain import stage_delivery  # noqa: E402

SAMPLE_BUCKET = PROJECT_ROOT / "data" / "sample_bucket"
GOLDEN_DIR = PROJECT_ROOT / "etl_assets_tests" / "golden"
MAPPINGS_DIR = PROJECT_ROOT / "mappings"
SOURCES = ("nevada", "oklahoma", "texas", "salesforce")

# Fixed lineage: the golden files must not depend on when or from where they were generated.
ETAG = '"golden"'
LANDED_AT = pd.Timestamp("2023-07-07T12:00:00Z")


def sample_path(source: str) -> Path:
    (path,) = sorted((SAMPLE_BUCKET / source).glob("*.csv"))
    return path


def golden_path(source: str) -> Path:
    return GOLDEN_DIR / f"{source}.csv"


def golden_columns() -> list[str]:
    return [ROW_NUMBER, LINE_NUMBER, *leads_schema(MAPPINGS_DIR).all_columns, QUARANTINE_REASON, DQ_FLAGS]


def render(value) -> str:
    """One cell as golden text: '' for null, ISO dates, true/false, plain integers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return render(value.item())
    return str(value)


def normalize_sample(source: str) -> pd.DataFrame:
    """The normalized stage file of a source's sample, landed as the raw asset lands it, read back."""
    specs = load_specs(MAPPINGS_DIR)
    spec = spec_by_name(source, specs)
    path = sample_path(source)
    key = f"{source}/{path.name}"
    where = f"s3://golden/{key}"
    with tempfile.TemporaryDirectory(prefix="golden-") as folder, path.open("rb") as stream:
        staged = stage_delivery(stream, spec, leads_schema(MAPPINGS_DIR), key, ETAG, LANDED_AT, where, Path(folder), dedup=False)
        return staged.normalized.file.read()


def golden_rows(source: str) -> list[dict[str, str]]:
    """The rows of a source's golden file, every value rendered as text."""
    rows = normalize_sample(source)
    columns = golden_columns()
    return [{c: render(rows[c].iat[i]) for c in columns} for i in range(len(rows))]


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=golden_columns(), lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_golden(source: str) -> list[dict[str, str]]:
    with golden_path(source).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on any difference")
    parser.add_argument("sources", nargs="*", default=list(SOURCES))
    args = parser.parse_args(argv)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    status = 0
    for source in args.sources:
        text = to_csv(golden_rows(source))
        path = golden_path(source)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if args.check:
            same = old == text
            print(f"{source}: {'up to date' if same else 'DIFFERS'} ({path.relative_to(PROJECT_ROOT)})")
            status |= 0 if same else 1
            continue
        path.write_bytes(text.encode("utf-8"))
        n = text.count("\n") - 1
        print(f"{source}: {n} rows -> {path.relative_to(PROJECT_ROOT)}{' (unchanged)' if old == text else ''}")
    return status


if __name__ == "__main__":
    sys.exit(main())
