"""Load: one normalized + deduped delivery into the warehouse, all or nothing.

In one transaction: the history (SCD2 versions), the delivery's quarantined rows, its column
profiles and its load-log row. Dagster-free: the caller passes the connection and the run id.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from etl_assets import warehouse
from etl_assets import progress
from etl_assets.records import DELIVERY_DATE, ETAG, QUARANTINE_COLUMNS, QUARANTINE_REASON
from etl_assets.stages.files import StageFile, to_frame
from etl_assets.sources.spec import SourceSpec
from etl_assets.stages import history


@dataclass(frozen=True)
class LoadCounts:
    rows_read: int
    rows_quarantined: int
    rows_written: int
    etag: str | None
    delivery_date: object
    changes: history.ChangeCounts

    @property
    def rows_collapsed(self) -> int:
        return self.rows_read - self.rows_quarantined - self.rows_written

    def as_metadata(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "rows_quarantined": self.rows_quarantined,
            "rows_written": self.rows_written,
            "etag": self.etag or "",
            "delivery_date": str(self.delivery_date),
            **self.changes.as_metadata(),
        }


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    delivery_key: str,
    normalized: StageFile,
    deduped: StageFile,
    run_id: str,
) -> LoadCounts:
    """Apply the delivery (``normalized``: every record, quarantined ones marked; ``deduped``: the
    clean records, one per key) to the warehouse in one transaction; return its counts.

    The stage files are read column by column and batch by batch (the history reads the deduped
    file through DuckDB), so the load holds no whole delivery."""
    source = spec.source
    quarantined = quarantined_rows(normalized)
    etag = str(normalized.first(ETAG)) if len(normalized) else None
    delivery_date = normalized.first(DELIVERY_DATE) if len(normalized) else None
    with bound_memory(con), warehouse.transaction(con):
        warehouse.ensure_warehouse(con)
        warehouse.replace_quarantine(con, source, delivery_key, quarantined)
        rates = null_rates(normalized, spec.target_columns)
        warehouse.replace_column_profiles(con, source, delivery_key, delivery_date, len(normalized), rates)
        changes = history.apply_delivery(con, source, delivery_key, etag, delivery_date, deduped)
        counts = LoadCounts(len(normalized), len(quarantined), len(deduped), etag, delivery_date, changes)
        warehouse.record_load(
            con,
            source,
            delivery_key,
            rows_read=counts.rows_read,
            rows_quarantined=counts.rows_quarantined,
            rows_written=counts.rows_written,
            rows_collapsed=counts.rows_collapsed,
            dagster_run_id=run_id,
            loaded_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
        )
    progress.advance(counts.rows_read)
    return counts


# DuckDB's default working memory is 80% of the machine's RAM, and the history's SQL over a big
# delivery (row hashes, the diff, the inserts) takes what it is given; a run pod has 2-4 GiB. Past
# this limit DuckDB evicts written blocks and spills to its temp directory next to the file.
LOAD_MEMORY_LIMIT = "1GB"


@contextlib.contextmanager
def bound_memory(con: duckdb.DuckDBPyConnection):
    """Cap DuckDB's memory during a load into the warehouse file, then restore it (the setting is
    the database instance's; an in-memory database, the PostgreSQL mirror, holds its scope's rows
    and is left as it is)."""
    if warehouse.backend.is_server(con):  # the load runs in the PostgreSQL server
        yield
        return
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    if not (path and path[0][0]):
        yield
        return
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET memory_limit = '{before}'")


def quarantined_rows(normalized: StageFile) -> pd.DataFrame:
    """The quarantined records (the quarantine table's columns only, read batch by batch; a batch
    without any is skipped unread)."""
    columns = [c for c in QUARANTINE_COLUMNS if c in normalized.columns]
    parts = [to_frame(t.filter(t.column(QUARANTINE_REASON).is_valid()))
             for t in normalized.tables(columns=columns, valid=QUARANTINE_REASON)]
    return pd.concat(parts, ignore_index=True) if parts else normalized.head(0)[columns]


def null_rates(normalized: StageFile, columns) -> dict[str, float]:
    """Null rate per mapped column (1.0 when the delivery lacks it), summed batch by batch."""
    if not normalized.rows:
        return {c: 0.0 for c in columns}
    nulls = normalized.null_counts([c for c in columns if c in normalized.columns])
    return {c: float(nulls[c]) / normalized.rows if c in nulls else 1.0 for c in columns}
