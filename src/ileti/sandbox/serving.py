"""Running the sandbox under uvicorn: one process, or `workers` processes over one store, on the API's address
and, when `control_port` is set, a second address for the control API and the inbox (`access.py`).

    serve(settings)          # what `ileti serve` does once the store is prepared

With several workers, uvicorn's supervisor starts them and restarts one that dies; each builds its own app
from the same settings, which reach it as `ILETI_*` environment variables (`app_from_environment`). The
sockets are bound once, before the workers start, and shared by all of them.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import socket

from starlette.applications import Starlette

from ileti.sandbox.app import create_app
from ileti.sandbox.settings import Settings

__all__ = ["app_from_environment", "environment", "serve"]


def environment(settings: Settings) -> dict[str, str]:
    """`settings` as the `ILETI_*` variables `Settings.from_env()` reads back to an equal object."""
    env = {}
    for field in dataclasses.fields(Settings):
        value = getattr(settings, field.name)
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        env[Settings.env_name(field.name)] = text
    return env


def app_from_environment() -> Starlette:
    """The app factory each worker process calls (`uvicorn … --factory`)."""
    return create_app(Settings.from_env())


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM); with `workers > 1` through uvicorn's process supervisor."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    sockets = [_listen(settings.host, settings.port)]
    if settings.control_port:
        sockets.append(_listen(settings.control_host, settings.control_port))
    options = {
        "loop": "uvloop" if _has("uvloop") else "asyncio",
        "http": "httptools" if _has("httptools") else "h11",
        "log_level": settings.log_level,
        "access_log": False,  # an access log line is noise at thousands of requests a second
        "timeout_graceful_shutdown": 10,
    }
    if settings.workers == 1:
        config = uvicorn.Config(create_app(settings), **options)  # type: ignore[arg-type]
        uvicorn.Server(config).run(sockets=sockets)
        return
    os.environ.update(environment(settings))
    # a worker imports the whole sandbox before it can answer the supervisor's health check; on a busy
    # machine that takes seconds, which uvicorn's 5 s default would take for a hung worker
    config = uvicorn.Config("ileti.sandbox.serving:app_from_environment", factory=True,
                            workers=settings.workers, timeout_worker_healthcheck=60,
                            **options)  # type: ignore[arg-type]
    Multiprocess(config, sockets=sockets).run()
