"""A bare ASGI app answering fixed JSON: the baseline `sandbox_send.py` measures the sandbox against."""

from __future__ import annotations

from typing import Any

BODY = '{"response":{"status":{"code":200,"message":"İşlem başarılı"},"order":{"id":"1"}}}'.encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the request body, as the sandbox must
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
