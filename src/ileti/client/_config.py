"""Client configuration values: timeouts, connection limits, retry policy, and `ILETI_*` environment reading.

Each is a small frozen value with its defaults as module constants, so a client's options are plain data::

    Timeout(10.0)                       # every phase 10 s
    Timeout(5.0, read=30.0)             # connect/write/pool 5 s, read 30 s
    Limits(max_connections=32)          # at most 32 sockets to the API, idle ones kept 30 s
    RetryPolicy(max_attempts=4)         # up to 3 retries with capped exponential backoff and jitter
    RetryPolicy(retry_send_sms=True)    # also retry send-sms when the request may have arrived (see docs)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "Credentials",
    "Limits",
    "RetryPolicy",
    "Timeout",
    "resolve_base_url",
    "resolve_credentials",
]

DEFAULT_BASE_URL = "https://api.iletimerkezi.com"
ENV_BASE_URL = "ILETI_BASE_URL"
ENV_API_KEY = "ILETI_API_KEY"
ENV_API_HASH = "ILETI_API_HASH"


class _NotGiven:
    """'Argument not given', kept apart from None, which means 'no timeout for this phase'."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven()


@dataclass(frozen=True, slots=True, init=False)
class Timeout:
    """Per-phase timeouts in seconds; None disables a phase's timeout (not recommended).

    The default transports have no separate write phase: urllib3 sends under the connect timeout, aiohttp
    under the read timeout; `write` is there for transports that have one.
    """

    connect: float | None
    read: float | None
    write: float | None
    pool: float | None

    def __init__(
        self,
        default: float | None = 10.0,
        *,
        connect: float | _NotGiven | None = NOT_GIVEN,
        read: float | _NotGiven | None = NOT_GIVEN,
        write: float | _NotGiven | None = NOT_GIVEN,
        pool: float | _NotGiven | None = NOT_GIVEN,
    ) -> None:
        for name, value in (("connect", connect), ("read", read), ("write", write), ("pool", pool)):
            object.__setattr__(self, name, default if isinstance(value, _NotGiven) else value)


@dataclass(frozen=True, slots=True)
class Limits:
    """Connection pool limits: total sockets to the API, and how long an idle socket is kept for reuse."""

    max_connections: int = 64
    keepalive_expiry: float = 30.0

    def __post_init__(self) -> None:
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how often the client tries again.

    Read-only calls retry connection failures, timeouts and 503 up to `max_attempts` in total. `send-sms`,
    `cancel-order` and other writes retry only failures where the request cannot have reached the server
    (connect errors, connect and pool timeouts, 503), unless `retry_send_sms` is set: then they also retry
    timeouts and dropped connections, at the risk of a second order, which the API's 10-minute duplicate
    guard turns into a 451 (raised as `DuplicateOrderError` with `after_retry=True`).

    The delay before attempt n+1 is `min(backoff_max, backoff_initial * 2**(n-1))`, scaled by a random
    factor in [1 - jitter, 1]; a `Retry-After` header from a 503 is honoured up to `backoff_max`.
    """

    max_attempts: int = 3
    backoff_initial: float = 0.25
    backoff_max: float = 8.0
    jitter: float = 0.5
    retry_send_sms: bool = False

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")


DEFAULT_TIMEOUT = Timeout(10.0, connect=5.0)
DEFAULT_LIMITS = Limits()
DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class Credentials:
    key: str
    hash: str

    def __repr__(self) -> str:
        # the hash is a secret: never in reprs, logs or tracebacks
        return f"Credentials(key={self.key!r}, hash='***')"


def resolve_base_url(
    base_url: str | None, sandbox: bool | str, environ: Mapping[str, str] | None = None
) -> str:
    """The API origin: the argument, else `ILETI_BASE_URL`, else the live API.

    `sandbox=True` means a local `ileti serve` at its default address; a string is the sandbox's URL.
    """
    env = os.environ if environ is None else environ
    if base_url:
        url = base_url
    elif isinstance(sandbox, str):
        url = sandbox
    elif sandbox:
        url = env.get(ENV_BASE_URL) or "http://127.0.0.1:8080"
    else:
        url = env.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    return url.rstrip("/")


def resolve_credentials(
    key: str | None, hash: str | None, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Credentials from the arguments, else `ILETI_API_KEY` / `ILETI_API_HASH`."""
    env = os.environ if environ is None else environ
    resolved_key = key if key is not None else env.get(ENV_API_KEY)
    resolved_hash = hash if hash is not None else env.get(ENV_API_HASH)
    if not resolved_key or not resolved_hash:
        raise ValueError(
            f"API credentials are missing: pass key= and hash=, or set {ENV_API_KEY} and {ENV_API_HASH}"
        )
    return Credentials(resolved_key, resolved_hash)
