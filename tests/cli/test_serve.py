"""`ileti serve` as a real process: SIGINT and SIGTERM stop it with a clean status, promptly, and leave no
process behind: idle with a keep-alive connection open, and while the carrier settles a 50,000-recipient
order (`sandbox/serving.py` documents the stop sequence and its bounds)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ileti.cli import EXIT_INTERRUPTED
from tests.serving import Served, serve

STOP_WITHIN = 5.0  # seconds: a correctness bound, not a benchmark (an idle server needs well under 1 s)
RECIPIENTS = 50_000
SENDER = "BENCH"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def _serve(tmp_path: Path, *, workers: int = 1) -> Iterator[Served]:
    """`ileti serve` on a fresh SQLite file whose carrier settles almost at once and looks often, so
    settlement is underway right after an order is accepted."""
    settle_fast = {"ILETI_SETTLE_DELAY": "0.05", "ILETI_CARRIER_TICK": "0.05"}
    with serve(tmp_path, "--workers", str(workers), db=tmp_path / "serve.db", env=settle_fast) as served:
        yield served


def _settled(db: Path) -> int:
    """Messages the carrier has settled so far, read from the store beside the server (WAL: no locking)."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as connection:
        count: int = connection.execute("SELECT count(*) FROM messages WHERE status != 110").fetchone()[0]
        return count


def _start_settling(served: Served, http: httpx.Client) -> None:
    """Accept a 50,000-recipient order and return once the carrier is part of the way through it."""
    account = http.post("/_sandbox/accounts", json={"senders": [SENDER], "balance": {"sms": 1_000_000}})
    assert account.status_code == 201, account.text
    auth = {"key": account.json()["key"], "hash": account.json()["hash"]}
    numbers = [f"+9053{i:08d}" for i in range(RECIPIENTS)]
    message = {"text": "toplu mesaj", "receipents": {"number": numbers}}
    body = json.dumps(
        {"request": {"authentication": auth, "order": {"sender": SENDER, "iys": "0", "message": message}}}
    )
    response = http.post("/v1/send-sms/json", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 30
    while (settled := _settled(served.db)) == 0:
        assert time.monotonic() < deadline, f"the carrier did not start settling:\n{served.tail()}"
        time.sleep(0.005)
    assert settled < RECIPIENTS - 1000, "the carrier finished before the signal could be sent"


def _stop(served: Served, sig: signal.Signals) -> int:
    """Send `sig` to the server process alone (with workers: the supervisor) and wait for it to exit."""
    started = time.monotonic()
    served.process.send_signal(sig)
    try:
        code = served.process.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ileti serve still running {STOP_WITHIN:g} s after {sig.name}:\n{served.tail()}")
    assert time.monotonic() - started < STOP_WITHIN
    return code


def _assert_clean(served: Served, sig: signal.Signals, code: int, *, workers: int) -> None:
    if workers > 1:
        clean = {0}  # uvicorn's supervisor stops its workers and exits normally
    elif sig is signal.SIGINT:
        clean = {EXIT_INTERRUPTED}  # docs/cli.md: 130, interrupted
    else:
        clean = {-signal.SIGTERM, 0}  # uvicorn re-raises SIGTERM once it has shut down gracefully
    assert code in clean, f"exit status {code} after {sig.name}:\n{served.tail()}"
    assert "Traceback" not in served.tail(), served.tail()
    deadline = time.monotonic() + 2  # a worker may take a moment to be reaped
    while _group_alive(served.process.pid):
        assert time.monotonic() < deadline, "a process of `ileti serve` outlived it"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_promptly_with_a_keep_alive_connection_open(tmp_path: Path, sig: signal.Signals) -> None:
    with _serve(tmp_path) as served, httpx.Client(base_url=served.url) as http:
        assert http.get("/readyz").status_code == 200  # the connection stays open, idle, through the stop
        code = _stop(served, sig)
        _assert_clean(served, sig, code, workers=1)


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker", "2-workers"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_stops_promptly_while_the_carrier_settles_a_large_order(
    tmp_path: Path, sig: signal.Signals, workers: int
) -> None:
    with (
        _serve(tmp_path, workers=workers) as served,
        httpx.Client(base_url=served.url, timeout=httpx.Timeout(60.0)) as http,
    ):
        _start_settling(served, http)
        code = _stop(served, sig)
        _assert_clean(served, sig, code, workers=workers)


@pytest.mark.parametrize("db", ["{tmp}/no/such/folder/s.db", "postgresql://nobody@127.0.0.1:1/none"])
def test_serve_names_a_store_it_cannot_open(tmp_path: Path, db: str) -> None:
    """A store that cannot be opened is the operator's to fix: exit 2 and why, not an internal error."""
    run = subprocess.run(
        [sys.executable, "-m", "ileti", "serve", "--db", db.format(tmp=tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "cannot open the store" in run.stderr
    assert "Internal error" not in run.stderr
    assert "Traceback" not in run.stderr
