"""Where the intermediate stages keep their output: one Parquet file per asset and delivery, row group by row group.

raw, normalized and deduped change shape with the source (raw keeps the delivery's own columns,
which drift), so they live as Parquet files rather than as DuckDB tables: writes are atomic
(temp file + rename), any partition can be replaced without touching others, and DuckDB can still
query them (``read_parquet('<dir>/nevada/normalized/*.parquet', union_by_name = true)``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from dagster import ConfigurableIOManager, InputContext, OutputContext

from etl_assets.stages.files import StageFile, StageFileWriter, release_memory  # noqa: F401 (release_memory: re-exported)


def partition_file_name(partition_key: str) -> str:
    """A safe, reversible-looking file name for a partition key (an S3 key): no '/' or '..'."""
    name = quote(partition_key, safe=" -_.()")
    if len(name) > 180 or name.startswith("."):
        name = hashlib.sha256(partition_key.encode()).hexdigest()[:32]
    return f"{name}.parquet"


# release_memory's full gc.collect() walks every live Python object (~0.2 s with dagster, pandas and
# splink loaded): about half the CPU of a small delivery's run (cProfile of `make ingest` on 8 small
# deliveries: 17.2 of 32.7 s). Small inputs follow small steps, which leave little to give back.
RELEASE_MEMORY_FROM_BYTES = 8 << 20



class PartitionedParquetIOManager(ConfigurableIOManager):
    """Stores each (asset, partition) as ``base_dir``/<asset path>/<partition>.parquet and loads it
    as a :class:`StageFile` handle (no rows read): downstream stages read it batch by batch.

    A stage writes its file itself (``writer``: batch by batch, atomic rename) and returns the
    handle; a DataFrame output is written whole, the same way."""

    base_dir: str

    def path_for(self, asset_path: Sequence[str], partition: str | None) -> Path:
        return Path(self.base_dir).joinpath(*asset_path) / partition_file_name(partition or "__all__")

    def _path(self, context: OutputContext | InputContext) -> Path:
        partition = context.asset_partition_key if context.has_asset_partitions else None
        return self.path_for(context.asset_key.path, partition)

    def writer(self, asset_path: Sequence[str], partition: str | None) -> StageFileWriter:
        """Where a stage appends its output: the file this manager stores for (asset, partition)."""
        return StageFileWriter(self.path_for(asset_path, partition))

    def handle_output(self, context: OutputContext, obj: pd.DataFrame | StageFile) -> None:
        path = self._path(context)
        if isinstance(obj, StageFile):
            if obj.path.resolve() != path.resolve():
                raise ValueError(f"{context.asset_key.to_user_string()}: stage file {obj.path} is not this output's {path}")
        else:
            with StageFileWriter(path) as writer:
                writer.write(obj)
                writer.close()
        context.add_output_metadata({"path": str(path)})

    def load_input(self, context: InputContext) -> StageFile:
        path = self._path(context)
        if not path.exists():
            raise FileNotFoundError(f"{context.asset_key.to_user_string()} has no stored output for this delivery: {path}")
        if path.stat().st_size >= RELEASE_MEMORY_FROM_BYTES:
            release_memory()
        return StageFile.open(path)
