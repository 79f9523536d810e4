"""Walking what one call cannot return at once, without I/O: pages, date windows, batches, polling.

Each pager says which request comes next (`next_request`) and takes each answer (`feed`), returning the rows
to hand to the caller; the sync and async clients only drive them, so the rules live here once:

* get-report, get-blacklist, get-group-contacts, search-contacts: pages of at most 1000 rows, walked until a
  page comes back short or the announced total is reached (CONTRACT §3, §9);
* get-reports: ranges of at most 10 days (split into consecutive windows), each walked page by page until
  its `count` is reached (§4.4);
* consent/create: batches of at most 5000 records (§4.10);
* wait(): a poll plan with a growing interval and a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from ileti import limits
from ileti.client.errors import WaitTimeoutError
from ileti.client.models import OrderReport
from ileti.wire.models import Contact, GetReportsResponse, OrderSummary

__all__ = [
    "CONSENT_BATCH",
    "MAX_ROWS",
    "REPORTS_WINDOW_DAYS",
    "ContactsPager",
    "PollPlan",
    "RowsPager",
    "SummariesPager",
    "Waiter",
    "batches",
    "date_windows",
    "note_stored_batches",
]

T = TypeVar("T")

MAX_ROWS = limits.ROW_COUNT_MAX
"""rowCount maximum of the paginated endpoints (CONTRACT §3)."""

REPORTS_WINDOW_DAYS = limits.REPORTS_MAX_DAYS
"""get-reports refuses ranges over 10 days (458); windows cover 10 calendar days, both ends included."""

CONSENT_BATCH = limits.CONSENT_BATCH_MAX
"""consent/create refuses more than 5000 records (475)."""


def date_windows(start: date, end: date, days: int = REPORTS_WINDOW_DAYS) -> list[tuple[date, date]]:
    """Consecutive (start, end) windows of at most `days` calendar days covering start..end inclusive,
    like the documented 04-01..04-10, 04-11..04-20. An empty list when end < start."""
    windows: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        last = min(end, cursor + timedelta(days=days - 1))
        windows.append((cursor, last))
        cursor = last + timedelta(days=1)
    return windows


def batches(items: Sequence[T], size: int = CONSENT_BATCH) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for index in range(0, len(items), size):
        yield items[index : index + size]


@dataclass(slots=True)
class RowsPager:
    """Pages of a row list with an announced total (get-report messages, get-blacklist numbers).

    `feed(rows, total)` takes one page's rows and the total the server announced (None when unknown).
    """

    row_count: int = MAX_ROWS
    page: int = 1
    seen: int = 0
    done: bool = False

    def next_request(self) -> dict[str, int] | None:
        return None if self.done else {"page": self.page, "row_count": self.row_count}

    def feed(self, rows: Sequence[T], total: int | None) -> Sequence[T]:
        self.seen += len(rows)
        if len(rows) < self.row_count or (total is not None and self.seen >= total):
            self.done = True
        self.page += 1
        return rows


@dataclass(slots=True)
class ContactsPager:
    """Pages of contacts (search-contacts, get-group-contacts): no total, so a short page or 465 ends it."""

    row_count: int = MAX_ROWS
    page: int = 1
    done: bool = False

    def next_request(self) -> dict[str, int] | None:
        return None if self.done else {"page": self.page, "row_count": self.row_count}

    def feed(self, rows: Sequence[Contact]) -> Sequence[Contact]:
        if len(rows) < self.row_count:
            self.done = True
        self.page += 1
        return rows

    def feed_not_found(self) -> Sequence[Contact]:
        """465 "contact not found" means an empty result set (or a page past the end): stop."""
        self.done = True
        return ()


@dataclass(slots=True)
class SummariesPager:
    """get-reports over any range: 10-day windows, each walked page by page until its `count` is reached."""

    windows: list[tuple[date, date]]
    window: int = 0
    page: int = 1
    seen: int = 0

    @classmethod
    def over(cls, start: date, end: date) -> SummariesPager:
        return cls(windows=date_windows(start, end))

    def next_request(self) -> dict[str, Any] | None:
        if self.window >= len(self.windows):
            return None
        start, end = self.windows[self.window]
        return {"start": start, "end": end, "page": self.page}

    def feed(self, response: GetReportsResponse) -> Sequence[OrderSummary]:
        orders = response.orders
        self.seen += len(orders)
        if not orders or self.seen >= response.count:
            self.window += 1
            self.page = 1
            self.seen = 0
        else:
            self.page += 1
        return orders


@dataclass(slots=True)
class PollPlan:
    """When `wait()` polls next: the interval grows by `factor` up to `max_interval`; None after `timeout`."""

    timeout: float
    interval: float = 1.0
    max_interval: float = 10.0
    factor: float = 1.5
    clock: Callable[[], float] = field(default=time.monotonic)
    deadline: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.timeout

    def next_delay(self) -> float | None:
        """Seconds to sleep before the next poll, or None when the deadline has passed."""
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            return None
        delay = min(self.interval, remaining)
        self.interval = min(self.max_interval, self.interval * self.factor)
        return delay


@dataclass(slots=True)
class Waiter:
    """`wait()`'s rule: done once the order's status is final, else poll again until the plan runs out."""

    order_id: int | str
    plan: PollPlan
    last: OrderReport | None = None

    def done(self, report: OrderReport | None) -> bool:
        """Take one poll's report (None when the order is still scheduled, 456)."""
        if report is None:
            return False
        self.last = report
        return report.status.is_final

    def next_delay(self) -> float:
        delay = self.plan.next_delay()
        if delay is None:
            raise WaitTimeoutError(self.order_id, self.plan.timeout, self.last)
        return delay


def note_stored_batches(exc: BaseException, stored: int) -> None:
    """Batches are atomic, a split list is not: note on the error how many records earlier batches stored."""
    if stored:
        exc.add_note(f"the first {stored} records were stored by earlier batches; this batch was not")
