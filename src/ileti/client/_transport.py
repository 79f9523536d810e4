"""Transports: send one HTTP request, return the raw response or raise a `TransportError`.

A transport is one method (`send`) plus closing, so tests and applications can swap the network for anything
(an in-process app, a recording, another HTTP library) without monkeypatching::

    class SyncTransport(Protocol):
        def send(self, request: RawRequest, timeout: Timeout) -> RawResponse: ...
        def close(self) -> None: ...

The defaults are maintained libraries: `HTTPTransport` over urllib3 (`_urllib3.py`) and `AsyncHTTPTransport`
over aiohttp (`_aiohttp.py`); docs/decisions.md says why these two. What they share lives here:

* `Proxies`: which proxy a URL goes through, an explicit `proxy=` or the environment read as requests and
  urllib read it (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`, lower case first);
* `default_ssl_context`: the system trust store, or certifi's when this Python has none wired up;
* `classify`: each library's exceptions mapped onto ileti's by one table per library, which is where the
  "may the request have reached the server?" answer that decides send-sms retries comes from.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
import urllib.request
from functools import lru_cache
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit, urlunsplit

from ileti.client._config import Timeout
from ileti.client._models import RawRequest, RawResponse
from ileti.client.errors import ConnectError, TransportError

__all__ = [
    "AsyncTransport",
    "ErrorTable",
    "Proxies",
    "SyncTransport",
    "classify",
    "default_ssl_context",
    "proxy_parts",
    "unsupported_proxy",
]


@runtime_checkable
class SyncTransport(Protocol):
    def send(self, request: RawRequest, timeout: Timeout) -> RawResponse: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncTransport(Protocol):
    async def send(self, request: RawRequest, timeout: Timeout) -> RawResponse: ...

    async def aclose(self) -> None: ...


# --- failures -------------------------------------------------------------------------------------------

ErrorTable = tuple[tuple[type[BaseException], type[TransportError], str], ...]
"""(library exception, ileti exception, what happened), first match wins: subclasses before their bases."""


def classify(exc: BaseException, table: ErrorTable) -> TransportError | None:
    """The ileti error a library's exception stands for, or None when the table does not know it."""
    for library_error, ileti_error, what in table:
        if isinstance(exc, library_error):
            return ileti_error(f"{what}: {exc}" if str(exc) else what)
    return None


# --- proxies --------------------------------------------------------------------------------------------


class Proxies:
    """Which proxy, if any, a URL goes through.

    An explicit `proxy` is used for every URL. Otherwise, with `trust_env`, the environment is read once, as
    `requests` and `urllib` read it: `<scheme>_proxy`, then `all_proxy`, each in lower case first and then
    upper case, and `no_proxy` (comma-separated host names, domain suffixes, IP addresses or networks in CIDR
    form, `*` for all) exempts a host. A proxy URL without a scheme is `http://`.
    """

    __slots__ = ("_cache", "_env", "_explicit", "_no_proxy")

    def __init__(self, proxy: str | None = None, *, trust_env: bool = True) -> None:
        self._explicit = _with_scheme(proxy) if proxy else None
        env = urllib.request.getproxies_environment() if trust_env and not proxy else {}
        self._no_proxy = env.pop("no", "")
        self._env = {scheme: _with_scheme(url) for scheme, url in env.items() if url}
        self._cache: dict[tuple[str, str, int | None], str | None] = {}

    @property
    def configured(self) -> bool:
        return self._explicit is not None or bool(self._env)

    def for_url(self, url: str) -> str | None:
        """The proxy URL to use for `url`, or None to connect directly."""
        if self._explicit is not None:
            return self._explicit
        if not self._env:
            return None
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        try:
            return self._cache[key]
        except KeyError:
            pass
        proxy = self._env.get(parts.scheme) or self._env.get("all")
        if proxy is not None and _bypassed(key[1], parts.port, self._no_proxy):
            proxy = None
        if len(self._cache) < 256:
            self._cache[key] = proxy
        return proxy


def _with_scheme(url: str) -> str:
    return url if "://" in url else "http://" + url


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    if not no_proxy:
        return False
    address = f"{host}:{port}" if port else host
    if urllib.request.proxy_bypass_environment(address, {"no": no_proxy}):  # type: ignore[attr-defined]
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in no_proxy.split(","):
        entry = entry.strip()
        if "/" in entry:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


@lru_cache(maxsize=16)
def proxy_parts(proxy: str) -> tuple[str, dict[str, str] | None]:
    """A proxy URL without its credentials, and the `Proxy-Authorization` header they make (None without)."""
    parts = urlsplit(proxy)
    if parts.username is None:
        return proxy, None
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    header = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
    return urlunsplit((parts.scheme, netloc, "", "", "")), {"Proxy-Authorization": header}


def unsupported_proxy(proxy: str) -> ConnectError | None:
    """A `ConnectError` for a proxy scheme the default transports cannot speak (SOCKS), else None."""
    scheme = proxy.partition("://")[0].lower()
    if scheme in ("http", "https"):
        return None
    return ConnectError(
        f"proxy {proxy.rpartition('@')[2]!r}: only http:// and https:// proxies are supported by the default "
        "transports (for SOCKS, pass a transport of your own)"
    )


# --- TLS ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """Certificate and host name checks against the system trust store; certifi's bundle when this Python
    has no store wired up (python.org macOS builds before "Install Certificates", slim containers)."""
    return _build_ssl_context()


def _build_ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not _system_store_found(context):
        import certifi  # imported only where needed: most systems have a store

        context.load_verify_locations(cafile=certifi.where())
    return context


def _system_store_found(context: ssl.SSLContext) -> bool:
    if context.cert_store_stats()["x509_ca"]:  # loaded already (a CA file, the Windows store)
        return True
    paths = ssl.get_default_verify_paths()  # honours SSL_CERT_FILE and SSL_CERT_DIR
    if paths.cafile and os.path.isfile(paths.cafile):
        return True
    if paths.capath and os.path.isdir(paths.capath):
        with os.scandir(paths.capath) as entries:
            return any(entry.is_file() for entry in entries)
    return False
