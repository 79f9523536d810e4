"""`/_sandbox/clock`: read, freeze, set, travel or scale the sandbox clock."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _body, control
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


def clock_state_from(body: Any, clock: Clock) -> ClockState:
    """The clock a `POST /_sandbox/clock` body asks for (also the seed file's `clock`); 422."""
    if not isinstance(body, dict) or len(body) != 1:
        raise ControlError(422, 'expected one of {"advance": s}, {"set": "YYYY-MM-DD HH:MM:SS"}, {"mode": …}')
    [(verb, value)] = body.items()
    if verb == "advance":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 <= value < LATEST - EARLIEST:
            raise ControlError(422, "advance: a number of seconds >= 0 (time does not go back)")
        state = clock.advanced(float(value))
    elif verb == "set":
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            state = Clock.frozen(parse_timestamp(value))
        except ValueError as exc:
            raise ControlError(422, 'set: "YYYY-MM-DD HH:MM:SS" (Istanbul time)') from exc
    elif verb == "mode" and value in ("real", "frozen"):
        state = Clock.real() if value == "real" else Clock.frozen(clock.now())
    else:
        raise ControlError(422, 'expected {"advance": s}, {"set": "…"} or {"mode": "real" | "frozen"}')
    if not clock.valid(state):  # nothing is saved: the clock stays where it was
        raise ControlError(
            422,
            f"{verb}: the sandbox clock stays between 1970-01-01 and 9998-12-31 "
            f"(Istanbul time); it is {format_timestamp(clock.now())}",
        )
    return state


@control
async def clock(request: Request) -> Any:
    services = services_of(request)
    if request.method == "GET":
        return _clock_json(services.clock)
    state = clock_state_from(await _body(request), services.clock)
    services.store.set_clock_state(state)
    services.clock.load(state)
    return _clock_json(services.clock)
