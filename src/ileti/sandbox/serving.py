"""Running the sandbox under uvicorn: one process, or `workers` processes over one store, on the API's address
and, when `control_port` is set, a second address for the control API and the inbox (`access.py`).

    serve(settings)          # what `ileti serve` does once the store is prepared

With several workers, uvicorn's supervisor starts them and restarts one that dies; each builds its own app
from the same settings, which reach it as `ILETI_*` environment variables (`app_from_environment`). The
sockets are bound once, before the workers start, and shared by all of them.

Stopping (SIGINT or SIGTERM; with workers, to the supervisor or to the whole process group) is bounded:

1. uvicorn notices the signal within 0.1 s, stops accepting, closes idle keep-alive connections at once and
   waits up to `GRACEFUL_SHUTDOWN_SECONDS` for requests in flight (an open inbox stream ends by itself within
   half a second, `inbox/events.py`); requests still running then are cancelled;
2. the app's lifespan shutdown (cancel the carrier and webhook tasks, close the store: milliseconds) gets
   `APP_SHUTDOWN_SECONDS`; a lifespan still running then is cancelled and given as long again
   (`BoundedShutdown`), so no stuck background task can keep the process alive;
3. the interpreter exits (a few tenths of a second).

An idle server is gone in about 0.4 s; with requests in flight at most about 13 s. After SIGINT `ileti
serve` exits with 130; after SIGTERM uvicorn re-raises the signal once it has shut down, so the process ends
killed by SIGTERM (143 in a shell), as a server stopped by SIGTERM conventionally does; the multi-worker
supervisor exits with 0.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import gc
import importlib.util
import logging
import os
import socket
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ileti.sandbox.app import create_app
from ileti.sandbox.control.access import ControlMode, secure
from ileti.sandbox.settings import Settings

__all__ = [
    "APP_SHUTDOWN_SECONDS",
    "GRACEFUL_SHUTDOWN_SECONDS",
    "BoundedShutdown",
    "SandboxConfig",
    "app_from_environment",
    "environment",
    "log_config",
    "serve",
    "tune_gc",
    "uvicorn_options",
]

GRACEFUL_SHUTDOWN_SECONDS = 10
"""How long a stopping server waits for requests in flight before it cancels them (uvicorn's
`timeout_graceful_shutdown`)."""

APP_SHUTDOWN_SECONDS = 1.0
"""How long the app's lifespan may take to shut down before it is cancelled (`BoundedShutdown`)."""

log = logging.getLogger("ileti.sandbox.serving")


def environment(settings: Settings) -> dict[str, str]:
    """`settings` as the `ILETI_*` variables `Settings.from_env()` reads back to an equal object."""
    env = {}
    for field in dataclasses.fields(Settings):
        value = getattr(settings, field.name)
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        env[Settings.env_name(field.name)] = text
    return env


class BoundedShutdown:
    """An ASGI app around `app` whose lifespan shutdown takes at most `2 * timeout` seconds.

    uvicorn waits for the app's answer to `lifespan.shutdown` without a time limit, so a background task that
    ignores its cancellation would keep a stopped server alive for ever. Here the app gets `timeout` seconds
    to answer; then its lifespan is cancelled (which cancels again whatever it is awaiting) and gets
    `timeout` seconds more; then the server is told the shutdown failed and stops anyway. Requests pass
    straight through.
    """

    def __init__(self, app: ASGIApp, timeout: float = APP_SHUTDOWN_SECONDS) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        asked = asyncio.Event()  # the server sent lifespan.shutdown
        answered = False  # the app sent lifespan.shutdown.complete or .failed

        async def receive_lifespan() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                asked.set()
            return message

        async def send_lifespan(message: Message) -> None:
            nonlocal answered
            if answered:  # the server was already told (by the app, or by us when we gave up on it)
                return
            answered = message["type"].startswith("lifespan.shutdown.")
            await send(message)

        async def run() -> None:
            await self.app(scope, receive_lifespan, send_lifespan)

        lifespan = asyncio.create_task(run(), name="ileti-lifespan")
        shutdown = asyncio.create_task(asked.wait())
        try:
            await asyncio.wait({lifespan, shutdown}, return_when=asyncio.FIRST_COMPLETED)
            if not lifespan.done():  # the server is stopping
                await asyncio.wait({lifespan}, timeout=self.timeout)
            if not lifespan.done():
                log.error("the app did not shut down within %g s: cancelling it", self.timeout)
                lifespan.cancel()
                await asyncio.wait({lifespan}, timeout=self.timeout)
        finally:
            shutdown.cancel()
            if not lifespan.done():  # it ignores cancellation too, or this task itself was cancelled
                lifespan.cancel()
        if not lifespan.done() or lifespan.cancelled():
            if not answered:
                answered = True
                await send(
                    {
                        "type": "lifespan.shutdown.failed",
                        "message": f"the app did not shut down within {2 * self.timeout:g} s",
                    }
                )
            return
        lifespan.result()  # the app's own failure, for uvicorn to report


def tune_gc() -> None:
    """Make the garbage collector cheap for a long-running server (`ileti serve`, each worker).

    Everything imported and built before serving (modules, the app) lives as long as the process, yet every
    full collection walked it again: about 50 ms each, 5 % of a busy server's time and most of its p99. So
    it is frozen out of the collector, and the youngest generation is collected every 10,000 net
    allocations instead of 700: a request's objects are freed by reference counting, and a collection costs
    about the same however many objects it finds. Measured in docs/benchmarks.md. No collection comes first:
    it took 40-150 ms of a start-up of about 400 to free about 2 MB of the import's reference cycles, which
    now stay (frozen) for the life of the process. The collector is enabled here: `ileti serve` disables it
    while it imports the sandbox and builds the app (docs/decisions.md, start-up).
    """
    gc.freeze()
    gc.set_threshold(10_000)
    gc.enable()


def app_from_environment() -> ASGIApp:
    """The app factory each worker process calls (`uvicorn … --factory`)."""
    app = BoundedShutdown(create_app(Settings.from_env()))
    tune_gc()
    return app


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class SandboxConfig(uvicorn.Config):
    """uvicorn's `Config` with the sandbox's connection limits (`protocol.py`): it selects
    `SandboxHttpProtocol` (uvicorn's h11 protocol with its head size limit when httptools is missing) and
    carries the limits to it; it is pickled to each worker process, so they travel with it."""

    def __init__(self, app: Any, *, settings: Settings, **options: Any) -> None:
        protocol = "ileti.sandbox.protocol:SandboxHttpProtocol" if _has("httptools") else "h11"
        options.setdefault("http", protocol)
        options.setdefault("ws", "none")  # no WebSocket: an upgrade offer is ignored, never taken
        options.setdefault("h11_max_incomplete_event_size", settings.max_header_bytes)
        super().__init__(app, **options)
        self.max_header_bytes = settings.max_header_bytes
        self.head_timeout = settings.head_timeout
        self.max_buffered_bytes = settings.max_buffered_bytes
        self.max_body_bytes = settings.max_body_bytes


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration, with the sandbox's own loggers on the same handler and every value
    a request carries escaped on its way to the log (`logsafe.EscapeControls`)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["escape_controls"] = {"()": "ileti.sandbox.logsafe.EscapeControls"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("escape_controls")
    config["loggers"]["ileti"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options of the sandbox's server; with `SandboxConfig` they give the connection limits of
    `protocol.py` (the pytest plugin's server uses them too)."""
    options: dict[str, Any] = {
        "loop": "uvloop" if _has("uvloop") else "asyncio",
        "log_level": settings.log_level,
        "log_config": log_config(settings.log_level),
        "access_log": False,  # an access log line is noise at thousands of requests a second
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
    return options


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM); with `workers > 1` through uvicorn's process supervisor.

    A control API that would be open on a non-loopback address gets a generated token first
    (`access.secure`); `ileti serve` does that itself to print the token, a direct caller finds it logged.
    """
    from uvicorn.supervisors import Multiprocess

    settings, mode = secure(settings)
    if mode is ControlMode.GENERATED:
        log.warning(
            "the control API is on a non-loopback address: it needs the token %s", settings.control_token
        )
    sockets = [_listen(settings.host, settings.port)]
    if settings.control_port:
        sockets.append(_listen(settings.control_host, settings.control_port))
    options = uvicorn_options(settings)
    if settings.workers == 1:
        config = SandboxConfig(BoundedShutdown(create_app(settings)), settings=settings, **options)
        tune_gc()
        uvicorn.Server(config).run(sockets=sockets)
        return
    gc.enable()  # the supervisor's (`tune_gc` does it for a single process and for each worker)
    os.environ.update(environment(settings))
    # a worker imports the whole sandbox before it can answer the supervisor's health check; on a busy
    # machine that takes seconds, which uvicorn's 5 s default would take for a hung worker
    config = SandboxConfig(
        "ileti.sandbox.serving:app_from_environment",
        settings=settings,
        factory=True,
        workers=settings.workers,
        timeout_worker_healthcheck=60,
        **options,
    )
    Multiprocess(config, sockets=sockets).run()
