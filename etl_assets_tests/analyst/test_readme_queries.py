"""Every query of README's "Questions the warehouse answers", run on the warehouse built from the four
samples, on DuckDB and on PostgreSQL (the README says the same SQL runs on both), against numbers written
by hand from the sample files (data/sample_bucket/PROVENANCE.md):
Nevada 100 records (no e-mail column; two phones with unassigned area codes, 362 and 565), Oklahoma 50
(the last one truncated: quarantined), Texas 99 (60 with an e-mail; no contact name or license number
column), Salesforce 39 test leads in other states with placeholder phones, none of them a registry provider."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import psycopg
import pytest

from etl_assets_tests.conftest import PROJECT_ROOT

NEVADA = "nevada/07-07-2023 Nevada Dept of Public _ Behavioral Health.csv"
OKLAHOMA = "oklahoma/07-07-2023 Oklahoma Human Services.csv"
TEXAS = "texas/07-07-2023 Texas DHHS.csv"
SALESFORCE = "salesforce/salesforce_leads.csv"

# the five sales fields' fill rates (phone, email, address, contact name, license) by hand
NEVADA_FILL = (0.98 + 0 + 1 + 1 + 1) / 5
TEXAS_FILL = (1 + 60 / 99 + 1 + 0 + 0) / 5
OKLAHOMA_FILL = 1.0
ANY = object()  # the CRM's own fill rate is not part of the question

EXPECTED = [
    [  # 1. net-new per file
        ("nevada", NEVADA, 100, 0, 100, 100, 0),
        ("oklahoma", OKLAHOMA, 50, 1, 49, 49, 0),
        ("salesforce", SALESFORCE, 39, 0, 39, 0, 39),
        ("texas", TEXAS, 99, 0, 99, 99, 0),
    ],
    [("nevada", "insert", 100), ("oklahoma", "insert", 49), ("salesforce", "insert", 39), ("texas", "insert", 99)],
    [  # 3. the scorecard: rank, source, score, net-new, exclusive, CRM overlap, fill, phone, email, quarantine
        (1, "nevada", 100 * NEVADA_FILL, 100, 100, 0, NEVADA_FILL, 0.98, 0.0, 0.0),
        (2, "texas", 99 * TEXAS_FILL, 99, 99, 0, TEXAS_FILL, 1.0, 60 / 99, 0.0),
        (3, "oklahoma", 49 * OKLAHOMA_FILL * (1 - 1 / 50), 49, 49, 0, OKLAHOMA_FILL, 1.0, 1.0, 1 / 50),
        (None, "salesforce", 0.0, 0, 39, 39, ANY, 0.0, 1.0, 0.0),
    ],
    [("NV", 100), ("OK", 49), ("TX", 99)],  # 4. net-new by state
]


def readme_queries() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Questions the warehouse answers", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def test_the_readme_has_one_query_per_question():
    assert len(readme_queries()) == len(EXPECTED)


def run_query(backend: str, request, sql: str) -> list[tuple]:
    """The query's rows on one backend, as an analyst would run it (read-only DuckDB file, or psql)."""
    if backend == "duckdb":
        with duckdb.connect(request.getfixturevalue("sample_warehouse"), read_only=True) as con:
            return con.execute(sql).fetchall()
    with psycopg.connect(request.getfixturevalue("sample_warehouse_postgres"), autocommit=True) as con:
        rows = con.execute(sql).fetchall()
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in rows]


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
@pytest.mark.parametrize("number", range(len(EXPECTED)))
def test_readme_query_answers_with_the_sample_numbers(request, backend, number):
    rows = run_query(backend, request, readme_queries()[number])
    expected = EXPECTED[number]
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        assert len(row) == len(want)
        for got, value in zip(row, want):
            if value is ANY:
                continue
            assert got == pytest.approx(value) if isinstance(value, float) else got == value, (row, want)
