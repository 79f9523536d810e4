"""Every URL of the sandbox on one screen.

    POST /v1/<endpoint>/json      (+ one trailing slash, + aliases)   one per handler in `handlers.HANDLERS`
    *    /v1/<anything else>                                                404 in the API's envelope (OQ-25)
    *    /_sandbox/...  /livez  /readyz                                     `control.CONTROL_ROUTES`
    GET  /  /_sandbox/inbox/...  /_sandbox/events                           the web inbox: `inbox_routes()`

/v1 routes are generated from `wire.ENDPOINTS` × the formats in `FORMATS`; the XML and GET variants are added
by listing their `Format` here with the paths they serve (`Endpoint.xml_path`, `Endpoint.get_path`).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ileti.codes import Code
from ileti.sandbox.context import Services
from ileti.sandbox.control import CONTROL_ROUTES
from ileti.sandbox.faults import DropConnection
from ileti.sandbox.formats import JSON, Format, Handler, error_response, run_endpoint
from ileti.sandbox.handlers import HANDLERS
from ileti.sandbox.inbox import inbox_routes
from ileti.sandbox.xml_format import GET_FORMAT, XML
from ileti.wire.endpoints import ENDPOINTS, Endpoint

__all__ = ["FORMATS", "build_routes"]

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # wrong ones get 404, OQ-25

# format -> the paths it serves for an endpoint (empty when the endpoint has no such variant)
FORMATS: tuple[tuple[Format, Callable[[Endpoint], list[str]]], ...] = (
    (JSON, lambda endpoint: [f"/v1/{name}/json" for name in (endpoint.name, *endpoint.aliases)]),
    # part 2: XML body (raw or `data=`) on the bare path; send-sms's query-string GET, both answered in XML
    (XML, lambda endpoint: [f"/v1/{n}" for n in (endpoint.name, *endpoint.aliases)] if endpoint.xml else []),
    (GET_FORMAT, lambda endpoint: [endpoint.get_path.rstrip("/")] if endpoint.get_path else []),
)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def api_endpoint(endpoint: Endpoint, handler: Handler, fmt: Format) -> Callable[[Request], object]:
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
        if fault.fault == "status_503":
            return error_response(services, fmt, Code.SERVICE_UNAVAILABLE)
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


def build_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name, handler in HANDLERS.items():
        endpoint = ENDPOINTS[name]
        for fmt, paths_of in FORMATS:
            call = api_endpoint(endpoint, handler, fmt)
            for path in paths_of(endpoint):
                routes.append(Route(path, call, methods=ANY_METHOD))
                routes.append(
                    Route(path + "/", call, methods=ANY_METHOD)
                )  # OQ-25: tolerate one trailing slash
    for path, control_endpoint, methods in CONTROL_ROUTES:
        routes.append(Route(path, control_endpoint, methods=list(methods)))
    routes.append(Route("/v1", unknown_api_path, methods=ANY_METHOD))
    routes.append(Route("/v1/{rest:path}", unknown_api_path, methods=ANY_METHOD))
    routes.extend(inbox_routes())
    return routes
