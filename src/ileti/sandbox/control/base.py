"""What every control endpoint shares: JSON in and out, `ControlError` as `{"error": detail}`, the
services of a request and the path and query parameters several resources read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ileti.sandbox.api.body import BodyTooLargeError, read_body
from ileti.sandbox.context import Services, services_of
from ileti.sandbox.errors import ControlError
from ileti.sandbox.store.records import Account
from ileti.wire import json_codec
from ileti.wire.errors import DecodeError

ControlEndpoint = Callable[[Request], Awaitable[Response]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json_codec.dumps(body), status_code=status, media_type="application/json")


async def _body(request: Request, *, optional: bool = False) -> Any:
    try:
        raw = await read_body(request)
    except BodyTooLargeError as exc:
        raise ControlError(413, str(exc)) from exc
    if not raw.strip() and optional:
        return {}
    try:
        return json_codec.loads(raw)
    except DecodeError as exc:
        raise ControlError(400, f"the body is not JSON: {exc}") from exc


def control(handler: Callable[[Request], Awaitable[Any]]) -> ControlEndpoint:
    """Wrap a control handler: its return value as JSON, a `ControlError` as `{"error": detail}`."""

    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except ControlError as exc:
            return _json({"error": exc.detail}, exc.status)
        return result if isinstance(result, Response) else _json(result)

    endpoint.__name__ = handler.__name__
    return endpoint


def _find(services: Services, key: str) -> Account:
    account = services.store.accounts.get(key)
    if account is None:
        raise ControlError(404, f"no account with key {key!r}")
    return account


def _path_id(request: Request, name: str, what: str) -> int:
    """A numeric id from the path (`{name:int}`); one past 18 digits names nothing (404), and is past the
    64-bit integers of both stores, which would refuse it as a database error."""
    value: int = request.path_params[name]
    if value >= 10**18:
        raise ControlError(404, f"no {what} {value}")
    return value


def _account_of(request: Request) -> tuple[Services, Account]:
    services = services_of(request)
    return services, _find(services, request.path_params["key"])
