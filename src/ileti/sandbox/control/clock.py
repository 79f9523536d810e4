"""`/_sandbox/clock`: read, freeze, set, travel or scale the sandbox clock."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator
from starlette.requests import Request

from ileti.sandbox.body_models import BodyModel, Timestamp, checked
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _body, control
from ileti.sandbox.control.operations import Op, operations
from ileti.sandbox.errors import ControlError
from ileti.sandbox.world.clock import EARLIEST, LATEST, Clock, ClockState
from ileti.times import format_timestamp, parse_timestamp


def _clock_json(clock: Clock) -> dict[str, Any]:
    state = clock.state
    return {
        "now": format_timestamp(clock.now()),
        "mode": state.mode,
        "offset": state.offset,
        "epoch": clock.now(),
    }


class ClockIn(BodyModel):
    """`POST /_sandbox/clock`: exactly one of `advance` (seconds forward), `set` (a time, frozen there) and
    `mode` (`real`: the machine's time again; `frozen`: stop here)."""

    SCHEMA_EXTRA: ClassVar[dict[str, Any]] = {"minProperties": 1, "maxProperties": 1}

    advance: float | None = Field(
        default=None, ge=0, lt=LATEST - EARLIEST, description="seconds >= 0 (time does not go back)"
    )
    set: Timestamp | None = None
    mode: Literal["real", "frozen"] | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if len(self.model_fields_set) != 1:
            raise ValueError('give one of {"advance": s}, {"set": "YYYY-MM-DD HH:MM:SS"}, {"mode": "real"}')
        return self


def clock_state_from(body: Any, clock: Clock) -> ClockState:
    """The clock a `POST /_sandbox/clock` body asks for (also the seed file's `clock`); 422."""
    given = checked(ClockIn, body)
    if given.advance is not None:
        verb, state = "advance", clock.advanced(given.advance)
    elif given.set is not None:
        verb, state = "set", Clock.frozen(parse_timestamp(given.set))
    else:
        verb, state = "mode", Clock.real() if given.mode == "real" else Clock.frozen(clock.now())
    if not clock.valid(state):  # nothing is saved: the clock stays where it was
        raise ControlError(
            422,
            f"{verb}: the sandbox clock stays between 1970-01-01 and 9998-12-31 "
            f"(Istanbul time); it is {format_timestamp(clock.now())}",
        )
    return state


@operations(
    Op("GET", "sandbox time (Istanbul), mode, offset and epoch"),
    Op("POST", "change time", body=ClockIn),
)
@control
async def clock(request: Request) -> Any:
    services = services_of(request)
    if request.method == "GET":
        return _clock_json(services.clock)
    state = clock_state_from(await _body(request), services.clock)
    services.store.set_clock_state(state)
    services.clock.load(state)
    return _clock_json(services.clock)
