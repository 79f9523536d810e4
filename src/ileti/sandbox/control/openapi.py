"""The control API's OpenAPI document (`/_sandbox/openapi.json`) and the emulated API's
(`/_sandbox/openapi/iletimerkezi.json`)."""

from __future__ import annotations

import copy
import re
from typing import Any

from starlette.requests import Request

from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import control
from ileti.wire import openapi as wire_openapi


@control
async def openapi(request: Request) -> Any:
    return openapi_document()


_PATH_PARAMETER = re.compile(r"{(\w+)}")


_PATH_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "key": {"type": "string", "minLength": 1, "maxLength": 128},
    "field_id": {"type": "integer", "minimum": 0},
    "id": {"type": "integer", "minimum": 0},
}


def openapi_document() -> dict[str, Any]:
    """`OPENAPI` with every `{name}` of a path declared as a required path parameter (a string, or what
    `_PATH_PARAMETER_SCHEMAS` says), so that tools can call each path without being told."""
    document = copy.deepcopy(OPENAPI)
    for path, item in document["paths"].items():
        names = _PATH_PARAMETER.findall(path)
        if names:
            item.setdefault(
                "parameters",
                [
                    {
                        "name": name,
                        "in": "path",
                        "required": True,
                        "schema": _PATH_PARAMETER_SCHEMAS.get(name, {"type": "string"}),
                    }
                    for name in names
                ],
            )
    return document


@control
async def api_openapi(request: Request) -> Any:
    """The emulated API's OpenAPI document (`ileti.wire.openapi`), with this server as its server (the API's
    port when the control API has a port of its own)."""
    settings = services_of(request).settings
    url = request.base_url.replace(port=settings.port) if settings.control_port else request.base_url
    return wire_openapi.openapi_document(str(url).rstrip("/"))


def _op(summary: str, body: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "JSON"}}}
    if body:
        operation["requestBody"] = {"description": body, "content": {"application/json": {}}}
    return operation


def _query(operation: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    operation["parameters"] = [
        {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in params.items()
    ]
    return operation


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "ileti sandbox control API", "version": "1"},
    "paths": {
        "/_sandbox/accounts": {
            "get": _op("list accounts"),
            "post": _op(
                "create an account",
                "{key?, secret | hash, balance: {amount, sms}, billing, senders,"
                " api_access, allowed_ips, iys: {brand_code, active, quota}, documents_missing, "
                "webhook_url, test_number, blacklist}",
            ),
        },
        "/_sandbox/accounts/{key}": {
            "get": _op("read an account"),
            "patch": _op("change fields", "as POST"),
            "delete": _op("remove an account"),
        },
        "/_sandbox/messages": {
            "get": _query(
                _op("the inbox, newest first, each message with its one-time `code`"),
                {
                    "to": "recipient number",
                    "order_id": "an order id",
                    "sender": "sender ID",
                    "account": "account key",
                    "limit": "at most this many (default 1000)",
                    "q": "the text contains it (case-insensitive; dotted and dotless i are one letter)",
                    "after": "a message id: only newer messages",
                    "wait": "seconds (at most 30): when nothing matches yet, hold the answer until something "
                    "does or the time is up",
                },
            ),
            "delete": _query(
                _op(
                    "remove the orders, their messages and webhook events; accounts, "
                    "balances, blacklists, contacts and consents stay"
                ),
                {"account": "only this account's orders"},
            ),
        },
        "/_sandbox/clock": {
            "get": _op("sandbox time"),
            "post": _op(
                "change time", '{"advance": s} | {"set": "YYYY-MM-DD HH:MM:SS"} | {"mode": "real" | "frozen"}'
            ),
        },
        "/_sandbox/carrier/settle": {"post": _op("settle due messages", '{"respect_delay": false}')},
        "/_sandbox/carrier/rules": {
            "get": _op("per-number outcomes"),
            "put": _op("replace them", '{"+905…": "delivered|undelivered|never"}'),
            "delete": _op("clear them"),
        },
        "/_sandbox/faults": {
            "get": _op("fault rules"),
            "put": _op(
                "replace them",
                '{"rules": [{"endpoint": "send-sms|*|webhook", '
                '"fault": "status|gateway_html|truncated|slow_body|latency|drop|commit_then_drop|status_503 '
                '(/v1); drop|duplicate|delay (webhook)", '
                '"times"?: n|null, "probability"?: 0..1, "latency_ms"?, "jitter_ms"?, "code"?, '
                '"http_status"?: 502|503|504}]}',
            ),
            "delete": _op("clear them"),
        },
        "/_sandbox/webhooks": {"get": _op("webhook deliveries and attempts; filters account, limit")},
        "/_sandbox/webhooks/{id}/resend": {
            "post": _op(
                "send a logged delivery (delivered or failed) again to its URL: a new attempt in its log"
            )
        },
        "/_sandbox/webhooks/sample": {
            "post": _op(
                "push a sample §6 report to an account's webhook URL, logged as a delivery",
                '{"account": KEY, "status": "accepted|delivered|undelivered", '
                '"to"?: "+905…", "body"?: "text"}',
            )
        },
        "/_sandbox/reset": {"post": _op("back to the start-up state")},
        "/_sandbox/openapi/iletimerkezi.json": {
            "get": _op("the OpenAPI 3.1 document of the emulated /v1 API (ileti.wire.openapi)")
        },
        "/livez": {"get": _op("process is up")},
        "/readyz": {"get": _op("store open and workers running")},
        "/_sandbox/accounts/{key}/blacklist": {
            "get": _op("the account's blacklist with times added"),
            "post": _op("add numbers", '{"numbers": [...], "added_at"?: "YYYY-MM-DD HH:MM:SS"}'),
            "delete": _op("empty it"),
        },
        "/_sandbox/accounts/{key}/custom-fields": {
            "get": _op("custom fields of contacts"),
            "post": _op("define one", '{"name": "…"}'),
        },
        "/_sandbox/accounts/{key}/custom-fields/{field_id}": {"delete": _op("remove one and its values")},
        "/_sandbox/accounts/{key}/iys": {
            "get": _op("İYS subscription, quota use, strict rules and show quirks"),
            "patch": _op("change them", "{brand_code, active, quota, used, strict, quirks}"),
        },
        "/_sandbox/accounts/{key}/consents": {
            "get": _op("stored İYS consent records"),
            "post": _op("store records without rules", '{"records": [...]}'),
            "delete": _op("remove them all"),
        },
        "/_sandbox/accounts/{key}/contacts": {"get": _op("groups and contacts of the account")},
    },
}


OPENAPI["paths"]["/_sandbox/requests"] = {
    "get": _op(
        "the request journal: every /v1 call, newest first (id, at, account, endpoint, transport, "
        "code, reason, request with the hash redacted, order_id, duration_ms); filters account, "
        "endpoint, code (one or a comma-separated list), since_id, order_id, limit (default 1000)"
    ),
    "delete": _op("empty the request journal"),
}
