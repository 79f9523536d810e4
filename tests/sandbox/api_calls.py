"""Helpers of the sandbox tests that speak every transport: one API call in JSON or XML (raw body or
`data=` form) over the real socket of the `ileti_sandbox` fixture, and the control calls these tests need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from ileti.codes import Code
from ileti.wire import ENDPOINTS, json_codec, read_status
from ileti.wire.xml_codec import from_xml, to_xml

Transport = Literal["json", "xml", "form"]
BRAND = "696422"


@dataclass(frozen=True)
class Answer:
    """A decoded API answer: HTTP status, `status.code`, the `response` object, content type, raw body."""

    http: int
    code: int
    response: dict[str, Any]
    content_type: str
    raw: bytes


def decode(response: httpx.Response) -> Answer:
    """JSON or XML by the content type; the envelope's status read with `wire.read_status`."""
    content_type = response.headers.get("content-type", "")
    xml = content_type.startswith("text/xml")
    body = from_xml(response.content) if xml else json_codec.loads(response.content)
    code, _message = read_status(body)
    return Answer(response.status_code, code, body["response"], content_type, response.content)


class Api:
    """The API of one sandbox account, in one transport; a context manager (it keeps one HTTP client)."""

    def __init__(self, sandbox: Any, transport: Transport = "json") -> None:
        # a new connection per call: on a kept-alive one each answer waits ~40 ms for a delayed ACK;
        # plain http to 127.0.0.1, so no TLS context (loading the CA bundle costs ~0.1 s per client)
        self.http = httpx.Client(timeout=60, verify=False, limits=httpx.Limits(max_keepalive_connections=0))
        self.sandbox = sandbox
        self.url: str = sandbox.url
        self.key: str = sandbox.key
        self.hash: str = sandbox.hash
        self.sender: str = sandbox.sender
        self.transport = transport

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def envelope(
        self, endpoint: str, payload: Any = None, *, key: str | None = None, hash: str | None = None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"authentication": {"key": key or self.key, "hash": hash or self.hash}}
        payload_key = ENDPOINTS[endpoint].payload_key
        if payload is not None:
            assert payload_key is not None
            request[payload_key] = payload
        return {"request": request}

    def call(
        self,
        endpoint: str,
        payload: Any = None,
        *,
        transport: Transport | None = None,
        key: str | None = None,
        hash: str | None = None,
    ) -> Answer:
        """POST one endpoint; an endpoint without an XML variant always goes as JSON."""
        body = self.envelope(endpoint, payload, key=key, hash=hash)
        kind = transport or self.transport
        if not ENDPOINTS[endpoint].xml:
            kind = "json"
        if kind == "json":
            response = self.http.post(
                f"{self.url}/v1/{endpoint}/json",
                content=json_codec.dumps(body),
                headers={"content-type": "application/json"},
                timeout=60,
            )
            assert response.headers["content-type"] == "application/json; charset=utf-8"
        elif kind == "xml":
            response = self.http.post(
                f"{self.url}/v1/{endpoint}",
                content=to_xml(body),
                headers={"content-type": "text/xml; charset=utf-8"},
                timeout=60,
            )
            assert response.headers["content-type"] == "text/xml; charset=utf-8"
        else:
            response = self.http.post(f"{self.url}/v1/{endpoint}", data={"data": to_xml(body).decode()})
            assert response.headers["content-type"] == "text/xml; charset=utf-8"
        answer = decode(response)
        assert answer.http == answer.code  # OQ-1
        return answer

    def expect(self, code: Code, endpoint: str, payload: Any = None, **kwargs: Any) -> Answer:
        answer = self.call(endpoint, payload, **kwargs)
        assert answer.code == code, (endpoint, payload, answer.response)
        if code != Code.OK:
            assert set(answer.response) == {"status"}  # §1.3: an error carries only the status
        return answer

    # -------------------- control API

    def control(self, method: str, path: str, json: Any = None) -> Any:
        response = self.http.request(method, self.url + path, json=json, timeout=60)
        assert response.status_code < 300, response.text
        return response.json()

    def account(self, suffix: str = "") -> str:
        return f"/_sandbox/accounts/{self.key}{suffix}"

    def set_clock(self, text: str) -> None:
        self.control("POST", "/_sandbox/clock", {"set": text})

    def advance(self, seconds: float) -> None:
        self.control("POST", "/_sandbox/clock", {"advance": seconds})

    def settle(self) -> None:
        self.control("POST", "/_sandbox/carrier/settle")

    def enable_iys(self, **extra: Any) -> None:
        settings = {"brand_code": BRAND, "active": True, "quota": None, **extra}
        self.control("PATCH", self.account("/iys"), settings)

    def add_custom_field(self, name: str) -> int:
        return int(self.control("POST", self.account("/custom-fields"), {"name": name})["id"])

    def send_sms(self, numbers: list[str], text: str = "Merhaba", **order: Any) -> Answer:
        payload = {
            "sender": self.sender,
            "iys": "0",
            **order,
            "message": {"text": text, "receipents": {"number": numbers}},
        }
        return self.call("send-sms", payload)

    def report(self, order_id: str) -> dict[str, int]:
        """number -> message status of a whole order (via JSON get-report)."""
        answer = self.expect(Code.OK, "get-report", {"id": order_id}, transport="json")
        return {row["number"]: int(row["status"]) for row in answer.response["order"]["message"]}

    def snapshot(self) -> dict[str, Any]:
        """What this part's calls could change, read through the control API."""
        account = self.account()
        return {
            "accounts": self.control("GET", "/_sandbox/accounts"),
            "messages": self.control("GET", "/_sandbox/messages"),
            "blacklist": self.control("GET", account + "/blacklist"),
            "contacts": self.control("GET", account + "/contacts"),
            "consents": self.control("GET", account + "/consents"),
            "iys": self.control("GET", account + "/iys"),
            "custom_fields": self.control("GET", account + "/custom-fields"),
        }
