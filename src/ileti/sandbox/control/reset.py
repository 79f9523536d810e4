"""`/_sandbox/reset`, `/livez` and `/readyz`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ileti.sandbox.context import Services, services_of
from ileti.sandbox.control import accounts
from ileti.sandbox.control.base import _json, control
from ileti.sandbox.control.operations import Op, operations
from ileti.sandbox.world.clock import Clock


def reset(services: Services) -> dict[str, Any] | None:
    """Back to the start-up state: no data, real clock, no faults or rules, the demo account again, then the
    seed file's state (`seed.py`)."""
    from ileti.sandbox import seed as seeding  # seed.py reuses this module's checks

    if services.journal is not None:
        services.journal.discard()  # the store's reset empties the journal table with the rest
    services.store.reset()
    services.faults.clear()
    services.clock.load(Clock.real())
    services.store.set_clock_state(Clock.real())
    demo = seeding.start(
        services.store, services.clock, services.settings.demo_account, services.seed, again=True
    )
    return None if demo is None else accounts.account_json(demo[0])


@operations(
    Op("POST", "back to the start-up state: no data, real clock, no faults, the demo account and the seed")
)
@control
async def reset_endpoint(request: Request) -> Any:
    return {"reset": True, "demo_account": reset(services_of(request))}


@operations(Op("GET", "the process is up"))
async def livez(request: Request) -> Response:
    return _json({"status": "ok"})


@operations(Op("GET", "the store is open and the workers run", other={503: "starting"}))
async def readyz(request: Request) -> Response:
    services: Services | None = getattr(request.app.state, "services", None)
    ready = services is not None and services.ready and services.store.ping()
    return _json({"status": "ready" if ready else "starting"}, 200 if ready else 503)
