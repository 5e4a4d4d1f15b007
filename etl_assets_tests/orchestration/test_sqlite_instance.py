"""The local instance's storage (``sqlite_instance.py``): dynamic partitions found are remembered,
and forgotten when this process deletes them or when the memory is older than its bound."""

from __future__ import annotations

import shutil

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef

from etl_assets.orchestration import sqlite_instance
from etl_assets_tests.conftest import PROJECT_ROOT


def _instance(home) -> DagsterInstance:
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))


def test_dynamic_partitions_remembered_and_forgotten(tmp_path, monkeypatch):
    instance, other = _instance(tmp_path), _instance(tmp_path)  # two processes' views of one DAGSTER_HOME
    try:
        assert isinstance(instance.event_log_storage, sqlite_instance.KeptOpenEventLogStorage)
        assert not instance.has_dynamic_partition("nevada_deliveries", "nevada/a.csv")  # a "no" is not remembered
        instance.add_dynamic_partitions("nevada_deliveries", ["nevada/a.csv"])
        assert instance.has_dynamic_partition("nevada_deliveries", "nevada/a.csv")

        instance.delete_dynamic_partition("nevada_deliveries", "nevada/a.csv")  # this process: forgotten at once
        assert not instance.has_dynamic_partition("nevada_deliveries", "nevada/a.csv")

        instance.add_dynamic_partitions("nevada_deliveries", ["nevada/a.csv"])
        assert instance.has_dynamic_partition("nevada_deliveries", "nevada/a.csv")
        other.delete_dynamic_partition("nevada_deliveries", "nevada/a.csv")  # another process: within the bound
        assert instance.has_dynamic_partition("nevada_deliveries", "nevada/a.csv")
        monkeypatch.setattr(sqlite_instance, "PARTITION_SEEN_SECONDS", 0.0)  # past the bound: asked again
        assert not instance.has_dynamic_partition("nevada_deliveries", "nevada/a.csv")
    finally:
        instance.dispose()
        other.dispose()
