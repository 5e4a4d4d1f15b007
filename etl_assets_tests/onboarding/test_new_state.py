"""A new registry onboarded without Python and without editing the proposed YAML.

``scripts/make_new_state.py`` writes Franklin's delivery (the Texas + Nevada sample rows with
their own column names and order, ``%d-%b-%Y`` / ``%Y-%m-%d`` dates, one-line addresses, cp1252).
``etl-assets propose-mapping`` writes ``franklin.yaml`` into a temp mappings dir (``ETL_MAPPINGS_DIR``,
with a copy of ``leads.yaml``); ``check-mapping`` passes; the delivery then goes bucket (moto) →
sensor → partitioned run → warehouse, and the key fields equal the originals' golden values.
"""

from __future__ import annotations


import duckdb
from dagster import build_sensor_context, instance_for_test, materialize

from etl_assets.cli import main as cli
from etl_assets.sources import registry
from etl_assets_tests.support.scripts import load_script

make_new_state = load_script("make_new_state")
write_golden = load_script("write_golden")

KEY_FIELDS = ("phone", "zip", "company", "license_number", "license_issued", "certificate_expiration_date")


def _expected(origins) -> list[dict[str, str]]:
    golden = {s: {int(r["_line_number"]): r for r in write_golden.read_golden(s)} for s in ("texas", "nevada")}
    out = []
    for source, line in origins:
        g = dict(golden[source][line])
        if source == "texas":  # Franklin's 'Lic #' holds Texas's operation number
            g["license_number"] = g["provider_id"]
        out.append({k: g[k] for k in KEY_FIELDS})
    return out


def test_new_state_is_onboarded_and_ingested_end_to_end(tmp_path, mappings_dir, resources, bucket_name, s3_client, capsys):
    path, origins = make_new_state.make_new_state(tmp_path / "bucket")
    assert path.read_bytes().decode("cp1252") and b"\r\n" in path.read_bytes()

    # onboarding: propose (no manual edit), then check against the same sample
    assert cli(["propose-mapping", str(path), "--source", "franklin"]) == 0
    proposed = (mappings_dir / "franklin.yaml").read_text()
    assert "key_pattern: \"franklin/*.csv\"" in proposed and "# confidence" in proposed
    assert "'Complaints'" in proposed.splitlines()[-1]  # the unmatched column is listed
    assert "%d-%b-%Y" in proposed and "%Y-%m-%d" in proposed
    assert cli(["check-mapping", "franklin", str(path)]) == 0
    assert "OK" in capsys.readouterr().out

    from etl_assets.orchestration.assets.factory import build_source_assets
    from etl_assets.orchestration.jobs import build_ingest_job
    from etl_assets.orchestration.sensors import build_delivery_sensor

    (spec,) = registry.load_specs()
    assert spec.source == "franklin" and spec.record_key == ("license_number",)
    chain = build_source_assets(spec)
    sensor = build_delivery_sensor([chain], [build_ingest_job(chain)])
    s3_client.put_object(Bucket=bucket_name, Key=make_new_state.KEY, Body=path.read_bytes())

    with instance_for_test() as instance:
        with build_sensor_context(instance=instance, resources={"bucket": resources["bucket"]}) as context:
            result = sensor(context)
        (request,) = result.run_requests
        for r in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions(r.partitions_def_name, list(r.partition_keys))
        assert request.partition_key == make_new_state.KEY
        run = materialize(chain.definitions, partition_key=request.partition_key, instance=instance, resources=resources)
        assert run.success

    columns = ", ".join(KEY_FIELDS)
    with duckdb.connect(resources["duckdb"].database, read_only=True) as con:
        live = con.execute(
            f"SELECT _line_number, {columns} FROM source_current WHERE _source = 'franklin' ORDER BY _line_number"
        ).fetchall()
        quarantined = con.execute("SELECT count(*) FROM quarantine WHERE _source = 'franklin'").fetchone()[0]
    assert len(live) + quarantined == len(origins) == 199
    assert len(live) / len(origins) >= 0.95

    expected = _expected(origins)
    got = {line: dict(zip(KEY_FIELDS, (write_golden.render(v) for v in values))) for line, *values in live}
    differences = [
        (line, field, expected[line - 2][field], got[line][field])
        for line in got
        for field in KEY_FIELDS
        if expected[line - 2][field] != got[line][field]
    ]
    assert not differences, differences[:20]
