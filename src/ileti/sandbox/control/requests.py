"""`/_sandbox/requests`: the request journal of /v1 calls."""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.requests import Request

from ileti.sandbox.api.params import query_int
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import control
from ileti.sandbox.control.operations import Op, Param, integer, operations
from ileti.sandbox.errors import ControlError
from ileti.wire.endpoints import lookup


def _codes_param(request: Request) -> list[int]:
    raw = request.query_params.get("code")
    if raw is None or not raw.strip():
        return []
    parts = [part.strip() for part in raw.split(",")]
    if not all(part.isascii() and part.isdigit() and len(part) <= 3 for part in parts) or len(parts) > 50:
        raise ControlError(422, "code: a status code or a comma-separated list of them (452,460)")
    return [int(part) for part in parts]


@operations(
    Op(
        "GET",
        "the request journal: every /v1 call, newest first (id, at, account, endpoint, transport, code, "
        "reason, request with the hash redacted, order_id, duration_ms)",
        query=(
            Param("account", "account key"),
            Param("endpoint", "an endpoint name or /v1 path"),
            Param("code", "a status code or a comma-separated list of them (452,460)"),
            Param("since_id", "only entries after this id", integer()),
            Param("order_id", "an order id", integer()),
            Param("limit", "at most this many (default 1000)", integer()),
        ),
    ),
    Op("DELETE", "empty the request journal"),
)
@control
async def requests_journal(request: Request) -> Any:
    """GET: the request journal, newest first; DELETE: empty it."""
    services = services_of(request)
    journal = services.journal
    if request.method == "DELETE":
        return {"deleted": journal.clear() if journal is not None else 0}
    params = request.query_params
    endpoint = params.get("endpoint") or None
    if endpoint is not None:
        with contextlib.suppress(KeyError):  # an unknown /v1 path is journaled under its path
            endpoint = lookup(endpoint).name  # an alias finds the canonical name the journal stores
    codes = _codes_param(request)
    since_id, order_id = query_int(params, "since_id"), query_int(params, "order_id")
    limit = query_int(params, "limit")
    if journal is None:
        return {"requests": [], "journal_size": 0}
    entries = await journal.entries(
        account=params.get("account") or None,
        endpoint=endpoint,
        codes=codes,
        since_id=since_id,
        order_id=order_id,
        limit=1000 if limit is None else limit,
    )
    return {"requests": entries, "journal_size": journal.size}
