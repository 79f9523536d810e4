"""Malformed and hostile requests against every endpoint in all three transports, over a real socket.

Hypothesis throws broken JSON and XML, entity expansion, deep nesting, wrong shapes, huge numbers and odd
unicode at `/v1/<endpoint>/json`, `/v1/<endpoint>` (raw XML and the `data=` form) and `/v1/send-sms/get/`.
Every answer must be a documented status code in the transport's envelope: never a 500, never the 503 the
bug guard gives, never a traceback. Requests with bad credentials or an unreadable body must leave the
store as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, get_args
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ileti.codes import Code
from ileti.sandbox.api.handlers import HANDLERS
from ileti.wire import ENDPOINTS, json_codec, read_status
from ileti.wire.xml_codec import from_xml, to_xml

from ..api_calls import Api

ENDPOINT_NAMES = sorted(HANDLERS)
API_CODES = {int(code) for code in Code if code >= Code.OK} - {int(Code.SERVICE_UNAVAILABLE)}
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
WIRE_KEYS = [
    "request",
    "authentication",
    "key",
    "hash",
    "username",
    "password",
    "order",
    "message",
    "text",
    "receipents",
    "number",
    "sender",
    "iys",
    "iysList",
    "sendDateTime",
    "id",
    "page",
    "rowCount",
    "filter",
    "start",
    "end",
    "blacklist",
    "consent",
    "brandCode",
    "list",
    "recipient",
    "recipientType",
    "type",
    "status",
    "source",
    "consentDate",
    "group",
    "name",
    "parent",
    "contact",
    "surname",
    "email",
    "gsm",
    "custom_fields",
    "custom_field",
    "groups",
    "value",
    "search",
]
HOSTILE = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# ------------------------------------------------------------------ strategies

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e309",
        "NaN",
        "null",
        "\u202e0",
        "５３２１２３４５６７",
        "+90 532 111 22 33",
        "İ" * 300,
        "<![CDATA[x]]>",
        "&amp;",
        "]]>",
        "%00",
        "\x00",
        "\ufeff1",
        "9" * 5000,
        "a@b.co",
        "HS_2015",
        "ONAY",
        "2026-05-10 12:00:00",
        "01/01/2030 10:00",
        "1" * 19,
        "9" * 4301,
        "0" * 5000 + "1",
    ]
)
odd_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40) | NASTY_TEXT
scalars = (
    st.none()
    | st.booleans()
    | odd_text
    | NASTY_TEXT
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.just(10**400)
)
keys = st.sampled_from(WIRE_KEYS) | st.text(max_size=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def shaped(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[Any]:
    """Objects with the model's own wire keys (so the hostile values reach real fields), nested models too."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in model.model_fields.items():
        inner = _models_in(info.annotation)
        strategy = values
        if inner and depth < 3:
            sub = shaped(inner[0], depth + 1)
            strategy = sub | st.lists(sub, max_size=3) | values
        fields[info.alias or name] = strategy
    return st.fixed_dictionaries({}, optional=fields)


def payloads(endpoint: str) -> st.SearchStrategy[Any]:
    model = ENDPOINTS[endpoint].request_model
    return values if model is None else shaped(model) | values


def hostile_xml(data: st.DataObject) -> bytes:
    kind = data.draw(st.sampled_from(["laughs", "external", "deep", "tags", "dtd", "pi"]))
    if kind == "laughs":
        return (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><request><authentication><key>&c;</key>'
            b"</authentication></request>"
        )
    if kind == "external":
        return b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><request><key>&x;</key></request>'
    if kind == "deep":
        depth = data.draw(st.integers(min_value=30, max_value=3000))
        return b"<request>" + b"<a>" * depth + b"</a>" * depth + b"</request>"
    if kind == "dtd":
        return b'<?xml version="1.0"?><!DOCTYPE request SYSTEM "http://127.0.0.1:9/x.dtd"><request/>'
    if kind == "pi":
        return b'<?xml version="1.0"?><?php echo 1; ?><request><authentication/></request>'
    tags = data.draw(st.lists(st.sampled_from(WIRE_KEYS), min_size=1, max_size=8))
    text = data.draw(odd_text)
    body = "".join(f"<{t}>" for t in tags) + text + "".join(f"</{t}>" for t in reversed(tags))
    return body.encode("utf-8", "surrogatepass")


def envelope(api: Api, endpoint: str, payload: Any, *, valid: bool) -> dict[str, Any]:
    """An envelope with a random payload; `valid=False` gives credentials that cannot be verified."""
    auth: Any = {"key": api.key, "hash": api.hash}
    if not valid:
        auth = {"key": api.key, "hash": "0" * 64} if payload is None else payload
    request: dict[str, Any] = {"authentication": auth}
    payload_key = ENDPOINTS[endpoint].payload_key
    if payload_key is not None:
        request[payload_key] = payload
    return {"request": request}


def encode(transport: str, body: Any) -> bytes | None:
    """The body in the transport; None when XML cannot express it (then the example is skipped)."""
    if transport == "json":
        return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        return to_xml({"request": body["request"]}) if isinstance(body, dict) and "request" in body else None
    except (ValueError, TypeError):
        return None


# ------------------------------------------------------------------ one request


def send(api: Api, transport: str, endpoint: str, body: bytes | dict[str, str]) -> httpx.Response:
    if transport == "get":
        assert isinstance(body, dict)
        return api.http.get(api.url + "/v1/send-sms/get/", params=body)
    assert isinstance(body, bytes)
    if transport == "json":
        return api.http.post(
            f"{api.url}/v1/{endpoint}/json", content=body, headers={"content-type": "application/json"}
        )
    if transport == "form":
        return api.http.post(
            f"{api.url}/v1/{endpoint}",
            content=urlencode({"data": body}).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    return api.http.post(f"{api.url}/v1/{endpoint}", content=body, headers={"content-type": "text/xml"})


def assert_documented(response: httpx.Response, transport: str, where: Any = None) -> int:
    """A documented code, HTTP = status.code, in the transport's envelope, without a traceback."""
    assert b"Traceback" not in response.content, where
    assert b'File "' not in response.content, where
    assert response.status_code in API_CODES, (where, response.status_code, response.content[:300])
    expected = JSON_TYPE if transport == "json" else XML_TYPE
    assert response.headers["content-type"] == expected
    body = json_codec.loads(response.content) if transport == "json" else from_xml(response.content)
    code, message = read_status(body)
    assert code == response.status_code
    assert message == Code(code).message
    return code


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def api(ileti_sandbox: Any) -> Iterator[Api]:
    with Api(ileti_sandbox) as api:
        # something in every table the refused requests must leave alone, on a frozen clock (nothing settles)
        api.set_clock("2026-05-10 12:00:00")
        api.enable_iys()
        api.add_custom_field("city")
        api.call(
            "consent/create",
            {
                "brandCode": "696422",
                "list": [
                    {
                        "recipient": "+905441112233",
                        "recipientType": "BIREYSEL",
                        "type": "MESAJ",
                        "status": "ONAY",
                        "source": "HS_WEB",
                        "consentDate": "2026-05-10 11:00:00",
                    }
                ],
            },
        )
        api.call("add-blacklist", {"number": "5321234567"})
        group = api.call("add-group", {"name": "G"}).response["group"]["id"]
        api.call("add-contact", {"name": "Ayşe", "groups": [str(group)]})
        api.send_sms(["5441112233"])
        yield api


@pytest.fixture
def baseline(api: Api) -> dict[str, Any]:
    """The store before any hostile request (taken once: hypothesis runs many examples per fixture)."""
    return api.snapshot()


def transports_of(endpoint: str) -> list[str]:
    return ["json", "xml", "form"] if ENDPOINTS[endpoint].xml else ["json"]


# ------------------------------------------------------------------ the properties


@pytest.mark.parametrize("transport", ["json", "xml", "form"])
@HOSTILE
@given(data=st.data())
def test_bad_credentials_or_unreadable_bodies_change_nothing(
    api: Api, baseline: dict[str, Any], transport: str, data: st.DataObject
) -> None:
    endpoint = data.draw(st.sampled_from(ENDPOINT_NAMES))
    kind = data.draw(st.sampled_from(["bytes", "truncated", "bad-credentials", "xml", "huge-number"]))
    body: bytes | None
    if kind == "bytes":
        body = data.draw(st.binary(max_size=400))
    elif kind == "xml":
        body = hostile_xml(data)
    elif kind == "huge-number":
        body = b'{"request": {"authentication": {"key": ' + b"9" * 5000 + b"}}}"
    else:
        valid = kind == "truncated"
        encoded = encode(transport, envelope(api, endpoint, data.draw(payloads(endpoint)), valid=valid))
        if encoded is None:
            return
        # a strict prefix of a JSON object or an XML document never parses
        body = (
            encoded[: data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))] if valid else encoded
        )
    assert_documented(send(api, transport, endpoint, body), "json" if transport == "json" else "xml")
    assert api.snapshot() == baseline


@pytest.mark.parametrize("transport", ["json", "xml", "form"])
@HOSTILE
@given(data=st.data())
def test_wrong_shapes_with_valid_credentials_get_a_documented_code(
    api: Api, transport: str, data: st.DataObject
) -> None:
    endpoint = data.draw(st.sampled_from(ENDPOINT_NAMES))
    if transport not in transports_of(endpoint):
        transport = "json"
    payload = data.draw(payloads(endpoint))
    body = encode(transport, envelope(api, endpoint, payload, valid=True))
    if body is None:
        return
    assert_documented(send(api, transport, endpoint, body), "json" if transport == "json" else "xml")


GET_PARAMS = [
    "key",
    "hash",
    "text",
    "receipents",
    "sender",
    "iys",
    "iysList",
    "sendDateTime",
    "username",
    "password",
    "data",
]


@HOSTILE
@given(
    params=st.dictionaries(st.sampled_from(GET_PARAMS) | st.text(max_size=5), odd_text, max_size=9),
    valid=st.booleans(),
)
def test_hostile_get_queries_get_a_documented_code(
    api: Api, baseline: dict[str, Any], params: dict[str, str], valid: bool
) -> None:
    if valid:
        params = {**params, "key": api.key, "hash": api.hash}
    else:
        params = {**params, "key": api.key, "hash": "0" * 64}
    code = assert_documented(send(api, "get", "send-sms", params), "get")
    if not valid:
        assert code == Code.UNAUTHORIZED
        assert api.snapshot()["messages"] == baseline["messages"]  # valid examples may add orders


# ------------------------------------------------------------------ every field, every nasty value

NASTY_VALUES: list[Any] = [
    "9" * 4301,
    "0" * 5000 + "1",
    "1" * 19,
    "-1",
    "0",
    "",
    " ",
    "\x00",
    "\u202e1",
    "５３２",
    "İ" * 2000,
    10**18,
    -(2**63),
    1.5,
    True,
    None,
    [],
    {},
    [["x"]],
    {"x": {"y": 1}},
]


def leaf_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The wire paths of every field of a request model, nested models included."""
    paths: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)
        paths.append(path)
        for inner in _models_in(info.annotation)[:1]:
            paths.extend(leaf_paths(inner, path))
    return paths


def at(path: tuple[str, ...], value: Any) -> Any:
    for key in reversed(path):
        value = {key: value}
    return value


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINT_NAMES if ENDPOINTS[e].request_model is not None])
def test_every_field_takes_every_nasty_value(api: Api, endpoint: str) -> None:
    model = ENDPOINTS[endpoint].request_model
    assert model is not None
    for path in leaf_paths(model):
        for value in NASTY_VALUES:
            for transport in transports_of(endpoint):
                body = encode(transport, envelope(api, endpoint, at(path, value), valid=True))
                if body is not None:
                    response = send(api, transport, endpoint, body)
                    kind = "json" if transport == "json" else "xml"
                    assert_documented(response, kind, (path, str(value)[:40], transport))


# ------------------------------------------------------------------ the known nasty ones, every endpoint


NASTY: dict[str, bytes] = {
    "deep-json": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"request": ' * 5000 + b"{}" + b"}" * 5000,
    "huge-number": b'{"request": {"authentication": {"key": "k"}, "x": ' + b"1" * 100_000 + b"}}",
    "big-body": b'{"request": {"authentication": {"key": "' + b"k" * 1_000_000 + b'"}}}',
    "big-xml": b"<request><authentication><key>" + b"k" * 1_000_000 + b"</key></authentication></request>",
    "nul-bytes": b"\x00" * 1000,
    "bom": b"\xef\xbb\xbf{}",
    "lone-surrogate": b'{"request": {"authentication": {"key": "\\ud800"}}}',
    "request-list": b'{"request": []}',
    "auth-string": b'{"request": {"authentication": "k:h"}}',
}


@pytest.mark.parametrize("name", NASTY)
def test_known_nasty_bodies_change_nothing(api: Api, baseline: dict[str, Any], name: str) -> None:
    for endpoint in ENDPOINT_NAMES:
        # the form transport decodes like the raw XML one after url-decoding: one endpoint shows it
        for transport in [t for t in transports_of(endpoint) if t != "form" or endpoint == "get-balance"]:
            response = send(api, transport, endpoint, NASTY[name])
            code = assert_documented(response, "json" if transport == "json" else "xml")
            assert code in (Code.BAD_REQUEST, Code.UNAUTHORIZED), (endpoint, transport, code)
    assert api.snapshot() == baseline
