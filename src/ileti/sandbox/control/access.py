"""Who may reach the control API and the web inbox, for a sandbox shared by a team (docs/scaling.md).

Everything under `/_sandbox/` and the inbox page `/` can reset the store, move the clock and read every
message, so on a shared deployment they are fenced off in one or both of two ways:

    ileti serve --host 0.0.0.0 --control-port 8081          # control + inbox only on 127.0.0.1:8081
    ILETI_CONTROL_TOKEN=s3cret ileti serve --host 0.0.0.0   # control + inbox need the token

- `control_port` (with `control_host`, default 127.0.0.1): a second listener; on the API's address the
  control paths answer 404, as if they did not exist.
- `control_token`: `Authorization: Bearer <token>` on every control call. A browser opens the inbox once with
  `/?token=<token>`; that sets an HttpOnly, SameSite=Strict cookie the page's own requests then carry.
  Tokens are compared in constant time and never logged.

`/v1/...` (the API itself, authenticated by key and hash) and `/livez`, `/readyz` (health checks) stay open.

Web pages are kept out as the trusted local development servers do (Vite's and webpack's host checks,
Jupyter's origin check and token), docs/sandbox.md "Security":

- `HostCheck` (in front of everything, /v1 included): a request to a listener bound to a loopback address
  must name a loopback host (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`) or one of `allowed_hosts` in
  its `Host` header, else 403. A DNS-rebinding page names its own domain and is refused.
- `ControlAccess`, on the control API and the inbox (`routes.py` puts it on their paths): a request a browser
  marks cross-origin (`Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` other than the
  request's own) is refused 403 unless it is a GET or HEAD; a control call with a body must say
  `Content-Type: application/json` (415), so no form or `text/plain` "simple request" reaches a handler.
- `secure(settings)`: a control API on a non-loopback address is never open silently: without
  `control_token` a random one is generated (printed in `ileti serve`'s banner), unless `control_open` says
  the operator wants it open.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import ipaddress
import logging
import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ileti.sandbox.logsafe import escape
from ileti.sandbox.settings import Settings
from ileti.wire import json_codec

__all__ = [
    "COOKIE",
    "ControlAccess",
    "ControlMode",
    "HostCheck",
    "host_allowed",
    "is_loopback",
    "secure",
]

log = logging.getLogger("ileti.sandbox.control.access")

COOKIE = "ileti_control"


async def _refuse(
    send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json_codec.dumps({"error": detail})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return None


def _split_host(host: str) -> str:
    """The name in a `Host` value (`name`, `name:port`, `[v6]:port`), lower case, without a final dot."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit() and ":" not in name:
        host = name
    return host.rstrip(".")


def is_loopback(address: str) -> bool:
    """Whether a host name or address is this machine's loopback: `localhost` (and `*.localhost`, RFC
    6761), 127.0.0.0/8, ::1 (also IPv4-mapped). Any other name counts as not loopback."""
    name = address.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def _host_list(text: str) -> tuple[str, ...]:
    return tuple(entry.strip().lower().rstrip(".") for entry in text.split(",") if entry.strip())


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """A `Host` value is loopback, or listed in `allowed` (`.example.com` also matches its subdomains,
    `*` anything)."""
    name = _split_host(host)
    if is_loopback(name):
        return True
    for entry in allowed:
        if entry == "*" or name == entry.lstrip(".") or (entry.startswith(".") and name.endswith(entry)):
            return True
    return False


class HostCheck:
    """Outermost ASGI layer: on a listener bound to a loopback address, refuse (403) a request whose `Host`
    names another host, which is what a DNS-rebinding page sends. With `allowed_hosts` set, every listener
    is checked.

    `binds` maps each listening port to the address it is bound to (the API's, the control port's); a request
    on a port not listed is checked when it arrived on a loopback address. A request without `Host`
    (HTTP/1.0) cannot come from a browser and passes. Allowed `Host` values are remembered (a few hundred at
    most), so the check costs a header lookup and a set lookup per request.
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: str = "", binds: dict[int, str] | None = None) -> None:
        self.app = app
        self._allowed = _host_list(allowed_hosts)
        self._everywhere = bool(self._allowed)
        self._off = "*" in self._allowed
        self._binds = {port: is_loopback(host) for port, host in (binds or {}).items() if port}
        self._loopback: dict[str, bool] = {}
        self._good: set[bytes] = set()

    def _checked(self, scope: Scope) -> bool:
        if self._everywhere:
            return True
        server = scope.get("server")
        if not server:
            return True
        bound = self._binds.get(server[1])
        if bound is not None:
            return bound
        address = server[0]
        known = self._loopback.get(address)
        if known is None:
            known = is_loopback(address)
            if len(self._loopback) < 256:
                self._loopback[address] = known
        return known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" or self._off or not self._checked(scope):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if host is None or host in self._good:
            await self.app(scope, receive, send)
            return
        if host_allowed(host.decode("latin-1"), self._allowed):
            if len(self._good) < 256:
                self._good.add(host)
            await self.app(scope, receive, send)
            return
        log.warning(
            "refused a request for Host %s (%s %s): add it to allowed_hosts if it is yours",
            escape(host.decode("latin-1")),
            escape(scope.get("method", "")),
            escape(scope["path"]),
        )
        if scope["type"] != "http":
            return
        await _refuse(
            send,
            403,
            f"the sandbox does not serve the host {host.decode('latin-1')!r} on this "
            "address (DNS rebinding protection); list it in allowed_hosts (ILETI_ALLOWED_HOSTS, "
            "--allowed-hosts) if it is yours",
        )


SAFE_METHODS = frozenset({"GET", "HEAD"})
JSON_TYPES = ("application/json",)


def _cross_origin(scope: Scope) -> str | None:
    """Why a browser request is cross-origin (None when it is same-origin or not from a browser)."""
    site = _header(scope, b"sec-fetch-site")
    if site is not None and site.lower() not in (b"same-origin", b"none"):
        return f"Sec-Fetch-Site: {site.decode('latin-1')}"
    origin = _header(scope, b"origin")
    if origin is None:
        return None
    _scheme, sep, netloc = origin.decode("latin-1").strip().partition("://")
    host = _header(scope, b"host")
    if not sep or host is None or netloc.lower() != host.decode("latin-1").strip().lower():
        return f"Origin: {origin.decode('latin-1')}"
    return None


def _json_body_ok(scope: Scope) -> bool:
    """A request without a body, or one whose body is declared JSON (`application/json`, `…+json`)."""
    length = _header(scope, b"content-length")
    if length is not None and length.strip() in (b"", b"0") and _header(scope, b"transfer-encoding") is None:
        return True
    if length is None and _header(scope, b"transfer-encoding") is None:
        return True
    kind = (_header(scope, b"content-type") or b"").decode("latin-1").partition(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class ControlMode(enum.Enum):
    """How the control API and the inbox are reachable, for `ileti serve`'s banner."""

    LOOPBACK = "open, on a loopback address only"
    TOKEN = "need the token of ILETI_CONTROL_TOKEN"  # noqa: S105 - a description, not a password
    GENERATED = "need the token generated for this run"
    OPEN = "open to every client that can reach the address (--control-open)"


def secure(settings: Settings) -> tuple[Settings, ControlMode]:
    """`settings` with a control token when the control API would otherwise be open on a non-loopback
    address (a random one, unless `control_open`), and how the control API is reachable."""
    if settings.control_token:
        return settings, ControlMode.TOKEN
    address = settings.control_host if settings.control_port else settings.host
    if is_loopback(address):
        return settings, ControlMode.LOOPBACK
    if settings.control_open:
        return settings, ControlMode.OPEN
    token = secrets.token_urlsafe(24)
    return dataclasses.replace(settings, control_token=token), ControlMode.GENERATED


class ControlAccess:
    """ASGI middleware: the control paths only on the control listener, only from the page's own origin,
    JSON bodies only, and only with the token. `routes.build_routes` puts it on the paths it guards (the
    `/_sandbox` mount and the page `/`), so it checks every request it sees."""

    def __init__(self, app: ASGIApp, *, token: str = "", port: int = 0) -> None:
        self.app = app
        self._token = token.encode()
        self._port = port

    def _matches(self, offered: str) -> bool:
        return hmac.compare_digest(offered.encode(), self._token)

    def _offered(self, scope: Scope) -> tuple[str | None, bool]:
        """The token the request carries, and whether it came in the query (so the cookie should be set)."""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer":
                    return credentials.strip(), False
            elif name == b"cookie":
                try:
                    morsel = SimpleCookie(value.decode("latin-1")).get(COOKIE)
                except CookieError:  # a cookie header this parser refuses carries no token (401)
                    continue
                if morsel is not None:
                    return morsel.value, False
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            fields = parse_qsl(query, max_num_fields=100)
        except ValueError:  # more than 100 fields: not a request of ours, and no token (401)
            return None, False
        for key, value in fields:
            if key == "token":
                return value, True
        return None, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._port:
            server = scope.get("server")
            if server is None or server[1] != self._port:
                await _refuse(send, 404, "not found")
                return
        method = scope["method"]
        if method not in SAFE_METHODS:
            why = _cross_origin(scope)
            if why is not None:
                log.warning(
                    "refused a cross-origin %s %s (%s)", escape(method), escape(scope["path"]), escape(why)
                )
                await _refuse(send, 403, f"cross-origin requests to the control API are refused ({why})")
                return
        if method not in SAFE_METHODS and not _json_body_ok(scope):
            await _refuse(send, 415, "the control API reads JSON bodies: Content-Type: application/json")
            return
        if not self._token:
            await self.app(scope, receive, send)
            return
        offered, from_query = self._offered(scope)
        if offered is None or not self._matches(offered):
            await _refuse(
                send,
                401,
                "the control API needs its token: Authorization: Bearer <token>",
                [(b"www-authenticate", b'Bearer realm="ileti sandbox"')],
            )
            return
        if not from_query:
            await self.app(scope, receive, send)
            return

        cookie = f"{COOKIE}={offered}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
