"""The client's HTTP request and response: what the core hands a transport and what a transport hands back.

Plain data, no behaviour: transports (`_transport.py`, `_urllib3.py`, `_aiohttp.py`), the core (`_base.py`)
and the errors (`errors.py`, whose `IletiError.response` is a `RawResponse`) all import them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RawRequest", "RawResponse"]


@dataclass(slots=True)
class RawRequest:
    """An HTTP request ready for the wire. `body` already holds the encoded envelope."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        # the body carries the API hash: never show it
        return f"RawRequest({self.method} {self.url}, {len(self.body)} bytes)"


@dataclass(slots=True)
class RawResponse:
    """An HTTP response as it came off the wire: status, lower-cased headers, body bytes (read-only by
    convention; not frozen, because one is built per call and frozen dataclasses cost 3x to create)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")
