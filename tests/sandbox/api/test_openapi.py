"""The OpenAPI 3.1 document of the emulated API (`ileti.wire.openapi`): valid, complete, the same from
`ileti openapi` and from the sandbox, and true: a bounded schemathesis pass against the real sandbox finds no
500, and every answer is an envelope with a documented code and the documented shape."""

from __future__ import annotations

import json
import zlib
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ileti.cli import main
from ileti.codes import Code
from ileti.testing import SandboxHandle
from ileti.wire import ENDPOINTS
from ileti.wire.openapi import openapi_document

DOCUMENT = openapi_document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
# bodies that fit the document and bodies that do not (wrong types, missing `request`): both must be answered
# with a documented code in the envelope, never a 500
SCHEMA.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)
EXAMPLES = 25  # per endpoint: 22 endpoints, 15 s on a quiet machine


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)  # raises OpenAPIValidationError with the path of the fault
    assert DOCUMENT["openapi"] == "3.1.0"


def test_every_endpoint_has_its_json_path_bodies_and_codes() -> None:
    paths = DOCUMENT["paths"]
    assert set(paths) == {endpoint.json_path for endpoint in ENDPOINTS.values()}
    send = paths["/v1/send-sms/json"]["post"]
    request = send["requestBody"]["content"]["application/json"]["schema"]["properties"]["request"]
    assert request["properties"]["order"] == {"$ref": "#/components/schemas/SendSmsRequest"}
    order = DOCUMENT["components"]["schemas"]["SendSmsRequest"]["properties"]
    assert {"sender", "sendDateTime", "iys", "iysList", "message"} <= set(order)  # wire spellings
    assert {"400", "401", "402", "451", "452", "470", "503"} <= set(send["responses"])
    status = send["responses"]["470"]["content"]["application/json"]["schema"]["properties"]["response"]
    assert status["properties"]["status"]["properties"] == {
        "code": {"const": 470},
        "message": {"const": Code.IYS_CODE_MISSING.message},
    }
    assert send["responses"]["470"]["description"].startswith(f"470 {Code(470).message}")
    balance = paths["/v1/get-balance/json"]["post"]["responses"]["200"]["content"]["application/json"]
    assert {"$ref": "#/components/schemas/GetBalanceResponse"} in (
        balance["schema"]["properties"]["response"]["allOf"]
    )


def test_ileti_openapi_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    assert json.loads(capsys.readouterr().out) == DOCUMENT


def test_the_sandbox_serves_it_with_itself_as_server(ileti_sandbox: SandboxHandle) -> None:
    response = httpx.get(f"{ileti_sandbox.url}/_sandbox/openapi/iletimerkezi.json")
    assert response.status_code == 200
    served = response.json()
    assert served.pop("servers") == [{"url": ileti_sandbox.url}]
    assert served == DOCUMENT


def _with_account(case: schemathesis.Case, sandbox: SandboxHandle) -> None:
    """Most generated calls carry the test account's credentials, so they reach the endpoint's own rules
    (about one in four keeps the generated ones: 401), and most orders its sender and iys=0, so they get past
    450 and 468."""
    body: Any = case.body
    request = body.get("request") if isinstance(body, dict) else None
    draw = zlib.crc32(repr(body).encode())
    if isinstance(request, dict) and draw % 4:
        request["authentication"] = {"key": sandbox.key, "hash": sandbox.hash}
        order = request.get("order")
        if case.operation.path == "/v1/send-sms/json" and isinstance(order, dict) and draw % 3:
            order["sender"] = sandbox.sender
            order["iys"] = "0" if draw % 5 else order.get("iys")  # most get past 468 too


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_sandbox_answers_as_its_document_says(
    case: schemathesis.Case, ileti_sandbox: SandboxHandle
) -> None:
    _with_account(case, ileti_sandbox)
    case.call_and_validate(
        base_url=ileti_sandbox.url,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
