"""Reading a request body with a size limit, before it can exhaust memory (hostile input).

    raw = await read_body(request)      # bytes, or BodyTooLargeError once more than the limit arrives

The limit is `Settings.max_body_bytes` (32 MiB by default: a 50,000-recipient order with a personal text
per recipient fits, so nothing the API accepts is refused). A declared `Content-Length` above it is refused
before a byte of the body is read; a chunked body is counted as it arrives and refused as soon as it passes
the limit. The API answers 453 for send-sms (the order is too large, OQ-8) and 400 elsewhere; the control
API 413.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request

from ileti.sandbox.context import services_of
from ileti.wire.errors import DecodeError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyTooLargeError", "read_body"]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024


class BodyTooLargeError(DecodeError):
    """The request body is larger than the sandbox reads."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes", format="envelope")
        self.limit = limit


def _limit(request: Request) -> int:
    try:
        return services_of(request).settings.max_body_bytes
    except AttributeError:  # an app without the sandbox's services
        return DEFAULT_MAX_BODY_BYTES


async def read_body(request: Request, limit: int | None = None) -> bytes:
    """The whole body, at most `limit` bytes (default: the app's `max_body_bytes`).

    Reads the ASGI messages itself rather than through `Request.stream()`: this runs on every API call, and
    the header lookup and async generator cost a send-sms a few percent of its time.
    """
    limit = _limit(request) if limit is None else limit
    for name, value in request.scope["headers"]:
        if name == b"content-length":
            if value.strip().isdigit() and int(value) > limit:
                raise BodyTooLargeError(limit)
            break
    receive = request.receive
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):  # the usual case
        body: bytes = message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLargeError(limit)
        return body
    chunks: list[bytes] = []
    size = 0
    while True:
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()
