"""``spill.shared``: one in-memory DuckDB per (process, spill root, settings), a cursor per use; its
settings are the caller's, a rewritten file is read anew, and nothing is left under the root."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from etl_assets.warehouse import spill


def _settings(con) -> tuple:
    return con.execute("SELECT current_setting('memory_limit'), current_setting('threads'), "
                       "current_setting('temp_directory')").fetchone()


def test_shared_cursor_settings_fresh_reads_and_roots(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    data = tmp_path / "keys.parquet"
    pq.write_table(pa.table({"k": ["x", "y", "y"]}), data)
    with spill.under(first):
        with spill.shared(memory_limit="256MB", threads=1) as con:
            memory, threads, temp = _settings(con)
            assert (memory, threads) == ("244.1 MiB", 1) and temp.startswith(str(first / spill.SPILL_DIR))
            assert con.execute("SELECT count(DISTINCT k) FROM read_parquet($p)", {"p": str(data)}).fetchone() == (2,)
            con.execute("CREATE TEMP TABLE mine AS SELECT 1")  # the cursor's own: gone with it
        staged = tmp_path / "staged.parquet"
        pq.write_table(pa.table({"k": ["x", "y", "z", "w"]}), staged)
        os.replace(staged, data)  # a stage file rewritten by a rerun
        with spill.shared(memory_limit="256MB", threads=1) as con:
            assert _settings(con)[2] == temp  # the same database
            assert con.execute("SELECT count(DISTINCT k) FROM read_parquet($p)", {"p": str(data)}).fetchone() == (4,)
            assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mine'").fetchone() == (0,)
    with spill.under(second), spill.shared(memory_limit="256MB", threads=1) as con:
        assert _settings(con)[2].startswith(str(second / spill.SPILL_DIR))  # a step's own storage dir
    for root in (first, second):
        assert not (root / spill.SPILL_DIR).exists() or not list((root / spill.SPILL_DIR).iterdir())
