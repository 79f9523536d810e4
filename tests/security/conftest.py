"""`ileti serve` as a real process for the security tests (`tests/serving.py`), with its demo account and
info-level log, so a test can read the banner's key, hash and token and what was logged."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests import serving
from tests.serving import Served, free_port

__all__ = ["Served", "free_port", "sandbox", "serve"]


@contextlib.contextmanager
def serve(
    tmp_path: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    preexec: Callable[[], Any] | None = None,
) -> Iterator[Served]:
    settings = {"ILETI_LOG_LEVEL": "info", "ILETI_DEMO_ACCOUNT": "1", **(env or {})}
    with serving.serve(tmp_path, *args, env=settings, host=host, preexec=preexec) as served:
        yield served


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Served]:
    """A default `ileti serve` on 127.0.0.1 with its demo account."""
    with serve(tmp_path) as served:
        yield served
