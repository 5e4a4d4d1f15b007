"""The `etl-assets` command: serve the local S3 server, run a headless ingest cycle."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from etl_assets import settings


def _serve_s3(args: argparse.Namespace) -> int:
    from etl_assets import local_s3

    with local_s3.moto_server(args.port) as endpoint:
        keys = local_s3.seed(local_s3.client(endpoint), args.bucket, Path(args.seed))
        print(f"local S3 at {endpoint}, bucket {args.bucket!r} seeded with {len(keys)} deliveries", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def _ingest(args: argparse.Namespace) -> int:
    from etl_assets.headless import run_ingest_cycle

    if settings.s3_endpoint_url() or os.environ.get("ETL_S3_BUCKET"):
        return run_ingest_cycle()
    from etl_assets import local_s3

    with local_s3.moto_server() as endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        for k, v in local_s3.LOCAL_CREDENTIALS.items():
            os.environ.setdefault(k, v)
        local_s3.seed(local_s3.client(endpoint), settings.bucket(), settings.PROJECT_ROOT / "data" / "sample_bucket")
        print(f"no AWS_ENDPOINT_URL / ETL_S3_BUCKET set: started a local S3 server at {endpoint} with the samples")
        return run_ingest_cycle()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="etl-assets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve-s3", help="run the local S3 server (moto) on 127.0.0.1, seeded with samples")
    serve.add_argument("--port", type=int, default=9000)
    serve.add_argument("--bucket", default=settings.bucket())
    serve.add_argument("--seed", default=str(settings.PROJECT_ROOT / "data" / "sample_bucket"))
    serve.set_defaults(func=_serve_s3)
    ingest = sub.add_parser("ingest", help="discover new deliveries and materialize them through to warehouse/leads")
    ingest.set_defaults(func=_ingest)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
