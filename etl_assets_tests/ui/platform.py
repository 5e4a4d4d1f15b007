"""The platform as `make dev` runs it, for tests: a local S3 server and `dagster dev` on free ports.

``running_platform`` starts a moto server (``etl_assets.devtools.local_s3.moto_server``) seeded with the
given objects, then ``dagster dev -h 127.0.0.1 -p <free port> -w workspace.yaml`` as a child
process in its own process group, with a temp DAGSTER_HOME (a copy of the project's dagster.yaml),
a temp warehouse and storage, and dummy local credentials. Its webserver, daemon (the sensors run)
and every run it launches are in that group, which is killed at the end.

``small_deliveries`` makes many small deliveries (sample records, distinct keys and dates).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from etl_assets.devtools import local_s3

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_BUCKET = PROJECT_ROOT / "data" / "sample_bucket"
SOURCES = ("nevada", "oklahoma", "salesforce", "texas")
STAGES = ("raw", "normalized", "deduped", "warehouse")
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


@dataclass
class Platform:
    url: str  # the Dagster UI, http://127.0.0.1:<port>
    s3_endpoint: str
    bucket: str
    home: Path  # DAGSTER_HOME
    warehouse: Path
    log: Path  # dagster dev's stdout + stderr
    process: subprocess.Popen

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def runs(self) -> list[dict]:
        data = self.graphql(
            """query { runsOrError(limit: 1000) { __typename ... on Runs { results {
                 runId jobName status tags { key value } } } } }"""
        )
        return data["runsOrError"]["results"]

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def _kill_group(process: subprocess.Popen) -> None:
    """SIGTERM the whole process group (dagster dev, webserver, daemon, code servers, runs), then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything left in the group (runs, code servers)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def _wait_until_up(platform: Platform, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if platform.process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {platform.process.returncode}:\n{platform.log_tail()}")
        try:
            data = platform.graphql(
                "query { repositoriesOrError { __typename ... on RepositoryConnection { nodes { name } } } }", timeout=5
            )
            if data["repositoriesOrError"].get("nodes"):
                return
            last = data
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, RuntimeError) as exc:
            last = exc
        time.sleep(1)
    raise TimeoutError(f"dagster dev did not serve its code location within {timeout}s ({last}):\n{platform.log_tail()}")


@contextlib.contextmanager
def running_platform(workdir: Path, objects: dict[str, bytes], *, startup_timeout: float = 180) -> Iterator[Platform]:
    """`make dev` on free ports: moto seeded with ``objects`` (key -> bytes), then `dagster dev`."""
    workdir.mkdir(parents=True, exist_ok=True)
    home = workdir / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    bucket = "childcare-deliveries-test"
    with local_s3.moto_server() as endpoint:
        s3 = local_s3.client(endpoint)
        s3.create_bucket(Bucket=bucket)
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        env = {
            **os.environ,
            **local_s3.LOCAL_CREDENTIALS,  # dummy values: moto accepts any
            "AWS_ENDPOINT_URL": endpoint,
            "ETL_S3_BUCKET": bucket,
            "DAGSTER_HOME": str(home),
            "ETL_WAREHOUSE_PATH": str(workdir / "warehouse.duckdb"),
            "ETL_STORAGE_DIR": str(workdir / "storage"),
            "ETL_ALERTS_PATH": str(workdir / "alerts.jsonl"),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DAGSTER_CLI_API_GRPC_HOST", None)
        port = local_s3.free_port()
        log = workdir / "dagster_dev.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "dagster", "dev", "-h", local_s3.HOST, "-p", str(port), "-w", "workspace.yaml"],
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole at the end
            )
        platform = Platform(
            url=f"http://{local_s3.HOST}:{port}",
            s3_endpoint=endpoint,
            bucket=bucket,
            home=home,
            warehouse=workdir / "warehouse.duckdb",
            log=log,
            process=process,
        )
        try:
            _wait_until_up(platform, startup_timeout)
            yield platform
        finally:
            _kill_group(process)


def wait_for_runs(platform: Platform, done, timeout: float, poll: float = 3.0) -> list[dict]:
    """Poll the runs (GraphQL) until ``done(runs)`` is true; TimeoutError (with the log tail) past ``timeout``."""
    deadline = time.monotonic() + timeout
    runs: list[dict] = []
    while time.monotonic() < deadline:
        if platform.process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {platform.process.returncode}:\n{platform.log_tail()}")
        runs = platform.runs()
        if done(runs):
            return runs
        time.sleep(poll)
    statuses: dict[str, int] = {}
    for run in runs:
        statuses[run["status"]] = statuses.get(run["status"], 0) + 1
    raise TimeoutError(f"runs not done within {timeout}s: {statuses}\n{platform.log_tail()}")


def tag(run: dict, key: str) -> str | None:
    return next((t["value"] for t in run["tags"] if t["key"] == key), None)


def sample_objects() -> dict[str, bytes]:
    """data/sample_bucket/ as bucket objects, keyed by relative path (what `make dev` seeds)."""
    return {
        p.relative_to(SAMPLE_BUCKET).as_posix(): p.read_bytes()
        for p in sorted(SAMPLE_BUCKET.rglob("*.csv"))
    }


def _sample_records(source: str) -> tuple[list[str], list[list[str]], str]:
    (path,) = sorted((SAMPLE_BUCKET / source).glob("*.csv"))
    data = path.read_bytes()
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    header, *records = csv.reader(io.StringIO(text, newline=""))
    return header, [r for r in records if len(r) == len(header)], encoding


def small_deliveries(per_source: int, rows: int | None = 20, start: date = date(2024, 1, 1)) -> dict[str, bytes]:
    """``per_source`` deliveries of each source, ``rows`` sample records each, one day apart.

    Each delivery of a source holds the same first ``rows`` complete sample records (a registry's
    full refresh that did not change): runs may apply them in any order without tripping the
    delete guard, and every one must still be loaded and logged. ``rows=None`` takes every complete
    sample record: then they may also follow the sample itself without a row drop or deletes. Keys carry the delivery date in
    the source's own pattern (mappings/<source>.yaml), so every key is a distinct partition.
    """
    objects = {}
    for source in SOURCES:
        header, records, encoding = _sample_records(source)
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(records[:rows])
        body = out.getvalue().encode(encoding)
        for j in range(per_source):
            day = start + timedelta(days=j)
            if source == "salesforce":
                key = f"salesforce/salesforce_leads_{day:%Y-%m-%d}.csv"
            else:
                key = f"{source}/{day:%m-%d-%Y} {source.title()} load test.csv"
            objects[key] = body
    return objects
