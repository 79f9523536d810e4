"""Both clients against the real sandbox over a real socket: every endpoint, every error class raised by the
condition that triggers it, retries proven with the sandbox's fault injection, pagination, concurrency."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

import ileti
from ileti.client import errors as e
from ileti.testing import SandboxHandle

from .conftest import ClientFactory, collect

Factory = Callable[..., Any]
BRAND = 696422


@pytest.fixture
def sandbox_client(make_client: ClientFactory, ileti_sandbox: SandboxHandle) -> Factory:
    """Clients (of the parametrized kind) for the sandbox's test account, or for `account=` another one."""

    def make(account: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        account = account or ileti_sandbox.account
        kwargs.setdefault("sender", ileti_sandbox.sender)
        kwargs.setdefault("base_url", ileti_sandbox.url)
        return make_client(key=account["key"], hash=account["hash"], **kwargs)

    return make


def sandbox_now(sandbox: SandboxHandle) -> datetime:
    return datetime.strptime(sandbox.control("GET", "/clock")["now"], "%Y-%m-%d %H:%M:%S")


def iys_account(sandbox: SandboxHandle, **iys: Any) -> dict[str, Any]:
    return sandbox.create_account(
        balance={"amount": 100.0, "sms": 100},
        senders=[sandbox.sender],
        iys={"brand_code": BRAND, "active": True, "quota": 100_000, **iys},
    )


def consent(sandbox: SandboxHandle, number: str, status: str = "ONAY") -> dict[str, Any]:
    return {
        "recipient": number,
        "recipient_type": "BIREYSEL",
        "type": "MESAJ",
        "status": status,
        "source": "HS_WEB",
        "consent_date": sandbox_now(sandbox),
    }


# --- every endpoint -------------------------------------------------------------------------------------


async def test_sms_endpoints(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    client = sandbox_client()
    balance = await client.get_balance()
    assert balance.sms == 10_000
    assert await client.get_senders() == [ileti_sandbox.sender]

    first_day = sandbox_now(ileti_sandbox).date()  # the clock moves below: it may cross Istanbul's midnight
    order = await client.send_sms(["0530 123 45 67", "5301230001"], "Merhaba")
    assert isinstance(order.id, int)
    ileti_sandbox.advance(60)
    ileti_sandbox.settle()
    report = await client.wait(order.id, timeout=5)
    assert report.status is ileti.OrderStatus.COMPLETED
    assert (report.total, report.delivered, report.undelivered, report.waiting) == (2, 1, 1, 0)
    statuses = {m.number: m.status for m in report.messages}
    assert statuses == {
        "+905301234567": ileti.MessageStatus.DELIVERED,
        "+905301230001": ileti.MessageStatus.UNDELIVERED,
    }

    many = await client.send_sms(
        messages=[ileti.Message("Bir", ["5301234568"]), ileti.Message("İki", "5301234569")]
    )
    per_recipient = await client.send_sms(messages={"5301234570": "Merhaba Ada", "5301234571": "Merhaba Can"})
    texts = {m["to"]: m["text"] for m in ileti_sandbox.messages()}
    assert texts["+905301234569"] == "İki"
    assert texts["+905301234571"] == "Merhaba Can"

    today = sandbox_now(ileti_sandbox).date()
    page = await client.get_reports(first_day, today)
    assert {o.id for o in page.orders} >= {order.id, many.id, per_recipient.id}
    assert page.count == 3


async def test_scheduled_order_is_456_until_due_and_can_be_cancelled(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle
) -> None:
    client = sandbox_client()
    when = sandbox_now(ileti_sandbox) + timedelta(hours=2)
    order = await client.send_sms("5301234567", "Later", schedule=when)
    stored = ileti_sandbox.messages(order_id=order.id)
    assert stored
    with pytest.raises(e.ScheduleNotReachedError):
        await client.get_report(order.id)
    await client.cancel_order(order.id)
    assert (await client.get_report(order.id)).status is ileti.OrderStatus.CANCELED
    with pytest.raises(e.OrderNotFoundError):
        await client.cancel_order(order.id)  # a second cancel is 455


async def test_blacklist_endpoints(sandbox_client: Factory) -> None:
    client = sandbox_client()
    await client.add_blacklist("0530 123 45 67")
    await client.add_blacklist("905301234567")  # idempotent
    page = await client.get_blacklist()
    assert (page.count, page.numbers) == (1, ["+905301234567"])
    await client.delete_blacklist("5301234567")
    with pytest.raises(e.NotBlacklistedError):
        await client.delete_blacklist("5301234567")


async def test_consent_endpoints(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    client = sandbox_client(iys_account(ileti_sandbox))
    await client.create_consents(BRAND, [consent(ileti_sandbox, "+905301234567")])
    record = await client.show_consent(BRAND, "+905301234567")
    assert record is not None
    assert (record.brand_code, record.status) == (BRAND, "ONAY")


async def test_group_and_contact_endpoints(sandbox_client: Factory) -> None:
    client = sandbox_client()
    group = await client.add_group("Customers")
    child = await client.add_group("VIP", parent=group.id)
    assert (await client.edit_group(child.id, "Gold", parent=group.id)).name == "Gold"
    contact = await client.add_contact(name="Ada", surname="Lovelace", gsm="05301234567", groups=[group.id])
    assert contact.gsm == "+905301234567"
    assert (
        await client.edit_contact(contact.id, name="Ada", email="ada@example.com")
    ).email == "ada@example.com"
    assert (await client.get_contact(contact.id)).surname == "Lovelace"
    assert [c.id for c in await client.get_group_contacts(group.id)] == [contact.id]
    assert [c.id for c in await client.search_contacts("Lov")] == [contact.id]
    fetched = await client.get_group(group.id)
    assert fetched.name == "Customers"
    assert any(g.id == group.id for g in await client.get_groups())
    await client.delete_contact(contact.id)
    with pytest.raises(e.ContactNotFoundError):
        await client.get_contact(contact.id)
    await client.delete_group(child.id)
    with pytest.raises(e.GroupNotFoundError):
        await client.get_group(child.id)


# --- every error class, from the condition that triggers it --------------------------------------------


async def test_401_wrong_hash_and_api_access_off(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle
) -> None:
    with pytest.raises(e.UnauthorizedError) as info:
        await sandbox_client({"key": ileti_sandbox.key, "hash": "0" * 64}).get_balance()
    assert "Allow API access" in str(info.value)
    assert info.value.response is not None
    assert info.value.response.status == 401
    off = ileti_sandbox.create_account(api_access=False)
    with pytest.raises(e.UnauthorizedError):
        await sandbox_client(off).get_balance()


async def test_404_unknown_path(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    client = sandbox_client(base_url=ileti_sandbox.url + "/v1/nowhere")
    with pytest.raises(e.MethodNotFoundError):
        await client.get_balance()


SERVER_REFUSALS = [
    ({"sender": ""}, e.SenderEmptyError),
    ({"sender": "ÇOKUZUNBAŞLIK"}, e.SenderInvalidError),
    ({"sender": "NOTMINE"}, e.SenderNotApprovedError),
    ({"text": ""}, e.EmptyTextError),
    ({"text": "x" * 1067}, e.OrderTooLargeError),
    ({"to": ["123", "905991234567"]}, e.InvalidRecipientsError),
    ({"schedule": "2026-05-01 09:30"}, e.InvalidSendDateError),
    ({"iys": True}, e.IysListRequiredError),
    ({"iys": True, "iys_list": "BIREYSEL"}, e.IysCodeMissingError),
]


@pytest.mark.parametrize(
    ("kwargs", "error"), SERVER_REFUSALS, ids=[err.__name__ for _, err in SERVER_REFUSALS]
)
async def test_send_sms_refusals_locally_and_from_the_server(
    sandbox_client: Factory,
    ileti_sandbox: SandboxHandle,
    kwargs: dict[str, Any],
    error: type[e.ApiStatusError],
) -> None:
    args = {"to": "5301234567", "text": "Merhaba", **kwargs}
    if error is not e.SenderNotApprovedError and error is not e.IysCodeMissingError:
        with pytest.raises(error) as local:
            await sandbox_client().send_sms(**args)
        assert local.value.local
    with pytest.raises(error) as remote:
        await sandbox_client(validate=False).send_sms(**args)
    assert not remote.value.local
    assert remote.value.response is not None
    assert remote.value.response.status == error.code
    assert ileti_sandbox.messages() == []


async def test_402_insufficient_balance(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    poor = ileti_sandbox.create_account(balance={"amount": 0, "sms": 0}, senders=[ileti_sandbox.sender])
    with pytest.raises(e.InsufficientBalanceError):
        await sandbox_client(poor).send_sms("5301234567", "Merhaba")


async def test_451_duplicate_order(sandbox_client: Factory) -> None:
    client = sandbox_client()
    await client.send_sms("5301234567", "Aynı metin")
    with pytest.raises(e.DuplicateOrderError) as info:
        await client.send_sms("5301234567", "Aynı metin")
    assert not info.value.after_retry


async def test_455_unknown_order(sandbox_client: Factory) -> None:
    with pytest.raises(e.OrderNotFoundError):
        await sandbox_client().get_report(987654321)


async def test_458_bad_range(sandbox_client: Factory) -> None:
    with pytest.raises(e.InvalidDateRangeError) as local:
        await sandbox_client().get_reports("2026-04-01", "2026-04-20")
    assert local.value.local
    with pytest.raises(e.InvalidDateRangeError):
        await sandbox_client(validate=False).get_reports("2026-04-01", "2026-04-20")


async def test_466_invalid_blacklist_number(sandbox_client: Factory) -> None:
    with pytest.raises(e.InvalidNumberError) as local:
        await sandbox_client().add_blacklist("905991234567")
    assert local.value.local
    with pytest.raises(e.InvalidNumberError):
        await sandbox_client(validate=False).add_blacklist("905991234567")


async def test_467_documents_missing(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    account = ileti_sandbox.create_account(
        documents_missing=True, senders=[ileti_sandbox.sender], balance={"amount": 100.0, "sms": 100}
    )
    with pytest.raises(e.DocumentsMissingError):
        await sandbox_client(account).send_sms("5301234567", "Merhaba")


async def test_contacts_errors(sandbox_client: Factory) -> None:
    client = sandbox_client()
    with pytest.raises(e.GroupNameRequiredError):
        await client.add_group("")
    with pytest.raises(e.GroupIdRequiredError):
        await client.edit_group(999, "x")
    with pytest.raises(e.GroupNotFoundError):
        await client.add_group("child", parent=999)
    with pytest.raises(e.InvalidPageError):
        await client.search_contacts("abc", page=0)
    with pytest.raises(e.ContactNotFoundError):
        await client.search_contacts("nobody")
    with pytest.raises(e.SearchTermTooShortError):
        await client.search_contacts("ab")
    with pytest.raises(e.ContactFieldsRequiredError):
        await client.add_contact()
    with pytest.raises(e.CustomFieldNotFoundError):
        await client.add_contact(name="Ada", custom_fields={999: "x"})


async def test_iys_errors(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    with pytest.raises(e.NoIysSubscriptionError):
        await sandbox_client().create_consents(BRAND, [consent(ileti_sandbox, "+905301234567")])
    limited = sandbox_client(iys_account(ileti_sandbox, quota=1))
    with pytest.raises(e.IysQuotaExceededError):
        await limited.create_consents(
            BRAND, [consent(ileti_sandbox, "+905301234567"), consent(ileti_sandbox, "+905301234568")]
        )
    client = sandbox_client(iys_account(ileti_sandbox))
    with pytest.raises(e.ValidationFailedError):
        await client.create_consents(BRAND, [{**consent(ileti_sandbox, "+905301234567"), "type": "FAX"}])
    with pytest.raises(e.ValidationFailedError):
        await client.show_consent(BRAND, "+905309999999")  # no record at all


async def test_400_468_475_through_the_raw_call_path(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle, make_client: ClientFactory
) -> None:
    """Codes the client's own methods never provoke (it always sends JSON, an iys flag and ≤5000 records),
    shown through the same transport and error mapping with hand-made requests."""
    from ileti.client import RawRequest

    client = ileti.Client(ileti_sandbox.key, ileti_sandbox.hash, base_url=ileti_sandbox.url, validate=False)
    core = client._core
    try:
        broken = RawRequest("POST", ileti_sandbox.url + "/v1/get-balance/json", {}, b"{not json")
        with pytest.raises(e.BadRequestError):
            core.finish(core.get_balance(), client._transport.send(broken, ileti.Timeout()))
        call = core.call(
            "send-sms",
            {
                "sender": ileti_sandbox.sender,
                "message": {"text": "x", "receipents": {"number": ["5301234567"]}},
            },
            lambda response: response,
        )
        with pytest.raises(e.IysFlagRequiredError):
            client._send(call)
        iys = iys_account(ileti_sandbox)
        many = ileti.Client(iys["key"], iys["hash"], base_url=ileti_sandbox.url, validate=False)
        try:
            records = [consent(ileti_sandbox, "+905301234567")] * 5001
            with pytest.raises(e.IysBatchTooLargeError):
                many._send(many._core.create_consents(BRAND, records))
        finally:
            many.close()
    finally:
        client.close()


# --- retries with fault injection ------------------------------------------------------------------------


async def test_503_then_success(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "status_503", "times": 1}])
    order = await sandbox_client().send_sms("5301234567", "Merhaba")
    assert [m["order_id"] for m in ileti_sandbox.messages()] == [order.id]


async def test_503_exhausting_the_attempts_is_service_unavailable(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.set_faults([{"endpoint": "*", "fault": "status_503", "times": None}])
    with pytest.raises(e.ServiceUnavailableError):
        await sandbox_client().get_balance()


async def test_commit_then_drop_is_not_retried_by_default(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "commit_then_drop", "times": 1}])
    with pytest.raises(e.TransportError) as info:
        await sandbox_client().send_sms("5301234567", "Merhaba")
    assert info.value.may_have_reached_server
    assert len(ileti_sandbox.messages()) == 1  # the order exists: a blind retry would have sent it twice


async def test_commit_then_drop_with_opt_in_retry_explains_the_451(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "commit_then_drop", "times": 1}])
    with pytest.raises(e.DuplicateOrderError) as info:
        await sandbox_client().send_sms("5301234567", "Merhaba", retry=True)
    assert info.value.after_retry
    assert "most likely created the order" in str(info.value)
    assert len(ileti_sandbox.messages()) == 1


async def test_reads_retry_a_dropped_connection(
    sandbox_client: Factory, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.set_faults([{"endpoint": "get-balance", "fault": "drop", "times": 1}])
    assert (await sandbox_client().get_balance()).sms == 10_000


async def test_latency_beyond_the_read_timeout(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "get-balance", "fault": "latency", "latency_ms": 400, "times": 1}])
    client = sandbox_client(timeout=ileti.Timeout(5, read=0.1), retry=ileti.RetryPolicy(max_attempts=1))
    with pytest.raises(e.ReadTimeoutError):
        await client.get_balance()


# --- helpers: pagination, windows, wait ---------------------------------------------------------------


async def test_report_rows_over_several_pages(sandbox_client: Factory) -> None:
    client = sandbox_client()
    numbers = [f"53012340{i:02d}" for i in range(10, 17)]
    order = await client.send_sms(numbers, "Sayfa")
    rows = await collect(client.iter_report(order.id, row_count=3))
    assert sorted(r.number for r in rows) == sorted("+90" + n for n in numbers)


async def test_blacklist_over_several_pages(sandbox_client: Factory) -> None:
    client = sandbox_client()
    numbers = [f"+9053012340{i:02d}" for i in range(10, 15)]
    for number in numbers:
        await client.add_blacklist(number)
    assert sorted(await collect(client.iter_blacklist(row_count=2))) == numbers


async def test_contact_search_over_several_pages(sandbox_client: Factory) -> None:
    client = sandbox_client()
    for i in range(5):
        await client.add_contact(name=f"Zeynep {i}")
    found = await collect(client.iter_contacts("Zeynep", row_count=2))
    assert sorted(c.name for c in found) == [f"Zeynep {i}" for i in range(5)]


async def test_reports_over_more_than_ten_days(sandbox_client: Factory, ileti_sandbox: SandboxHandle) -> None:
    client = sandbox_client()
    ileti_sandbox.set_clock("2026-04-01 10:00:00")
    first = await client.send_sms("5301234567", "Nisan başı")
    ileti_sandbox.set_clock("2026-04-18 10:00:00")
    second = await client.send_sms("5301234567", "Nisan ortası")
    orders = await collect(client.iter_reports("2026-03-25", "2026-04-30"))
    assert [o.id for o in orders] == [first.id, second.id]


async def test_wait_times_out_on_an_order_that_never_settles(sandbox_client: Factory) -> None:
    client = sandbox_client()
    order = await client.send_sms("5301230002", "Hiç")
    with pytest.raises(e.WaitTimeoutError) as info:
        await client.wait(order.id, timeout=0.2, interval=0.05)
    assert info.value.last_report is not None


# --- sharing one client ------------------------------------------------------------------------------


def test_sync_client_shared_between_threads(ileti_sandbox: SandboxHandle) -> None:
    errors: list[BaseException] = []
    ids: list[int] = []
    with ileti.Client(
        ileti_sandbox.key, ileti_sandbox.hash, base_url=ileti_sandbox.url, sender=ileti_sandbox.sender
    ) as client:

        def work(n: int) -> None:
            try:
                ids.extend(client.send_sms("5301234567", f"Thread {n} message {i}").id for i in range(5))
                client.get_balance()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert len(set(ids)) == 30


async def test_async_client_shared_between_tasks(ileti_sandbox: SandboxHandle) -> None:
    async with ileti.AsyncClient(
        ileti_sandbox.key, ileti_sandbox.hash, base_url=ileti_sandbox.url, sender=ileti_sandbox.sender
    ) as client:
        orders = await asyncio.gather(*(client.send_sms("5301234567", f"Task {i}") for i in range(30)))
    assert len({o.id for o in orders}) == 30
    assert len(ileti_sandbox.messages()) == 30
