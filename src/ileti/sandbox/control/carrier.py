"""`/_sandbox/carrier/settle` and `/_sandbox/carrier/rules`: settle messages now, and fixed outcomes
per number."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ileti import phone
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _body, control
from ileti.sandbox.errors import ControlError
from ileti.sandbox.store.records import CarrierOutcome
from ileti.sandbox.world.carrier import OUTCOMES


@control
async def settle(request: Request) -> Any:
    services = services_of(request)
    body = await _body(request, optional=True)
    respect = body.get("respect_delay", False) if isinstance(body, dict) else None
    if not isinstance(respect, bool):
        raise ControlError(422, "respect_delay: true or false")
    return {"settled": services.carrier.settle(respect_delay=respect)}


def carrier_rules_from(body: Any) -> dict[str, CarrierOutcome]:
    """The rules a `PUT /_sandbox/carrier/rules` body sets (also the seed file's `carrier_rules`); 422."""
    if not isinstance(body, dict):
        raise ControlError(422, 'expected {"+905…": "delivered" | "undelivered" | "never"}')
    rules: dict[str, CarrierOutcome] = {}
    for number, result in body.items():
        if result not in OUTCOMES:
            raise ControlError(422, f"{number}: the outcome must be one of {', '.join(OUTCOMES)}")
        canonical = phone.try_normalize(number)
        if canonical is None:
            raise ControlError(422, f"{number!r} is not a Turkish mobile number")
        rules[canonical] = result
    return rules


@control
async def carrier_rules(request: Request) -> Any:
    services = services_of(request)
    if request.method == "PUT":
        services.store.settlement.set_carrier_rules(carrier_rules_from(await _body(request)))
    elif request.method == "DELETE":
        services.store.settlement.set_carrier_rules({})
    return {"rules": services.store.settlement.carrier_rules()}
