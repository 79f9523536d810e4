"""Hostile input: deeply nested or huge JSON and XML, entity expansion and external
entities, credentials in logs, and webhook URLs a request tries to smuggle in. Every refusal is a documented
code in the API's envelope, never a 500, and the server keeps serving."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ileti.testing import SandboxHandle

from .harness import Control, ServeProcess, envelope, order

HOSTILE = Path(__file__).parents[1] / "data" / "wire" / "hostile"


def _status(response: httpx.Response) -> tuple[int, int]:
    """(HTTP status, status.code) of a JSON or XML answer."""
    if response.headers["content-type"].startswith("application/json"):
        return response.status_code, response.json()["response"]["status"]["code"]
    from ileti.wire.xml_codec import from_xml

    return response.status_code, int(from_xml(response.content)["response"]["status"]["code"])


@pytest.fixture
def http(ileti_sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ileti_sandbox.url, timeout=60.0) as client:
        yield client


def _still_serving(sandbox: SandboxHandle, http: httpx.Client) -> None:
    body = envelope_of(sandbox)
    assert http.post("/v1/get-balance/json", content=body).status_code == 200


def envelope_of(sandbox: SandboxHandle) -> bytes:
    from .harness import Account

    return envelope(Account(sandbox.key, sandbox.hash))


@pytest.mark.parametrize("depth", [2_000, 200_000])
def test_deeply_nested_json_is_400(ileti_sandbox: SandboxHandle, http: httpx.Client, depth: int) -> None:
    body = b'{"request":' + b"[" * depth + b"]" * depth + b"}"
    assert _status(http.post("/v1/send-sms/json", content=body)) == (400, 400)
    # nesting inside a valid envelope: the payload is refused as the wrong shape, never a crash
    head = b'{"request":{"authentication":{"key":"k","hash":"h"},"order":'
    inner = head + b'{"a":' * 500 + b"1" + b"}" * 500
    assert http.post("/v1/send-sms/json", content=inner + b"}}").status_code in (400, 401, 422)
    assert http.post(
        "/_sandbox/accounts",
        content=b"[" * depth + b"]" * depth,
        headers={"Content-Type": "application/json"},
    ).status_code in (400, 422)
    _still_serving(ileti_sandbox, http)


@pytest.mark.parametrize(
    "name",
    [
        "billion-laughs.xml",
        "external-entity.xml",
        "external-dtd.xml",
        "parameter-entity.xml",
        "undeclared-entity.xml",
    ],
)
@pytest.mark.parametrize("as_form", [False, True], ids=["raw", "form"])
def test_xml_entities_and_dtds_are_400(
    ileti_sandbox: SandboxHandle, http: httpx.Client, name: str, as_form: bool
) -> None:
    document = (HOSTILE / name).read_bytes()
    if as_form:
        response = http.post("/v1/send-sms", data={"data": document.decode()})
    else:
        response = http.post("/v1/send-sms", content=document, headers={"Content-Type": "text/xml"})
    assert _status(response) == (400, 400)
    assert b"root:" not in response.content
    assert b"lollol" not in response.content
    _still_serving(ileti_sandbox, http)


def test_deeply_nested_xml_is_400_without_recursing(ileti_sandbox: SandboxHandle, http: httpx.Client) -> None:
    depth = 100_000
    document = b"<request>" + b"<a>" * depth + b"</a>" * depth + b"</request>"
    started = time.monotonic()
    response = http.post("/v1/get-balance", content=document, headers={"Content-Type": "text/xml"})
    assert _status(response) == (400, 400)
    assert time.monotonic() - started < 10
    _still_serving(ileti_sandbox, http)


def test_more_than_50000_recipients_is_453(ileti_sandbox: SandboxHandle, http: httpx.Client) -> None:
    from .harness import Account

    numbers = [f"530{i:07d}" for i in range(50_001)]
    body = envelope(
        Account(ileti_sandbox.key, ileti_sandbox.hash),
        "order",
        order("çok fazla", numbers, sender=ileti_sandbox.sender),
    )
    assert _status(http.post("/v1/send-sms/json", content=body)) == (453, 453)
    assert ileti_sandbox.messages() == []


def test_a_request_cannot_choose_where_webhooks_go(ileti_sandbox: SandboxHandle, http: httpx.Client) -> None:
    """Webhooks go only to the URL the account was configured with; fields a request adds are ignored."""
    from .harness import Account

    account = Account(ileti_sandbox.key, ileti_sandbox.hash)
    sneaky = {
        "webhook_url": "http://127.0.0.1:9/evil",
        "callback": "http://127.0.0.1:9/evil",
        "notificationUrl": "http://127.0.0.1:9/evil",
    }
    body = envelope(account, "order", order("kanca", ["5301234567"], sender=ileti_sandbox.sender, **sneaky))
    assert http.post("/v1/send-sms/json", content=body).status_code == 200
    assert ileti_sandbox.webhooks() == []  # the account has no webhook URL: nothing is sent anywhere

    ileti_sandbox.control("PATCH", f"/accounts/{ileti_sandbox.key}", {"webhook_url": "http://127.0.0.1:9/ok"})
    body = envelope(account, "order", order("kanca 2", ["5301234567"], sender=ileti_sandbox.sender, **sneaky))
    assert http.post("/v1/send-sms/json", content=body).status_code == 200
    assert {hook["url"] for hook in ileti_sandbox.webhooks()} == {"http://127.0.0.1:9/ok"}
    for url in ("file:///etc/passwd", "gopher://127.0.0.1/", "javascript:alert(1)", 42):
        response = http.patch(f"/_sandbox/accounts/{ileti_sandbox.key}", json={"webhook_url": url})
        assert response.status_code == 422, url


def test_credentials_never_reach_the_log(tmp_path: Path) -> None:
    """At debug log level, neither a good nor a bad hash (nor one in an unparseable body) is ever logged."""
    server = ServeProcess(str(tmp_path / "sandbox.db"), tmp_path / "serve.log", log_level="debug")
    with server:
        control = Control(server.url)
        account = control.account("log-test", balance={"sms": 100})
        wrong = "f" * 40 + "wronghash"
        half = "e" * 40 + "halfbody"
        assert control.api(account, "send-sms", "order", order("gizli", ["5301234567"]))[0] == 200
        from .harness import Account

        assert control.api(Account(account.key, wrong), "get-balance")[0] == 401
        truncated = b'{"request":{"authentication":{"key":"log-test","hash":"' + half.encode() + b'"'
        assert control.http.post("/v1/send-sms/json", content=truncated).status_code == 400
        assert control.http.post("/v1/send-sms", content=truncated).status_code == 400
        control.close()
    log = server.log.read_text(errors="replace")
    assert "ileti sandbox on" in log  # the log was captured
    for secret in (account.hash, wrong, half):
        assert secret not in log


HUGE = "9" * 11  # past a 32-bit id column
CALLS = [
    ("get-report", "order", {"id": HUGE}, 455),
    ("get-report", "order", {"id": "9" * 18}, 455),
    ("cancel-order", "order", {"id": HUGE}, 455),
    ("get-contact", "contact", {"id": HUGE}, 465),
    ("delete-contact", "contact", {"id": HUGE}, 465),
    ("get-group", "group", {"id": HUGE}, 463),
    ("get-group-contacts", "group", {"id": HUGE}, 463),
    ("add-group", "group", {"name": "x", "parent": HUGE}, 463),
    ("get-blacklist", "blacklist", {"page": "9" * 30}, 200),
    ("get-report", "order", {"id": "1", "page": "9" * 30}, 455),
]


def test_ids_and_counts_past_the_columns_are_documented_codes_on_both_stores(
    store_db: str, tmp_path: Path
) -> None:
    """PostgreSQL's 32-bit and 64-bit columns refuse what SQLite stores: a value from the wire that no row can
    hold finds no row (or is a 422 on the control API), never a database error (503)."""
    with ServeProcess(store_db, tmp_path / "serve.log") as server:
        control = Control(server.url)
        account = control.account("huge", balance={"sms": 10})
        for endpoint, key, payload, code in CALLS:
            assert control.api(account, endpoint, key, payload)[0] == code, (endpoint, payload)
        for path, body in (
            ("/_sandbox/accounts/huge", {"balance": {"sms": 10**19}}),
            ("/_sandbox/accounts/huge", {"iys": {"quota": 10**19}}),
            ("/_sandbox/accounts/huge/iys", {"used": 10**19}),
        ):
            assert control.http.patch(path, json=body).status_code == 422, body
        assert control.http.get(f"/_sandbox/messages?order_id={'9' * 30}").status_code == 422
        assert control.http.get(f"/_sandbox/messages?order_id={HUGE}").json() == {"messages": []}
        control.close()
