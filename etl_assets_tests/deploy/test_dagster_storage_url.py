"""DAGSTER_POSTGRES_URL in the forms people write it (postgresql://, postgres://, with the psycopg2
driver named): a real Dagster instance from deploy/dagster.yaml on the session's PostgreSQL
cluster stores a run's events; any other URL is refused when the instance loads, naming the
accepted forms and never the password."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from dagster import DagsterInstance, asset, materialize

from etl_assets import settings
from etl_assets.settings import PROJECT_ROOT


def _instance_home(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    return home


@asset
def one_number() -> int:
    return 1


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://", "postgresql+psycopg2://"])
def test_a_run_s_events_are_stored_whichever_form_the_url_has(scheme, pg_server, tmp_path, monkeypatch):
    url = pg_server.create_database(f"dagster_{scheme.split(':')[0].replace('+', '_')}")
    assert url.startswith("postgresql://")
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", scheme + url[len("postgresql://"):])
    with DagsterInstance.from_config(str(_instance_home(tmp_path))) as instance:
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = materialize([one_number], instance=instance)
        assert result.success
        stored = instance.get_records_for_run(result.run_id).records
    with psycopg.connect(url) as con:
        (events,) = con.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", [result.run_id]).fetchone()
        (status,) = con.execute("SELECT status FROM runs WHERE run_id = %s", [result.run_id]).fetchone()
    assert events == len(stored) > 0
    assert status == "SUCCESS"


def test_another_database_s_url_is_refused_at_start_without_its_password(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", "mysql://user:secret@h/db")
    with pytest.raises(ValueError) as refused:
        DagsterInstance.from_config(str(_instance_home(tmp_path)))
    message = str(refused.value)
    assert "secret" not in message
    assert "DAGSTER_POSTGRES_URL" in message and "mysql://" in message
    for accepted in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        assert accepted in message


@pytest.mark.parametrize("given, expected", [
    ("postgresql://u:p@h:5432/d", "postgresql+psycopg2://u:p@h:5432/d"),
    ("postgres://u@h/d?sslmode=require", "postgresql+psycopg2://u@h/d?sslmode=require"),
    ("postgresql+psycopg2://u:p@h/d", "postgresql+psycopg2://u:p@h/d"),
    ("  POSTGRES://u@h/d\n", "postgresql+psycopg2://u@h/d"),
])
def test_storage_url_names_the_psycopg2_driver(given, expected):
    assert settings.storage_url(given) == expected


@pytest.mark.parametrize("given", ["postgresql+psycopg://u:pw-x@h/d", "mysql://u:pw-x@h/d", "u:pw-x@h/d", "sqlite:///x.db"])
def test_storage_url_refuses_other_urls_naming_what_to_write(given):
    with pytest.raises(ValueError, match=r"write postgresql://user:password@host:5432/dagster") as refused:
        settings.storage_url(given)
    assert "pw-x" not in str(refused.value)
