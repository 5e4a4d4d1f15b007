"""The derived sample deliveries (scripts/derive_deliveries.py: known inserts, updates, deletes and
revivals with their expected counts), written once per test module, and their upload to the bucket."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from etl_assets_tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("derived")
    subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "derive_deliveries.py"), str(out)], check=True, capture_output=True)
    return out, json.loads((out / "expected_counts.json").read_text())


def upload(s3_client, bucket, root: Path, keys: list[str]) -> None:
    for key in keys:
        s3_client.upload_file(str(root / key), bucket, key)
