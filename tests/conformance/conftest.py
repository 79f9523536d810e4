"""Real `ileti serve` processes for the conformance battery, and the `ileti conformance` command run against
them in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import serving

SENDER = "CONFORM"
BRAND = "612345"


@dataclass
class Account:
    key: str
    hash: str


@dataclass
class Served:
    """One `ileti serve` process (`tests/serving.py`) and an HTTP client on it."""

    server: serving.Served
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db(self) -> Path | str:
        return self.server.db

    def account(self, **fields: Any) -> Account:
        body = {
            "senders": [SENDER],
            "balance": {"amount": 100.0, "sms": 1000},
            "test_number": "+905300000000",
            **fields,
        }
        response = self.http.post("/_sandbox/accounts", json=body)
        assert response.status_code == 201, response.text
        return Account(response.json()["key"], response.json()["hash"])

    def api(
        self, account: Account, endpoint: str, payload_key: str | None = None, payload: Any = None
    ) -> Any:
        """One /v1 JSON call that must succeed; its body."""
        request: dict[str, Any] = {"authentication": {"key": account.key, "hash": account.hash}}
        if payload_key:
            request[payload_key] = payload
        response = self.http.post(f"/v1/{endpoint}/json", json={"request": request})
        assert response.status_code == 200, response.text
        return response.json()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table of the store (a request journal aside), in a stable order."""
        uri = f"file:{self.db}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            snapshot = {
                name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names
                if "journal" not in name
            }
        # the journal's bookkeeping in `meta` (its entry counter) moves with every call, as it should
        snapshot["meta"] = [row for row in snapshot.get("meta", []) if "journal" not in str(row[0])]
        return snapshot

    def tail(self) -> str:
        return self.server.tail()


@contextlib.contextmanager
def serve(tmp_path: Path, *flags: str, database: str | None = None) -> Iterator[Served]:
    """`ileti serve FLAGS` on a fresh SQLite file (or `database`) that settles at once."""
    db = database or tmp_path / f"serve-{time.monotonic_ns()}.db"
    with (
        serving.serve(tmp_path, *flags, db=db, env={"ILETI_SETTLE_DELAY": "0"}) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        yield Served(server, http)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    record: dict[str, Any] | None

    def differing(self) -> dict[str, dict[str, list[str]]]:
        """probe name -> its differences, for the probes that differ."""
        assert self.record is not None
        return {p["name"]: p["differences"] for p in self.record["probes"] if any(p["differences"].values())}


def conformance(tmp_path: Path, url: str, account: Account, *args: str) -> Run:
    """`python -m ileti conformance --base-url URL --key … --hash … ARGS --json FILE` in a subprocess."""
    record = tmp_path / f"record-{time.monotonic_ns()}.json"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ILETI_")},
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ileti",
            "conformance",
            "--base-url",
            url,
            "--key",
            account.key,
            "--hash",
            account.hash,
            "--json",
            str(record),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    text = record.read_text(encoding="utf-8") if record.exists() else None
    if text is not None:
        assert account.hash not in text, "the record holds the hash"
        assert account.key not in text, "the record holds the key"
    return Run(done.returncode, done.stdout, done.stderr, json.loads(text) if text else None)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(tmp_path) as server:
        yield server
