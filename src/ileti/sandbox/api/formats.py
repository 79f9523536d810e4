"""The request pipeline shared by every /v1 endpoint and format: decode → authenticate → request model →
handler → encode.

    body --Format.decode--> envelope dict --read_request--> (auth, payload)
         --authenticate (401)--> account --request_model (422)--> handler(ctx, model) --> response model
         --success_envelope--> Format.encode --> Response (HTTP status = status.code, OQ-1)

A `Format` only turns bytes into the envelope dict and back, so the handlers know no format. JSON is here; the
XML variant (`wire.xml_codec`, body or `data=` form field) and the send-sms GET variant (query string) are
more `Format`s: implement `decode`/`encode`/`media_type` and list them in `routes.py`; nothing else changes.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ileti.codes import Code
from ileti.sandbox.api.body import BodyTooLargeError, read_body
from ileti.sandbox.context import Context, Services
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import Account
from ileti.wire import envelope, json_codec
from ileti.wire.endpoints import Endpoint
from ileti.wire.errors import DecodeError
from ileti.wire.models import dump

if TYPE_CHECKING:
    from ileti.sandbox.api.journal import Trace

__all__ = ["JSON", "Format", "Handler", "JsonFormat", "authenticate", "error_response"]

Handler = Callable[[Context, Any], Awaitable[BaseModel | dict[str, Any] | None]]
"""A handler answers a model, its wire form already dumped (a dict, where building models costs too much), or
None."""


class Format(Protocol):
    """One wire format: bytes of a request to an envelope dict, an envelope dict to response bytes."""

    name: str
    media_type: str

    async def decode(self, request: Request) -> Any:
        """The decoded request body; raises `DecodeError` (400) when it cannot be read."""
        ...

    def encode(self, body: dict[str, Any]) -> bytes: ...


class JsonFormat:
    name = "json"
    media_type = "application/json; charset=utf-8"  # OQ-24

    async def decode(self, request: Request) -> Any:
        return json_codec.loads(await read_body(request))

    def encode(self, body: dict[str, Any]) -> bytes:
        return json_codec.dumps(body)


JSON = JsonFormat()


def _respond(services: Services, fmt: Format, code: int, body: dict[str, Any]) -> Response:
    status = 200 if services.settings.always_http_200 else code
    return Response(fmt.encode(body), status_code=status, media_type=fmt.media_type)


def error_response(services: Services, fmt: Format, code: Code) -> Response:
    """The error envelope: only `response.status` (§1.3)."""
    return _respond(services, fmt, int(code), envelope.error_envelope(code))


def authenticate(services: Services, auth: envelope.Authentication, client_ip: str | None) -> Account:
    """§1.7/§2: key and hash must match an account with API access on, from an allowed IP; else 401."""
    if not auth.key or not auth.hash:
        missing = " and ".join(name for name in ("key", "hash") if not getattr(auth, name))
        raise ApiError(Code.UNAUTHORIZED, f"authentication: the request has no {missing}")
    account = services.store.accounts.cached(auth.key)
    if account is None:
        raise ApiError(Code.UNAUTHORIZED, f"authentication: no account has the key {auth.key[:64]!r}")
    if not hmac.compare_digest(account.hash.encode(), auth.hash.encode()):
        raise ApiError(Code.UNAUTHORIZED, f"authentication: the hash does not match account {account.key!r}")
    if not account.api_access:
        raise ApiError(Code.UNAUTHORIZED, f"authentication: API access is off for account {account.key!r}")
    if account.allowed_ips and client_ip not in account.allowed_ips:
        raise ApiError(
            Code.UNAUTHORIZED,
            f"authentication: the client address {client_ip} is not in the "
            f"allowed_ips of account {account.key!r}",
        )
    return account


def _first_error(exc: ValidationError) -> str:
    """pydantic's first error as `where: what` (for the journal's sentence)."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "the payload"
    return f"{where}: {error['msg']}"


async def run_endpoint(
    services: Services,
    endpoint: Endpoint,
    handler: Handler,
    fmt: Format,
    request: Request,
    trace: Trace | None = None,
) -> Response:
    """One API call through the whole pipeline; every refusal becomes its documented code.

    `trace` (the request journal's record of this call) learns the decoded body, the account, the code with
    its reason, and a new order's id."""
    auth: envelope.Authentication | None = None
    try:
        try:
            body = await fmt.decode(request)
            if trace is not None:
                trace.request = body
            auth, payload = envelope.read_request(endpoint, body)
        except BodyTooLargeError as exc:  # refused before it could exhaust memory; an order that size is 453
            code = Code.ORDER_TOO_LARGE if endpoint.name == "send-sms" else Code.BAD_REQUEST
            raise ApiError(
                code, f"body size: the body is larger than max_body_bytes ({exc.limit} bytes)"
            ) from exc
        except DecodeError as exc:
            raise ApiError(Code.BAD_REQUEST, f"decode ({exc.format}): {exc}") from exc
        except ValidationError as exc:
            # an `authentication` of the wrong shape cannot be verified
            raise ApiError(
                Code.UNAUTHORIZED,
                f"authentication: request.authentication is not an object of strings ({_first_error(exc)})",
            ) from exc
        client = request.client
        account = authenticate(services, auth, client.host if client else None)
        if trace is not None:
            trace.account = account.key
        model: Any = None
        if endpoint.request_model is not None:
            try:
                model = endpoint.request_model.model_validate(payload if payload is not None else {})
            except ValidationError as exc:
                raise ApiError(
                    Code.VALIDATION_FAILED,
                    f"request model: {endpoint.payload_key} has a value "
                    f"of the wrong shape ({_first_error(exc)})",
                ) from exc
        result = await handler(Context(services, account), model)
    except ApiError as exc:
        if trace is not None:
            trace.code, trace.reason = int(exc.code), exc.reason
            if trace.account is None and auth is not None and auth.key:
                # a refused key is journaled when it names an account (a wrong hash, API access off …)
                known = services.store.accounts.cached(auth.key)
                trace.account = None if known is None else known.key
        return error_response(services, fmt, exc.code)
    if trace is not None:
        trace.code = 200
        if isinstance(result, BaseModel) and endpoint.name == "send-sms":
            trace.order_id = int(result.order.id)  # type: ignore[attr-defined]
    return _respond(
        services,
        fmt,
        200,
        envelope.success_envelope(result if result is None or isinstance(result, dict) else dump(result)),
    )
