"""The sandbox clock: the only source of "now" in the sandbox, in Europe/Istanbul (CONTRACT §3).

Three modes: `real` (wall time), `offset` (wall time plus a fixed shift, after an `advance`) and `frozen`
(a fixed instant that moves only through `advance`/`set`). Timestamps are float epoch seconds; the helpers
here turn them into the API's `YYYY-MM-DD HH:MM:SS` and back. The state lives in the store so that
several workers can agree on it; this object is a cache of that row, written through on every change.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "EARLIEST",
    "ISTANBUL",
    "LATEST",
    "Clock",
    "ClockMode",
    "ClockState",
    "format_ts",
    "in_range",
    "local_date",
    "parse_timestamp",
]

log = logging.getLogger("ileti.sandbox.world.clock")

ISTANBUL = ZoneInfo("Europe/Istanbul")
ClockMode = Literal["real", "offset", "frozen"]
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

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


def format_ts(ts: float) -> str:
    """Epoch seconds as Istanbul `YYYY-MM-DD HH:MM:SS`, the API's response timestamp format.

    A time past what a date holds (stamped by an older version whose clock could be moved past year 9999)
    prints as the last (or first) second there is, rather than failing every answer that shows it.
    """
    try:
        return datetime.fromtimestamp(ts, ISTANBUL).strftime(TIMESTAMP_FORMAT)
    except (OverflowError, OSError, ValueError):
        return "9999-12-31 23:59:59" if ts > 0 else "0001-01-01 00:00:00"


def parse_timestamp(text: str) -> float:
    """Istanbul `YYYY-MM-DD HH:MM:SS` as epoch seconds; raises ValueError."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=ISTANBUL).timestamp()


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, ISTANBUL).date()


def day_bounds(first: date, last: date) -> tuple[float, float]:
    """Epoch seconds of the start of `first` and the end of `last` (exclusive), in Istanbul."""
    start = datetime(first.year, first.month, first.day, tzinfo=ISTANBUL)
    end = datetime(last.year, last.month, last.day, tzinfo=ISTANBUL) + timedelta(days=1)
    return start.timestamp(), end.timestamp()
