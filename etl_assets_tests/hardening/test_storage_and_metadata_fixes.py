"""Unit tests of the storage and metadata fixes (stage writes leave no debris; metadata does not pin
a delivery's frame in memory)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from dagster import AssetKey, build_input_context, build_output_context

from etl_assets.orchestration.io_manager import PartitionedParquetIOManager, partition_file_name
from etl_assets_tests.conftest import PROJECT_ROOT

KEY = "texas/07-07-2023 O'Brien [1].csv"


def contexts(partition: str):
    out = build_output_context(asset_key=AssetKey(["texas", "raw"]), partition_key=partition)
    return out, build_input_context(asset_key=AssetKey(["texas", "raw"]), partition_key=partition)


def test_a_failed_stage_write_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path):
    manager = PartitionedParquetIOManager(base_dir=str(tmp_path))
    out, _ = contexts(KEY)
    good = pd.DataFrame({"a": pd.array(["x", "y"], dtype="string[pyarrow]")})
    manager.handle_output(out, good)
    folder = tmp_path / "texas" / "raw"
    with pytest.raises(Exception):  # noqa: B017 - pyarrow cannot store a column of mixed objects
        manager.handle_output(contexts(KEY)[0], pd.DataFrame({"a": [object(), 1]}))
    assert sorted(p.name for p in folder.iterdir()) == [partition_file_name(KEY)]
    pd.testing.assert_frame_equal(pd.read_parquet(folder / partition_file_name(KEY)), good, check_dtype=False)


def test_a_temp_file_left_by_a_killed_write_is_cleared_by_the_next_write(tmp_path):
    manager = PartitionedParquetIOManager(base_dir=str(tmp_path))
    folder = tmp_path / "texas" / "raw"
    folder.mkdir(parents=True)
    stem = partition_file_name(KEY)[: -len(".parquet")]
    (folder / f"{stem}.tmp-99999").write_bytes(b"half a file")
    (folder / "other delivery.csv.tmp-99999").write_bytes(b"another partition's write")
    manager.handle_output(contexts(KEY)[0], pd.DataFrame({"a": ["x"]}))
    assert sorted(p.name for p in folder.iterdir()) == sorted([partition_file_name(KEY), "other delivery.csv.tmp-99999"])


def test_metadata_does_not_keep_the_first_frame_it_describes_alive():
    # a fresh process: Dagster compiles a record's constructor on first use and keeps that
    # caller's locals; metadata.py compiles them at import so the caller is never a delivery
    script = textwrap.dedent(
        """
        import gc, weakref
        import pandas as pd
        from etl_assets.orchestration import metadata as md
        frame = pd.DataFrame({"company": ["[x](http://evil)"]})
        ref = weakref.ref(frame)
        md.column_schema(frame); md.preview(frame)
        del frame; gc.collect()
        print("alive" if ref() is not None else "freed")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "freed", out.stderr[-2000:]
