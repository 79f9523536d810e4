"""A bare ASGI app answering one fixed, pre-encoded get-report page: the HTTP floor `sandbox_bulk.py` measures
the sandbox's 1,000-row pages against. The body is read once from the file named by `ILETI_BARE_PAGE`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["ILETI_BARE_PAGE"]).read_bytes()
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
