"""`Client`: the blocking client. Only the I/O loops live here; decisions are in `_base`, `_retry`, `_paging`.

Safe to share between threads: the core is immutable and the transport's pool hands each thread its own
connection.
"""

from __future__ import annotations

import itertools
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from ileti.client import _paging
from ileti.client._base import Call, ClientCore, ContactFields, IysList, as_date
from ileti.client._config import (
    DEFAULT_LIMITS,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    Limits,
    RetryPolicy,
    Timeout,
    resolve_base_url,
    resolve_credentials,
)
from ileti.client._retry import Attempts, Retrier
from ileti.client._transport import SyncTransport
from ileti.client._urllib3 import HTTPTransport
from ileti.client.errors import ContactNotFoundError, IletiError, ScheduleNotReachedError
from ileti.client.models import (
    Balance,
    Blacklist,
    Consent,
    ConsentRecord,
    Contact,
    Group,
    Message,
    Number,
    OrderReport,
    OrderSummary,
    Recipients,
    ReportMessage,
    ReportsPage,
    SentOrder,
)

__all__ = ["Client"]

T = TypeVar("T")


class Client:
    """The iletiMerkezi API, blocking.

        with ileti.Client(key, hash, sender="MYBRAND") as client:         # or ILETI_API_KEY / ILETI_API_HASH
            order = client.send_sms("+905301234567", "Your code is 1234")
            report = client.wait(order.id, timeout=120)

    `base_url` (or `ILETI_BASE_URL`) points it at a sandbox; `sandbox=True` means a local `ileti serve`.
    `validate=False` sends what the server would refuse (to see its answer); `ssl_context` replaces the
    default trust (a corporate CA); `proxy` sends every call through that proxy, and without it
    `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` decide (`trust_env=False` ignores them);
    `transport` replaces the network entirely.
    """

    def __init__(
        self,
        key: str | None = None,
        hash: str | None = None,
        *,
        base_url: str | None = None,
        sandbox: bool | str = False,
        sender: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        limits: Limits = DEFAULT_LIMITS,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: SyncTransport | None = None,
        validate: bool = True,
        user_agent: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        if transport is not None and (proxy is not None or ssl_context is not None):
            raise ValueError("proxy= and ssl_context= configure the default transport: pass them to yours")
        self._core = ClientCore(
            base_url=resolve_base_url(base_url, sandbox),
            credentials=resolve_credentials(key, hash),
            sender=sender,
            validate=validate,
            user_agent=user_agent,
        )
        self._timeout = timeout
        self._retry = retry
        self._retrier = Retrier(retry)
        self._transport: SyncTransport = (
            transport
            if transport is not None
            else HTTPTransport(limits, proxy=proxy, trust_env=trust_env, ssl_context=ssl_context)
        )

    @property
    def base_url(self) -> str:
        return self._core.base_url

    def __repr__(self) -> str:
        return f"Client(base_url={self._core.base_url!r})"

    # --- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the pooled connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the loop --------------------------------------------------------------------------------------

    def _send(self, call: Call[T]) -> T:
        attempts = None
        for attempt in itertools.count(1):
            try:
                return self._core.finish(call, self._transport.send(call.request, self._timeout))
            except IletiError as exc:
                attempts = attempts or Attempts(self._retrier, call)
                time.sleep(attempts.failed(attempt, exc))
        raise AssertionError("unreachable")  # pragma: no cover

    # --- sms and reports -------------------------------------------------------------------------------

    def send_sms(
        self,
        to: Recipients | None = None,
        text: str | None = None,
        *,
        messages: Sequence[Message] | Mapping[Number, str] | None = None,
        sender: str | None = None,
        schedule: datetime | str | None = None,
        iys: bool = False,
        iys_list: IysList | None = None,
        retry: bool | None = None,
    ) -> SentOrder:
        """Create an order: one `text` to the numbers in `to`, or several texts with `messages` (a list of
        `Message`, or a mapping number → text). `schedule` is a datetime (sent as Istanbul time, minutes).
        `iys=True` marks a commercial message and needs `iys_list` ("BIREYSEL" or "TACIR").
        `retry=True` also retries failures after which the order may exist (see RetryPolicy)."""
        call = self._core.send_sms(
            to,
            text,
            messages=messages,
            sender=sender,
            schedule=schedule,
            iys=iys,
            iys_list=iys_list,
            retry=retry,
            retry_default=self._retry.retry_send_sms,
        )
        return self._send(call)

    def cancel_order(self, order_id: int | str) -> None:
        """Cancel a scheduled order that has not started sending (455 otherwise)."""
        self._send(self._core.cancel_order(order_id))

    def get_report(
        self, order_id: int | str, *, page: int = 1, row_count: int = _paging.MAX_ROWS
    ) -> OrderReport:
        """One page of an order's report: status, counters and up to `row_count` recipient rows."""
        return self._send(self._core.get_report(order_id, page=page, row_count=row_count))

    def iter_report(
        self, order_id: int | str, *, row_count: int = _paging.MAX_ROWS
    ) -> Iterator[ReportMessage]:
        """Every recipient row of an order, page after page."""
        pager = _paging.RowsPager(row_count)
        while (params := pager.next_request()) is not None:
            report = self.get_report(order_id, **params)
            yield from pager.feed(report.messages, report.total)

    def wait(
        self,
        order_id: int | str,
        *,
        timeout: float = 300.0,
        interval: float = 2.0,
        max_interval: float = 30.0,
    ) -> OrderReport:
        """Poll until the order is final (114 completed or 115 failed/cancelled); WaitTimeoutError after
        `timeout` seconds. A scheduled order (456) counts as not final yet."""
        waiter = _paging.Waiter(order_id, _paging.PollPlan(timeout, interval, max_interval))
        while True:
            try:
                report: OrderReport | None = self.get_report(order_id)
            except ScheduleNotReachedError:
                report = None
            if report is not None and waiter.done(report):
                return report
            time.sleep(waiter.next_delay())

    def get_reports(self, start: date | str, end: date | str, *, page: int = 1) -> ReportsPage:
        """One page of the orders submitted between `start` and `end` (at most 10 days apart)."""
        return self._send(self._core.get_reports(start, end, page=page))

    def iter_reports(self, start: date | str, end: date | str) -> Iterator[OrderSummary]:
        """Every order submitted between `start` and `end`, any range: split into 10-day windows and pages."""
        pager = _paging.SummariesPager.over(as_date(start, "start"), as_date(end, "end"))
        while (params := pager.next_request()) is not None:
            yield from pager.feed(self.get_reports(**params))

    # --- account ---------------------------------------------------------------------------------------

    def get_balance(self) -> Balance:
        """The account balance: TL `amount` and `sms` credits. Free; the recommended first call."""
        return self._send(self._core.get_balance())

    def get_senders(self) -> list[str]:
        """The approved sender IDs (APITEST is always usable besides these)."""
        return self._send(self._core.get_senders())

    # --- blacklist -------------------------------------------------------------------------------------

    def get_blacklist(
        self,
        *,
        page: int = 1,
        row_count: int = _paging.MAX_ROWS,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> Blacklist:
        """One page of the blacklist (`count` is the account total)."""
        return self._send(self._core.get_blacklist(page=page, row_count=row_count, start=start, end=end))

    def iter_blacklist(
        self,
        *,
        row_count: int = _paging.MAX_ROWS,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> Iterator[str]:
        """Every blacklisted number (`+905…`), page after page."""
        pager = _paging.RowsPager(row_count)
        while (params := pager.next_request()) is not None:
            page = self.get_blacklist(**params, start=start, end=end)
            yield from pager.feed(page.numbers, page.count)

    def add_blacklist(self, number: Number) -> None:
        """Block a number (idempotent)."""
        self._send(self._core.add_blacklist(number))

    def delete_blacklist(self, number: Number) -> None:
        """Unblock a number (NotBlacklistedError, 474, when it is not on the list)."""
        self._send(self._core.delete_blacklist(number))

    # --- İYS consent -----------------------------------------------------------------------------------

    def create_consents(
        self, brand_code: int | str, records: Sequence[ConsentRecord | Mapping[str, Any]]
    ) -> None:
        """Register İYS consent records, in consecutive batches of at most 5000 (each batch is atomic)."""
        done = 0
        for batch in _paging.batches(records):
            try:
                self._send(self._core.create_consents(brand_code, batch))
            except IletiError as exc:
                _paging.note_stored_batches(exc, done)
                raise
            done += len(batch)

    def show_consent(
        self,
        brand_code: int | str,
        recipient: Number,
        *,
        recipient_type: str = "BIREYSEL",
        type: str = "MESAJ",
    ) -> Consent | None:
        """A recipient's İYS record for one channel; None when the API answers the empty-consent quirk."""
        return self._send(
            self._core.show_consent(brand_code, recipient, recipient_type=recipient_type, type=type)
        )

    # --- groups ----------------------------------------------------------------------------------------

    def add_group(self, name: str, *, parent: int | str | None = None) -> Group:
        return self._send(self._core.add_group(name, parent))

    def edit_group(self, group_id: int | str, name: str, *, parent: int | str | None = None) -> Group:
        return self._send(self._core.edit_group(group_id, name, parent))

    def delete_group(self, group_id: int | str) -> None:
        self._send(self._core.delete_group(group_id))

    def get_groups(self) -> list[Group]:
        return self._send(self._core.get_groups())

    def get_group(self, group_id: int | str) -> Group:
        return self._send(self._core.get_group(group_id))

    def get_group_contacts(
        self, group_id: int | str, *, page: int = 1, row_count: int = _paging.MAX_ROWS
    ) -> list[Contact]:
        return self._send(self._core.get_group_contacts(group_id, page=page, row_count=row_count))

    def iter_group_contacts(
        self, group_id: int | str, *, row_count: int = _paging.MAX_ROWS
    ) -> Iterator[Contact]:
        """Every contact of a group, page after page (none when the group is empty)."""
        pager = _paging.ContactsPager(row_count)
        while (params := pager.next_request()) is not None:
            try:
                rows = pager.feed(self.get_group_contacts(group_id, **params))
            except ContactNotFoundError:
                rows = pager.feed_not_found()
            yield from rows

    # --- contacts --------------------------------------------------------------------------------------

    def add_contact(
        self,
        *,
        name: str | None = None,
        surname: str | None = None,
        email: str | None = None,
        gsm: Number | None = None,
        custom_fields: Mapping[int, str] | None = None,
        groups: Sequence[int] | None = None,
    ) -> Contact:
        fields = ContactFields(name, surname, email, gsm, custom_fields, groups)
        return self._send(self._core.add_contact(fields))

    def edit_contact(
        self,
        contact_id: int | str,
        *,
        name: str | None = None,
        surname: str | None = None,
        email: str | None = None,
        gsm: Number | None = None,
        custom_fields: Mapping[int, str] | None = None,
        groups: Sequence[int] | None = None,
    ) -> Contact:
        fields = ContactFields(name, surname, email, gsm, custom_fields, groups)
        return self._send(self._core.edit_contact(contact_id, fields))

    def delete_contact(self, contact_id: int | str) -> None:
        self._send(self._core.delete_contact(contact_id))

    def get_contact(self, contact_id: int | str) -> Contact:
        return self._send(self._core.get_contact(contact_id))

    def search_contacts(self, key: str, *, page: int = 1, row_count: int = _paging.MAX_ROWS) -> list[Contact]:
        """One page of contacts whose phone, name, surname or email matches `key` (at least 3 characters)."""
        return self._send(self._core.search_contacts(key, page=page, row_count=row_count))

    def iter_contacts(self, key: str, *, row_count: int = _paging.MAX_ROWS) -> Iterator[Contact]:
        """Every contact matching `key`, page after page (none when nothing matches)."""
        pager = _paging.ContactsPager(row_count)
        while (params := pager.next_request()) is not None:
            try:
                rows = pager.feed(self.search_contacts(key, **params))
            except ContactNotFoundError:
                rows = pager.feed_not_found()
            yield from rows
