"""The request and response envelopes of CONTRACT §1.2–1.3, and reading them back.

    {"request": {"authentication": {"key": …, "hash": …}, "<payload_key>": {…}}}
    {"response": {"status": {"code": 200, "message": "…"}, "<payload>": …}}

An error response carries only `status`; its message always comes from `ileti.codes`. Reading is tolerant of
the type drift of §1.5 (a string `"200"` code) and raises `DecodeError` for a body that is not an envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ileti.codes import Code
from ileti.wire.endpoints import Endpoint
from ileti.wire.errors import DecodeError
from ileti.wire.models import WireModel, dump

__all__ = [
    "Authentication",
    "error_envelope",
    "read_get_request",
    "read_request",
    "read_status",
    "request_envelope",
    "success_envelope",
]


class Authentication(WireModel):
    """`request.authentication`: the API key and hash (legacy username/password, OQ-23, are kept if sent).

    Lenient like every request model: a missing key reads as None and the sandbox answers 401.
    """

    key: str | None = None
    hash: str | None = None
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        # the hash and password are secrets: never in logs or tracebacks
        return f"Authentication(key={self.key!r}, hash={'***' if self.hash else None!r})"

    __str__ = __repr__


def _payload_dict(payload: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    return dump(payload) if isinstance(payload, BaseModel) else dict(payload)


def request_envelope(
    auth: Authentication, endpoint: Endpoint, payload: BaseModel | Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`{"request": {"authentication": …, "<payload_key>": payload}}`; no payload key when payload is None."""
    request: dict[str, Any] = {"authentication": dump(auth)}
    if payload is not None:
        if endpoint.payload_key is None:
            raise ValueError(f"{endpoint.name} takes no payload")
        request[endpoint.payload_key] = _payload_dict(payload)
    return {"request": request}


def _status(code: Code) -> dict[str, Any]:
    return {"code": int(code), "message": code.message}


def success_envelope(payload: BaseModel | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`{"response": {"status": {"code": 200, …}, **payload}}`; payload is a response model or its dict."""
    response: dict[str, Any] = {"status": _status(Code.OK)}
    if payload is not None:
        response.update(_payload_dict(payload))
    return {"response": response}


def error_envelope(code: int) -> dict[str, Any]:
    """`{"response": {"status": {"code": code, "message": <Turkish text from codes>}}}`, nothing else (§1.3).

    Raises ValueError for a number the API does not define.
    """
    return {"response": {"status": _status(Code(code))}}


def read_status(body: Any) -> tuple[int, str]:
    """`(code, message)` from a decoded response body; the code may be an int or a numeric string."""
    response = body.get("response") if isinstance(body, Mapping) else None
    status = response.get("status") if isinstance(response, Mapping) else None
    if not isinstance(status, Mapping):
        raise DecodeError("body has no response.status object", format="envelope")
    raw = status.get("code")
    code: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        code = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        code = int(raw.strip())
    if code is None:
        raise DecodeError(f"response.status.code is not a number: {raw!r}", format="envelope")
    message = status.get("message")
    return code, message if isinstance(message, str) else ""


def read_request(endpoint: Endpoint, body: Any) -> tuple[Authentication, Any]:
    """The authentication and the raw payload of a decoded request body, for `endpoint.request_model`.

    The payload is the value under `request.<payload_key>` (None when absent), with the keys of
    `endpoint.hoisted` copied in from the top level of `request` when the payload lacks them (get-reports:
    `filter.page` wins, `request.page` is the fallback, §4.4). Raises `DecodeError` when `request` is missing
    or not an object (400); a wrong-shaped `authentication` raises pydantic's ValidationError (422).
    """
    request = body.get("request") if isinstance(body, Mapping) else None
    if not isinstance(request, Mapping):
        raise DecodeError("body has no request object", format="envelope")
    auth = Authentication.model_validate(request.get("authentication") or {})
    if endpoint.payload_key is None:
        return auth, None
    payload = request.get(endpoint.payload_key)
    hoisted = {key: request[key] for key in endpoint.hoisted if key in request}
    if hoisted and (payload is None or isinstance(payload, Mapping)):
        payload = {**hoisted, **(payload or {})}
    return auth, payload


def read_get_request(params: Mapping[str, str]) -> tuple[Authentication, dict[str, Any]]:
    """The authentication and send-sms `order` payload of the GET variant's query (§4.1).

    `receipents` is comma-separated and there is one text; the payload has the JSON shape, so
    `SendSmsRequest.model_validate` and the same rules apply. Absent parameters stay absent.
    """
    auth = Authentication.model_validate(
        {key: params[key] for key in ("key", "hash", "username", "password") if key in params}
    )
    order: dict[str, Any] = {
        key: params[key] for key in ("sender", "sendDateTime", "iys", "iysList") if key in params
    }
    message: dict[str, Any] = {}
    if "text" in params:
        message["text"] = params["text"]
    if "receipents" in params:
        numbers = [number.strip() for number in params["receipents"].split(",")]
        message["receipents"] = {"number": [number for number in numbers if number]}
    if message:
        order["message"] = [message]
    return auth, order
