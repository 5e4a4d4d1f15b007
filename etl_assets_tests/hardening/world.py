"""A shared test world for the hardening tests: one Dagster instance in which a good Nevada delivery
was ingested, and a fresh copy of its warehouse per test, so each bad Texas delivery runs next to
another source's data and the test can prove that data untouched."""

from __future__ import annotations

import hashlib
import contextlib
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
from dagster import DagsterInstance, instance_for_test, materialize

from etl_assets.devtools import local_s3
from etl_assets.orchestration.definitions import build_chains
from etl_assets.orchestration.resources import build_resources
from etl_assets_tests.conftest import sample_file

NEVADA_KEY = "nevada/07-07-2023 Nevada Dept of Public _ Behavioral Health.csv"


def chain(source: str):
    return next(c for c in build_chains() if c.spec.source == source)


def make_resources(endpoint: str, bucket: str, database: Path, storage: Path, max_attempts: int = 5) -> dict:
    return build_resources(
        bucket=bucket, endpoint_url=endpoint, warehouse=database, storage_dir=storage, region="us-east-1",
        max_attempts=max_attempts,
    )


def ingest(instance: DagsterInstance, resources: dict, source: str, key: str, raise_on_error: bool = False, run_config=None):
    c = chain(source)
    instance.add_dynamic_partitions(c.partitions.name, [key])
    return materialize(
        c.definitions, partition_key=key, instance=instance, resources=resources,
        raise_on_error=raise_on_error, run_config=run_config,
    )


def source_state(database: Path, source: str) -> dict[str, list]:
    """Everything the warehouse holds for one source, as sorted reprs (loaded_at/run id excluded)."""
    queries = {
        "current": "SELECT * EXCLUDE (_ingested_at) FROM source_current WHERE _source = ?",
        "history": "SELECT _record_key, valid_from, valid_to, change_type, is_current, row_hash FROM source_history WHERE _source = ?",
        "quarantine": "SELECT _delivery_key, _row_number, _line_number, reason, raw_record FROM quarantine WHERE _source = ?",
        "deliveries": "SELECT _delivery_key, _etag, rows_read, rows_quarantined, rows_written, rows_collapsed FROM deliveries WHERE _source = ?",
    }
    with duckdb.connect(str(database), read_only=True) as con:
        return {name: sorted(map(repr, con.execute(sql, [source]).fetchall())) for name, sql in queries.items()}


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class World:
    endpoint: str
    bucket: str
    client: object
    instance: DagsterInstance
    root: Path
    template: Path  # warehouse holding the Nevada delivery
    storage: Path
    nevada: dict[str, list]
    nevada_files: dict[str, str]
    nevada_run_id: str

    def warehouse_copy(self, target: Path) -> Path:
        shutil.copyfile(self.template, target)
        wal = self.template.with_name(self.template.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))
        return target

    def resources(self, database: Path, **kwargs) -> dict:
        return make_resources(self.endpoint, self.bucket, database, self.storage, **kwargs)

    def assert_nevada_untouched(self, database: Path) -> None:
        assert source_state(database, "nevada") == self.nevada
        assert tree_digest(self.storage / "nevada") == self.nevada_files
        c = chain("nevada")
        for asset_key in c.keys:
            record = self.instance.get_latest_materialization_event(asset_key)
            assert record is not None and record.run_id == self.nevada_run_id


def build_world(endpoint: str, root: Path, instance: DagsterInstance) -> World:
    client = local_s3.client(endpoint)
    bucket = f"hardening-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    client.upload_file(str(sample_file("nevada")), bucket, NEVADA_KEY)
    template, storage = root / "template.duckdb", root / "storage"
    result = ingest(instance, make_resources(endpoint, bucket, template, storage), "nevada", NEVADA_KEY, raise_on_error=True)
    return World(
        endpoint=endpoint, bucket=bucket, client=client, instance=instance, root=root, template=template,
        storage=storage, nevada=source_state(template, "nevada"), nevada_files=tree_digest(storage / "nevada"),
        nevada_run_id=result.run_id,
    )


TEXAS_KEY = "texas/07-07-2023 Texas DHHS.csv"
TEXAS_RECORDS = 99  # the Texas sample's records (conftest.SAMPLE_RECORDS)


@contextlib.contextmanager
def texas_world(endpoint: str, workdir: Path):
    """A world (bucket, storage, warehouse, instance) holding the real Texas sample under TEXAS_KEY."""
    with instance_for_test() as instance:
        w = build_world(endpoint, workdir, instance)
        w.client.upload_file(str(sample_file("texas")), w.bucket, TEXAS_KEY)
        yield w


def delivery_counts(database: Path, key: str) -> tuple[int, int, int, list]:
    with duckdb.connect(str(database), read_only=True) as con:
        live = con.execute("SELECT count(*) FROM source_current WHERE _source = 'texas' AND _delivery_key = ?", [key]).fetchone()[0]
        reasons = con.execute(
            "SELECT _line_number, reason FROM quarantine WHERE _source = 'texas' AND _delivery_key = ? ORDER BY _row_number", [key]
        ).fetchall()
        log = con.execute(
            "SELECT rows_read, rows_collapsed FROM deliveries WHERE _source = 'texas' AND _delivery_key = ?", [key]
        ).fetchall()
    (rows_read, collapsed), = log
    return live, len(reasons), collapsed, [(rows_read, *r) for r in reasons]
