"""`AsyncClient`: the asyncio client, the twin of `_sync.Client` line for line, `await` where it does I/O.

Safe to share between tasks of one event loop: the core is immutable and the transport's pool hands each
task its own connection.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
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
from ileti.client._transport import AsyncTransport
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

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient:
    """The iletiMerkezi API, for asyncio.

        async with ileti.AsyncClient(key, hash, sender="MYBRAND") as client:
            order = await client.send_sms("+905301234567", "Your code is 1234")
            report = await client.wait(order.id, timeout=120)

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
        transport: AsyncTransport | None = None,
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
        self._transport: AsyncTransport = (
            transport if transport is not None else _default_transport(limits, proxy, trust_env, ssl_context)
        )

    @property
    def base_url(self) -> str:
        return self._core.base_url

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self._core.base_url!r})"

    # --- lifecycle -------------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- the loop --------------------------------------------------------------------------------------

    async def _send(self, call: Call[T]) -> T:
        attempts = None
        for attempt in itertools.count(1):
            try:
                return self._core.finish(call, await self._transport.send(call.request, self._timeout))
            except IletiError as exc:
                attempts = attempts or Attempts(self._retrier, call)
                await asyncio.sleep(attempts.failed(attempt, exc))
        raise AssertionError("unreachable")  # pragma: no cover

    # --- sms and reports -------------------------------------------------------------------------------

    async def send_sms(
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
        return await self._send(call)

    async def cancel_order(self, order_id: int | str) -> None:
        """Cancel a scheduled order that has not started sending (455 otherwise)."""
        await self._send(self._core.cancel_order(order_id))

    async def get_report(
        self, order_id: int | str, *, page: int = 1, row_count: int = _paging.MAX_ROWS
    ) -> OrderReport:
        """One page of an order's report: status, counters and up to `row_count` recipient rows."""
        return await self._send(self._core.get_report(order_id, page=page, row_count=row_count))

    async def iter_report(
        self, order_id: int | str, *, row_count: int = _paging.MAX_ROWS
    ) -> AsyncIterator[ReportMessage]:
        """Every recipient row of an order, page after page."""
        pager = _paging.RowsPager(row_count)
        while (params := pager.next_request()) is not None:
            report = await self.get_report(order_id, **params)
            for row in pager.feed(report.messages, report.total):
                yield row

    async def wait(
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
                report: OrderReport | None = await self.get_report(order_id)
            except ScheduleNotReachedError:
                report = None
            if report is not None and waiter.done(report):
                return report
            await asyncio.sleep(waiter.next_delay())

    async def get_reports(self, start: date | str, end: date | str, *, page: int = 1) -> ReportsPage:
        """One page of the orders submitted between `start` and `end` (at most 10 days apart)."""
        return await self._send(self._core.get_reports(start, end, page=page))

    async def iter_reports(self, start: date | str, end: date | str) -> AsyncIterator[OrderSummary]:
        """Every order submitted between `start` and `end`, any range: split into 10-day windows and pages."""
        pager = _paging.SummariesPager.over(as_date(start, "start"), as_date(end, "end"))
        while (params := pager.next_request()) is not None:
            for summary in pager.feed(await self.get_reports(**params)):
                yield summary

    # --- account ---------------------------------------------------------------------------------------

    async def get_balance(self) -> Balance:
        """The account balance: TL `amount` and `sms` credits. Free; the recommended first call."""
        return await self._send(self._core.get_balance())

    async def get_senders(self) -> list[str]:
        """The approved sender IDs (APITEST is always usable besides these)."""
        return await self._send(self._core.get_senders())

    # --- blacklist -------------------------------------------------------------------------------------

    async def get_blacklist(
        self,
        *,
        page: int = 1,
        row_count: int = _paging.MAX_ROWS,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> Blacklist:
        """One page of the blacklist (`count` is the account total)."""
        return await self._send(
            self._core.get_blacklist(page=page, row_count=row_count, start=start, end=end)
        )

    async def iter_blacklist(
        self,
        *,
        row_count: int = _paging.MAX_ROWS,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> AsyncIterator[str]:
        """Every blacklisted number (`+905…`), page after page."""
        pager = _paging.RowsPager(row_count)
        while (params := pager.next_request()) is not None:
            page = await self.get_blacklist(**params, start=start, end=end)
            for number in pager.feed(page.numbers, page.count):
                yield number

    async def add_blacklist(self, number: Number) -> None:
        """Block a number (idempotent)."""
        await self._send(self._core.add_blacklist(number))

    async def delete_blacklist(self, number: Number) -> None:
        """Unblock a number (NotBlacklistedError, 474, when it is not on the list)."""
        await self._send(self._core.delete_blacklist(number))

    # --- İYS consent -----------------------------------------------------------------------------------

    async def create_consents(
        self, brand_code: int | str, records: Sequence[ConsentRecord | Mapping[str, Any]]
    ) -> None:
        """Register İYS consent records, in consecutive batches of at most 5000 (each batch is atomic)."""
        done = 0
        for batch in _paging.batches(records):
            try:
                await self._send(self._core.create_consents(brand_code, batch))
            except IletiError as exc:
                _paging.note_stored_batches(exc, done)
                raise
            done += len(batch)

    async def show_consent(
        self,
        brand_code: int | str,
        recipient: Number,
        *,
        recipient_type: str = "BIREYSEL",
        type: str = "MESAJ",
    ) -> Consent | None:
        """A recipient's İYS record for one channel; None when the API answers the empty-consent quirk."""
        return await self._send(
            self._core.show_consent(brand_code, recipient, recipient_type=recipient_type, type=type)
        )

    # --- groups ----------------------------------------------------------------------------------------

    async def add_group(self, name: str, *, parent: int | str | None = None) -> Group:
        return await self._send(self._core.add_group(name, parent))

    async def edit_group(self, group_id: int | str, name: str, *, parent: int | str | None = None) -> Group:
        return await self._send(self._core.edit_group(group_id, name, parent))

    async def delete_group(self, group_id: int | str) -> None:
        await self._send(self._core.delete_group(group_id))

    async def get_groups(self) -> list[Group]:
        return await self._send(self._core.get_groups())

    async def get_group(self, group_id: int | str) -> Group:
        return await self._send(self._core.get_group(group_id))

    async def get_group_contacts(
        self, group_id: int | str, *, page: int = 1, row_count: int = _paging.MAX_ROWS
    ) -> list[Contact]:
        return await self._send(self._core.get_group_contacts(group_id, page=page, row_count=row_count))

    async def iter_group_contacts(
        self, group_id: int | str, *, row_count: int = _paging.MAX_ROWS
    ) -> AsyncIterator[Contact]:
        """Every contact of a group, page after page (none when the group is empty)."""
        pager = _paging.ContactsPager(row_count)
        while (params := pager.next_request()) is not None:
            try:
                rows = pager.feed(await self.get_group_contacts(group_id, **params))
            except ContactNotFoundError:
                rows = pager.feed_not_found()
            for contact in rows:
                yield contact

    # --- contacts --------------------------------------------------------------------------------------

    async def add_contact(
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
        return await self._send(self._core.add_contact(fields))

    async def edit_contact(
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
        return await self._send(self._core.edit_contact(contact_id, fields))

    async def delete_contact(self, contact_id: int | str) -> None:
        await self._send(self._core.delete_contact(contact_id))

    async def get_contact(self, contact_id: int | str) -> Contact:
        return await self._send(self._core.get_contact(contact_id))

    async def search_contacts(
        self, key: str, *, page: int = 1, row_count: int = _paging.MAX_ROWS
    ) -> list[Contact]:
        """One page of contacts whose phone, name, surname or email matches `key` (at least 3 characters)."""
        return await self._send(self._core.search_contacts(key, page=page, row_count=row_count))

    async def iter_contacts(self, key: str, *, row_count: int = _paging.MAX_ROWS) -> AsyncIterator[Contact]:
        """Every contact matching `key`, page after page (none when nothing matches)."""
        pager = _paging.ContactsPager(row_count)
        while (params := pager.next_request()) is not None:
            try:
                rows = pager.feed(await self.search_contacts(key, **params))
            except ContactNotFoundError:
                rows = pager.feed_not_found()
            for contact in rows:
                yield contact


def _default_transport(
    limits: Limits, proxy: str | None, trust_env: bool, ssl_context: ssl.SSLContext | None
) -> AsyncTransport:
    from ileti.client._aiohttp import AsyncHTTPTransport  # aiohttp is imported only when used

    return AsyncHTTPTransport(limits, proxy=proxy, trust_env=trust_env, ssl_context=ssl_context)
