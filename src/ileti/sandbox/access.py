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
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ileti.wire import json_codec

__all__ = ["COOKIE", "ControlAccess", "is_control_path"]

COOKIE = "ileti_control"


def is_control_path(path: str) -> bool:
    """The control API and the inbox: `/` and everything under `/_sandbox/`."""
    return path == "/" or path == "/_sandbox" or path.startswith("/_sandbox/")


async def _refuse(send: Send, status: int, detail: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json_codec.dumps({"error": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ControlAccess:
    """ASGI middleware: the control paths only on the control listener, and only with the token."""

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
                morsel = SimpleCookie(value.decode("latin-1")).get(COOKIE)
                if morsel is not None:
                    return morsel.value, False
        query = scope.get("query_string", b"").decode("latin-1")
        for key, value in parse_qsl(query, max_num_fields=100):
            if key == "token":
                return value, True
        return None, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_control_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._port:
            server = scope.get("server")
            if server is None or server[1] != self._port:
                await _refuse(send, 404, "not found")
                return
        if not self._token:
            await self.app(scope, receive, send)
            return
        offered, from_query = self._offered(scope)
        if offered is None or not self._matches(offered):
            await _refuse(send, 401, "the control API needs its token: Authorization: Bearer <token>",
                          [(b"www-authenticate", b'Bearer realm="ileti sandbox"')])
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
