"""`HTTPTransport`: the blocking client's default transport, over urllib3's thread-safe connection pools."""

from __future__ import annotations

import ssl
import threading

import urllib3
import urllib3.exceptions as u3

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

__all__ = ["HTTPTransport"]

# Until the status line and headers are in. Order matters: NewConnectionError is a ConnectTimeoutError
# subclass in urllib3, and everything is an HTTPError.
ERRORS: ErrorTable = (
    (u3.EmptyPoolError, PoolTimeoutError, "no connection became free within the pool timeout"),
    (u3.ProxyError, ConnectError, "cannot connect through the proxy"),
    (u3.NewConnectionError, ConnectError, "cannot connect"),
    (u3.ConnectTimeoutError, ConnectTimeoutError, "connecting timed out"),
    (u3.SSLError, ConnectError, "the TLS handshake failed"),
    (u3.ReadTimeoutError, ReadTimeoutError, "waiting for the response timed out"),
    (u3.ProtocolError, ConnectionLostError, "the connection broke before the response"),
    (u3.HTTPError, ConnectionLostError, "the exchange failed"),
    (OSError, ConnectionLostError, "the exchange failed"),
)

# While reading the body: the server answered, and the body did not come whole.
BODY_ERRORS: ErrorTable = (
    (u3.ReadTimeoutError, ReadTimeoutError, "waiting for the response body timed out"),
    (u3.HTTPError, InvalidResponseError, "the response was truncated"),
    (OSError, InvalidResponseError, "the response was truncated"),
)


class HTTPTransport:
    """Blocking HTTP/1.1 over urllib3: keep-alive pools shared by threads, proxies, TLS.

    `proxy` is used for every request; without it, with `trust_env` (the default), `HTTP_PROXY`,
    `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` decide (`Proxies`). `ssl_context` replaces the default trust
    (a corporate CA). `limits.max_connections` caps the sockets to one origin; `timeout.pool` bounds the wait
    for a free one.
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
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._timeouts: dict[Timeout, urllib3.Timeout] = {}
        self._lock = threading.Lock()

    def send(self, request: RawRequest, timeout: Timeout) -> RawResponse:
        proxy = self._proxies.for_url(request.url)
        manager = self._managers.get(proxy) or self._manager(proxy)
        u3_timeout = self._timeouts.get(timeout)
        if u3_timeout is None:
            u3_timeout = self._timeouts[timeout] = urllib3.Timeout(connect=timeout.connect, read=timeout.read)
        try:
            response = manager.urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=request.headers,
                retries=False,  # ileti's retry rules decide, knowing whether the call is send-sms
                redirect=False,
                timeout=u3_timeout,
                pool_timeout=timeout.pool,
                preload_content=False,
            )
        except Exception as exc:
            error = classify(exc, ERRORS)
            if error is None:
                raise
            raise error from exc
        try:
            body = response.read()
        except Exception as exc:
            response.close()
            response.release_conn()  # the pool's slot comes back; the closed socket is replaced on next use
            error = classify(exc, BODY_ERRORS)
            if error is None:
                raise
            error.response = RawResponse(response.status, _headers(response))
            raise error from exc
        response.release_conn()
        return RawResponse(response.status, _headers(response), body)

    def _manager(self, proxy: str | None) -> urllib3.PoolManager:
        with self._lock:
            manager = self._managers.get(proxy)
            if manager is not None:
                return manager
            size, context = self._limits.max_connections, self._ssl_context or default_ssl_context()
            if proxy is None:
                manager = urllib3.PoolManager(4, maxsize=size, block=True, ssl_context=context)
            else:
                if (error := unsupported_proxy(proxy)) is not None:
                    raise error
                url, headers = proxy_parts(proxy)
                manager = urllib3.ProxyManager(
                    url, 4, proxy_headers=headers, maxsize=size, block=True, ssl_context=context
                )
            self._managers[proxy] = manager
            return manager

    def close(self) -> None:
        """Close the pooled connections; later calls open new ones."""
        with self._lock:
            managers, self._managers = list(self._managers.values()), {}
        for manager in managers:
            manager.clear()

    def __enter__(self) -> HTTPTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _headers(response: urllib3.BaseHTTPResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}
