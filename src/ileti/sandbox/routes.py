"""Every URL of the sandbox on one screen.

    POST /v1/<endpoint>/json      (+ one trailing slash, + aliases)   one per handler in `handlers.HANDLERS`
    *    /v1/<anything else>                                                404 in the API's envelope (OQ-25)
    GET  /livez  /readyz                                                    `control/routes.CONTROL_ROUTES`
    *    /_sandbox/...     behind `ControlAccess`: the control API (`CONTROL_ROUTES`) and the inbox's JSON
                           views, event stream and static files (`inbox_routes()`)
    GET  /                 behind `ControlAccess` of its own: the inbox page (`page_route()`)

/v1 routes are generated from `wire.ENDPOINTS` × the formats in `FORMATS`; the XML and GET variants are added
by listing their `Format` here with the paths they serve (`Endpoint.xml_path`, `Endpoint.get_path`).

/v1 is one mount whose `ApiRoutes` finds the endpoint by exact path in a dict. Starlette's router tries its
routes one regex at a time and wraps each call in two more layers, which cost a send-sms about a tenth of
its server time (docs/benchmarks.md); here the router meets the /v1 mount first and matches it with one
`startswith`. The middleware every request goes through (the `Host` check, `BugGuard`, `SharedState`) is
listed in `app.create_app`; the control API's access check is applied here, to its paths only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pydantic import ValidationError
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ileti.codes import Code
from ileti.sandbox.api.faults import inject
from ileti.sandbox.api.formats import JSON, Format, Handler, error_response, run_endpoint
from ileti.sandbox.api.handlers import HANDLERS
from ileti.sandbox.api.journal import Trace
from ileti.sandbox.api.xml_format import GET_FORMAT, XML
from ileti.sandbox.context import Services, services_of
from ileti.sandbox.control.routes import CONTROL_ROUTES
from ileti.sandbox.inbox import inbox_routes, page_route
from ileti.wire import envelope
from ileti.wire.endpoints import ENDPOINTS, Endpoint
from ileti.wire.errors import DecodeError

__all__ = ["FORMATS", "ApiRoutes", "PathMount", "api_table", "build_routes"]

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # wrong ones get 404, OQ-25

# format -> the paths it serves for an endpoint (empty when the endpoint has no such variant)
FORMATS: tuple[tuple[Format, Callable[[Endpoint], list[str]]], ...] = (
    (JSON, lambda endpoint: [f"/v1/{name}/json" for name in (endpoint.name, *endpoint.aliases)]),
    # XML body (raw or `data=`) on the bare path; send-sms's query-string GET, both answered in XML
    (XML, lambda endpoint: [f"/v1/{n}" for n in (endpoint.name, *endpoint.aliases)] if endpoint.xml else []),
    (GET_FORMAT, lambda endpoint: [endpoint.get_path.rstrip("/")] if endpoint.get_path else []),
)


ApiCall = Callable[[Request], Awaitable[Response]]


def api_endpoint(endpoint: Endpoint, handler: Handler, fmt: Format) -> ApiCall:
    """The endpoint of one (endpoint, format): method check, injected faults (`faults.inject`), then the
    pipeline; each call is journaled (`journal.py`)."""
    method = getattr(fmt, "method", "POST")

    async def call(request: Request) -> Response:
        services = services_of(request)
        journal = services.journal
        trace = None if journal is None else journal.start(endpoint.name, fmt.name)
        try:
            if request.method != method:  # OQ-25: a wrong method is "no such method", 404
                if trace is not None:
                    trace.code = int(Code.NOT_FOUND)
                    trace.reason = f"method: {request.url.path} answers {method} only, not {request.method}"
                return error_response(services, fmt, Code.NOT_FOUND)
            fault = services.faults.take(endpoint.name)
            if fault is None:
                return await run_endpoint(services, endpoint, handler, fmt, request, trace)
            return await inject(
                fault,
                lambda: run_endpoint(services, endpoint, handler, fmt, request, trace),
                lambda code: error_response(services, fmt, code),
                lambda trace: _note_request(services, endpoint, fmt, request, trace),
                trace,
            )
        except Exception as exc:
            if trace is not None and trace.code is None:
                trace.code = int(Code.SERVICE_UNAVAILABLE)
                trace.reason = f"bug: an unexpected {type(exc).__name__} in the sandbox (logged)"
            raise
        finally:
            if journal is not None:
                journal.finish(trace)

    call.__name__ = f"{endpoint.name}_{fmt.name}".replace("-", "_").replace("/", "_")
    return call


async def _note_request(
    services: Services, endpoint: Endpoint, fmt: Format, request: Request, trace: Trace
) -> None:
    """For the journal of a call a fault answers without running it: its body and account, if readable."""
    try:
        trace.request = await fmt.decode(request)
        auth, _ = envelope.read_request(endpoint, trace.request)
    except (DecodeError, ValidationError, ClientDisconnect):
        return
    account = services.store.accounts.cached(auth.key) if auth.key else None
    trace.account = None if account is None else account.key


async def unknown_api_path(request: Request) -> Response:
    """Anything under /v1 that no route serves: 404 in the envelope, JSON on `/json` paths, else XML
    (OQ-25)."""
    fmt: Format = JSON if request.url.path.rstrip("/").endswith("/json") else XML
    services = services_of(request)
    journal = services.journal
    trace = journal.start(request.url.path[:200], fmt.name) if journal is not None else None
    if trace is not None:
        trace.code = int(Code.NOT_FOUND)
        trace.reason = f"path: no API endpoint at {request.method} {request.url.path[:200]}"
    try:
        return error_response(services, fmt, Code.NOT_FOUND)
    finally:
        if journal is not None:
            journal.finish(trace)


def api_table() -> dict[str, ApiCall]:
    """Every /v1 path an API endpoint serves (aliases, formats, one trailing slash) -> its endpoint."""
    table: dict[str, ApiCall] = {}
    for name, handler in HANDLERS.items():
        endpoint = ENDPOINTS[name]
        for fmt, paths_of in FORMATS:
            call = api_endpoint(endpoint, handler, fmt)
            for path in paths_of(endpoint):
                table.setdefault(path, call)
                table.setdefault(path + "/", call)  # OQ-25: tolerate one trailing slash
    return table


class ApiRoutes:
    """The ASGI app mounted at /v1: the endpoint of the path by exact lookup in `api_table()`, else the
    API's 404. A method outside `ANY_METHOD` is Starlette's 405, as a `Route` with those methods answers."""

    def __init__(self, prefix: str = "/v1") -> None:
        self._table = {path.removeprefix(prefix): call for path, call in api_table().items()}
        methods = {method.upper() for method in ANY_METHOD}
        self._methods = frozenset(methods)
        self._allow = {"Allow": ", ".join(methods)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in self._methods:
            raise HTTPException(status_code=405, headers=self._allow)
        call = self._table.get(get_route_path(scope), unknown_api_path)
        response = await call(Request(scope, receive, send))
        await response(scope, receive, send)


class PathMount(Mount):
    """A `Mount` that serves its path and every path below it, line breaks included (a percent-decoded `%0A`).

    Starlette's `Mount` matches with a regex that stops at a line break and leaves the bare path (`/v1`) to a
    redirect to `/v1/`; this one matches with `str.startswith`, so `/v1` and `/v1/a%0Ab` reach the API's 404
    envelope and `/_sandbox` and `/_sandbox/a%0Ab` the control API's access check, as every other path under
    them does. HTTP only: the sandbox serves no WebSocket."""

    def __init__(
        self,
        path: str,
        app: ASGIApp | None = None,
        routes: Sequence[BaseRoute] | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        super().__init__(path, app, routes, middleware=middleware)
        self._below = self.path + "/"

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            path = get_route_path(scope)
            if path.startswith(self._below) or path == self.path:
                root_path = scope.get("root_path", "")
                return Match.FULL, {
                    "app_root_path": scope.get("app_root_path", root_path),
                    "root_path": root_path + self.path,
                    "endpoint": self.app,
                }
        return Match.NONE, {}


def _behind(app: ASGIApp, middleware: Sequence[Middleware]) -> ASGIApp:
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app


SANDBOX = "/_sandbox"


def build_routes(control: Sequence[Middleware]) -> list[BaseRoute]:
    """The app's routes; `control` is the middleware of the control API and the inbox (the access check)."""
    below: list[BaseRoute] = []
    outside: list[BaseRoute] = []
    for path, control_endpoint, methods in CONTROL_ROUTES:
        if path.startswith(SANDBOX + "/"):
            below.append(Route(path.removeprefix(SANDBOX), control_endpoint, methods=list(methods)))
        else:  # /livez, /readyz: open, for health checks
            outside.append(Route(path, control_endpoint, methods=list(methods)))
    page = page_route()
    return [
        PathMount("/v1", ApiRoutes()),  # first: the hot path costs the router one `startswith`
        *outside,
        PathMount(SANDBOX, routes=below + inbox_routes(), middleware=control),
        # the page alone: its access check runs before its route's method check, as on the mount
        Route(page.path, _behind(page, control)),
    ]
