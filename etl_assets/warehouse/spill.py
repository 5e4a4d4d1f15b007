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
import atexit
import contextvars
import itertools
import os
import shutil
import threading
from collections import OrderedDict
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


# An in-memory database costs ~30 ms of CPU to create (DuckDB fills its catalog), a cursor of one ~0.5 ms;
# a small delivery asked for four in-memory connections (dedup, three key checks). ``shared`` keeps one
# database per (process, spill root, settings), the last few used.
_SHARED: OrderedDict[tuple, tuple[duckdb.DuckDBPyConnection, Path]] = OrderedDict()
_SHARED_LOCK = threading.Lock()
KEEP_SHARED = 2


@contextlib.contextmanager
def shared(**settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of this process's in-memory database with ``settings`` (e.g. ``memory_limit``, ``threads``),
    spilling under ``root()`` in a directory of its own (made by DuckDB if it spills, removed at exit).

    For queries over files that leave nothing behind: no tables or views outside the cursor's own temp
    schema, no ``SET`` (the database is shared by the process's later callers)."""
    key = (os.getpid(), str(root()), tuple(sorted(settings.items())))
    with _SHARED_LOCK:
        entry = _SHARED.pop(key, None)
        if entry is None:
            path = root() / f"{os.getpid()}-shared-{next(_numbers)}"
            entry = (duckdb.connect(":memory:", config={**config(path), **settings}), path)  # settings win
        _SHARED[key] = entry
        while len(_SHARED) > KEEP_SHARED:
            _close(*_SHARED.popitem(last=False)[1])
        cursor = entry[0].cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _close(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.close()
    shutil.rmtree(path, ignore_errors=True)


@atexit.register
def _close_shared() -> None:
    with _SHARED_LOCK:
        while _SHARED:
            key, entry = _SHARED.popitem()
            if key[0] == os.getpid():  # a forked child's copies are its parent's to close
                _close(*entry)
