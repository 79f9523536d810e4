"""The control API's OpenAPI document is built from the route table (`CONTROL_ROUTES`), each handler's
`@operations` and the body models: every route and method is in it, each body with its model's schema."""

from __future__ import annotations

import re

import httpx
from openapi_spec_validator import validate

from ileti.sandbox.control.openapi import build_document, openapi_document
from ileti.sandbox.control.operations import Op, Param, operations, operations_of
from ileti.sandbox.control.routes import CONTROL_ROUTES
from ileti.sandbox.store.records import CarrierOutcome
from ileti.testing import SandboxHandle

DOCUMENT = openapi_document()
REF = "#/components/schemas/{model}"


def _openapi_path(route: str) -> str:
    return re.sub(r"{(\w+):\w+}", r"{\1}", route)


def test_it_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_every_route_and_method_of_the_table_is_described() -> None:
    documented = {
        (path, method.upper())
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method != "parameters"
    }
    in_table = {(_openapi_path(path), method) for path, _, methods in CONTROL_ROUTES for method in methods}
    assert documented == in_table
    for path, endpoint, methods in CONTROL_ROUTES:
        ops = operations_of(endpoint)
        # each method the route answers has its own description, and no description is of a method it lacks
        assert sorted(op.method for op in ops) == sorted(methods), path
        for op in ops:
            operation = DOCUMENT["paths"][_openapi_path(path)][op.method.lower()]
            assert operation["summary"] == op.summary
            assert str(op.status) in operation["responses"]
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ControlError"
            }
            assert [p["name"] for p in operation.get("parameters", [])] == [p.name for p in op.query]


def test_each_body_is_its_models_schema() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    bodies: set[str] = set()
    for path, endpoint, _ in CONTROL_ROUTES:
        for op in operations_of(endpoint):
            operation = DOCUMENT["paths"][_openapi_path(path)][op.method.lower()]
            if op.body is None:
                assert "requestBody" not in operation, (path, op.method)
                continue
            bodies.add(op.body.__name__)
            body = operation["requestBody"]
            assert body["required"] is op.body_required
            ref = body["content"]["application/json"]["schema"]["$ref"]
            assert ref == REF.format(model=op.body.__name__)
            expected = op.body.model_json_schema(ref_template=REF)
            for name, schema in expected.pop("$defs", {}).items():
                assert schemas[name] == schema
            assert schemas[op.body.__name__] == expected
    assert bodies == {
        "AccountIn",
        "AccountChanges",
        "ClockIn",
        "SettleIn",
        "CarrierRulesIn",
        "FaultsIn",
        "SampleIn",
        "BlacklistIn",
        "CustomFieldIn",
        "IysPatchIn",
        "ConsentsIn",
    }
    faults = schemas["FaultRuleIn"]
    assert faults["additionalProperties"] is False
    assert faults["required"] == ["fault"]
    assert faults["properties"]["probability"] == {
        "default": 1.0,
        "description": "the chance that it fires",
        "maximum": 1,
        "minimum": 0,
        "title": "Probability",
        "type": "number",
    }
    outcomes = list(CarrierOutcome.__args__)
    assert schemas["CarrierRulesIn"]["additionalProperties"] == {"enum": outcomes, "type": "string"}
    # a field that may be left out but not sent as null is not nullable in the schema
    assert schemas["AccountChanges"]["properties"]["api_access"] == {"title": "Api Access", "type": "boolean"}
    assert {"type": "null"} in schemas["AccountChanges"]["properties"]["webhook_url"]["anyOf"]


def test_path_parameters_are_typed_by_their_convertor() -> None:
    resend = DOCUMENT["paths"]["/_sandbox/webhooks/{webhook_id}/resend"]["parameters"]
    assert resend == [
        {"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
    ]
    field = DOCUMENT["paths"]["/_sandbox/accounts/{key}/custom-fields/{field_id}"]["parameters"]
    assert [(p["name"], p["schema"]["type"]) for p in field] == [("key", "string"), ("field_id", "integer")]


def test_a_new_route_is_documented_from_its_operations() -> None:
    @operations(Op("PUT", "replace the widgets", query=(Param("dry", "only check"),)))
    async def widgets() -> None: ...

    document = build_document((("/_sandbox/widgets/{name}", widgets, ("PUT",)),))
    validate(document)
    put = document["paths"]["/_sandbox/widgets/{name}"]["put"]
    assert put["summary"] == "replace the widgets"
    assert put["parameters"][0]["name"] == "dry"


def test_the_sandbox_serves_it(ileti_sandbox: SandboxHandle) -> None:
    assert httpx.get(f"{ileti_sandbox.url}/_sandbox/openapi.json").json() == DOCUMENT
