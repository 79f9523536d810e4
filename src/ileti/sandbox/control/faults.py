"""`/_sandbox/faults`: the fault rules of /v1 calls and webhook pushes."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ileti.sandbox.api.faults import FaultsIn
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _body, control
from ileti.sandbox.control.operations import Op, operations


@operations(
    Op("GET", "fault rules"),
    Op("PUT", "replace them", body=FaultsIn),
    Op("DELETE", "clear them"),
)
@control
async def faults(request: Request) -> Any:
    services = services_of(request)
    if request.method == "PUT":
        services.faults.replace(await _body(request))
    elif request.method == "DELETE":
        services.faults.clear()
    return {"rules": [rule.as_dict() for rule in services.faults.rules]}
