"""The sandbox clock: the only source of "now" in the sandbox, in Europe/Istanbul (CONTRACT §3).

Three modes: `real` (wall time), `offset` (wall time plus a fixed shift, after an `advance`) and `frozen`
(a fixed instant that moves only through `advance`/`set`). Timestamps are float epoch seconds;
`ileti.times` turns them into the API's `YYYY-MM-DD HH:MM:SS` and back. The state lives in the store so that
several workers can agree on it; this object is a cache of that row, written through on every change.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ileti.times import ISTANBUL

__all__ = ["EARLIEST", "LATEST", "Clock", "ClockMode", "ClockState", "in_range"]

log = logging.getLogger("ileti.sandbox.world.clock")

ClockMode = Literal["real", "offset", "frozen"]

EARLIEST = datetime(1970, 1, 1, tzinfo=ISTANBUL).timestamp()
LATEST = datetime(9999, 1, 1, tzinfo=ISTANBUL).timestamp()
"""The sandbox clock stays in [EARLIEST, LATEST): every time it stamps must print as `YYYY-MM-DD HH:MM:SS`
(years up to 9999), and a running clock set near the end keeps a year of room."""


def in_range(ts: float) -> bool:
    """Whether `ts` is a time the sandbox clock may show (finite, 1970-01-01 up to the end of 9998)."""
    return math.isfinite(ts) and EARLIEST <= ts < LATEST


@dataclass(frozen=True, slots=True)
class ClockState:
    """What the store keeps: the mode and either a shift (`offset`) or a fixed instant (`frozen_at`)."""

    mode: ClockMode = "real"
    offset: float = 0.0
    frozen_at: float = 0.0


class Clock:
    """Sandbox time. `now()` is cheap (no I/O); changes go through `apply`, which returns the new state."""

    def __init__(self, state: ClockState, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._state = ClockState()
        self._refused: ClockState | None = None
        self.load(state)

    @property
    def state(self) -> ClockState:
        return self._state

    def now(self) -> float:
        state = self._state
        if state.mode == "frozen":
            return state.frozen_at
        return self._wall() + state.offset

    def advanced(self, seconds: float) -> ClockState:
        """The state after moving time forward (a real clock becomes an offset clock)."""
        state = self._state
        if state.mode == "frozen":
            return ClockState("frozen", 0.0, state.frozen_at + seconds)
        return ClockState("offset", state.offset + seconds, 0.0)

    @staticmethod
    def frozen(at: float) -> ClockState:
        return ClockState("frozen", 0.0, at)

    @staticmethod
    def real() -> ClockState:
        return ClockState()

    def valid(self, state: ClockState) -> bool:
        """Whether `state` gives a time inside the clock's range now (`in_range`)."""
        if state.mode == "frozen":
            return in_range(state.frozen_at)
        return math.isfinite(state.offset) and in_range(self._wall() + state.offset)

    def load(self, state: ClockState) -> None:
        """Adopt a state read from (or just written to) the store. A state outside the clock's range (saved
        by an older version that did not check) is not adopted: the clock runs on real time instead."""
        if state is not self._state and not self.valid(state):
            if state != self._refused:  # once per bad state, not once per request
                log.warning("the stored sandbox clock is out of range (%s); using real time", state.mode)
                self._refused = state
            state = ClockState()
        self._state = state
