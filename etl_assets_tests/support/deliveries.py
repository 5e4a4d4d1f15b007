"""Crafted deliveries for tests that run the platform: cut from the real samples, uploaded to the
(moto) bucket and run through the sensor and the source's chain as Dagster would."""

from __future__ import annotations

import csv
import io

from etl_assets_tests.conftest import sample_file
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, materialize_leads, materialize_request

NEVADA_SAMPLE = sample_file("nevada")


def nevada_csv(rows: int, drop: tuple[str, ...] = (), blank: tuple[str, ...] = ()) -> bytes:
    """The first ``rows`` records of the Nevada sample (cp1252), without columns ``drop`` and with
    columns ``blank`` emptied."""
    reader = csv.reader(io.StringIO(NEVADA_SAMPLE.read_bytes().decode("cp1252")))
    header = next(reader)
    keep = [i for i, name in enumerate(header) if name not in drop]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header[i] for i in keep])
    for _, record in zip(range(rows), reader):
        writer.writerow(["" if header[i] in blank else record[i] for i in keep])
    return out.getvalue().encode("cp1252")


def deliver(instance, resources, s3_client, bucket, key: str, body: bytes, run_config=None):
    """Upload one delivery, let the sensor request it, run its chain (without raising)."""
    s3_client.put_object(Bucket=bucket, Key=key, Body=body)
    (request,) = [r for r in evaluate_delivery_sensor(instance, resources).run_requests if r.partition_key == key]
    return materialize_request(instance, resources, request, raise_on_error=False, run_config=run_config)


def deliver_and_refresh(instance, resources, s3_client, bucket, key: str, body: str, cursor=None) -> str | None:
    """A delivery as the platform takes it: the S3 sensor's run requests (from ``cursor``), each run,
    then the leads refresh. Returns the sensor's next cursor."""
    s3_client.put_object(Bucket=bucket, Key=key, Body=body.encode())
    result = evaluate_delivery_sensor(instance, resources, cursor=cursor)
    for request in result.run_requests:
        materialize_request(instance, resources, request)
    materialize_leads(instance, resources)
    return result.cursor
