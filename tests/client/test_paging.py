"""Pages, windows, batches and the poll plan, without I/O."""

from __future__ import annotations

from datetime import date

import pytest

from ileti.client import _paging as p
from ileti.client.errors import WaitTimeoutError
from ileti.client.models import OrderReport
from ileti.wire.models import GetReportsResponse


def test_date_windows_follow_the_documented_split() -> None:
    assert p.date_windows(date(2026, 4, 1), date(2026, 4, 20)) == [
        (date(2026, 4, 1), date(2026, 4, 10)),
        (date(2026, 4, 11), date(2026, 4, 20)),
    ]
    assert p.date_windows(date(2026, 4, 1), date(2026, 4, 1)) == [(date(2026, 4, 1), date(2026, 4, 1))]
    assert p.date_windows(date(2026, 4, 2), date(2026, 4, 1)) == []
    windows = p.date_windows(date(2026, 1, 1), date(2026, 12, 31))
    assert all((end - start).days <= 9 for start, end in windows)
    assert windows[0][0] == date(2026, 1, 1)
    assert windows[-1][1] == date(2026, 12, 31)


def test_batches_of_at_most_5000() -> None:
    sizes = [len(b) for b in p.batches(list(range(12001)))]
    assert sizes == [5000, 5000, 2001]


def test_rows_pager_stops_on_short_page_or_total() -> None:
    pager = p.RowsPager(row_count=2)
    assert pager.next_request() == {"page": 1, "row_count": 2}
    pager.feed([1, 2], total=5)
    assert pager.next_request() == {"page": 2, "row_count": 2}
    pager.feed([3, 4], total=5)
    pager.feed([5], total=5)
    assert pager.next_request() is None
    exact = p.RowsPager(row_count=2)
    exact.feed([1, 2], total=2)
    assert exact.next_request() is None


def test_summaries_pager_walks_windows_and_pages() -> None:
    pager = p.SummariesPager.over(date(2026, 4, 1), date(2026, 4, 15))
    order = {
        "id": 1,
        "status": 114,
        "total": 1,
        "delivered": 1,
        "undelivered": 0,
        "waiting": 0,
        "submitAt": "x",
        "sendAt": "x",
        "sender": "S",
    }
    requests = []
    answers = [
        GetReportsResponse(count=3, orders=[order, order]),
        GetReportsResponse(count=3, orders=[order]),
        GetReportsResponse(count=0, orders=[]),
    ]
    for answer in answers:
        requests.append(pager.next_request())
        pager.feed(answer)
    assert pager.next_request() is None
    assert [(r["start"].day, r["page"]) for r in requests if r] == [(1, 1), (1, 2), (11, 1)]


def test_poll_plan_grows_and_stops_at_the_deadline() -> None:
    now = [0.0]
    plan = p.PollPlan(timeout=10, interval=1, max_interval=3, clock=lambda: now[0])
    delays = []
    while (delay := plan.next_delay()) is not None:
        delays.append(delay)
        now[0] += delay
    assert delays == [1, 1.5, 2.25, 3, 2.25]


def test_waiter_raises_with_the_last_report() -> None:
    now = [0.0]
    waiter = p.Waiter(7, p.PollPlan(timeout=1, clock=lambda: now[0]))
    report = OrderReport.model_validate({"id": "7", "status": 113})
    assert not waiter.done(report)
    now[0] = 2
    with pytest.raises(WaitTimeoutError) as info:
        waiter.next_delay()
    assert info.value.last_report is report
    assert "113" in str(info.value)
    assert waiter.done(OrderReport.model_validate({"id": "7", "status": 115}))
