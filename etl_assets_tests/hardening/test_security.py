"""Security checks: credentials only from the environment and never written anywhere; servers on
loopback only; source values never become markup or SQL."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import duckdb
from dagster import instance_for_test
from dagster._serdes import serialize_value

from etl_assets_tests.conftest import PROJECT_ROOT, sample_file
from etl_assets_tests.hardening.world import ingest
from etl_assets_tests.support.pipeline import evaluate_delivery_sensor, fire_run_failure_sensor

SECRET_KEY = "S3CR3T-access-key-7f1d2c9e-do-not-log"
SESSION_TOKEN = "T0K3N-session-4b8a0e61-do-not-log"
LINK = "[x](http://evil)"
IMG = "<img src=x onerror=alert(1)>"


def hostile_texas_delivery() -> bytes:
    with sample_file("texas").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[1][2], rows[2][2] = LINK, IMG  # Operation/Caregiver Name of the first two records
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows[:11])
    return out.getvalue().encode()


def files_text(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_secrets_from_the_environment_never_reach_events_logs_tables_or_alerts(
    monkeypatch, resources, bucket_name, s3_client, tmp_path
):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)  # moto accepts any credentials
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("ETL_ALERTS_PATH", str(tmp_path / "alerts.jsonl"))
    s3_client.put_object(Bucket=bucket_name, Key="texas/07-07-2023 hostile.csv", Body=hostile_texas_delivery())
    s3_client.put_object(Bucket=bucket_name, Key="texas/07-08-2023 empty.csv", Body=b"")  # a failing run too
    with instance_for_test() as instance:
        requests = evaluate_delivery_sensor(instance, resources).run_requests
        results = {r.partition_key: ingest(instance, resources, "texas", r.partition_key) for r in requests}
        assert [k for k, r in results.items() if r.success] == ["texas/07-07-2023 hostile.csv"]
        failed = results["texas/07-08-2023 empty.csv"]
        fire_run_failure_sensor(instance, resources, failed.run_id)
        assert (tmp_path / "alerts.jsonl").exists()

        # every event of every run, serialized whole (messages, metadata, errors)
        events = "\n".join(serialize_value(e) for r in results.values() for e in instance.all_logs(r.run_id))
        assert "texas__raw" in events and "the file is empty" in events  # the scan sees real content
        # the instance's own files: run/event storage, compute logs
        instance_files = files_text(Path(instance.root_directory))

    warehouse = resources["duckdb"].database
    with duckdb.connect(warehouse, read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        dump = "\n".join(repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)
    stored = files_text(tmp_path)  # warehouse file, stage Parquet files, alerts.jsonl
    for secret in (SECRET_KEY, SESSION_TOKEN):
        assert secret not in events
        assert secret not in dump
        leaks = [name for name, data in {**instance_files, **stored}.items() if secret.encode() in data]
        assert not leaks, leaks
    assert "alerts" in tables and len(tables) >= 5


def test_markdown_metadata_of_a_real_materialization_is_escaped(resources, bucket_name, s3_client):
    key = "texas/07-07-2023 markdown.csv"
    s3_client.put_object(Bucket=bucket_name, Key=key, Body=hostile_texas_delivery())
    with instance_for_test() as instance:
        result = ingest(instance, resources, "texas", key, raise_on_error=True)
        previews = {
            e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata["preview"].value
            for e in result.get_asset_materialization_events()
            if "preview" in e.step_materialization_data.materialization.metadata
        }
    assert set(previews) >= {"texas/raw", "texas/normalized", "texas/deduped"}
    for name, markdown in previews.items():
        assert "<img" not in markdown and "](http" not in markdown, name
        assert "\\[x\\]\\(http://evil\\)" in markdown, name
        assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in markdown, name


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_the_local_s3_server_listens_on_loopback_only(s3_endpoint):
    port = int(s3_endpoint.rsplit(":", 1)[1])
    assert s3_endpoint.startswith("http://127.0.0.1:")
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else (no 0.0.0.0, no ::)


def test_dev_script_binds_dagster_and_s3_to_loopback():
    script = (PROJECT_ROOT / "bin" / "dev").read_text()
    dagster_line = next(line for line in script.splitlines() if "dagster dev" in line)
    assert "-h 127.0.0.1" in dagster_line
    from etl_assets.devtools import local_s3

    assert local_s3.HOST == "127.0.0.1"


# Every value interpolated into SQL text in etl_assets/ (f-strings holding SQL keywords) must be a
# table constant, a quote_ident(...) identifier, an int, or one of these locals, each reviewed as
# built only from quote_ident / constants / DuckDB's own type names (2026-11, issue 8). A new
# interpolation fails this test until it is reviewed and added (values go through ? parameters).
REVIEWED_LOCALS = {
    "cols_sql", "values_sql", "name", "incoming", "table", "delta", "stored", "fresh", "sql_type", "select",
    "picked", "only", "inner", "diff_relation", "deleted", "body", "placeholders",
    # PostgreSQL (issue 14): read_csv's struct of quoted column names → type names; a temp file path
    "csv_columns", "csv_path",
    # warehouse/views.py: column and source names from information_schema / the YAML, through
    # quote_ident and quote_literal (which accepts only [A-Za-z0-9_]+)
    "names_sql", "old_sql", "new_sql", "crm_literal",
    "view",  # assets/analyst.py: a declared view name (SCHEMA + its asset key's last part)
    # streaming stages (#17): dedup_file's completeness sum of quote_ident'ed columns and its constant
    # read_parquet($path) relation; history's stage-file view over our own storage path, '' escaped
    "completeness", "relation", "literal",
    # incremental leads (#17): ints (big, share), SQL built from constants and ints (usable_new,
    # flipped), a registered frame's generated name (decided), constant SQL (sql, order), block-key
    # SQL made by BLOCK_KEYS_SQL.format over a registered frame (block_keys_sql)
    "big", "share", "usable_new", "flipped", "decided", "sql", "order", "block_keys_sql",
    # bounded refresh: an int (lic, the license block cap); Splink training's rule columns, constant
    # names from SPLINK_COLUMNS in double quotes (cols, nonnull)
    "lic", "cols", "nonnull",
    # the review console's reads (warehouse/console_queries.py): constant SQL fragments chosen by the
    # table's columns (who, queued), the constant latest-decision subquery (latest), and the filter's
    # constant conditions joined with AND, values bound as ? (where)
    "who", "queued", "latest", "where",
    # source loads in the server / compact snapshots (stages/history/snapshots.py, warehouse/backend.py):
    # constant SQL with quote_ident'ed declared columns (lineage, differs, gone, head, previous, sets),
    # temp table names our code passes (records: temp._history_incoming / temp._history_successor_<i>)
    "lineage", "differs", "gone", "head", "previous", "records", "sets",
    # the full leads refresh (resolve/full.py) reuses: relation (read_parquet of its own spill-directory
    # path, '' escaped), cols_sql (the declared columns of lead_match_state)
    # its keys and ids in the warehouse (resolve/full_prep.py, full_ids.py): live and key_sql (the
    # constants full.LIVE and state.KEY passed down), same (quote_ident'ed columns compared with IS NOT
    # DISTINCT FROM); cols_sql / values_sql there: lead_sources' declared names and CASTs to declared types
    "live", "key_sql", "same",
    # the incremental leads refresh in the server (postgres/server.py query_types): our own statement,
    # its parameters already bound by psycopg's quoting (mogrify), planned with LIMIT 0 for its types
    "query",
    # full_ids.py's ids with a previous crosswalk: constant subqueries over its own temp tables (todo, candidates)
    "todo", "candidates",
}
# SQL-building helpers whose arguments are literals in the code (resolve_pairs, lead_state)
REVIEWED_CALLS = ("BLOCK_HASH.format(", "BLOCK_KIND.format(", "BLOCK_KEYS_SQL.format(", "_numbered(",
                  "usable_block(",  # literal aliases, ints from the config
                  "resolution_columns(",  # quote_ident'ed columns of source_current
                  # snapshots.py: constant SQL over declared columns; the operator is '<' or '<=' in the code
                  "state_sql(", "snapshots.state_sql(", "_latest(", "_UP_TO.format(",
                  # history/row_hash.py: the row hash over quote_ident'ed business column names
                  "hash_sql(")
_SQL = re.compile(r"\b(SELECT|INSERT|CREATE|DELETE|UPDATE|ALTER|DROP|WHERE|FROM|JOIN|VALUES)\b")


def sql_interpolations() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted((PROJECT_ROOT / "etl_assets").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
                if _SQL.search(text):
                    found += [(str(path.relative_to(PROJECT_ROOT)), node.lineno, ast.unparse(v.value))
                              for v in node.values if isinstance(v, ast.FormattedValue)]
    return found


def reviewed(expression: str) -> bool:
    last = expression.split(".")[-1]
    return (
        last.isupper() or last.lstrip("_").isupper()  # table-name constants (warehouse.LEADS, DELIVERIES)
        or "quote_ident" in expression
        or expression.startswith("int(")
        or expression in REVIEWED_LOCALS
        or expression.startswith(REVIEWED_CALLS)
        or expression == "', '.join(('?' for _ in columns))"
    )


def test_sql_text_only_interpolates_identifiers_and_constants():
    found = sql_interpolations()
    assert len(found) > 40  # the scan sees the SQL
    unreviewed = [f for f in found if not reviewed(f[2])]
    assert not unreviewed, unreviewed


def test_the_scan_would_catch_a_value_spliced_into_sql():
    assert not reviewed("value") and not reviewed("row['company']") and not reviewed("key")
