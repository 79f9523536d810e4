"""Sandbox settings: every option once, with its `ILETI_*` environment twin and its `ileti serve` flag.

The flags are generated from the fields (`ileti.cli.serve`): the name, the type and the `help` metadata
below are all there is to add a setting. `ENV_ONLY` names the settings that have no flag on purpose.

    >>> Settings()                                   # defaults: 127.0.0.1:8080, ./ileti-sandbox.db
    >>> Settings.from_env({"port": 9000})            # ILETI_* variables, then explicit overrides
    >>> Settings(db="/tmp/s.db", settle_delay=0.5)   # tests build them directly

Settings are built once, validated in `__post_init__` and passed to `create_app`; nothing reads the
environment after that.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ileti.limits import DUPLICATE_WINDOW_SECONDS, MAX_RECIPIENTS

__all__ = ["ENV_ONLY", "Settings", "SettingsError"]

Synchronous = Literal["NORMAL", "FULL"]
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{16,256}")


ENV_ONLY = frozenset({"control_token"})
"""Settings without an `ileti serve` flag, on purpose: a secret on the command line is visible to every user
of the machine (`ps`, shell history), so the control token is read from `ILETI_CONTROL_TOKEN` only."""


class SettingsError(ValueError):
    """A setting has a value the sandbox cannot run with."""


def _help(text: str) -> dict[str, Any]:
    return {"help": text}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every sandbox option. The field name in upper case with an `ILETI_` prefix is its environment twin."""

    host: str = field(default="127.0.0.1", metadata=_help("interface to listen on"))
    port: int = field(default=8080, metadata=_help("TCP port"))
    db: str = field(
        default="ileti-sandbox.db",
        metadata=_help(
            "SQLite file (created on first start) or a postgresql://user:password@host/database URL"
        ),
    )
    sqlite_synchronous: Synchronous = field(
        default="NORMAL",
        metadata=_help("SQLite synchronous pragma: NORMAL survives a process crash, FULL also a power cut"),
    )
    settle_delay: float = field(
        default=2.0, metadata=_help("seconds of sandbox time before a 110 message settles (OQ-27)")
    )
    carrier_tick: float = field(default=0.2, metadata=_help("seconds between background carrier passes"))
    webhook_timeout: float = field(default=10.0, metadata=_help("seconds per webhook attempt (OQ-21)"))
    webhook_retries: int = field(default=3, metadata=_help("retries after a failed webhook attempt (OQ-21)"))
    webhook_backoff: float = field(
        default=1.0, metadata=_help("seconds before the first webhook retry; doubles per retry")
    )
    webhook_concurrency: int = field(default=16, metadata=_help("webhook POSTs in flight at once"))
    tolerate_missing_iys: bool = field(
        default=False, metadata=_help("treat a missing send-sms iys flag as '0' instead of 468 (OQ-3)")
    )
    strict_recipients: bool = field(
        default=False, metadata=_help("452 when any recipient is invalid or blacklisted (OQ-6)")
    )
    always_http_200: bool = field(
        default=False, metadata=_help("answer HTTP 200 whatever status.code says (OQ-1 compatibility)")
    )
    apitest_text: str = field(
        default="iletiMerkezi API test mesajidir.",
        metadata=_help("fixed text that replaces the body of APITEST sends (OQ-26)"),
    )
    sms_price: float = field(default=0.05, metadata=_help("TL per SMS part for TL-funded accounts (OQ-16)"))
    max_recipients: int = field(
        default=MAX_RECIPIENTS, metadata=_help("recipients per send-sms request; more is 453 (OQ-8)")
    )
    duplicate_window: float = field(
        default=DUPLICATE_WINDOW_SECONDS,
        metadata=_help("seconds in which an identical order is refused with 451 (OQ-7)"),
    )
    demo_account: bool = field(
        default=True, metadata=_help("create a demo account on an empty store (and after a reset)")
    )
    log_level: str = field(default="info", metadata=_help("uvicorn log level"))
    # scale and shared deployments (docs/scaling.md)
    workers: int = field(default=1, metadata=_help("worker processes serving one store"))
    control_port: int = field(
        default=0,
        metadata=_help("serve the control API and the inbox only on this port (0: on the API's address)"),
    )
    control_host: str = field(default="127.0.0.1", metadata=_help("interface of the control port"))
    control_token: str = field(
        default="",
        metadata=_help("token the control API and the inbox require (Authorization: Bearer); empty: none"),
    )
    max_body_bytes: int = field(
        default=32 * 1024 * 1024,
        metadata=_help("largest request body read; more is 453 on send-sms, 400 on other calls"),
    )
    max_messages: int = field(
        default=0,
        metadata=_help(
            "keep at most this many messages: the oldest orders beyond it are removed (0: no limit)"
        ),
    )
    # safe by default (docs/sandbox.md, "Security")
    allowed_hosts: str = field(
        default="",
        metadata=_help(
            "comma-separated Host names accepted on a loopback address besides loopback ones (.example.com: "
            "also its subdomains; *: any); when set, checked on every address"
        ),
    )
    control_open: bool = field(
        default=False,
        metadata=_help(
            "serve the control API and the inbox without a token on a non-loopback address "
            "(otherwise a token is generated)"
        ),
    )
    webhook_allowed_hosts: str = field(
        default="",
        metadata=_help(
            "comma-separated hosts webhooks may be delivered to "
            "(.example.com: also its subdomains); empty: any"
        ),
    )
    max_header_bytes: int = field(
        default=64 * 1024, metadata=_help("largest request head (request line and headers); more is 431")
    )
    head_timeout: float = field(
        default=10.0,
        metadata=_help("seconds a connection may take to send a whole request head; then it is closed"),
    )
    max_buffered_bytes: int = field(
        default=128 * 1024 * 1024,
        metadata=_help("request body bytes held at once by all requests of a process; a body past it is 503"),
    )
    max_event_streams: int = field(
        default=32, metadata=_help("inbox event streams open at once per process; more are 503")
    )
    journal_size: int = field(
        default=10_000,
        metadata=_help(
            "/v1 calls the request journal keeps, newest first (GET /_sandbox/requests); 0: no journal"
        ),
    )
    seed: str = field(
        default="",
        metadata=_help(
            "seed file (JSON or TOML) applied at start and by every reset; empty: none (docs/sandbox.md)"
        ),
    )

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"port must be 0..65535, not {self.port}")
        if self.sqlite_synchronous not in ("NORMAL", "FULL"):
            raise SettingsError("sqlite_synchronous must be NORMAL or FULL")
        for name in ("settle_delay", "webhook_backoff", "duplicate_window", "sms_price"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must not be negative")
        for name in ("carrier_tick", "webhook_timeout"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive")
        if self.webhook_retries < 0 or self.webhook_concurrency < 1 or self.max_recipients < 1:
            raise SettingsError("webhook_retries >= 0, webhook_concurrency >= 1, max_recipients >= 1")
        if not 1 <= self.workers <= 64:
            raise SettingsError(f"workers must be 1..64, not {self.workers}")
        if not 0 <= self.control_port <= 65535 or (self.control_port and self.control_port == self.port):
            raise SettingsError("control_port must be 0 (off) or a port other than the API's")
        if self.control_token and not _TOKEN.fullmatch(self.control_token):
            raise SettingsError("control_token: at least 16 of A-Z a-z 0-9 . _ ~ -")
        if self.max_body_bytes < 1024 * 1024:
            raise SettingsError("max_body_bytes must be at least 1 MiB (1048576)")
        if self.max_messages < 0:
            raise SettingsError("max_messages must be 0 (no limit) or a positive number of messages")
        if self.max_buffered_bytes < self.max_body_bytes:
            raise SettingsError("max_buffered_bytes must be at least max_body_bytes")
        if not 8 * 1024 <= self.max_header_bytes <= 16 * 1024 * 1024:
            raise SettingsError("max_header_bytes must be 8 KiB..16 MiB (8192..16777216)")
        if self.head_timeout <= 0:
            raise SettingsError("head_timeout must be positive")
        if self.max_event_streams < 1:
            raise SettingsError("max_event_streams must be at least 1")
        if not 0 <= self.journal_size <= 10_000_000:
            raise SettingsError(f"journal_size must be 0..10000000, not {self.journal_size}")

    @staticmethod
    def env_name(name: str) -> str:
        """The environment twin of a field: `settle_delay` -> `ILETI_SETTLE_DELAY`."""
        return "ILETI_" + name.upper()

    @classmethod
    def from_env(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Defaults, then `ILETI_*` variables, then `overrides` (explicit CLI flags; None = not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(cls.env_name(f.name))
            if raw is not None:
                values[f.name] = _parse(f.type, raw, f.name)
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls(**values)


def _parse(annotation: object, raw: str, name: str) -> Any:
    kind = str(annotation)
    try:
        if kind == "bool":
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{Settings.env_name(name)}={raw!r} is not a valid {kind}") from exc
    return raw.upper() if kind == "Synchronous" else raw
