"""`/_sandbox/carrier/settle` and `/_sandbox/carrier/rules`: settle messages now, and fixed outcomes
per number."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, RootModel
from starlette.requests import Request

from ileti.sandbox.body_models import BodyModel, PhoneNumber, checked
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _body, control
from ileti.sandbox.control.operations import Op, operations
from ileti.sandbox.store.records import CarrierOutcome


class SettleIn(BodyModel):
    """`POST /_sandbox/carrier/settle` (the body is optional)."""

    respect_delay: bool = Field(
        default=False, description="settle only the messages whose settle delay has passed"
    )


class CarrierRulesIn(RootModel[dict[PhoneNumber, CarrierOutcome]]):
    """`PUT /_sandbox/carrier/rules`: the outcome of every message to a number, by number."""

    model_config = ConfigDict(strict=True)


@operations(Op("POST", "settle the messages that are due now", body=SettleIn, body_required=False))
@control
async def settle(request: Request) -> Any:
    services = services_of(request)
    given = checked(SettleIn, await _body(request, optional=True))
    return {"settled": services.carrier.settle(respect_delay=given.respect_delay)}


def carrier_rules_from(body: Any) -> dict[str, CarrierOutcome]:
    """The rules a `PUT /_sandbox/carrier/rules` body sets (also the seed file's `carrier_rules`); 422."""
    return dict(checked(CarrierRulesIn, body).root)


@operations(
    Op("GET", "per-number outcomes"),
    Op("PUT", "replace them", body=CarrierRulesIn),
    Op("DELETE", "clear them"),
)
@control
async def carrier_rules(request: Request) -> Any:
    services = services_of(request)
    if request.method == "PUT":
        services.store.settlement.set_carrier_rules(carrier_rules_from(await _body(request)))
    elif request.method == "DELETE":
        services.store.settlement.set_carrier_rules({})
    return {"rules": services.store.settlement.carrier_rules()}
