"""Fault injection for /v1 calls (`PUT/GET/DELETE /_sandbox/faults`).

    {"rules": [{"endpoint": "send-sms" | "*", "fault": "status_503" | "latency" | "drop" | "commit_then_drop",
                "times": 1 | null, "latency_ms": 0}]}

`times: null` keeps a rule until the set is cleared; a counted rule disappears when used up. The first
matching rule with uses left fires. `drop` closes the connection before the handler runs; `commit_then_drop`
runs the handler (the order is committed) and closes the connection instead of answering. Either way the
client sees a connection error, never an HTTP response. `status_503` answers 503 in the API's envelope;
`latency` waits `latency_ms` and then handles the call normally.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ileti.sandbox.errors import ControlError

__all__ = ["FAULTS", "DropConnection", "FaultRule", "Faults"]

FaultKind = Literal["status_503", "latency", "drop", "commit_then_drop"]
FAULTS: tuple[FaultKind, ...] = ("status_503", "latency", "drop", "commit_then_drop")


@dataclass(slots=True)
class FaultRule:
    endpoint: str
    fault: FaultKind
    times: int | None
    latency_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "fault": self.fault, "times": self.times,
                "latency_ms": self.latency_ms}


class Faults:
    """The active rule set (in memory: faults are a property of this server process, not of the data)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def replace(self, body: Any) -> None:
        """Validate a `{"rules": [...]}` body and make it the rule set; raises `ControlError(422)`."""
        if not isinstance(body, dict) or not isinstance(body.get("rules"), list):
            raise ControlError(422, 'expected {"rules": [...]}')
        rules = []
        for index, raw in enumerate(body["rules"]):
            where = f"rules[{index}]"
            if not isinstance(raw, dict):
                raise ControlError(422, f"{where} must be an object")
            endpoint, fault = raw.get("endpoint", "*"), raw.get("fault")
            times, latency = raw.get("times"), raw.get("latency_ms", 0)
            if not isinstance(endpoint, str) or not endpoint:
                raise ControlError(422, f"{where}.endpoint must be an endpoint name or '*'")
            if fault not in FAULTS:
                raise ControlError(422, f"{where}.fault must be one of {', '.join(FAULTS)}")
            if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
                raise ControlError(422, f"{where}.times must be a positive integer or null")
            if (
                not isinstance(latency, int | float)
                or isinstance(latency, bool)
                or not 0 <= latency <= 600_000
            ):
                raise ControlError(422, f"{where}.latency_ms must be a number of milliseconds (0..600000)")
            rules.append(FaultRule(endpoint, fault, times, float(latency)))
        self._rules = rules

    def clear(self) -> None:
        self._rules = []

    def take(self, endpoint: str) -> FaultRule | None:
        """The rule that fires for this call, if any, with one use consumed."""
        if not self._rules:
            return None
        for rule in self._rules:
            if rule.endpoint in ("*", endpoint):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                return rule
        return None

    @staticmethod
    async def delay(rule: FaultRule) -> None:
        await asyncio.sleep(rule.latency_ms / 1000)


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
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"1"), (b"content-type", b"application/json")]})
