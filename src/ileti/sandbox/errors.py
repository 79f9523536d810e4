"""Errors of the sandbox and how they become responses.

Handlers and rules raise `ApiError(code)` for every documented refusal; `formats.py` renders it as an error
envelope (status only, message from `ileti.codes`, HTTP status = code unless `always_http_200`). `BugGuard` is
the outermost ASGI layer: anything unexpected is logged as a bug and answered with a safe 503 envelope, never
a traceback and never a 500.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ileti.codes import Code
from ileti.sandbox.logsafe import escape
from ileti.wire import envelope, json_codec

__all__ = ["ApiError", "BugGuard", "ControlError"]

log = logging.getLogger("ileti.sandbox")


class ApiError(Exception):
    """A documented refusal: the API answers with `code` and its Turkish message."""

    def __init__(self, code: Code, reason: str | None = None) -> None:
        super().__init__(f"{int(code)} {code.message}")
        self.code = code
        # one sentence for the request journal: the rule that refused the call and the value that decided it
        self.reason = reason


class ControlError(Exception):
    """A bad control-API request: answered as `{"error": detail}` with HTTP 400 or 422 (or 404)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class BugGuard:
    """Outermost middleware: an exception that escapes everything else is a bug; log it, answer 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # the client went away before its body arrived: nobody to answer, and not a bug of ours
            log.debug(
                "client disconnected before its request body ended: %s %r",
                scope.get("method"),
                scope.get("path"),
            )
        except Exception:
            log.exception("unexpected error on %s %s", escape(scope.get("method")), escape(scope.get("path")))
            if started:
                raise  # the server closes the connection; nothing safe can be added to a started response
            body = json_codec.dumps(envelope.error_envelope(Code.SERVICE_UNAVAILABLE))
            await send(
                {
                    "type": "http.response.start",
                    "status": int(Code.SERVICE_UNAVAILABLE),
                    "headers": [
                        (b"content-type", b"application/json; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
