"""Fault injection for /v1 calls and for the delivery-report webhook push (`PUT/GET/DELETE /_sandbox/faults`).

    {"rules": [{"endpoint": "send-sms" | "*" | "webhook", "fault": <kind>, "times": 1 | null,
                "probability": 1.0, "latency_ms": 0, "jitter_ms": 0, "code": 503, "http_status": 502}]}

Kinds for /v1 calls (`endpoint` an endpoint name or `*`):
- `drop` closes the connection before the handler runs; `commit_then_drop` runs the handler (the order is
  committed) and closes the connection instead of answering: the client sees a connection error either way;
- `status` answers `code` (any response code of the table, 400 and up) in the API's envelope with its Turkish
  message, without running the handler; `status_503` is `status` with 503;
- `gateway_html` answers `http_status` (502, 503 or 504) with an HTML page, as a reverse proxy in front of the
  API does;
- `latency` waits `latency_ms` ± up to `jitter_ms` (uniform), then handles the call normally;
- `truncated` runs the handler and sends only the first half of the answer's bytes (Content-Length says so:
  a complete HTTP response whose body is cut, so the client meets malformed JSON or XML);
- `slow_body` runs the handler and trickles the body out in pieces over `latency_ms`.
Kinds for the webhook push (`endpoint` `webhook` or `*`):
- `drop`: no attempt is made; it is logged as a failed attempt and retried as usual;
- `duplicate`: the report is POSTed twice (two attempts in the log);
- `delay`: waits `latency_ms` before sending.

`times: null` keeps a rule until the set is cleared; a counted rule disappears when used up. `probability`
(0..1, default 1) is the chance that a matching rule fires; a rule that does not fire uses nothing up, and the
next matching rule gets its chance. The first rule that fires wins.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self

from pydantic import Field, model_validator
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ileti.codes import Code
from ileti.sandbox.body_models import BodyModel, checked

if TYPE_CHECKING:
    from ileti.sandbox.api.journal import Trace

__all__ = [
    "API_FAULTS",
    "FAULTS",
    "WEBHOOK",
    "WEBHOOK_FAULTS",
    "DropConnection",
    "FaultRule",
    "FaultRuleIn",
    "Faults",
    "FaultsIn",
    "GatewayPage",
    "SlowBody",
    "choose",
    "inject",
    "rule_from_dict",
]

FaultKind = Literal[
    "status_503",
    "latency",
    "drop",
    "commit_then_drop",
    "status",
    "gateway_html",
    "truncated",
    "slow_body",
    "duplicate",
    "delay",
]
API_FAULTS: tuple[str, ...] = (
    "status_503",
    "latency",
    "drop",
    "commit_then_drop",
    "status",
    "gateway_html",
    "truncated",
    "slow_body",
)
WEBHOOK_FAULTS: tuple[str, ...] = ("drop", "duplicate", "delay")
FAULTS: tuple[str, ...] = (*API_FAULTS, "duplicate", "delay")
WEBHOOK = "webhook"  # the `endpoint` of rules for the delivery-report push
GATEWAY_STATUSES = (502, 503, 504)
STATUS_CODES = tuple(int(code) for code in Code if code >= 400)
MAX_MS = 600_000


@dataclass(slots=True)
class FaultRule:
    endpoint: str
    fault: FaultKind
    times: int | None
    latency_ms: float
    probability: float = 1.0
    jitter_ms: float = 0.0
    code: int | None = None
    http_status: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "fault": self.fault,
            "times": self.times,
            "latency_ms": self.latency_ms,
            "probability": self.probability,
            "jitter_ms": self.jitter_ms,
            "code": self.code,
            "http_status": self.http_status,
        }

    def matches(self, endpoint: str) -> bool:
        """Whether the rule is about this call: a /v1 endpoint name, or `WEBHOOK` for the push."""
        if endpoint == WEBHOOK:
            return self.endpoint in ("*", WEBHOOK) and self.fault in WEBHOOK_FAULTS
        return self.endpoint in ("*", endpoint) and self.fault in API_FAULTS

    def delay_seconds(self, rng: random.Random | None = None) -> float:
        """`latency_ms` with the jitter drawn, in seconds (never negative)."""
        delay = self.latency_ms
        if self.jitter_ms:
            delay += (rng or random).uniform(-self.jitter_ms, self.jitter_ms)
        return max(delay, 0.0) / 1000


def rule_from_dict(raw: dict[str, Any]) -> FaultRule:
    """A rule as `as_dict` wrote it (rules stored by an older version lack the newer fields)."""
    return FaultRule(
        raw["endpoint"],
        raw["fault"],
        raw["times"],
        raw["latency_ms"],
        raw.get("probability", 1.0),
        raw.get("jitter_ms", 0.0),
        raw.get("code"),
        raw.get("http_status"),
    )


def choose(rules: Sequence[FaultRule], endpoint: str, roll: Callable[[], float]) -> int | None:
    """The index of the rule that fires for this call, or None: the first matching rule whose probability
    the roll meets. Rules certain to fire (probability 1) roll nothing."""
    for index, rule in enumerate(rules):
        if rule.matches(endpoint) and (rule.probability >= 1 or roll() < rule.probability):
            return index
    return None


class FaultRuleIn(BodyModel):
    """One fault rule of `PUT /_sandbox/faults` (the kinds and fields: this module's docstring)."""

    NULLABLE = frozenset({"times", "code", "http_status"})

    endpoint: str | None = Field(
        default=None,
        min_length=1,
        description="an endpoint name (send-sms), 'webhook' (the push) or '*'; "
        "default '*', or 'webhook' for the push's own faults",
    )
    fault: FaultKind = Field(
        description="status | gateway_html | truncated | slow_body | latency | drop | commit_then_drop | "
        "status_503 (/v1); drop | duplicate | delay (webhook)"
    )
    times: int | None = Field(default=None, ge=1, description="uses before it goes; null: until cleared")
    probability: float = Field(default=1.0, ge=0, le=1, description="the chance that it fires")
    latency_ms: float = Field(default=0, ge=0, le=MAX_MS)
    jitter_ms: float = Field(default=0, ge=0, le=MAX_MS, description="latency only: ± up to this")
    code: int | None = Field(default=None, description="status only: a response code of the table")
    http_status: int | None = Field(default=None, description="gateway_html only: 502, 503 or 504")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        fault, endpoint = self.fault, self.endpoint
        if endpoint == WEBHOOK and fault not in WEBHOOK_FAULTS:
            raise ValueError(f"the webhook push takes the faults {', '.join(WEBHOOK_FAULTS)}")
        if fault not in API_FAULTS and endpoint not in (None, "*", WEBHOOK):
            raise ValueError(f"{fault} is a fault of the webhook push; its endpoint is 'webhook'")
        if fault == "status" and self.code not in STATUS_CODES:
            raise ValueError(
                f"code must be a response code of the table: {', '.join(map(str, STATUS_CODES))}"
            )
        if fault not in ("status", "status_503") and self.code is not None:
            raise ValueError("code goes with the fault 'status' only")
        if fault == "gateway_html" and self.http_status not in GATEWAY_STATUSES:
            raise ValueError("http_status must be 502, 503 or 504")
        if fault != "gateway_html" and self.http_status is not None:
            raise ValueError("http_status goes with the fault 'gateway_html' only")
        if self.jitter_ms and fault != "latency":
            raise ValueError("jitter_ms goes with the fault 'latency' only")
        if fault in ("slow_body", "delay") and not self.latency_ms:
            raise ValueError(f"{fault} needs a duration above 0 (latency_ms)")
        return self

    def rule(self) -> FaultRule:
        webhook_only = self.fault not in API_FAULTS
        endpoint = self.endpoint or (WEBHOOK if webhook_only else "*")
        code = 503 if self.fault == "status_503" else self.code
        return FaultRule(
            endpoint,
            self.fault,
            self.times,
            float(self.latency_ms),
            float(self.probability),
            float(self.jitter_ms),
            code,
            self.http_status,
        )


class FaultsIn(BodyModel):
    """`PUT /_sandbox/faults`: the new rule set; the first matching rule that fires wins."""

    rules: list[FaultRuleIn]


class Faults:
    """The active rule set (in memory: faults are a property of this server process, not of the data)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._rng = random.Random()

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def replace(self, body: Any) -> None:
        """Validate a `{"rules": [...]}` body (`FaultsIn`) and make it the rule set; raises
        `ControlError(422)` naming the bad field."""
        self._rules = [rule.rule() for rule in checked(FaultsIn, body).rules]

    def clear(self) -> None:
        self._rules = []

    def take(self, endpoint: str) -> FaultRule | None:
        """The rule that fires for this call (a /v1 endpoint name, or `WEBHOOK`), if any, with one use
        consumed."""
        if not self._rules:
            return None
        index = choose(self._rules, endpoint, self._rng.random)
        if index is None:
            return None
        rule = self._rules[index]
        if rule.times is not None:
            rule.times -= 1
            if rule.times == 0:
                del self._rules[index]
        return rule

    def refresh(self) -> None:
        """Read the rules again where they are kept (the webhook worker runs outside any request, before
        which a shared store's rules are read); in memory there is nothing to read."""

    @staticmethod
    async def delay(rule: FaultRule) -> None:
        await asyncio.sleep(rule.delay_seconds())


class DropConnection(Response):
    """A "response" that closes the connection without sending a byte.

    ASGI has no abort; uvicorn's receive callable is a method of the request cycle, which holds the transport,
    so we close that. On a server without it, send headers that promise a body and end the call: the server
    then closes the connection after an incomplete response, which a client also sees as a connection error.
    """

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cycle = getattr(receive, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None and hasattr(transport, "close"):
            transport.close()
            await asyncio.sleep(0)  # let the server see the disconnect before the call returns
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1"), (b"content-type", b"application/json")],
            }
        )


_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


class GatewayPage(Response):
    """The HTML error page a reverse proxy (nginx, as in front of the real API) sends when the API behind it
    fails or is too slow."""

    def __init__(self, status: int) -> None:
        title = f"{status} {_REASONS[status]}"
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )
        super().__init__(
            page,
            status_code=status,
            media_type="text/html",
            headers={"Server": "nginx", "Cache-Control": "no-store"},
        )


def truncated(response: Response) -> Response:
    """The answer with only the first half of its body (and a Content-Length that says so)."""
    body = bytes(response.body)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(body[: len(body) // 2], status_code=response.status_code, headers=headers)


class SlowBody(Response):
    """The answer of `response`, its body sent in up to `PIECES` pieces spread over `seconds`; the headers
    (with the full Content-Length) go out at once."""

    PIECES = 10

    def __init__(self, response: Response, seconds: float) -> None:
        super().__init__(status_code=response.status_code)
        self.raw_headers = response.raw_headers
        self._body = bytes(response.body)
        self._seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        size = max(1, -(-len(self._body) // self.PIECES))
        pieces = [self._body[i : i + size] for i in range(0, len(self._body), size)] or [b""]
        pause = self._seconds / len(pieces)
        for index, piece in enumerate(pieces):
            await asyncio.sleep(pause)
            await send({"type": "http.response.body", "body": piece, "more_body": index < len(pieces) - 1})


async def inject(
    rule: FaultRule,
    run: Callable[[], Awaitable[Response]],
    refuse: Callable[[Code], Response],
    note: Callable[[Trace], Awaitable[None]],
    trace: Trace | None,
) -> Response:
    """The answer to a /v1 call that `rule` fired on, by its kind.

    `run()` sends the call through the pipeline (handler included) and returns its answer; `refuse(code)` is
    the API's error envelope in the call's format; `note(trace)` journals the body and account of a call the
    handler does not run. `trace` (None without a journal) learns the code and why."""
    if rule.fault == "latency":
        await Faults.delay(rule)
        return await run()
    why = f"a {rule.fault} rule for {rule.endpoint!r} (PUT /_sandbox/faults)"
    if rule.fault in ("status_503", "status", "gateway_html", "drop") and trace is not None:
        await note(trace)  # the handler does not run
    if rule.fault in ("status_503", "status"):
        code = Code(rule.code or Code.SERVICE_UNAVAILABLE)
        if trace is not None:
            trace.code, trace.reason = int(code), f"fault: answered {int(code)} by {why}"
        return refuse(code)
    if rule.fault == "gateway_html":
        status = rule.http_status or 502
        if trace is not None:
            trace.code = status
            trace.reason = f"fault: an HTML {status} page, as a proxy sends it, by {why}"
        return GatewayPage(status)
    if rule.fault == "truncated":
        cut = truncated(await run())
        if trace is not None:
            trace.reason = f"fault: answered {trace.code}, cut after half its bytes by {why}"
        return cut
    if rule.fault == "slow_body":
        response = await run()
        if trace is not None:
            trace.reason = f"fault: answered {trace.code}, its body trickled out slowly by {why}"
        return SlowBody(response, rule.delay_seconds())
    if rule.fault == "commit_then_drop":
        await run()
    if trace is not None:
        prefix = f"answered {trace.code}, then " if trace.code is not None else ""
        trace.reason = f"fault: {prefix}the connection was dropped by {why}"
    return DropConnection()
