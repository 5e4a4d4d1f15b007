"""The `etl-assets` command: serve the local S3 server, run a headless ingest cycle, onboard sources,
review pairs (and serve the review console), export leads for the CRM, write the data dictionary."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from etl_assets import settings


def _serve_s3(args: argparse.Namespace) -> int:
    from etl_assets.devtools import local_s3

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
    from functools import partial

    from etl_assets.runner.cycle import run_ingest_cycle

    run_ingest_cycle = partial(run_ingest_cycle, progress=args.progress, leads=args.leads)
    if settings.s3_endpoint_url() or settings.bucket_is_set():
        return run_ingest_cycle()
    from etl_assets.devtools import local_s3

    with local_s3.moto_server() as endpoint:
        settings.use_local_s3(endpoint, local_s3.LOCAL_CREDENTIALS)
        local_s3.seed(local_s3.client(endpoint), settings.bucket(), settings.PROJECT_ROOT / "data" / "sample_bucket")
        print(f"no AWS_ENDPOINT_URL / ETL_S3_BUCKET set: started a local S3 server at {endpoint} with the samples")
        return run_ingest_cycle()


def _read_location(location: str) -> tuple[bytes, str]:
    """A local file's or an ``s3://bucket/key`` object's bytes (S3 through the configured endpoint)."""
    if location.startswith("s3://"):
        import boto3

        from etl_assets.ingest import s3

        bucket, _, key = location[len("s3://") :].partition("/")
        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url(), region_name=settings.aws_region())
        download = s3.download(client, bucket, key)
        try:
            return download.file.read(), key
        finally:
            download.file.close()
    return Path(location).read_bytes(), Path(location).name


def _propose_mapping(args: argparse.Namespace) -> int:
    from etl_assets.onboarding.learned import learned_synonyms
    from etl_assets.onboarding.propose import ProposalError, propose_mapping
    from etl_assets.sources.registry import LEADS_FILE
    from etl_assets.sources.spec import MappingError, load_leads_schema, load_spec

    out = Path(args.out) if args.out else settings.mappings_dir() / f"{args.source}.yaml"
    if out.exists() and not args.force:
        print(f"{out} exists; use --force to overwrite it", file=sys.stderr)
        return 2
    data, name = _read_location(args.sample)
    try:
        proposal = propose_mapping(data, args.source, name, learned_synonyms(out.parent, skip=args.source))
    except ProposalError as exc:
        print(f"propose-mapping: {exc}", file=sys.stderr)
        return 1
    text = proposal.to_yaml()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    leads_dir = out.parent if (out.parent / LEADS_FILE).exists() else settings.mappings_dir()
    try:
        load_spec(out, load_leads_schema(leads_dir / LEADS_FILE))
    except MappingError as exc:  # a bug of the proposer: say so, keep the file for inspection
        print(f"propose-mapping: the proposed file does not validate: {exc}", file=sys.stderr)
        return 1
    mapped = len(proposal.mapped_columns)
    print(f"{out}: {mapped} of {len(proposal.columns)} columns mapped, record key {proposal.record_key}, "
          f"unmatched: {proposal.unmatched or 'none'}")  # fmt: skip
    return 0


def _check_mapping(args: argparse.Namespace) -> int:
    from etl_assets.onboarding.check import Limits, check_mapping, default_samples, render

    mappings = Path(args.mappings) if args.mappings else settings.mappings_dir()
    samples = [Path(s) for s in args.samples] or default_samples(
        args.source, settings.PROJECT_ROOT / "data" / "sample_bucket"
    )
    limits = Limits(args.max_failure_rate, args.max_key_null_share, args.max_key_duplicate_share,
                    args.max_key_collision_share)
    report = check_mapping(args.source, samples, mappings, limits=limits)
    print(render(report))
    return 0 if report.ok else 1


def _review(args: argparse.Namespace) -> int:
    """List the review queue, keep (or undo) a reviewer's decision on one pair for every later
    refresh, or serve the review console."""
    from etl_assets import warehouse
    from etl_assets.orchestration.resources import warehouse_resource
    from etl_assets.warehouse import scopes

    if args.action == "serve":
        from etl_assets.console.server import serve

        return serve(host=args.host, port=args.port or settings.review_port())
    resource = warehouse_resource()
    if args.action == "list":
        with resource.open(scopes.review_list()) as con:
            queue = warehouse.review_pairs(con, args.limit)
        cols = ["pair_id", "reason", "match_probability", "evidence", "company_l", "company_r",
                "address_std_l", "address_std_r"]
        print(queue.reindex(columns=cols).to_string(index=False) if len(queue) else "the review queue is empty")
        return 0
    if not args.pair:
        print(f"review {args.action} needs a PAIR id (from `etl-assets review list`)", file=sys.stderr)
        return 2
    try:
        with resource.open(scopes.review_decide()) as con, warehouse.transaction(con):
            warehouse.ensure_warehouse(con)
            row = warehouse.decide(con, args.pair, args.action, settings.reviewer(), args.note)
    except warehouse.review.UnknownPair as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 1
    verb = {"accept": "kept as must-link", "reject": "kept as cannot-link", "undo": "decision withdrawn"}[args.action]
    print(f"{args.pair}: {row['source_l']}:{row['record_key_l']} and {row['source_r']}:{row['record_key_r']} "
          f"{verb}; the next leads refresh applies it")
    return 0


def _export_leads(args: argparse.Namespace) -> int:
    import re
    from datetime import date

    import boto3

    from etl_assets.exports.crm import export_leads
    from etl_assets.sources.registry import load_specs
    from etl_assets.orchestration.assets.leads import resolve_config
    from etl_assets.orchestration.resources import warehouse_resource
    from etl_assets.warehouse import scopes
    from etl_assets.warehouse.exports import ExportFilter

    sources = sorted(s.source for s in load_specs())
    if args.source is not None and args.source not in sources:
        print(f"export-leads: unknown source {args.source!r}; known: {', '.join(sources)}", file=sys.stderr)
        return 2
    state = args.state.upper() if args.state else None
    if state is not None and not re.fullmatch(r"[A-Z]{2}", state):
        print(f"export-leads: --state {args.state!r} is not a 2-letter code (e.g. TX)", file=sys.stderr)
        return 2
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(f"export-leads: --since {args.since!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    selection = ExportFilter(net_new=args.net_new, source=args.source, state=state, since=since)
    if not settings.warehouse_url() and not settings.warehouse_path().exists():
        print(f"export-leads: no warehouse at {settings.warehouse_path()} (run `make ingest` first)", file=sys.stderr)
        return 1

    def progress(done: int, total: int) -> None:
        print(f"export-leads: {done:,} of {total:,} leads written", file=sys.stderr, flush=True)

    client = lambda: boto3.client("s3", endpoint_url=settings.s3_endpoint_url(), region_name=settings.aws_region())  # noqa: E731
    resource = warehouse_resource()
    resource.refresh_analyst_views(resolve_config().crm_source, replace=False)  # PostgreSQL: the published ones
    with resource.open(scopes.analyst_read()) as con:  # PostgreSQL: streamed from the server
        written = export_leads(con, selection, args.out, s3_client=client, progress=progress)
    print(f"{args.out}: {written} leads", flush=True)
    return 0


def _data_dictionary(args: argparse.Namespace) -> int:
    from etl_assets.warehouse.dictionary import render_markdown

    out = Path(args.out)
    text = render_markdown()
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is out of date: run `etl-assets data-dictionary` (make data-dictionary)", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"{out}: written")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="etl-assets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve-s3", help="run the local S3 server (moto) on 127.0.0.1, seeded with samples")
    serve.add_argument("--port", type=int, default=9000)
    serve.add_argument("--bucket", default=settings.bucket())
    serve.add_argument("--seed", default=str(settings.PROJECT_ROOT / "data" / "sample_bucket"))
    serve.set_defaults(func=_serve_s3)
    ingest = sub.add_parser("ingest", help="discover new deliveries and materialize them through to warehouse/leads")
    ingest.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="print where the cycle is every few seconds (default: when stdout is a terminal)")
    ingest.add_argument("--leads", action=argparse.BooleanOptionalAction, default=True,
                        help="refresh warehouse/leads after the deliveries (--no-leads: leave it to the next cycle)")
    ingest.set_defaults(func=_ingest)
    propose = sub.add_parser("propose-mapping", help="write a mapping YAML for a new source from a sample delivery")
    propose.add_argument("sample", help="a local CSV file or s3://bucket/key")
    propose.add_argument("--source", required=True, help="the new source's name (lower case, e.g. utah)")
    propose.add_argument("--out", help="where to write the YAML (default: $ETL_MAPPINGS_DIR/<source>.yaml)")
    propose.add_argument("--force", action="store_true", help="overwrite an existing file")
    propose.set_defaults(func=_propose_mapping)
    check = sub.add_parser("check-mapping", help="validate mappings/<source>.yaml against sample deliveries")
    check.add_argument("source")
    check.add_argument("samples", nargs="*", help="sample files (default: data/sample_bucket/<source>/*.csv)")
    check.add_argument("--mappings", help="the mappings directory (default: $ETL_MAPPINGS_DIR or mappings/)")
    check.add_argument("--max-failure-rate", type=float, default=0.5, help="flagged share per column that fails")
    check.add_argument("--max-key-null-share", type=float, default=0.1, help="share of records without a key that fails")
    check.add_argument("--max-key-duplicate-share", type=float, default=0.2,
                       help="share of records repeating an earlier record's key that fails")
    check.add_argument("--max-key-collision-share", type=float, default=0.03,
                       help="share of different records sharing a key (dedup would collapse them) that fails")
    check.set_defaults(func=_check_mapping)
    review = sub.add_parser("review", help="the lead review queue: list it, accept, reject or undo a pair, "
                                           "or serve the review console")
    review.add_argument("action", choices=["list", "accept", "reject", "undo", "serve"])
    review.add_argument("pair", nargs="?", help="a pair_id of lead_review")
    review.add_argument("--host", default="127.0.0.1", help="serve: the address to bind (default 127.0.0.1)")
    review.add_argument("--port", type=int, help="serve: the port (default REVIEW_PORT or 3100)")
    review.add_argument("--note", help="why (kept with the decision)")
    review.add_argument("--limit", type=int, default=20, help="pairs to list")
    review.set_defaults(func=_review)
    export = sub.add_parser("export-leads", help="write leads as a Salesforce lead-import CSV (local or s3://)")
    export.add_argument("--net-new", action="store_true", help="only leads with no CRM (Salesforce) record")
    export.add_argument("--source", help="only leads holding a record of this source")
    export.add_argument("--state", help="only leads in this state (2-letter code)")
    export.add_argument("--since", help="only leads first seen in a delivery dated on or after this day (YYYY-MM-DD)")
    export.add_argument("--out", required=True, help="F.csv or s3://bucket/exports/F.csv")
    export.set_defaults(func=_export_leads)
    dictionary = sub.add_parser("data-dictionary", help="write docs/data_dictionary.md from the code")
    dictionary.add_argument("--out", default=str(settings.PROJECT_ROOT / "docs" / "data_dictionary.md"))
    dictionary.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    dictionary.set_defaults(func=_data_dictionary)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
