"""An OpenAPI 3.1 document of the emulated iletiMerkezi API, generated from `ileti.wire`, not by hand.

    >>> doc = openapi_document()
    >>> sorted(doc["paths"])[0]
    '/v1/add-blacklist/json'

Every endpoint of `ENDPOINTS` gets its JSON path (`POST /v1/<name>/json`): the request body is the envelope
of CONTRACT §1.2 around the endpoint's request model (`Authentication` under `authentication`, the model
under its `payload_key`), the 200 body is the response envelope (§1.3) with the response model's fields
beside `status`, and every other code the endpoint can answer (`Endpoint.errors` plus `GENERIC_ERRORS`) is a
response of its own, HTTP status equal to the code (§1.4, OQ-1), whose body is `status` alone with the code
and its Turkish message from `ileti.codes` as constants. Schemas come from the pydantic models
(`model_json_schema`, by wire alias): request models in validation mode (what is accepted, lenient), response
models in serialization mode (what is sent). Part of the core: it imports neither the client nor the sandbox.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ileti.codes import Code
from ileti.wire.endpoints import ENDPOINTS, GENERIC_ERRORS, Endpoint
from ileti.wire.envelope import Authentication
from ileti.wire.models import Status

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"


class _Schemas:
    """The `components.schemas` being collected, and `$ref`s to them."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(
            by_alias=True,
            ref_template=_REF,
            mode="serialization" if mode == "serialization" else "validation",
        )
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        name = model.__name__
        self.components.setdefault(name, schema)
        return {"$ref": _REF.format(model=name)}


def _status_schema(code: int) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"const": code}, "message": {"const": Code(code).message}},
    }


def _envelope(inner: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["response"], "properties": {"response": inner}}


def _request_body(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    request: dict[str, Any] = {
        "type": "object",
        "required": ["authentication"],
        "properties": {"authentication": schemas.ref(Authentication, "validation")},
    }
    if endpoint.payload_key is not None and endpoint.request_model is not None:
        request["properties"][endpoint.payload_key] = schemas.ref(endpoint.request_model, "validation")
        request["required"].append(endpoint.payload_key)
    for name in endpoint.hoisted:
        request["properties"][name] = {"description": f"read when `{endpoint.payload_key}.{name}` is absent"}
    body = {"type": "object", "required": ["request"], "properties": {"request": request}}
    return {"required": True, "content": {"application/json": {"schema": body}}}


def _success(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    status = {"type": "object", "required": ["status"], "properties": {"status": _status_schema(200)}}
    inner: dict[str, Any] = status
    if endpoint.response_model is not None:
        payload = schemas.ref(endpoint.response_model, "serialization")
        if endpoint.name == "consent/show":
            # OQ-18, a live quirk the sandbox keeps: `"consent": []` when there is no record to show
            payload = {
                "anyOf": [
                    payload,
                    {"type": "object", "properties": {"consent": {"type": "array", "maxItems": 0}}},
                ]
            }
        inner = {"allOf": [status, payload]}
    return {
        "description": f"200 {Code.OK.message}",
        "content": {"application/json": {"schema": _envelope(inner)}},
    }


def _error(code: int) -> dict[str, Any]:
    info = Code(code).info
    status = {"type": "object", "required": ["status"], "properties": {"status": _status_schema(code)}}
    return {
        "description": f"{code} {info.message} ({info.meaning})",
        "content": {"application/json": {"schema": _envelope(status)}},
    }


def _operation(endpoint: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    codes = sorted({*GENERIC_ERRORS, *endpoint.errors})
    responses = {"200": _success(endpoint, schemas)}
    responses.update({str(code): _error(code) for code in codes})
    operation: dict[str, Any] = {
        "operationId": endpoint.name.replace("/", "-"),
        "summary": endpoint.name,
        "requestBody": _request_body(endpoint, schemas),
        "responses": responses,
    }
    if endpoint.aliases:
        operation["description"] = "Also at " + ", ".join(f"`/v1/{alias}/json`" for alias in endpoint.aliases)
    return operation


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The whole document, as a JSON-ready dict (`server_url`: the one `servers` entry, if given)."""
    schemas = _Schemas()
    schemas.ref(Status, "serialization")
    paths = {endpoint.json_path: {"post": _operation(endpoint, schemas)} for endpoint in ENDPOINTS.values()}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "iletiMerkezi SMS API (as emulated by ileti)",
            "version": "1",  # the API's /v1
            "description": "Generated from ileti.wire. Every answer is the envelope "
            '{"response": {"status": {"code", "message"}, …}}; the HTTP status equals '
            "status.code. Codes and their Turkish messages come from ileti.codes.",
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.components.items()))},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
