"""One runner: send each probe to a server and record what came back.

A small direct HTTP layer on urllib3 (no retries, no redirects, a timeout), independent of the client's
transports: the battery must see the server's answer exactly, including answers the client would refuse to
read. For each probe it records the HTTP status, `status.code`, the message as sent, the Content-Type, every
field of the body with its JSON type (`response.balance.sms: integer`; list items as `[]`) and the time taken.
"""

from __future__ import annotations

import time
import urllib.parse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import urllib3
from pydantic import ValidationError

from ileti import __version__
from ileti.conformance.probes import (
    Credentials,
    HttpRequest,
    Probe,
    Profile,
    Safety,
    Setup,
    consent_show_request,
    get_sender_request,
    reports_request,
)
from ileti.limits import APITEST_SENDER
from ileti.wire import json_codec
from ileti.wire import models as wm
from ileti.wire.endpoints import ENDPOINTS
from ileti.wire.envelope import read_get_request
from ileti.wire.errors import DecodeError

__all__ = [
    "NEVER_PROBED",
    "DiscoveryError",
    "Observation",
    "Target",
    "UnsafeProbeError",
    "check_safe",
    "discover",
    "existing_order",
    "run",
    "shape_of",
]


@dataclass(slots=True)
class Observation:
    """What one probe got from one server; `skipped` says why it was not sent, `error` why there is no
    readable answer (connection failure, a body that is neither JSON nor XML)."""

    http_status: int | None = None
    code: int | None = None
    message: str | None = None
    media_type: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    error: str | None = None
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        out: dict[str, Any] = {
            "http_status": self.http_status,
            "code": self.code,
            "message": self.message,
            "media_type": self.media_type,
            "fields": self.fields,
            "elapsed_ms": round(self.elapsed_ms, 2),
        }
        if self.error:
            out["error"] = self.error
        return out


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape_of(document: Any) -> dict[str, str]:
    """Every path of a decoded body with its JSON type; list items merge under `path[]` (`integer|string`
    when items differ)."""
    seen: dict[str, set[str]] = defaultdict(set)

    def walk(value: Any, path: str) -> None:
        if path:
            seen[path].add(json_type(value))
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for item in value:
                walk(item, path + "[]")

    walk(document, "")
    return {path: "|".join(sorted(types)) for path, types in sorted(seen.items())}


def _decode(body: bytes) -> Any:
    """A JSON or XML body as the same dict shapes; raises `DecodeError`."""
    if body.lstrip().startswith(b"<"):
        try:
            from ileti.wire.xml_codec import from_xml
        except ImportError as exc:  # defusedxml comes with the sandbox extra
            raise DecodeError("reading XML needs `pip install 'ileti[sandbox]'`", format="xml") from exc
        return from_xml(body)
    return json_codec.loads(body)


def _status(document: Any) -> tuple[int | None, str | None]:
    status = document.get("response", {}).get("status") if isinstance(document, dict) else None
    if not isinstance(status, dict):
        return None, None
    raw, message = status.get("code"), status.get("message")
    code = int(raw) if isinstance(raw, int | str) and str(raw).strip().isdigit() else None
    return code, message if isinstance(message, str) else None


class Target:
    """One server under test: its base URL and a connection pool."""

    def __init__(self, name: str, base_url: str, *, timeout: float = 30.0) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._pool = urllib3.PoolManager(
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            headers={"User-Agent": f"ileti-conformance/{__version__}"},
        )

    def exchange(self, request: HttpRequest) -> tuple[Observation, Any]:
        """Send one request; the observation and the decoded body (None when unreadable)."""
        url = self.base_url + request.path
        if request.query:
            url += "?" + urllib.parse.urlencode(request.query)
        headers = {"Content-Type": request.content_type} if request.content_type else {}
        started = time.perf_counter()
        try:
            response = self._pool.request(
                request.method, url, body=request.body, headers=headers, redirect=False
            )
        except urllib3.exceptions.HTTPError as exc:
            return Observation(
                error=f"no answer: {type(exc).__name__}", elapsed_ms=(time.perf_counter() - started) * 1000
            ), None
        elapsed = (time.perf_counter() - started) * 1000
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower() or None
        observation = Observation(http_status=response.status, media_type=media, elapsed_ms=elapsed)
        try:
            document = _decode(response.data)
        except DecodeError as exc:
            observation.error = f"unreadable body ({exc})"
            return observation, None
        observation.code, observation.message = _status(document)
        observation.fields = shape_of(document)
        return observation, document

    def close(self) -> None:
        self._pool.clear()


def run(target: Target, probes: Sequence[Probe], setup: Setup) -> list[Observation]:
    """Every probe against one server, in order; a probe the profile cannot serve is recorded as skipped.

    Every request is built and passed through `check_safe` before the first one is sent, so a mistake in the
    battery stops the run before anything reaches the server.
    """
    requests = [None if probe.skipped(setup) else probe.build(setup) for probe in probes]
    for probe, request in zip(probes, requests, strict=True):
        if request is not None:
            check_safe(probe, request)
    return [
        Observation(skipped=probe.skipped(setup)) if request is None else target.exchange(request)[0]
        for probe, request in zip(probes, requests, strict=True)
    ]


NEVER_PROBED = frozenset({"add-blacklist", "delete-group", "delete-contact", "edit-contact"})
"""Writes no probe may call: any request that reaches their codes could add, delete or edit a real row."""


class UnsafeProbeError(Exception):
    """A probe breaks the battery's guarantee (a bug in the battery): nothing was sent."""


def _payload(request: HttpRequest) -> dict[str, Any]:
    """The request's payload object (or the GET variant's query), for `check_safe`."""
    if request.query:
        return dict(request.query)
    body = request.body or b""
    if request.content_type == "application/x-www-form-urlencoded":
        body = urllib.parse.parse_qs(body.decode("utf-8"))["data"][0].encode("utf-8")
    document = _decode(body)
    payload = {k: v for k, v in document["request"].items() if k != "authentication"}
    [inner] = payload.values() if payload else [{}]
    return inner if isinstance(inner, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [str(value)] if value is not None else []


def check_safe(probe: Probe, request: HttpRequest) -> None:
    """The guarantee of docs/conformance.md, checked on the request itself; raises `UnsafeProbeError`.

    A read-only probe calls a read-only endpoint; no probe calls a write of `NEVER_PROBED`; a send-sms carries
    no recipient with a digit in it and never the APITEST sender; a cancel or delete names its id or number
    with no digit.
    """
    endpoint = ENDPOINTS.get(probe.endpoint or "")
    if probe.safety is Safety.READ_ONLY and not (endpoint and endpoint.read_only):
        raise UnsafeProbeError(f"{probe.name}: a read-only probe on {probe.endpoint}")
    if endpoint is None or endpoint.read_only or not (request.body or request.query):
        return
    if endpoint.name in NEVER_PROBED:
        raise UnsafeProbeError(f"{probe.name}: {endpoint.name} is never probed")
    try:
        payload = _payload(request)
    except (DecodeError, KeyError, ValueError, AttributeError) as exc:
        raise UnsafeProbeError(f"{probe.name}: a write whose body cannot be checked") from exc
    if endpoint.name == "send-sms":
        order = _order(probe, request, payload)
        numbers = [n for m in order.messages or [] if m.recipients for n in m.recipients.numbers or []]
        if any(ch.isdigit() for number in numbers for ch in number):
            raise UnsafeProbeError(f"{probe.name}: a recipient that could be a number")
        if order.sender == APITEST_SENDER:
            raise UnsafeProbeError(f"{probe.name}: the APITEST sender goes to the account's test number")
    elif probe.safety is Safety.NOTHING_NAMED:
        named = _strings(payload.get("id")) + _strings(payload.get("number"))
        if not named or any(ch.isdigit() for value in named for ch in value):
            raise UnsafeProbeError(f"{probe.name}: a {endpoint.name} that could name something")
    elif probe.safety not in (Safety.REFUSED_TWICE, Safety.INVALID_RECORDS, Safety.UNREADABLE):
        raise UnsafeProbeError(f"{probe.name}: a write of class {probe.safety.value}")


def _order(probe: Probe, request: HttpRequest, payload: dict[str, Any]) -> wm.SendSmsRequest:
    """A send-sms request read the way the sandbox reads it (JSON/XML payload, or the GET query)."""
    try:
        order = read_get_request(dict(request.query))[1] if request.query else payload
        return wm.SendSmsRequest.model_validate(order)
    except (DecodeError, ValidationError) as exc:
        raise UnsafeProbeError(f"{probe.name}: a send-sms whose order cannot be checked") from exc


class DiscoveryError(Exception):
    """The server would not tell the account's senders (wrong credentials, no answer: `no_answer`)."""

    def __init__(self, message: str, *, no_answer: bool = False) -> None:
        super().__init__(message)
        self.no_answer = no_answer


def discover(
    target: Target, credentials: Credentials, *, sender: str | None, brand_code: str | None
) -> Profile:
    """The account's profile from two read-only calls: get-sender, and consent/show (403: no İYS)."""
    observation, document = target.exchange(get_sender_request(credentials))
    if observation.code != 200 or document is None:
        what = observation.error or f"{observation.code} {observation.message or ''}".strip()
        raise DiscoveryError(
            f"get-sender at {target.base_url} answered {what}", no_answer=observation.http_status is None
        )
    senders = document["response"].get("senders") or {}
    listed = senders.get("sender") if isinstance(senders, dict) else None
    approved = tuple(str(s) for s in (listed if isinstance(listed, list) else [listed] if listed else []))
    if sender is not None and sender not in approved:
        raise DiscoveryError(
            f"--sender {sender!r} is not an approved sender of the account "
            f"(get-sender lists {', '.join(approved) or 'none'})"
        )
    shown, _ = target.exchange(consent_show_request(credentials, brand_code or "1"))
    return Profile(
        senders=approved,
        sender=sender or (approved[0] if approved else None),
        iys_active=shown.code != 403,
        brand_code=brand_code,
    )


def existing_order(target: Target, credentials: Credentials, today: date) -> str | None:
    """The id of an order of the last days (get-reports, read-only), for the report probes; None if none."""
    _, document = target.exchange(reports_request(credentials, today))
    try:
        orders = document["response"]["orders"]
        first = orders[0] if isinstance(orders, list) else orders
        order_id = first["id"]
    except (KeyError, IndexError, TypeError):
        return None
    return str(order_id) if isinstance(order_id, int | str) and str(order_id).strip().isdigit() else None
