"""Transports over urllib3 and aiohttp, for what the default transports leave out: HTTP(S) proxies.

They fit the same one-method protocols and classify failures the same way (may the request have reached the
server?), so retries stay safe; they cost more per call than the defaults (docs/benchmarks.md)::

    ileti.Client(transport=Urllib3Transport(proxy_url="http://proxy.corp:3128"))
    ileti.AsyncClient(transport=AiohttpTransport())          # honours HTTP(S)_PROXY, like trust_env
"""

from __future__ import annotations

import ssl

import aiohttp
import urllib3
import urllib3.exceptions as u3

from ileti.client._config import DEFAULT_LIMITS, Limits, Timeout
from ileti.client._transport import RawRequest
from ileti.client.errors import (
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    InvalidResponseError,
    PoolTimeoutError,
    RawResponse,
    ReadTimeoutError,
)

__all__ = ["AiohttpTransport", "Urllib3Transport"]


class Urllib3Transport:
    """Blocking transport over a urllib3 pool (`urllib3.ProxyManager` when `proxy_url` is given)."""

    def __init__(
        self,
        limits: Limits = DEFAULT_LIMITS,
        *,
        proxy_url: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool: urllib3.PoolManager
        if proxy_url:
            self._pool = urllib3.ProxyManager(
                proxy_url, maxsize=limits.max_connections, block=True, ssl_context=ssl_context
            )
        else:
            self._pool = urllib3.PoolManager(
                maxsize=limits.max_connections, block=True, ssl_context=ssl_context
            )

    def send(self, request: RawRequest, timeout: Timeout) -> RawResponse:
        try:
            response = self._pool.urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=request.headers,
                retries=False,
                redirect=False,
                timeout=urllib3.Timeout(connect=timeout.connect, read=timeout.read),
                pool_timeout=timeout.pool,
            )
        except u3.EmptyPoolError as exc:
            raise PoolTimeoutError("no connection became free within the pool timeout") from exc
        except (u3.NewConnectionError, u3.NameResolutionError, u3.SSLError, u3.ProxyError) as exc:
            raise ConnectError(f"cannot connect: {exc}") from exc
        except u3.ConnectTimeoutError as exc:
            raise ConnectTimeoutError(f"connecting timed out: {exc}") from exc
        except u3.ReadTimeoutError as exc:
            raise ReadTimeoutError("waiting for the response timed out") from exc
        except u3.ProtocolError as exc:
            raise ConnectionLostError(f"the connection broke: {exc}") from exc
        except u3.HTTPError as exc:
            raise ConnectionLostError(f"the exchange failed: {exc}") from exc
        headers = {name.lower(): value for name, value in response.headers.items()}
        return RawResponse(response.status, headers, response.data)

    def close(self) -> None:
        self._pool.clear()


class AiohttpTransport:
    """asyncio transport over an `aiohttp.ClientSession` (created on first use, inside the running loop)."""

    def __init__(
        self,
        limits: Limits = DEFAULT_LIMITS,
        *,
        trust_env: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._limits = limits
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections,
                keepalive_timeout=self._limits.keepalive_expiry,
                ssl=self._ssl,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=self._trust_env,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def send(self, request: RawRequest, timeout: Timeout) -> RawResponse:
        session = self._open()
        waits = [t for t in (timeout.pool, timeout.connect) if t is not None]
        client_timeout = aiohttp.ClientTimeout(
            total=None,
            connect=sum(waits) if waits else None,  # aiohttp counts the wait for a pooled connection here
            sock_connect=timeout.connect,
            sock_read=timeout.read,
        )
        try:
            async with session.request(
                request.method,
                request.url,
                data=request.body,
                headers=request.headers,
                timeout=client_timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                headers = {name.lower(): value for name, value in response.headers.items()}
                return RawResponse(response.status, headers, body)
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectTimeoutError(f"connecting timed out: {exc}") from exc
        except aiohttp.SocketTimeoutError as exc:
            raise ReadTimeoutError("waiting for the response timed out") from exc
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(f"cannot connect: {exc}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise InvalidResponseError(f"the response was truncated or malformed: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ConnectionLostError(f"the exchange failed: {exc}") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
