"""The local instance's SQLite storage, its connections kept open (dagster.yaml ``instance_class``).

Why: Dagster's SQLite storages create an engine and open a connection for every write and close
it after (NullPool). At SQLite's default synchronous=FULL every commit syncs the WAL, and closing a
WAL file's last connection checkpoints it (more syncs): 10-30 ms per event on this machine, and a
run of a small delivery writes ~80 events. A new run's event-log shard is also created and stamped
through alembic (~0.4 s per run). Here each database file keeps one engine whose connections stay
open (WAL, ``synchronous=NORMAL``: a commit survives the process crashing; an OS crash or power
loss may lose the last commits but never corrupts the file), and a new shard is a copy of an
empty, stamped template made once per process. Same files and layout as Dagster's default
``storage: sqlite`` (runs.db, history/runs/<run>.db, index.db, schedules/), so either opens the
other's DAGSTER_HOME. Production runs on PostgreSQL (deploy/dagster.yaml) and does not use this.
It is the default storage of ``KeptOpenInstance`` (not ``storage: custom``): only an instance class
learns the instance's directory, and an instance opened by directory (``DagsterInstance.from_config``)
has no DAGSTER_HOME to read it from.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy.pool import NullPool

KEEP_ENGINES = 8  # database files kept open per storage: the index, runs.db and the latest run shards
PARTITION_SEEN_SECONDS = 30.0  # how long a dynamic partition found is taken as still there


def _engine(conn_string: str) -> db.Engine:
    engine = db.create_engine(
        conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        pool_size=2, max_overflow=8,
    )

    @db.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Engines:
    """An engine per database file, the least recently used disposed past ``keep`` (thread-safe)."""

    def __init__(self, keep: int = KEEP_ENGINES):
        self.keep = keep
        self._engines: OrderedDict[str, db.Engine] = OrderedDict()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def get(self, conn_string: str) -> db.Engine:
        with self._lock:
            if os.getpid() != self._pid:  # a forked child never uses (nor closes) its parent's connections
                self._engines, self._pid = OrderedDict(), os.getpid()
            engine = self._engines.pop(conn_string, None) or _engine(conn_string)
            self._engines[conn_string] = engine
            while len(self._engines) > self.keep:
                self._engines.popitem(last=False)[1].dispose()  # checked-out connections close on return
            return engine

    @contextmanager
    def transaction(self, conn_string: str) -> Iterator[db.Connection]:
        with self.get(conn_string).connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        with self._lock:
            while self._engines:
                self._engines.popitem()[1].dispose()


class KeptOpenEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log, each shard's connections kept open; new shards from a template."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines = Engines()  # before Dagster's __init__: it may create and migrate the index
        self._template: bytes | None = None
        self._tables: set[str] = set()
        self._partitions_seen: dict[tuple[str, str], float] = {}  # (partitions def, key) -> when found
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before most partition and check writes (~45 times a run), each time through a
        new engine; a table once there stays (migrations add tables, never drop them)."""
        if table_name not in self._tables:
            with self._engines.transaction(self.conn_string_for_shard(INDEX_SHARD_NAME)) as conn:
                if not db.inspect(conn).has_table(table_name):
                    return False
            self._tables.add(table_name)
        return True

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.Connection]:
        with self._db_lock:  # as Dagster's: one transaction of this storage at a time in a process
            if shard not in self._initialized_dbs:
                self._init_shard(shard)
                self._initialized_dbs.add(shard)
            with self._engines.transaction(self.conn_string_for_shard(shard)) as conn:
                yield conn

    def _init_shard(self, shard: str) -> None:
        path = self.path_for_shard(shard)
        if shard == INDEX_SHARD_NAME or os.path.exists(path):
            self._initdb(db.create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                          connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}))
            return
        staged = os.path.join(self._base_dir, f".{shard}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(staged, "wb") as out:
            out.write(self._shard_template())
        try:
            os.link(staged, path)  # never over a shard another process created meanwhile
        except FileExistsError:
            pass
        finally:
            os.unlink(staged)

    def _shard_template(self) -> bytes:
        """An empty run shard as Dagster creates it (tables, WAL mode, alembic stamp), made once per process."""
        if self._template is None:
            folder = tempfile.mkdtemp(prefix="etl-shard-")
            try:
                path = os.path.join(folder, "template.db")
                self._initdb(db.create_engine(f"sqlite:///{path}", poolclass=NullPool))
                with open(path, "rb") as f:
                    self._template = f.read()
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        return self._template

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        """Dagster asks ~30 times a run whether the run's own partition exists (each check result, each
        input's data version): a "yes" is remembered for ``PARTITION_SEEN_SECONDS`` (partitions are
        deleted by hand, if ever; this process's own deletes forget it at once)."""
        key, now = (partitions_def_name, partition_key), time.monotonic()
        if now - self._partitions_seen.get(key, -PARTITION_SEEN_SECONDS) < PARTITION_SEEN_SECONDS:
            return True
        found = super().has_dynamic_partition(partitions_def_name, partition_key)
        if found:
            self._partitions_seen[key] = now
        return found

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._partitions_seen.pop((partitions_def_name, partition_key), None)
        super().delete_dynamic_partition(partitions_def_name, partition_key)

    def dispose(self) -> None:
        super().dispose()
        self._engines.dispose()


class KeptOpenRunStorage(SqliteRunStorage):
    """Dagster's SQLite run storage (runs.db), its connections kept open."""

    _engines: Engines | None = None

    @contextmanager
    def connect(self) -> Iterator[db.Connection]:
        if self._engines is None:
            self._engines = Engines(keep=1)
        with self._engines.transaction(self._conn_string) as conn:
            yield conn

    def dispose(self) -> None:
        super().dispose()
        if self._engines is not None:
            self._engines.dispose()


class KeptOpenSqliteStorage(DagsterSqliteStorage):
    """DagsterSqliteStorage's layout under ``base_dir`` (the default storage of ``KeptOpenInstance``) with
    the run and event-log storages above (schedules as Dagster's: the daemon's ticks are few)."""

    def __init__(self, base_dir: str, inst_data=None):
        self.base_dir = base_dir
        self._run_storage = KeptOpenRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptOpenEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        DagsterStorage.__init__(self)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptOpenSqliteStorage:
        os.makedirs(config_value["base_dir"], exist_ok=True)
        return cls(config_value["base_dir"], inst_data=inst_data)


class KeptOpenInstance(DagsterInstance):
    """``instance_class`` for dagster.yaml: Dagster's instance whose default storage (no ``storage:``
    key) is ``KeptOpenSqliteStorage`` under the instance's directory; anything configured wins."""

    @classmethod
    def config_schema(cls) -> dict:
        return {}  # no settings of its own

    @staticmethod
    def config_defaults(base_dir: str):
        defaults = dict(InstanceRef.config_defaults(base_dir))
        defaults["storage"] = ConfigurableClassData(__name__, KeptOpenSqliteStorage.__name__, yaml.dump({"base_dir": base_dir}))
        return defaults
