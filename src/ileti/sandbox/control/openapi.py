"""The control API's OpenAPI document (`/_sandbox/openapi.json`) and the emulated API's
(`/_sandbox/openapi/iletimerkezi.json`).

The control API's document is built, not kept: its paths and methods are the route table's
(`routes.CONTROL_ROUTES`), each method's summary, query parameters, body and answer are the handler's
`@operations`, and each body's schema is its pydantic model's JSON schema (`components.schemas`), the same
model that checks the body.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import control
from ileti.sandbox.control.operations import Op, operations, operations_of
from ileti.wire import openapi as wire_openapi

__all__ = ["api_openapi", "openapi", "openapi_document"]

_PATH_PARAMETER = re.compile(r"{(\w+)(?::(\w+))?}")
_KEY = {"type": "string", "minLength": 1, "maxLength": 128}
_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string", "description": "what is wrong, naming the field"}},
    "required": ["error"],
    "additionalProperties": False,
}
_REFUSED = {
    "description": 'refused: {"error": …} says why (400 not JSON, 404 unknown, 409 conflict, 413 too large, '
    "422 invalid, naming the field); a refused request changes nothing",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ControlError"}}},
}


@operations(Op("GET", "this document: the control API, built from its routes and body models"))
@control
async def openapi(request: Request) -> Any:
    return openapi_document()


@operations(Op("GET", "the OpenAPI 3.1 document of the emulated /v1 API (ileti.wire.openapi)"))
@control
async def api_openapi(request: Request) -> Any:
    """The emulated API's OpenAPI document (`ileti.wire.openapi`), with this server as its server (the API's
    port when the control API has a port of its own)."""
    settings = services_of(request).settings
    url = request.base_url.replace(port=settings.port) if settings.control_port else request.base_url
    return wire_openapi.openapi_document(str(url).rstrip("/"))


def _path(route: str) -> tuple[str, list[dict[str, Any]]]:
    """A route's path as OpenAPI writes it (`{id}`, without Starlette's `:int`) and its path parameters."""
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0} if convertor == "int" else _KEY,
        }
        for name, convertor in _PATH_PARAMETER.findall(route)
    ]
    return _PATH_PARAMETER.sub(r"{\1}", route), parameters


def _operation(op: Op, schemas: dict[str, Any]) -> dict[str, Any]:
    answer = {"description": op.answer, "content": {"application/json": {"schema": {"type": "object"}}}}
    operation: dict[str, Any] = {
        "summary": op.summary,
        "responses": {
            str(op.status): answer,
            **{str(status): {"description": text} for status, text in op.other.items()},
            "4XX": _REFUSED,
        },
    }
    if op.query:
        operation["parameters"] = [
            {
                "name": param.name,
                "in": "query",
                "required": False,
                "description": param.description,
                "schema": dict(param.schema),
            }
            for param in op.query
        ]
    if op.body is not None:
        schema = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[op.body.__name__] = schema
        operation["requestBody"] = {
            "required": op.body_required,
            "description": schema.get("description", ""),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}},
        }
    return operation


def build_document(routes: tuple[tuple[str, Callable[..., Any], tuple[str, ...]], ...]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these routes (`(path, endpoint, methods)`, as in `CONTROL_ROUTES`)."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"ControlError": _ERROR}
    for route, endpoint, methods in routes:
        path, parameters = _path(route)
        item = paths.setdefault(path, {})
        if parameters:
            item["parameters"] = parameters
        described = {op.method: op for op in operations_of(endpoint)}
        for method in methods:
            op = described.get(method) or Op(method, endpoint.__name__.replace("_", " "))
            item[method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ileti sandbox control API",
            "version": "1",
            "description": "JSON in and out; a refused request changes nothing (docs/sandbox.md).",
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


@functools.cache
def _document() -> dict[str, Any]:
    from ileti.sandbox.control.routes import CONTROL_ROUTES  # routes.py imports this module's handlers

    return build_document(CONTROL_ROUTES)


def openapi_document() -> dict[str, Any]:
    """The control API's document (built once, a copy each time)."""
    return copy.deepcopy(_document())
