"""`GET /_sandbox/events`: a server-sent-events stream that tells the inbox page something changed.

Changes are read from the store, never from in-process callbacks, so a page connected to any worker hears of
an order placed through any other: every `POLL_SECONDS` the stream reads `views.change_marker` (a handful of
index lookups) and sends `event: change` with the marker as its id when it moved. The page then refetches
what it shows. A comment line every `HEARTBEAT_SECONDS` keeps proxies from closing an idle stream.

A stream never outlives its reason to exist:
- the client goes away: Starlette's streaming response cancels the generator on `http.disconnect`;
- the server shuts down: uvicorn marks each in-flight request `keep_alive = False` when a graceful shutdown
  begins, and waits for open responses before it stops; the stream notices the flag and ends, so an open
  inbox never holds `ileti serve` (or the pytest plugin's server) up;
- any other server: the stream ends after `MAX_STREAM_SECONDS` anyway. EventSource reconnects by itself
  (`retry:`), sending `Last-Event-ID`; a changed marker is sent at once, so nothing is missed in between.

At most `max_event_streams` streams are open at once in a process (each reads the store twice a second); one
more is answered 503 with `Retry-After` (an EventSource gives up on it and the page says it is offline).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from ileti.sandbox.context import Services, services_of
from ileti.sandbox.store import views
from ileti.times import format_timestamp
from ileti.wire import json_codec

__all__ = ["HEARTBEAT_SECONDS", "MAX_STREAM_SECONDS", "POLL_SECONDS", "events"]

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
MAX_STREAM_SECONDS = 60.0
RECONNECT_MS = 1000


def _shutdown_probe(request: Request) -> Callable[[], bool]:
    """A function telling whether the server has begun a graceful shutdown (uvicorn; False elsewhere).

    uvicorn's `receive` is a method of its request cycle, whose `keep_alive` turns False when the server
    shuts down. A request that arrived with keep-alive already off cannot be told apart and relies on
    `MAX_STREAM_SECONDS`.
    """
    cycle = getattr(request.receive, "__self__", None)
    if cycle is None or getattr(cycle, "keep_alive", None) is not True:
        return lambda: False
    return lambda: getattr(cycle, "keep_alive", True) is False


def _change(marker: str, services: Services) -> str:
    data = json_codec.dumps({"marker": marker, "now": format_timestamp(services.clock.now())}).decode()
    return f"id: {marker}\nevent: change\ndata: {data}\n\n"


async def _stream(
    services: Services, last_seen: str | None, closing: Callable[[], bool]
) -> AsyncIterator[str]:
    yield f"retry: {RECONNECT_MS}\n\n"
    started = last_beat = time.monotonic()
    while True:
        marker = views.change_marker(services.store)
        if marker != last_seen:
            last_seen = marker
            last_beat = time.monotonic()
            yield _change(marker, services)
        elif time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            yield ": heartbeat\n\n"
        if closing() or time.monotonic() - started >= MAX_STREAM_SECONDS:
            return
        await asyncio.sleep(POLL_SECONDS)


class _Streams:
    """The event streams open in one app, against `max_event_streams`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0


class _CountedStream(StreamingResponse):
    """A streaming response that gives its place back however it ends (finished, client gone, cancelled)."""

    def __init__(self, streams: _Streams, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._streams = streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._streams.open -= 1


async def events(request: Request) -> Response:
    services = services_of(request)
    streams: _Streams | None = getattr(request.app.state, "event_streams", None)
    if streams is None:
        streams = request.app.state.event_streams = _Streams(services.settings.max_event_streams)
    if streams.open >= streams.limit:
        return JSONResponse(
            {
                "error": f"{streams.limit} inbox event streams are open already "
                "(max_event_streams); retry later"
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )
    # EventSource sends the id of the last event it saw when it reconnects
    last_seen = request.headers.get("last-event-id") or None
    streams.open += 1
    return _CountedStream(
        streams,
        _stream(services, last_seen, _shutdown_probe(request)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
