"""Servers a benchmark starts never outlive it, whichever way it ends.

    exit_on_signals()                  # first in main(): SIGTERM, SIGHUP and SIGINT unwind through `finally`
    server = spawn([...], stdout=...)  # in a session of its own: its workers are in its process group
    try:
        ...
    finally:
        stop(server)                   # SIGTERM to the group, SIGKILL to what is left after `grace` seconds

A signal that arrives while `spawn` starts a process waits until the process is registered, and at exit
every registered process still running is SIGKILLed with its group, in case a `finally` was cut short. Only
a SIGKILL of the benchmark itself leaves its servers running (they are in sessions of their own).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import IO, Any

__all__ = ["exit_on_signals", "spawn", "stop"]

_running: list[subprocess.Popen[bytes]] = []
_spawning = False
_deferred: int | None = None  # a signal that arrived while `spawn` was starting a process


def _leave(signum: int, _frame: FrameType | None) -> None:
    global _deferred
    if _spawning:
        _deferred = signum
        return
    _raise(signum)


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    """A no-op handler, not SIG_IGN: processes started during the cleanup must not inherit ignoring it."""


def _raise(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signum, _ignore)  # a second SIGTERM must not cut short the cleanup this one starts
    raise SystemExit(128 + signum)


def exit_on_signals() -> None:
    """SIGTERM and SIGHUP raise SystemExit (status 128 + signal), SIGINT KeyboardInterrupt, so that every
    `finally` that stops a server runs; call it in the main thread before starting any."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _leave)


def spawn(
    command: Sequence[str],
    *,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` in a session (process group) of its own and register it for `stop` and the exit."""
    global _spawning, _deferred
    _spawning = True
    try:
        process = subprocess.Popen(
            list(command), stdout=stdout, stderr=stderr, env=env, start_new_session=True
        )
        _running.append(process)
    finally:
        _spawning = False
    if _deferred is not None:
        signum, _deferred = _deferred, None
        _raise(signum)
    return process


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, grace: float = 15.0) -> None:
    """Send `sig` to the process's group, wait up to `grace` seconds for the process, then SIGKILL whatever
    is left of the group (a hung server, or the workers of a supervisor that is gone) and reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with contextlib.suppress(ValueError):
        _running.remove(process)


@atexit.register
def _kill_the_rest() -> None:
    while _running:  # `stop` takes each off the list
        stop(_running[-1], signal.SIGKILL, grace=5.0)
