"""Time as the API writes it: the Europe/Istanbul zone and its two text forms (CONTRACT §3), written once.

- The **schedule** (`sendDateTime` of send-sms): `DD/MM/YYYY HH:MM`. The form with seconds,
  `DD/MM/YYYY HH:MM:SS`, is one the live API takes and ignores, sending at once (OQ-10).
- The **timestamp** (report times, blacklist filters, consent dates): `YYYY-MM-DD HH:MM:SS`.

Both are Istanbul wall time without an offset. A naive `datetime` is taken as Istanbul time; an aware one is
converted. The sandbox keeps times as float epoch seconds, so the timestamp helpers take and give those too.
Client, sandbox and tools import this module; it imports nothing of theirs.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "ISTANBUL",
    "SCHEDULE_FORMAT",
    "SCHEDULE_PATTERN",
    "SCHEDULE_WITH_SECONDS_PATTERN",
    "TIMESTAMP_FORMAT",
    "day_bounds",
    "format_schedule",
    "format_timestamp",
    "in_istanbul",
    "local_date",
    "parse_schedule",
    "parse_timestamp",
    "schedule_has_seconds",
    "today",
]

ISTANBUL = ZoneInfo("Europe/Istanbul")
"""The API's time zone (CONTRACT §3). Türkiye has kept UTC+3 all year since 2016."""

SCHEDULE_FORMAT = "%d/%m/%Y %H:%M"
SCHEDULE_PATTERN = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}")
SCHEDULE_WITH_SECONDS_PATTERN = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"

_LAST = "9999-12-31 23:59:59"
_FIRST = "0001-01-01 00:00:00"


def in_istanbul(when: datetime) -> datetime:
    """`when` as an aware Istanbul datetime: converted when aware, the same wall time when naive."""
    if when.tzinfo is None:
        return when.replace(tzinfo=ISTANBUL)
    return when.astimezone(ISTANBUL)


def format_schedule(when: datetime) -> str:
    """`when` as a schedule, `DD/MM/YYYY HH:MM` in Istanbul (seconds dropped: OQ-10)."""
    return in_istanbul(when).strftime(SCHEDULE_FORMAT)


def parse_schedule(text: str) -> datetime | None:
    """A schedule `DD/MM/YYYY HH:MM` (exactly: two-digit fields, no blanks around) on a real calendar date and
    time, as a naive Istanbul datetime; None otherwise (31/02, 25:00, seconds, another form)."""
    if not SCHEDULE_PATTERN.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, SCHEDULE_FORMAT)
    except ValueError:
        return None


def schedule_has_seconds(text: str) -> bool:
    """Whether `text` is exactly `DD/MM/YYYY HH:MM:SS`, the form the live API ignores (OQ-10)."""
    return SCHEDULE_WITH_SECONDS_PATTERN.fullmatch(text) is not None


def format_timestamp(when: float | datetime) -> str:
    """Epoch seconds or a datetime as an Istanbul timestamp `YYYY-MM-DD HH:MM:SS`.

    Epoch seconds past what a date holds (stamped by an older sandbox whose clock could be moved past year
    9999) print as the last (or first) second there is, rather than failing every answer that shows them.
    """
    if isinstance(when, datetime):
        return in_istanbul(when).strftime(TIMESTAMP_FORMAT)
    try:
        return datetime.fromtimestamp(when, ISTANBUL).strftime(TIMESTAMP_FORMAT)
    except (OverflowError, OSError, ValueError):
        return _LAST if when > 0 else _FIRST


def parse_timestamp(text: str) -> float:
    """An Istanbul timestamp `YYYY-MM-DD HH:MM:SS` as epoch seconds; raises ValueError for another form."""
    return in_istanbul(datetime.strptime(text, TIMESTAMP_FORMAT)).timestamp()


def local_date(ts: float) -> date:
    """The Istanbul calendar day of epoch seconds `ts`."""
    return datetime.fromtimestamp(ts, ISTANBUL).date()


def today() -> date:
    """Today's date in Istanbul (the wall clock, not the sandbox's)."""
    return datetime.now(ISTANBUL).date()


def day_bounds(first: date, last: date) -> tuple[float, float]:
    """Epoch seconds of the start of `first` and the end of `last` (exclusive), in Istanbul."""
    start = datetime(first.year, first.month, first.day, tzinfo=ISTANBUL)
    end = datetime(last.year, last.month, last.day, tzinfo=ISTANBUL) + timedelta(days=1)
    return start.timestamp(), end.timestamp()
