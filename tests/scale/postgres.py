"""A throwaway PostgreSQL server for tests and benchmarks, from Debian's `postgresql` package.

    with ThrowawayPostgres() as server:                 # initdb into a temp dir, pg_ctl start on a free port
        url = server.create_database()                  # postgresql://postgres@127.0.0.1:PORT/ileti_<random>

`initdb` refuses to run as root, so as root every server binary runs as the `postgres` user (`runuser`) on a
directory that user owns; as anyone else it runs as that user. The server listens on 127.0.0.1 only, on a free
port, with its unix socket in the same temp dir, and trusts local connections (nothing else can reach it).
Durability settings are relaxed (`fsync=off`) unless `durable=True`: the tests kill the sandbox, never the
database server.

The scale tests' `postgres_server` fixture uses `ILETI_TEST_POSTGRES_URL` when it is set (CI starts one server
for the whole run), else a throwaway server, else nothing (no PostgreSQL here: the PostgreSQL variants skip).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

__all__ = [
    "ENV_URL",
    "PostgresUnavailableError",
    "ThrowawayPostgres",
    "create_database",
    "drop_database",
    "find_bin_dir",
]

ENV_URL = "ILETI_TEST_POSTGRES_URL"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries here, or they could not start a server."""


def find_bin_dir() -> Path | None:
    """The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `pg_ctl`, or `pg_ctl` on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ThrowawayPostgres:
    """One PostgreSQL server in a temp dir; `start()` / `stop()` (which removes the dir)."""

    def __init__(self, bin_dir: Path | None = None, *, durable: bool = False) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise PostgresUnavailableError("no PostgreSQL server binaries (apt-get install postgresql)")
        self.bin_dir = found
        self.port = 0
        self.dir: Path | None = None
        self._prefix: list[str] = []
        self._user = "postgres"
        self.durable = durable  # PostgreSQL's own fsync settings (benchmarks), or none at all (tests)

    @property
    def url(self) -> str:
        """The maintenance database `postgres` (create test databases through it)."""
        return f"postgresql://{self._user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [*self._prefix, *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise PostgresUnavailableError(
                f"{' '.join(args[:2])} failed ({result.returncode}): "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )

    def start(self) -> ThrowawayPostgres:
        self.dir = Path(tempfile.mkdtemp(prefix="ileti-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                self._cleanup()
                raise PostgresUnavailableError("running as root and there is no `postgres` user") from exc
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            runuser = shutil.which("runuser")
            self._prefix = [runuser, "-u", "postgres", "--"] if runuser else []
            if not runuser:
                self._cleanup()
                raise PostgresUnavailableError("running as root without `runuser`")
        else:
            self._user = pwd.getpwuid(os.geteuid()).pw_name
        data = self.dir / "data"
        try:
            self._run(
                str(self.bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                self._user,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
            self.port = _free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
                "-c max_connections=200 -c shared_buffers=128MB"
            )
            if not self.durable:
                options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
            self._run(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
        except (PostgresUnavailableError, OSError, subprocess.TimeoutExpired) as exc:
            log = self.dir / "server.log"
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            self._cleanup()
            raise PostgresUnavailableError(f"{exc}\n{detail}") from exc
        return self

    def stop(self) -> None:
        if self.dir is not None and (self.dir / "data" / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailableError, subprocess.TimeoutExpired):
                self._run(
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.dir / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "-t",
                    "30",
                    "stop",
                    timeout=60,
                )
        self._cleanup()

    def _cleanup(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def create_database(self) -> str:
        return create_database(self.url)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def create_database(server_url: str, prefix: str = "ileti_test") -> str:
    """A new, empty database on the server of `server_url`; returns its URL."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return _with_database(server_url, name)


def drop_database(server_url: str, database_url: str) -> None:
    """Drop a database made by `create_database` (closing whatever still uses it)."""
    import psycopg

    name = database_url.rpartition("/")[2]
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
