"""DuckDB connections with a memory limit, spilling under the storage directory.

Why: DuckDB's default working memory is 80% of the machine's RAM, an in-memory connection spills
into ``.tmp/`` of the working directory (the checkout) and a file connection next to the file, and
a killed run leaves those files behind (18 GiB once). So the platform's connections are opened with
``memory_limit`` (``ETL_DUCKDB_MEMORY_LIMIT``) and a ``temp_directory`` of their own,
``<storage dir>/duckdb_spill/<pid>-<n>``, removed when the connection closes; the directories of
processes that are gone (a killed run) are removed whenever a later connection opens.

The storage directory is the settings' (``ETL_STORAGE_DIR``) unless a step names its own with
``under`` (the resources of a run: a test's or a benchmark's temp directory).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl_assets import settings

SPILL_DIR = "duckdb_spill"
_root: contextvars.ContextVar[Path | None] = contextvars.ContextVar("duckdb_spill_root", default=None)
_numbers = itertools.count()


def root() -> Path:
    """Where this step's DuckDB connections spill: ``<storage dir>/duckdb_spill``."""
    return _root.get() or settings.storage_dir() / SPILL_DIR


@contextlib.contextmanager
def under(storage_dir: str | Path) -> Iterator[Path]:
    """Connections opened inside the block spill under ``storage_dir`` (a run's stage storage)."""
    token = _root.set(Path(storage_dir) / SPILL_DIR)
    try:
        yield _root.get()
    finally:
        _root.reset(token)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep(where: Path | None = None) -> list[Path]:
    """Remove the spill directories of processes that no longer run; returns what was removed."""
    where = where or root()
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for entry in where.iterdir():
            pid, _, _ = entry.name.partition("-")
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def config(temp_directory: Path, extra: dict | None = None) -> dict:
    """Connection config: the memory limit and this connection's spill directory."""
    return {**(extra or {}), "memory_limit": settings.duckdb_memory_limit(), "temp_directory": str(temp_directory)}


@contextlib.contextmanager
def temp_directory() -> Iterator[Path]:
    """A fresh spill directory for one connection (stale ones swept first), removed at the end."""
    base = root()
    sweep(base)
    path = base / f"{os.getpid()}-{next(_numbers)}"
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def connect(database: str = ":memory:", **kwargs) -> Iterator[duckdb.DuckDBPyConnection]:
    """``duckdb.connect`` with the memory limit and a spill directory of its own, closed at the end."""
    with temp_directory() as path:
        con = duckdb.connect(database, config=config(path, kwargs.pop("config", None)), **kwargs)
        try:
            yield con
        finally:
            con.close()
