"""JSON bodies: orjson both ways, and one exception (`DecodeError`) for anything that is not JSON."""

from __future__ import annotations

from typing import Any

import orjson

from ileti.wire.errors import DecodeError

__all__ = ["dumps", "loads"]


def dumps(obj: Any) -> bytes:
    """UTF-8 JSON bytes; enums as their values, non-ASCII text kept as is (Turkish messages)."""
    return orjson.dumps(obj)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """The decoded value; raises `DecodeError(format="json")` for invalid JSON or invalid UTF-8."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}", format="json") from exc
