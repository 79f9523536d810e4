"""Fixtures of the scale tests: one store per backend (SQLite file, PostgreSQL database) and `ileti serve`
subprocesses with one or several workers over it.

PostgreSQL comes from `ILETI_TEST_POSTGRES_URL` (a server the tests may create databases on; CI starts
one), or else from a throwaway server this session starts with Debian's binaries (`postgres.py`). Without
either, the PostgreSQL variants skip and say why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .postgres import ENV_URL, PostgresUnavailableError, ThrowawayPostgres, create_database, drop_database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """The URL of a PostgreSQL server for this session, or None when there is none (with the reason kept)."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailableError as exc:
        _unavailable.append(str(exc))
        yield None
        return
    try:
        yield server.url
    finally:
        server.stop()


_unavailable: list[str] = []


def new_store(backend: str, directory: Path, server: str | None) -> str:
    """A fresh, empty store of `backend`: a SQLite file path or a new PostgreSQL database URL."""
    if backend == "sqlite":
        return str(directory / "sandbox.db")
    if server is None:
        pytest.skip(
            f"no PostgreSQL server: set {ENV_URL} or install Debian's postgresql "
            f"({'; '.join(_unavailable) or 'not found'})"
        )
    return create_database(server)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def store_db(backend: str, tmp_path: Path, postgres_server: str | None) -> Iterator[str]:
    """A fresh store for one test, on each backend."""
    db = new_store(backend, tmp_path, postgres_server)
    yield db
    if backend == "postgresql" and postgres_server is not None:
        drop_database(postgres_server, db)
