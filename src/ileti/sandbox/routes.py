"""Every URL of the sandbox on one screen.

    POST /v1/<endpoint>/json      (+ one trailing slash, + aliases)   one per handler in `handlers.HANDLERS`
    *    /v1/<anything else>                                                404 in the API's envelope (OQ-25)
    *    /_sandbox/...  /livez  /readyz                             `control/routes.CONTROL_ROUTES`
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

from pydantic import ValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ileti.codes import Code
from ileti.sandbox.api.faults import DropConnection, GatewayPage, SlowBody, truncated
from ileti.sandbox.api.formats import JSON, Format, Handler, error_response, run_endpoint
from ileti.sandbox.api.handlers import HANDLERS
from ileti.sandbox.api.journal import Trace
from ileti.sandbox.api.xml_format import GET_FORMAT, XML
from ileti.sandbox.context import Services, services_of
from ileti.sandbox.control.routes import CONTROL_ROUTES
from ileti.sandbox.inbox import inbox_routes
from ileti.wire import envelope
from ileti.wire.endpoints import ENDPOINTS, Endpoint
from ileti.wire.errors import DecodeError

__all__ = ["FORMATS", "ApiRoutes", "api_table", "build_routes"]

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
    """The Starlette endpoint of one (endpoint, format): method check, injected faults, then the pipeline;
    each call is journaled (`journal.py`)."""
    method = getattr(fmt, "method", "POST")

    async def call(request: Request) -> Response:
        services = services_of(request)
        journal = services.journal
        if journal is None:
            return await answer(services, request, None)
        trace = journal.start(endpoint.name, fmt.name)
        try:
            return await answer(services, request, trace)
        except Exception as exc:
            if trace is not None and trace.code is None:
                trace.code = int(Code.SERVICE_UNAVAILABLE)
                trace.reason = f"bug: an unexpected {type(exc).__name__} in the sandbox (logged)"
            raise
        finally:
            journal.finish(trace)

    async def answer(services: Services, request: Request, trace: Trace | None) -> Response:
        if request.method != method:  # OQ-25: a wrong method is "no such method", 404
            if trace is not None:
                trace.code = int(Code.NOT_FOUND)
                trace.reason = f"method: {request.url.path} answers {method} only, not {request.method}"
            return error_response(services, fmt, Code.NOT_FOUND)
        fault = services.faults.take(endpoint.name)
        if fault is None:
            return await run_endpoint(services, endpoint, handler, fmt, request, trace)
        if fault.fault == "latency":
            await services.faults.delay(fault)
            return await run_endpoint(services, endpoint, handler, fmt, request, trace)
        rule = f"a {fault.fault} rule for {fault.endpoint!r} (PUT /_sandbox/faults)"
        if fault.fault in ("status_503", "status", "gateway_html", "drop") and trace is not None:
            await _note_request(services, endpoint, fmt, request, trace)  # the handler does not run
        if fault.fault in ("status_503", "status"):
            code = Code(fault.code or Code.SERVICE_UNAVAILABLE)
            if trace is not None:
                trace.code, trace.reason = int(code), f"fault: answered {int(code)} by {rule}"
            return error_response(services, fmt, code)
        if fault.fault == "gateway_html":
            status = fault.http_status or 502
            if trace is not None:
                trace.code = status
                trace.reason = f"fault: an HTML {status} page, as a proxy sends it, by {rule}"
            return GatewayPage(status)
        if fault.fault == "truncated":
            cut = truncated(await run_endpoint(services, endpoint, handler, fmt, request, trace))
            if trace is not None:
                trace.reason = f"fault: answered {trace.code}, cut after half its bytes by {rule}"
            return cut
        if fault.fault == "slow_body":
            response = await run_endpoint(services, endpoint, handler, fmt, request, trace)
            if trace is not None:
                trace.reason = f"fault: answered {trace.code}, its body trickled out slowly by {rule}"
            return SlowBody(response, fault.delay_seconds())
        if fault.fault == "commit_then_drop":
            await run_endpoint(services, endpoint, handler, fmt, request, trace)
        if trace is not None:
            prefix = f"answered {trace.code}, then " if trace.code is not None else ""
            trace.reason = f"fault: {prefix}the connection was dropped by {rule}"
        return DropConnection()

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


class AnythingConvertor(Convertor[str]):
    """Like Starlette's `path`, but also across line breaks: a percent-decoded `%0A` in a /v1 path must still
    reach the API's 404 envelope, not Starlette's plain-text 404."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anything", AnythingConvertor())


def build_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [Route(path, call, methods=ANY_METHOD) for path, call in api_table().items()]
    for path, control_endpoint, methods in CONTROL_ROUTES:
        routes.append(Route(path, control_endpoint, methods=list(methods)))
    routes.append(Route("/v1", unknown_api_path, methods=ANY_METHOD))
    routes.append(Route("/v1/{rest:anything}", unknown_api_path, methods=ANY_METHOD))
    routes.extend(inbox_routes())
    return routes
