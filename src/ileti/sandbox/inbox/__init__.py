"""The web inbox: what the sandbox serves at `/` for a person to look at (DESIGN.md).

    GET /                           the page (static/index.html): messages per number, orders, webhook log
    GET /_sandbox/inbox/static/...  its CSS and JavaScript (hand-written, no build step, no CDN)
    GET /_sandbox/inbox/...         the JSON views it reads (api.py)
    GET /_sandbox/events            server-sent events: "something changed" (events.py)

Message texts and webhook bodies are untrusted input. The page builds its DOM with `textContent` only, never
`innerHTML` with data, and the page is served with a Content-Security-Policy that allows no inline script and
nothing from another origin, so a text such as `<script>…</script>` is shown as the characters it is.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ileti.sandbox.inbox.api import INBOX_API_ROUTES
from ileti.sandbox.inbox.events import events

__all__ = ["PAGE_HEADERS", "STATIC", "inbox_routes", "page_route"]

STATIC = Path(__file__).with_name("static")

PAGE_HEADERS = {
    # defence in depth behind textContent: no inline script, no eval, no other origin, no framing
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def page_route() -> Route:
    """The page at `/`, for `routes.build_routes()` to put behind the control API's access check."""
    return Route("/", page, methods=["GET", "HEAD"])


def inbox_routes() -> list[BaseRoute]:
    """The inbox's routes under `/_sandbox`, their paths relative to it, for `routes.build_routes()` to mount
    beside the control API's."""
    routes: list[BaseRoute] = [
        Route("/events", events, methods=["GET"]),
        Mount("/inbox/static", app=StaticFiles(directory=STATIC), name="inbox-static"),
    ]
    routes += [
        Route(path.removeprefix("/_sandbox"), endpoint, methods=["GET"])
        for path, endpoint in INBOX_API_ROUTES
    ]
    return routes
