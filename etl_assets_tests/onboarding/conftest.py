"""Onboarding tests write proposals into a temp mappings dir (``ETL_MAPPINGS_DIR``) holding a copy of leads.yaml."""

from __future__ import annotations

import shutil

import pytest

from etl_assets.sources import registry
from etl_assets_tests.conftest import PROJECT_ROOT


@pytest.fixture
def mappings_dir(tmp_path, monkeypatch):
    directory = tmp_path / "mappings"
    directory.mkdir()
    shutil.copy(PROJECT_ROOT / "mappings" / "leads.yaml", directory / "leads.yaml")
    monkeypatch.setenv("ETL_MAPPINGS_DIR", str(directory))
    registry.load_specs.cache_clear()
    registry.leads_schema.cache_clear()
    yield directory
    registry.load_specs.cache_clear()
    registry.leads_schema.cache_clear()
