"""A local PostgreSQL 15 cluster for the tests and `make dev-postgres`: initdb into a temp dir (or
a kept dir for development), listening on 127.0.0.1 on a free port (and a Unix socket in the same
dir), trust auth for local connections only, stopped at the end (a temp dir is deleted).

initdb and postgres refuse to run as root, and the tests run as root in CI: when we are root, the
server runs as the ``postgres`` OS user (created by Debian's ``postgresql-15`` package) through
``runuser``, on a dir that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("ETL_PG_BIN") or "/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    user: str
    data_dir: Path

    def url(self, database: str = "postgres") -> str:
        """``postgresql://user@127.0.0.1:port/database`` (trust auth: no password)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str, *, exist_ok: bool = False) -> str:
        """A fresh database (``name`` must be a plain identifier); its URL."""
        import psycopg

        if not name.isidentifier():
            raise ValueError(f"not a plain database name: {name!r}")
        with psycopg.connect(self.url(), autocommit=True) as con:
            exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not exist_ok:
                raise ValueError(f"database {name} exists")
            if not exists:
                con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *argv] if os.geteuid() == 0 else argv


@contextlib.contextmanager
def running_cluster(keep_dir: Path | None = None, *, port: int | None = None, durable: bool = False,
                    log_name: str = "postgres.log") -> Iterator[Cluster]:
    """initdb (unless ``keep_dir`` holds a cluster already) + pg_ctl start; yields the cluster;
    pg_ctl stop (fast, then immediate); a temp dir is removed. ``durable`` keeps fsync on."""
    if not available():
        raise RuntimeError(f"PostgreSQL 15 binaries not found in {PG_BIN} (make postgres installs them)")
    root = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="etl-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    data_dir = root / "data"
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SERVER_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        user = SERVER_USER
    else:
        user = pwd.getpwuid(os.geteuid()).pw_name
    os.chmod(root, 0o755)
    port = port or _free_port()
    if not (data_dir / "PG_VERSION").exists():
        subprocess.run(
            _as_server_user([str(PG_BIN / "initdb"), "-D", str(data_dir), "-U", user, "--auth=trust",
                             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True,
        )
    speed = "" if durable else "-c fsync=off -c full_page_writes=off "
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
               f"{speed}-c max_connections=200 -c TimeZone=UTC")
    subprocess.run(
        _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-l", str(root / log_name), "-o", options,
                         "-w", "-t", str(START_TIMEOUT_SECONDS), "start"]),
        check=True, capture_output=True,
    )
    try:
        yield Cluster("127.0.0.1", port, user, data_dir)
    finally:
        for mode in ("fast", "immediate"):
            done = subprocess.run(
                _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-m", mode, "-w", "-t", "30", "stop"]),
                capture_output=True,
            )
            if done.returncode == 0:
                break
        if keep_dir is None:
            shutil.rmtree(root, ignore_errors=True)


def wait_accepting(cluster: Cluster, timeout: float = 30.0) -> None:
    """Until the server takes connections (pg_ctl -w already waits; this is for restarts)."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(cluster.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """``python -m etl_assets.devtools.local_postgres --dir .local/postgres --port 5433``: a kept cluster with
    the databases ``warehouse`` and ``dagster``, until SIGINT/SIGTERM (``make dev-postgres``)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5433)
    args = parser.parse_args(argv)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
    with running_cluster(args.dir.resolve(), port=args.port, durable=True) as cluster:
        for name in ("warehouse", "dagster"):
            cluster.create_database(name, exist_ok=True)
        print(f"PostgreSQL 15 on {cluster.host}:{cluster.port} (data in {args.dir}); databases warehouse, dagster",
              flush=True)
        while not stop["now"]:
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
