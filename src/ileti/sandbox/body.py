"""Reading a request body with a size limit, before it can exhaust memory (issue 6: hostile input).

    raw = await read_body(request)      # bytes, or BodyTooLargeError once more than the limit arrives

The limit is `Settings.max_body_bytes` (32 MiB by default: a 50,000-recipient order with a personal text
per recipient fits, so nothing the API accepts is refused). A declared `Content-Length` above it is refused
before a byte of the body is read; a chunked body is counted as it arrives and refused as soon as it passes
the limit. The API answers 453 for send-sms (the order is too large, OQ-8) and 400 elsewhere; the control
API 413.
"""

from __future__ import annotations

from starlette.requests import Request

from ileti.wire.errors import DecodeError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyTooLargeError", "read_body"]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024


class BodyTooLargeError(DecodeError):
    """The request body is larger than the sandbox reads."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes", format="envelope")
        self.limit = limit


def _limit(request: Request) -> int:
    services = getattr(request.app.state, "services", None)
    settings = getattr(services, "settings", None)
    limit: int = getattr(settings, "max_body_bytes", DEFAULT_MAX_BODY_BYTES)
    return limit


async def read_body(request: Request, limit: int | None = None) -> bytes:
    """The whole body, at most `limit` bytes (default: the app's `max_body_bytes`)."""
    limit = _limit(request) if limit is None else limit
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLargeError(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError(limit)
        chunks.append(chunk)
    return b"".join(chunks)
