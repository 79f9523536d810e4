"""Every URL of the sandbox on one screen.

    POST /v1/<endpoint>/json      (+ one trailing slash, + aliases)   one per handler in `handlers.HANDLERS`
    *    /v1/<anything else>                                                404 in the API's envelope (OQ-25)
    *    /_sandbox/...  /livez  /readyz                                     `control.CONTROL_ROUTES`
    GET  /  /_sandbox/inbox/...  /_sandbox/events                           the web inbox: `inbox_routes()`

/v1 routes are generated from `wire.ENDPOINTS` × the formats in `FORMATS`; the XML and GET variants are added
by listing their `Format` here with the paths they serve (`Endpoint.xml_path`, `Endpoint.get_path`).

`ApiRoutes`, in front of the app (`app._Sandbox`), finds those /v1 endpoints by exact path in a dict before
Starlette's middleware and router run: the router tries its routes one regex at a time and wraps each call in
two more layers, which cost a send-sms about a tenth of its server time, and each middleware layer a little
more (docs/benchmarks.md). Every other path, and any method Starlette would refuse, still goes through the
middleware and the router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ileti.codes import Code
from ileti.sandbox.context import Services
from ileti.sandbox.control import CONTROL_ROUTES
from ileti.sandbox.faults import DropConnection, GatewayPage, SlowBody, truncated
from ileti.sandbox.formats import JSON, Format, Handler, error_response, run_endpoint
from ileti.sandbox.handlers import HANDLERS
from ileti.sandbox.inbox import inbox_routes
from ileti.sandbox.xml_format import GET_FORMAT, XML
from ileti.wire.endpoints import ENDPOINTS, Endpoint

__all__ = ["FORMATS", "ApiRoutes", "api_table", "build_routes"]

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # wrong ones get 404, OQ-25

# format -> the paths it serves for an endpoint (empty when the endpoint has no such variant)
FORMATS: tuple[tuple[Format, Callable[[Endpoint], list[str]]], ...] = (
    (JSON, lambda endpoint: [f"/v1/{name}/json" for name in (endpoint.name, *endpoint.aliases)]),
    # part 2: XML body (raw or `data=`) on the bare path; send-sms's query-string GET, both answered in XML
    (XML, lambda endpoint: [f"/v1/{n}" for n in (endpoint.name, *endpoint.aliases)] if endpoint.xml else []),
    (GET_FORMAT, lambda endpoint: [endpoint.get_path.rstrip("/")] if endpoint.get_path else []),
)


ApiCall = Callable[[Request], Awaitable[Response]]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def api_endpoint(endpoint: Endpoint, handler: Handler, fmt: Format) -> ApiCall:
    """The Starlette endpoint of one (endpoint, format): method check, injected faults, then the pipeline."""

    async def call(request: Request) -> Response:
        services = _services(request)
        if request.method != getattr(fmt, "method", "POST"):  # OQ-25: a wrong method is "no such method", 404
            return error_response(services, fmt, Code.NOT_FOUND)
        fault = services.faults.take(endpoint.name)
        if fault is None:
            return await run_endpoint(services, endpoint, handler, fmt, request)
        if fault.fault == "latency":
            await services.faults.delay(fault)
            return await run_endpoint(services, endpoint, handler, fmt, request)
        if fault.fault in ("status_503", "status"):
            return error_response(services, fmt, Code(fault.code or Code.SERVICE_UNAVAILABLE))
        if fault.fault == "gateway_html":
            return GatewayPage(fault.http_status or 502)
        if fault.fault == "truncated":
            return truncated(await run_endpoint(services, endpoint, handler, fmt, request))
        if fault.fault == "slow_body":
            answer = await run_endpoint(services, endpoint, handler, fmt, request)
            return SlowBody(answer, fault.delay_seconds())
        if fault.fault == "commit_then_drop":
            await run_endpoint(services, endpoint, handler, fmt, request)
        return DropConnection()

    call.__name__ = f"{endpoint.name}_{fmt.name}".replace("-", "_").replace("/", "_")
    return call


async def unknown_api_path(request: Request) -> Response:
    """Anything under /v1 that no route serves: 404 in the envelope, JSON on `/json` paths, else XML
    (OQ-25)."""
    fmt: Format = JSON if request.url.path.rstrip("/").endswith("/json") else XML
    return error_response(_services(request), fmt, Code.NOT_FOUND)


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
    """ASGI layer in front of the whole app: a request for a path of `api_table()`, with a method the router
    would accept, goes straight to its endpoint; anything else goes on to `app` (Starlette's middleware and
    router).

    The direct path keeps what the middleware gives every request (`guard`: `BugGuard`, and `SharedState`
    when workers share the store) and skips what has nothing to do on /v1 (Starlette's error middleware, the
    control API's access check).
    """

    def __init__(self, app: ASGIApp, guard: Callable[[ASGIApp], ASGIApp]) -> None:
        self.app = app
        self._table = api_table()
        self._methods = frozenset(ANY_METHOD)
        self._direct = guard(self._call)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # under a root_path the lookup misses and the router (which strips it) serves the call as before
        if scope["type"] == "http" and scope["path"] in self._table and scope["method"] in self._methods:
            await self._direct(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._table[scope["path"]](Request(scope, receive, send))
        await response(scope, receive, send)


def build_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [Route(path, call, methods=ANY_METHOD) for path, call in api_table().items()]
    for path, control_endpoint, methods in CONTROL_ROUTES:
        routes.append(Route(path, control_endpoint, methods=list(methods)))
    routes.append(Route("/v1", unknown_api_path, methods=ANY_METHOD))
    routes.append(Route("/v1/{rest:path}", unknown_api_path, methods=ANY_METHOD))
    routes.extend(inbox_routes())
    return routes
