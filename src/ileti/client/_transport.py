"""Transports: send one HTTP request, return the raw response or raise a `TransportError`.

A transport is one method (`send`) plus closing, so tests and applications can swap the network for anything
(an in-process app, a recording, a proxy-aware client) without monkeypatching::

    class SyncTransport(Protocol):
        def send(self, request: RawRequest, timeout: Timeout) -> RawResponse: ...
        def close(self) -> None: ...

The defaults, `HTTPTransport` (blocking sockets) and `AsyncHTTPTransport` (asyncio protocol), keep a pool of
keep-alive connections per origin and share the HTTP/1.1 framing of `_http11`. They were chosen by
measurement (docs/benchmarks.md): a general-purpose HTTP library costs more per call than the API itself.
Every failure is classified by whether the request may have reached the server, which is what decides if
`send-sms` may be retried.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from ileti.client._config import DEFAULT_LIMITS, Limits, Timeout
from ileti.client._http11 import ParseError, ResponseParser, encode_request
from ileti.client.errors import (
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidResponseError,
    PoolTimeoutError,
    RawResponse,
    ReadTimeoutError,
    TransportError,
    WriteTimeoutError,
)

__all__ = [
    "AsyncHTTPTransport",
    "AsyncTransport",
    "HTTPTransport",
    "RawRequest",
    "RawResponse",
    "SyncTransport",
]

_RECV_SIZE = 65536


@dataclass(slots=True)
class RawRequest:
    """An HTTP request ready for the wire. `body` already holds the encoded envelope."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        # the body carries the API hash: never show it
        return f"RawRequest({self.method} {self.url}, {len(self.body)} bytes)"


@runtime_checkable
class SyncTransport(Protocol):
    def send(self, request: RawRequest, timeout: Timeout) -> RawResponse: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncTransport(Protocol):
    async def send(self, request: RawRequest, timeout: Timeout) -> RawResponse: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class _Origin:
    scheme: str
    host: str
    port: int
    host_header: str


@lru_cache(maxsize=64)
def _split(url: str) -> tuple[_Origin, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectError(
            f"unsupported URL {url!r}: expected http:// or https://", may_have_reached_server=False
        )
    default_port = 443 if parts.scheme == "https" else 80
    port = parts.port or default_port
    host_header = parts.hostname if port == default_port else f"{parts.hostname}:{port}"
    if ":" in parts.hostname and port == default_port:
        host_header = f"[{parts.hostname}]"
    elif ":" in parts.hostname:
        host_header = f"[{parts.hostname}]:{port}"
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return _Origin(parts.scheme, parts.hostname, port, host_header), target


def _raw(parser: ResponseParser) -> RawResponse:
    return RawResponse(parser.status, parser.headers, parser.body)


def _lost(parser: ResponseParser, exc: BaseException | None) -> TransportError:
    """What a connection that ended early means: nothing came back, or a response cut short."""
    if not parser.received_any:
        reason = f": {exc}" if exc else ""
        return ConnectionLostError(f"the server closed the connection without answering{reason}")
    return InvalidResponseError(
        "the response was truncated: the connection closed before the body was complete",
        response=RawResponse(parser.status, parser.headers, parser.body) if parser.status else None,
    )


# --- sync -----------------------------------------------------------------------------------------------


class _SyncConnection:
    __slots__ = ("generation", "idle_since", "origin", "sock")

    def __init__(self, sock: socket.socket, origin: _Origin, generation: int) -> None:
        self.sock = sock
        self.origin = origin
        self.generation = generation
        self.idle_since = time.monotonic()

    def usable(self, expiry: float) -> bool:
        """An idle keep-alive socket is reusable unless it expired or the server closed (or wrote to) it."""
        if time.monotonic() - self.idle_since > expiry:
            return False
        try:
            return not _readable(self.sock)
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _readable(sock: socket.socket) -> bool:
    """Whether a socket has something to read (for an idle keep-alive socket: the server closed it)."""
    if hasattr(select, "poll"):  # poll, unlike select, works for descriptors above 1024
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)  # pragma: no cover - Windows
    return bool(readable)


class HTTPTransport:
    """Blocking HTTP/1.1 with a thread-safe pool of keep-alive connections.

    A connection is used by one thread at a time; `limits.max_connections` caps the sockets across threads
    and `timeout.pool` bounds the wait for one.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._limits = limits
        self._ssl_context = ssl_context
        self._lock = threading.Lock()
        self._idle: dict[_Origin, list[_SyncConnection]] = {}
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        # close() starts a new generation: connections of an older one are closed instead of pooled
        self._generation = 0

    def send(self, request: RawRequest, timeout: Timeout) -> RawResponse:
        origin, target = _split(request.url)
        wire = encode_request(request.method, target, origin.host_header, request.headers, request.body)
        if not self._slots.acquire(timeout=timeout.pool):
            raise PoolTimeoutError("no connection became free within the pool timeout")
        try:
            conn = self._checkout(origin)
            if conn is not None:
                try:
                    return self._exchange(conn, wire, timeout, reused=True)
                except _StaleConnectionError:
                    pass  # the server had closed the idle socket before we wrote: use a fresh one
            return self._exchange(self._connect(origin, timeout), wire, timeout, reused=False)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Close the pooled connections; those in use close when their call ends. Later calls reconnect."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def __enter__(self) -> HTTPTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _checkout(self, origin: _Origin) -> _SyncConnection | None:
        while True:
            with self._lock:
                stack = self._idle.get(origin)
                if not stack:
                    return None
                conn = stack.pop()
            if conn.usable(self._limits.keepalive_expiry):
                return conn
            conn.close()

    def _checkin(self, conn: _SyncConnection) -> None:
        conn.idle_since = time.monotonic()
        with self._lock:
            if conn.generation == self._generation:
                self._idle.setdefault(conn.origin, []).append(conn)
                return
        conn.close()

    def _connect(self, origin: _Origin, timeout: Timeout) -> _SyncConnection:
        try:
            sock = socket.create_connection((origin.host, origin.port), timeout=timeout.connect)
        except TimeoutError as exc:
            raise ConnectTimeoutError(f"connecting to {origin.host_header} timed out") from exc
        except OSError as exc:
            raise ConnectError(f"cannot connect to {origin.host_header}: {exc}") from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if origin.scheme == "https":
                context = self._ssl_context or _default_ssl_context()
                sock = context.wrap_socket(sock, server_hostname=origin.host)
        except TimeoutError as exc:
            sock.close()
            raise ConnectTimeoutError(f"TLS handshake with {origin.host_header} timed out") from exc
        except OSError as exc:
            sock.close()
            raise ConnectError(f"TLS handshake with {origin.host_header} failed: {exc}") from exc
        return _SyncConnection(sock, origin, self._generation)

    def _exchange(self, conn: _SyncConnection, wire: bytes, timeout: Timeout, *, reused: bool) -> RawResponse:
        sock = conn.sock
        try:
            sock.settimeout(timeout.write)
            try:
                sock.sendall(wire)
            except TimeoutError as exc:
                raise WriteTimeoutError("sending the request timed out") from exc
            except OSError as exc:
                if reused:
                    raise _StaleConnectionError from exc
                raise ConnectionLostError(f"the connection broke while sending: {exc}") from exc
            sock.settimeout(timeout.read)
            parser = ResponseParser()
            while True:
                try:
                    data = sock.recv(_RECV_SIZE)
                except TimeoutError as exc:
                    raise ReadTimeoutError("waiting for the response timed out") from exc
                except OSError as exc:
                    raise _lost(parser, exc) from exc
                if not data:
                    try:
                        parser.feed_eof()
                    except ParseError as exc:
                        raise _lost(parser, None) from exc
                    break
                try:
                    if parser.feed(data):
                        break
                except ParseError as exc:
                    raise InvalidResponseError(f"malformed HTTP response: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        if parser.keep_alive:
            self._checkin(conn)
        else:
            conn.close()
        return _raw(parser)


class _StaleConnectionError(Exception):
    """A reused keep-alive socket failed on write: the server never read the request."""


@lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


# --- async ----------------------------------------------------------------------------------------------


class _AsyncConnection(asyncio.Protocol):
    """One keep-alive connection; the event loop feeds `data_received`, a future waits for the response."""

    def __init__(self, origin: _Origin, generation: int) -> None:
        self.origin = origin
        self.generation = generation
        self.transport: asyncio.Transport | None = None
        self.parser = ResponseParser()
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.idle_since = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            # bytes on an idle connection: the server is not speaking our protocol; never reuse it
            self.closed = True
            return
        try:
            if self.parser.feed(data):
                waiter.set_result(None)
        except ParseError as exc:
            waiter.set_exception(InvalidResponseError(f"malformed HTTP response: {exc}"))

    def eof_received(self) -> bool:
        self._ended(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(exc)

    def _ended(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        try:
            self.parser.feed_eof()
        except ParseError:
            waiter.set_exception(_lost(self.parser, exc))
        else:
            waiter.set_result(None)

    def usable(self, expiry: float) -> bool:
        return not self.closed and time.monotonic() - self.idle_since <= expiry

    def close(self) -> None:
        """Drop the connection at once. abort(), not close(): a TLS close() waits for the peer's close_notify,
        and a loop that ends first leaves the socket open; nothing is pending on a connection we discard."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class _Slots:
    """A counting semaphore whose uncontended acquire costs no await (the common case on this hot path)."""

    __slots__ = ("_available", "_waiters")

    def __init__(self, size: int) -> None:
        self._available = size
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def try_acquire(self) -> bool:
        if self._available > 0 and not self._waiters:
            self._available -= 1
            return True
        return False

    async def acquire(self, timeout: float | None) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as we gave up: pass it on
            else:
                waiter.cancel()
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # hand the slot straight to the next waiter
                return
        self._available += 1


class _Watchdog:
    """Read timeouts for every in-flight exchange of a transport, checked by one periodic timer.

    One timer per request (what `asyncio.timeout` does) costs a heap push and a cancel per call; this costs a
    dict entry, at the price of firing up to `TICK` seconds late.
    """

    TICK = 0.05

    def __init__(self) -> None:
        self._deadlines: dict[asyncio.Future[None], float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None], seconds: float) -> None:
        self._deadlines[waiter] = loop.time() + seconds
        if self._timer is None:
            self._timer = loop.call_later(self.TICK, self._check, loop)

    def forget(self, waiter: asyncio.Future[None]) -> None:
        self._deadlines.pop(waiter, None)

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        expired = [waiter for waiter, deadline in self._deadlines.items() if deadline <= now]
        for waiter in expired:
            del self._deadlines[waiter]
            if not waiter.done():
                waiter.set_exception(ReadTimeoutError("waiting for the response timed out"))
        self._timer = loop.call_later(self.TICK, self._check, loop) if self._deadlines else None

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class AsyncHTTPTransport:
    """asyncio HTTP/1.1 with a pool of keep-alive connections, safe to share between tasks of one loop."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._limits = limits
        self._ssl_context = ssl_context
        self._idle: dict[_Origin, list[_AsyncConnection]] = {}
        self._slots = _Slots(limits.max_connections)
        self._watchdog = _Watchdog()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generation = 0  # as in HTTPTransport

    async def send(self, request: RawRequest, timeout: Timeout) -> RawResponse:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._rebind(loop)
        origin, target = _split(request.url)
        wire = encode_request(request.method, target, origin.host_header, request.headers, request.body)
        slots = self._slots
        if not slots.try_acquire():
            try:
                await slots.acquire(timeout.pool)
            except TimeoutError as exc:
                raise PoolTimeoutError("no connection became free within the pool timeout") from exc
        try:
            conn = self._checkout(origin)
            if conn is None:
                conn = await self._connect(origin, timeout)
            return await self._exchange(conn, wire, timeout)
        finally:
            slots.release()

    def _rebind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Connections and timers belong to one event loop: a transport reused from another one (a second
        `asyncio.run`) starts afresh rather than touching the old loop's sockets."""
        if self._loop is not None and not self._loop.is_closed():
            for conns in self._idle.values():
                for conn in conns:
                    conn.close()
        self._idle = {}
        self._slots = _Slots(self._limits.max_connections)
        self._watchdog = _Watchdog()
        self._generation += 1
        self._loop = loop

    async def aclose(self) -> None:
        """Close the pooled connections; those in use close when their call ends. Later calls reconnect."""
        self._generation += 1
        self._watchdog.stop()
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()
        # let the loop run the transports' close callbacks so no socket outlives the client
        await asyncio.sleep(0)

    async def __aenter__(self) -> AsyncHTTPTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _checkout(self, origin: _Origin) -> _AsyncConnection | None:
        stack = self._idle.get(origin)
        while stack:
            conn = stack.pop()
            if conn.usable(self._limits.keepalive_expiry):
                return conn
            conn.close()
        return None

    async def _connect(self, origin: _Origin, timeout: Timeout) -> _AsyncConnection:
        loop = asyncio.get_running_loop()
        context = (self._ssl_context or _default_ssl_context()) if origin.scheme == "https" else None
        generation = self._generation
        factory: Callable[[], _AsyncConnection] = lambda: _AsyncConnection(origin, generation)  # noqa: E731
        try:
            async with asyncio.timeout(timeout.connect):
                _, conn = await loop.create_connection(
                    factory,
                    origin.host,
                    origin.port,
                    ssl=context,
                    server_hostname=origin.host if context else None,
                )
        except TimeoutError as exc:
            raise ConnectTimeoutError(f"connecting to {origin.host_header} timed out") from exc
        except OSError as exc:
            raise ConnectError(f"cannot connect to {origin.host_header}: {exc}") from exc
        assert conn.transport is not None
        sock = conn.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    async def _exchange(self, conn: _AsyncConnection, wire: bytes, timeout: Timeout) -> RawResponse:
        assert conn.transport is not None
        loop = asyncio.get_running_loop()
        conn.parser = ResponseParser()
        waiter: asyncio.Future[None] = loop.create_future()
        conn.waiter = waiter
        if timeout.read is not None:
            self._watchdog.watch(loop, waiter, timeout.read)
        try:
            conn.transport.write(wire)
            await waiter
        except BaseException:
            # cancelled or failed mid-exchange: the connection's state is unknown, so never reuse it
            conn.close()
            raise
        finally:
            conn.waiter = None
            self._watchdog.forget(waiter)
        parser = conn.parser
        if parser.keep_alive and not conn.closed and conn.generation == self._generation:
            conn.idle_since = time.monotonic()
            self._idle.setdefault(conn.origin, []).append(conn)
        else:
            conn.close()
        return _raw(parser)
