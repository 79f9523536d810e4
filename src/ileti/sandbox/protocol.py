"""The HTTP/1.1 connection of `ileti serve`: uvicorn's httptools protocol with the limits a server facing
untrusted clients needs (docs/sandbox.md, "Security"). Every limit is a setting.

- **Request head size** (`max_header_bytes`, 64 KiB): a request line plus headers larger than that is answered
  431 and the connection closed, after at most one read past the limit (uvicorn's httptools protocol has no
  limit: a 100 MiB header was read whole).
- **Request head time** (`head_timeout`, 10 s): a connection that opens, or starts a request, and has not sent
  the whole head within that time is closed (408 when part of a head arrived). Idle partial requests
  (slowloris) no longer hold file descriptors for ever. Between requests uvicorn's keep-alive timeout (5 s)
  applies as before.
- **Request bodies held at once** (`max_buffered_bytes`, 128 MiB per process): every request holds the body
  bytes it declared (`Content-Length`, or what has arrived of a chunked body) from its head until its answer
  is sent. A request whose declared body (over 64 KiB) would pass the total is answered 503 before its body is
  read (a /v1 path in the API's envelope) and the body is then read and dropped; a chunked body that passes
  the total has its connection closed. Small bodies always pass, so ordinary API calls are never refused. A
  body larger than `max_body_bytes` holds nothing: the app refuses it without reading it (`body.py`).
- **Upgrade offers are ignored**: `curl --http2` and Java's `HttpClient` offer `Upgrade: h2c` on plain HTTP.
  llhttp stops at such a head and uvicorn then hands the app an empty body (uvicorn issue 2722: a valid POST
  got 400). A server may ignore an upgrade offer (RFC 9110 §7.8), so the head is parsed again without its
  `Upgrade` header and the request is served as HTTP/1.1 with its body. The sandbox serves no WebSocket.

`serving.SandboxConfig` selects this protocol and carries the limits to it. The cost on the hot path is a
clock read and a few attribute writes per request; the head timeout is enforced by one sweep a second over
the open connections rather than a timer per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import deque
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from ileti.wire import envelope, json_codec

__all__ = ["SandboxHttpProtocol", "busy_app"]

log = logging.getLogger("ileti.sandbox.protocol")

SWEEP_SECONDS = 1.0
SMALL_BODY_BYTES = 64 * 1024
"""A body this small is held but never refused for the total: an ordinary API call always gets through."""


class _Budget:
    """The request-body bytes held by the requests of one server (all its connections)."""

    __slots__ = ("held", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0


_budgets: weakref.WeakKeyDictionary[ServerState, _Budget] = weakref.WeakKeyDictionary()
_sweepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[SandboxHttpProtocol]] = (
    weakref.WeakKeyDictionary()
)


def _answer(status: int, body: bytes, content_type: bytes = b"application/json") -> bytes:
    reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[status]
    return b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (
        status,
        reason,
        content_type,
        len(body),
        body,
    )


async def busy_app(scope: Any, receive: Any, send: Any) -> None:
    """The answer to a request whose body would pass `max_buffered_bytes`: 503, with `Retry-After`; on /v1
    the API's error envelope (JSON on `/json` paths, else XML), elsewhere `{"error": …}`."""
    path: str = scope.get("path", "")
    if path.startswith("/v1/"):
        from ileti.codes import Code

        error = envelope.error_envelope(Code.SERVICE_UNAVAILABLE)
        if path.rstrip("/").endswith("/json"):
            body, media = json_codec.dumps(error), b"application/json; charset=utf-8"
        else:
            from ileti.wire.xml_codec import to_xml

            body, media = to_xml(error), b"application/xml; charset=utf-8"
    else:
        body = json_codec.dumps({"error": "the sandbox holds as many request bodies as it may; retry"})
        media = b"application/json"
    # the body that follows is read and dropped by the protocol (nothing is held), so the connection stays
    # usable and the client reads this answer rather than a reset
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", media),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SandboxHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head size limit, a head timeout, a bound on the request bodies
    held at once, and upgrade offers ignored (module docstring)."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._max_head = int(getattr(config, "max_header_bytes", 64 * 1024))
        self._head_timeout = float(getattr(config, "head_timeout", 10.0))
        self._max_body = int(getattr(config, "max_body_bytes", 32 * 1024 * 1024))
        budget = _budgets.get(server_state)
        if budget is None:
            budget = _budgets[server_state] = _Budget(int(getattr(config, "max_buffered_bytes", 128 << 20)))
        self._budget = budget
        self._head_since: float | None = None  # loop time the current head began; None once it is complete
        self._head_bytes = 0
        self._held: deque[int] = deque()  # body bytes held by each request not yet answered, oldest first
        self._received = 0  # body bytes of the latest request so far
        self._counting = False  # the latest request's body is chunked: hold what arrives
        self._upgrade_offered = False
        self._reparsed = False

    # connection lifetime

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_since = self.loop.time()
        sweeping = _sweepers.get(self.loop)
        if sweeping is None:
            sweeping = _sweepers[self.loop] = set()
            self.loop.call_later(SWEEP_SECONDS, _sweep, self.loop)
        sweeping.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        sweeping = _sweepers.get(self.loop)
        if sweeping is not None:
            sweeping.discard(self)
        self._head_since = None
        self._budget.held -= sum(self._held)
        self._held.clear()
        super().connection_lost(exc)

    def head_expired(self, now: float) -> bool:
        return self._head_since is not None and now - self._head_since > self._head_timeout

    def expire_head(self) -> None:
        """The head did not arrive in time: 408 if part of it did, then close."""
        if self.transport.is_closing():
            return
        if self._head_bytes:
            self.transport.write(_answer(408, b'{"error":"the request head did not arrive in time"}'))
        self.transport.close()

    # reading

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        in_head = self._head_since is not None
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        except httptools.HttpParserUpgrade as upgrade:
            self._parse_without_upgrade(data[upgrade.args[0] :] if upgrade.args else b"")
            return
        if in_head and self._head_since is not None:  # the whole chunk was head: count it
            # (a head that began inside this chunk is counted from the next one: at most one read more)
            self._head_bytes += len(data)
            if self._head_bytes > self._max_head:
                self._head_since = None
                self.transport.write(
                    _answer(
                        431,
                        json_codec.dumps(
                            {"error": f"the request head is larger than {self._max_head} bytes"}
                        ),
                    )
                )
                self.transport.close()

    def _parse_without_upgrade(self, rest: bytes) -> None:
        """Serve a head that offered an upgrade as the plain HTTP/1.1 request it also is: parse it again
        without its `Upgrade` header, then whatever followed it (its body, pipelined requests)."""
        if self._reparsed or not self._upgrade_offered:  # CONNECT, or an upgrade that survives the re-parse
            self._reparsed = self._upgrade_offered = False
            self.send_400_response("Unsupported upgrade request.")
            return
        self._upgrade_offered = False
        head = [
            self.scope["method"].encode("ascii"),
            b" ",
            self.url,
            b" HTTP/",
            str(self.scope.get("http_version", "1.1")).encode("ascii"),
            b"\r\n",
        ]
        for name, value in self.headers:
            if name != b"upgrade":
                head += [name, b": ", value, b"\r\n"]
        head.append(b"\r\n")
        self.parser = httptools.HttpRequestParser(self)
        with contextlib.suppress(AttributeError):  # httptools < 0.6.3
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        self._reparsed = True
        try:
            self.data_received(b"".join(head) + rest)
        finally:
            self._reparsed = False

    # parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_since is None:
            self._head_since = self.loop.time()
            self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._head_since = None
        self._head_bytes = 0
        self._received = 0
        if self.parser.should_upgrade():
            # the parser stops here and skips the body; `data_received` parses the request again without
            # the offer. No request cycle is started for this parse.
            self.scope["method"] = self.parser.get_method().decode("ascii")
            version = self.parser.get_http_version()
            if version != "1.1":
                self.scope["http_version"] = version
            self._upgrade_offered = True
            return
        declared: int | None = None
        for name, value in self.headers:
            if name == b"content-length":
                declared = int(value) if value.isdigit() else 0
                break
        # a declared body is held whole from here (none if it is too large: the app refuses it unread); a
        # chunked one as it arrives
        self._counting = declared is None
        reserve = declared if declared is not None and declared <= self._max_body else 0
        budget = self._budget
        if reserve > SMALL_BODY_BYTES and budget.held + reserve > budget.limit:
            app, self.app = self.app, busy_app
            try:
                super().on_headers_complete()
            finally:
                self.app = app
            self._held.append(0)
            return
        budget.held += reserve
        self._held.append(reserve)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if self._counting and cycle is not None and not cycle.response_complete and self._held:
            self._received += len(body)
            if self._received > self._held[-1]:
                grown = self._received - self._held[-1]
                self._held[-1] = self._received
                self._budget.held += grown
                if self._budget.held > self._budget.limit:
                    log.warning("a chunked request body passed max_buffered_bytes: closing its connection")
                    self.transport.close()
                    return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._upgrade_offered:
            return
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if self._held:
            self._budget.held -= self._held.popleft()
        super().on_response_complete()


def _sweep(loop: asyncio.AbstractEventLoop) -> None:
    """Close the connections of this loop whose request head is overdue; runs every `SWEEP_SECONDS`."""
    sweeping = _sweepers.get(loop)
    if not sweeping:
        _sweepers.pop(loop, None)  # nothing open: the next connection starts a new sweep
        return
    now = loop.time()
    for protocol in [p for p in sweeping if p.head_expired(now)]:
        sweeping.discard(protocol)
        protocol.expire_head()
    loop.call_later(SWEEP_SECONDS, _sweep, loop)
