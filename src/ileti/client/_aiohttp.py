"""`AsyncHTTPTransport`: the asyncio client's default transport, over an aiohttp session.

Imported on first use: aiohttp costs more import time than the rest of the package, and a program that
only uses the blocking client never pays it.
"""

from __future__ import annotations

import asyncio
import ssl

import aiohttp

from ileti.client._config import DEFAULT_LIMITS, Limits, Timeout
from ileti.client._models import RawRequest, RawResponse
from ileti.client._transport import (
    ErrorTable,
    Proxies,
    classify,
    default_ssl_context,
    proxy_parts,
    unsupported_proxy,
)
from ileti.client.errors import (
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidResponseError,
    PoolTimeoutError,
    ReadTimeoutError,
)

__all__ = ["AsyncHTTPTransport"]

# Order matters: subclasses before their bases (the proxy errors are connector and response errors).
ERRORS: ErrorTable = (
    (aiohttp.ClientProxyConnectionError, ConnectError, "cannot connect to the proxy"),
    (aiohttp.ClientHttpProxyError, ConnectError, "the proxy refused the tunnel"),
    (aiohttp.ConnectionTimeoutError, ConnectTimeoutError, "connecting timed out"),
    (aiohttp.SocketTimeoutError, ReadTimeoutError, "waiting for the response timed out"),
    (aiohttp.ClientConnectorError, ConnectError, "cannot connect"),
    (aiohttp.ClientPayloadError, InvalidResponseError, "the response was truncated or malformed"),
    (aiohttp.ClientResponseError, InvalidResponseError, "malformed HTTP response"),
    (aiohttp.ServerDisconnectedError, ConnectionLostError, "the server closed the connection"),
    (aiohttp.ClientError, ConnectionLostError, "the exchange failed"),
    (TimeoutError, ReadTimeoutError, "waiting for the response timed out"),
)


class AsyncHTTPTransport:
    """asyncio HTTP/1.1 over aiohttp: a keep-alive pool safe to share between the tasks of one loop.

    Options as `HTTPTransport`. The session is made on first use inside the running loop; a transport used
    from a second event loop (a second `asyncio.run`) starts a new session there.
    """

    def __init__(
        self,
        limits: Limits = DEFAULT_LIMITS,
        *,
        proxy: str | None = None,
        trust_env: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._limits = limits
        self._proxies = Proxies(proxy, trust_env=trust_env)
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}

    def _open(self, loop: asyncio.AbstractEventLoop) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections,
            keepalive_timeout=self._limits.keepalive_expiry,
            ssl=self._ssl_context or default_ssl_context(),
        )
        # the environment is read by `Proxies` (NO_PROXY with CIDR, ALL_PROXY), not by aiohttp
        self._session = aiohttp.ClientSession(
            connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
        )
        # our own gate on the pool: waiting for a free connection is a PoolTimeoutError, not a connect timeout
        self._slots = asyncio.Semaphore(self._limits.max_connections)
        self._loop = loop
        return self._session, self._slots

    async def send(self, request: RawRequest, timeout: Timeout) -> RawResponse:
        loop = asyncio.get_running_loop()
        session, slots = self._session, self._slots
        if session is None or slots is None or loop is not self._loop:
            session, slots = self._open(loop)
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = self._timeouts[timeout] = aiohttp.ClientTimeout(
                total=None, connect=None, sock_connect=timeout.connect, sock_read=timeout.read
            )
        proxy = self._proxies.for_url(request.url)
        headers, proxy_headers = request.headers, None
        if proxy is not None:
            if (refusal := unsupported_proxy(proxy)) is not None:
                raise refusal
            proxy, proxy_headers = proxy_parts(proxy)
            if proxy_headers and not request.url.startswith("https:"):
                # aiohttp sends proxy_headers only on a tunnel's CONNECT; a forwarded request carries them
                headers, proxy_headers = {**headers, **proxy_headers}, None
        if slots.locked():
            try:
                async with asyncio.timeout(timeout.pool):
                    await slots.acquire()
            except TimeoutError as exc:
                raise PoolTimeoutError("no connection became free within the pool timeout") from exc
        else:
            await slots.acquire()
        try:
            async with session.request(
                request.method,
                request.url,
                data=request.body,
                headers=headers,
                timeout=client_timeout,
                allow_redirects=False,
                proxy=proxy,
                proxy_headers=proxy_headers,
            ) as response:
                body = await response.read()
                headers = {name.lower(): value for name, value in response.headers.items()}
                return RawResponse(response.status, headers, body)
        except Exception as exc:
            error = classify(exc, ERRORS)
            if error is None:
                raise
            raise error from exc
        finally:
            slots.release()

    async def aclose(self) -> None:
        """Close the pooled connections; later calls open new ones."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def __aenter__(self) -> AsyncHTTPTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
