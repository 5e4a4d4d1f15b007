"""One warehouse for the analyst tests: the derived deliveries (scripts/derive_deliveries.py: Nevada
and Texas, three full refreshes each, known changes) plus a synthetic Salesforce export holding
three Texas providers unchanged in every delivery (so they must leave net-new) and two CRM-only
leads. The deliveries go through the real stages (land, normalize, dedup, load into a DuckDB file;
Dagster runs of the chains are tested elsewhere and would take minutes here), then one real
Dagster run of warehouse/leads, which creates the views."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import instance_for_test

import pandas as pd

from etl_assets.orchestration.resources import build_resources
from etl_assets.sources.registry import leads_schema, load_specs, spec_for_key
from etl_assets.stages.chain import stage_delivery
from etl_assets.stages.load import load_delivery
from etl_assets.warehouse import scopes
from etl_assets_tests.conftest import PROJECT_ROOT, SAMPLE_BUCKET
from etl_assets_tests.support.pipeline import materialize_leads

SALESFORCE_KEY = "salesforce/2023-08-15 leads.csv"
TEXAS_ORIGINAL = "texas/07-07-2023 Texas DHHS.csv"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","Director")'  # a CRM-only lead's title: the export must defuse it


@dataclass(frozen=True)
class AnalystWarehouse:
    path: str
    root: Path  # the bucket's files
    expected: dict  # expected_counts.json of the derive script
    crm_texas_keys: list[str]  # Texas record keys copied into the Salesforce export
    crm_only: int  # Salesforce records matching no registry record
    resources: dict
    leads_metadata: dict  # the warehouse/leads materialization's metadata

    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(self.path, read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def untouched_texas_records(root: Path, expected: dict, n: int) -> list[dict]:
    """The first n Texas records no derived delivery changes (present in all three, same values)."""
    touched = {k for d in expected["deliveries"] if d["source"] == "texas" for keys in d["record_keys"].values() for k in keys}
    with open(root / TEXAS_ORIGINAL, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    picked = [r for r in rows if r["Operation #"] not in touched and r["Phone"] and r["Address"].strip() and r["Zip"]]
    return picked[:n]


def salesforce_export(texas_rows: list[dict]) -> bytes:
    """A Salesforce Lead export (the sample's header) with the Texas providers and two CRM-only leads."""
    with open(SAMPLE_BUCKET / "salesforce" / "salesforce_leads.csv", encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    rows = [
        {"id": f"90{i}", "is_deleted": "FALSE", "last_name": "Owner", "first_name": "Pat", "company": r["Operation/Caregiver Name"],
         "street": r["Address"].strip(), "city": r["City"], "state": "TX", "postal_code": r["Zip"], "phone": r["Phone"],
         "lead_source": "TAM", "status": "Working"}
        for i, r in enumerate(texas_rows)
    ]
    rows += [
        {"id": "950", "is_deleted": "FALSE", "last_name": "Nguyen", "first_name": "Ann", "company": "Maple Grove Kids Club",
         "street": "1 Maple Grove Rd", "city": "Boise", "state": "ID", "postal_code": "83702", "phone": "208-555-0101"},
        {"id": "951", "is_deleted": "FALSE", "last_name": "Okafor", "first_name": "Chi", "company": "Harbor Light Preschool",
         "title": FORMULA_TITLE,
         "street": "77 Harbor Way", "city": "Portland", "state": "ME", "postal_code": "04101", "phone": "207-555-0199"},
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def load_file(con: duckdb.DuckDBPyConnection, root: Path, key: str, run_id: str) -> None:
    """One delivery through land → normalize → dedup → load, as the chain's assets call them."""
    specs = load_specs()
    spec = spec_for_key(key, specs)
    with tempfile.TemporaryDirectory(prefix="analyst-") as folder, open(root / key, "rb") as stream:
        staged = stage_delivery(stream, spec, leads_schema(), key, f'"{run_id}"', pd.Timestamp("2023-09-30T12:00:00Z"),
                                f"s3://b/{key}", Path(folder), strict=False)
        load_delivery(con, spec, key, staged.normalized.file, staged.deduped.file, run_id)


@pytest.fixture(scope="session")
def analyst_warehouse(tmp_path_factory, s3_endpoint) -> AnalystWarehouse:
    from etl_assets.devtools import local_s3

    root = tmp_path_factory.mktemp("analyst-bucket")
    subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "derive_deliveries.py"), str(root)], check=True,
                   capture_output=True)
    expected = json.loads((root / "expected_counts.json").read_text())
    texas_rows = untouched_texas_records(root, expected, 3)
    (root / SALESFORCE_KEY).parent.mkdir(parents=True, exist_ok=True)
    (root / SALESFORCE_KEY).write_bytes(salesforce_export(texas_rows))

    work = tmp_path_factory.mktemp("analyst-warehouse")
    bucket = "analyst-exports"
    local_s3.client(s3_endpoint).create_bucket(Bucket=bucket)
    resources = build_resources(bucket=bucket, endpoint_url=s3_endpoint, warehouse=work / "warehouse.duckdb",
                                storage_dir=work / "storage", region="us-east-1")
    keys = [d["delivery_key"] for d in expected["deliveries"]] + [SALESFORCE_KEY]
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        for n, key in enumerate(keys):
            load_file(con, root, key, f"run-{n}")
    with instance_for_test() as instance:
        result = materialize_leads(instance, resources)
    (event,) = result.get_asset_materialization_events()
    return AnalystWarehouse(str(work / "warehouse.duckdb"), root, expected, [r["Operation #"] for r in texas_rows], 2,
                            resources, dict(event.materialization.metadata))


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory, s3_endpoint) -> str:
    """The four sample deliveries, as they are, through the stages, then one leads run: the warehouse
    the README's queries are checked on."""
    work = tmp_path_factory.mktemp("sample-warehouse")
    resources = build_resources(bucket="unused", endpoint_url=s3_endpoint, warehouse=work / "warehouse.duckdb",
                                storage_dir=work / "storage", region="us-east-1")
    with duckdb.connect(str(work / "warehouse.duckdb")) as con:
        for n, path in enumerate(sorted(SAMPLE_BUCKET.glob("*/*.csv"))):
            load_file(con, SAMPLE_BUCKET, str(path.relative_to(SAMPLE_BUCKET)), f"run-{n}")
    with instance_for_test() as instance:
        materialize_leads(instance, resources)
    return str(work / "warehouse.duckdb")


@pytest.fixture(scope="session")
def sample_warehouse_postgres(pg_server, tmp_path_factory, s3_endpoint) -> str:
    """The same four samples and leads run on the PostgreSQL backend (each load through the warehouse
    resource, as the asset does): the README's queries must answer the same there. Returns the URL."""
    url = pg_server.create_database("readme_queries")
    work = tmp_path_factory.mktemp("sample-warehouse-postgres")
    resources = build_resources(bucket="unused", endpoint_url=s3_endpoint, warehouse=url,
                                storage_dir=work / "storage", region="us-east-1")
    specs = load_specs()
    for n, path in enumerate(sorted(SAMPLE_BUCKET.glob("*/*.csv"))):
        key = str(path.relative_to(SAMPLE_BUCKET))
        with resources["duckdb"].open(scopes.source_load(spec_for_key(key, specs).source)) as con:
            load_file(con, SAMPLE_BUCKET, key, f"run-{n}")
    with instance_for_test() as instance:
        materialize_leads(instance, resources)
    return url
