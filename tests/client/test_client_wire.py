"""Both clients over a real socket against a scripted server: every endpoint with its documented body, the
failure modes the sandbox cannot produce (HTML pages, truncated bodies), retries, pooling, logging."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import date

import pytest

import ileti
from ileti.client import errors as e

from . import fakeapi as f
from .conftest import HASH, ClientFactory, collect


async def test_every_endpoint_reads_its_documented_body(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, sender="MYBRAND")
    order = await client.send_sms("5301234567", "Merhaba")
    assert order.id == 12323232
    assert await client.cancel_order(order.id) is None
    report = await client.get_report(order.id)
    assert report.id == 312891245
    assert report.status is ileti.OrderStatus.COMPLETED
    assert report.price == 0.5
    assert [m.status for m in report.messages] == [
        ileti.MessageStatus.DELIVERED,
        ileti.MessageStatus.UNDELIVERED,
    ]
    page = await client.get_reports(date(2026, 4, 1), "2026-04-05")
    assert page.count == 1
    assert page.orders[0].id == 42
    balance = await client.get_balance()
    assert (balance.amount, balance.sms) == (10.584, 18343)
    assert await client.get_senders() == ["APITEST", "MYBRAND"]
    blacklist = await client.get_blacklist()
    assert blacklist.count == 2
    assert blacklist.numbers[0] == "+905301234567"
    assert await client.add_blacklist("0530 123 45 67") is None
    assert await client.delete_blacklist("5301234567") is None
    record = {
        "recipient": "+905301234567",
        "recipient_type": "BIREYSEL",
        "type": "MESAJ",
        "status": "ONAY",
        "source": "HS_WEB",
        "consent_date": "2026-04-01 10:00:00",
    }
    assert await client.create_consents(696422, [record]) is None
    consent = await client.show_consent(696422, "+905301234567")
    assert consent is not None
    assert consent.brand_code == 696422
    assert consent.status == "ONAY"
    assert (await client.add_group("Customers")).id == 7
    assert (await client.edit_group(7, "Clients")).name == "Clients"
    assert await client.delete_group(7) is None
    groups = await client.get_groups()
    assert groups[0].children is not None
    assert groups[0].children[0].name == "VIP"
    assert (await client.get_group(7)).count == 1
    assert (await client.get_group_contacts(7))[0].groups == [7]
    contact = await client.add_contact(name="Ada", gsm="0530 123 45 67", custom_fields={3: "x"}, groups=[7])
    assert contact.id == 1
    assert contact.custom_fields[0].value == "x"
    assert (await client.edit_contact(1, name="Ada L.")).name == "Ada L."
    assert await client.delete_contact(1) is None
    assert (await client.get_contact(1)).name == "Ada"
    assert (await client.search_contacts("ada"))[0].email == "ada@example.com"

    sent = dict(fake_api.requests)
    assert sent["send-sms"]["request"]["order"]["message"][0]["receipents"]["number"] == ["+905301234567"]
    assert sent["add-blacklist"]["request"]["blacklist"] == {"number": "+905301234567"}
    assert sent["get-reports"]["request"]["filter"] == {
        "start": "2026-04-01",
        "end": "2026-04-05",
        "page": "1",
    }
    assert sent["consent/create"]["request"]["consent"] == {
        "brandCode": "696422",
        "list": [
            {
                "recipient": "+905301234567",
                "recipientType": "BIREYSEL",
                "type": "MESAJ",
                "status": "ONAY",
                "source": "HS_WEB",
                "consentDate": "2026-04-01 10:00:00",
            }
        ],
    }
    assert sent["add-contact"]["request"]["contact"] == {
        "name": "Ada",
        "gsm": "+905301234567",
        "custom_fields": [{"id": "3", "value": "x"}],
        "groups": ["7"],
    }
    assert sent["get-balance"]["request"] == {
        "authentication": {"key": sent["get-balance"]["request"]["authentication"]["key"], "hash": HASH}
    }


async def test_consent_batches_are_split_into_5000_record_windows(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url)
    record = {
        "recipient": "+905301234567",
        "recipient_type": "BIREYSEL",
        "type": "MESAJ",
        "status": "ONAY",
        "source": "HS_WEB",
        "consent_date": "2026-04-01 10:00:00",
    }
    fake_api.script("consent/create", f.ok(), f.status(422))
    with pytest.raises(e.ValidationFailedError) as info:
        await client.create_consents(696422, [record] * 10001)
    assert [len(b["request"]["consent"]["list"]) for b in fake_api.calls("consent/create")] == [5000, 5000]
    assert "first 5000 records were stored" in "".join(info.value.__notes__)


async def test_contact_search_pages_until_a_short_page(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url)
    contacts = [{"id": i, "name": f"n{i}"} for i in range(3)]
    fake_api.script("search-contacts", f.ok({"contacts": contacts[:2]}), f.ok({"contacts": contacts[2:]}))
    found = await collect(client.iter_contacts("abc", row_count=2))
    assert [c.id for c in found] == [0, 1, 2]
    fake_api.script("get-group-contacts", f.status(465))
    assert await collect(client.iter_group_contacts(7)) == []


async def test_non_json_error_page_is_a_transport_error(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, retry=ileti.RetryPolicy(max_attempts=1))
    fake_api.script("get-balance", lambda _: f.http(500, b"<html>Internal Server Error</html>", "text/html"))
    with pytest.raises(e.InvalidResponseError) as info:
        await client.get_balance()
    assert info.value.response is not None
    assert info.value.response.status == 500
    assert "not JSON" in str(info.value)
    assert "text/html" in str(info.value)


async def test_truncated_body_is_a_transport_error(make_client: ClientFactory, fake_api: f.FakeApi) -> None:
    client = make_client(base_url=fake_api.url, retry=ileti.RetryPolicy(max_attempts=1))
    fake_api.script("get-balance", f.raw(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"response": {'))
    with pytest.raises(e.InvalidResponseError, match="truncated"):
        await client.get_balance()


async def test_read_timeout(make_client: ClientFactory, fake_api: f.FakeApi) -> None:
    client = make_client(
        base_url=fake_api.url, timeout=ileti.Timeout(5, read=0.1), retry=ileti.RetryPolicy(max_attempts=1)
    )
    fake_api.script("get-balance", f.slow(0.5, f.ok({"balance": {"amount": 1, "sms": 1}})))
    with pytest.raises(e.ReadTimeoutError):
        await client.get_balance()


async def test_connection_refused_is_retried_then_connect_error(make_client: ClientFactory) -> None:
    client = make_client(base_url="http://127.0.0.1:9", sender="S")
    with pytest.raises(e.ConnectError) as info:
        await client.send_sms("5301234567", "x")  # send-sms too: the request never left
    assert not info.value.may_have_reached_server
    assert info.value.endpoint == "send-sms"


async def test_reads_retry_a_dropped_connection(make_client: ClientFactory, fake_api: f.FakeApi) -> None:
    client = make_client(base_url=fake_api.url)
    fake_api.script("get-balance", f.drop(), f.status(503))
    assert (await client.get_balance()).sms == 18343
    assert len(fake_api.calls("get-balance")) == 3


async def test_send_sms_is_not_retried_after_a_drop_by_default(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, sender="S")
    fake_api.script("send-sms", f.drop())
    with pytest.raises(e.ConnectionLostError) as info:
        await client.send_sms("5301234567", "x")
    assert info.value.may_have_reached_server
    assert len(fake_api.calls("send-sms")) == 1


async def test_send_sms_503_is_retried(make_client: ClientFactory, fake_api: f.FakeApi) -> None:
    client = make_client(base_url=fake_api.url, sender="S")
    fake_api.script("send-sms", f.status(503))
    assert (await client.send_sms("5301234567", "x")).id == 12323232
    assert len(fake_api.calls("send-sms")) == 2


async def test_opted_in_retry_that_meets_451_explains_the_first_attempt(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, sender="S")
    fake_api.script("send-sms", f.drop(), f.status(451, "Tekrar eden sipariş"))
    with pytest.raises(e.DuplicateOrderError) as info:
        await client.send_sms("5301234567", "x", retry=True)
    assert info.value.after_retry
    assert "most likely created the order" in str(info.value)
    assert isinstance(info.value.__cause__, e.DuplicateOrderError)


async def test_a_451_without_a_retry_is_a_plain_duplicate(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    client = make_client(base_url=fake_api.url, sender="S", retry=ileti.RetryPolicy(retry_send_sms=True))
    fake_api.script("send-sms", f.status(451))
    with pytest.raises(e.DuplicateOrderError) as info:
        await client.send_sms("5301234567", "x")
    assert not info.value.after_retry


async def test_connections_are_reused(make_client: ClientFactory, fake_api: f.FakeApi) -> None:
    client = make_client(base_url=fake_api.url)
    for _ in range(20):
        await client.get_balance()
    assert fake_api.connections == 1


async def test_an_idle_connection_closed_by_the_server_is_replaced(
    make_client: ClientFactory, fake_api: f.FakeApi
) -> None:
    fake_api.close_after_each = True
    client = make_client(base_url=fake_api.url, sender="S", retry=ileti.RetryPolicy(max_attempts=1))
    for _ in range(3):
        await client.get_balance()
        await asyncio.sleep(0.02)  # let the server's close reach the client's idle socket
        await client.send_sms("5301234567", "x")  # a write must not fail on a stale socket
        await asyncio.sleep(0.02)
    assert fake_api.connections == 6


async def test_the_hash_is_never_logged(
    make_client: ClientFactory, fake_api: f.FakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ileti")
    client = make_client(base_url=fake_api.url, sender="S")
    fake_api.script("get-balance", f.status(503))
    fake_api.script("send-sms", f.status(450))
    await client.get_balance()
    with pytest.raises(e.SenderNotApprovedError) as info:
        await client.send_sms("5301234567", "x")
    assert "retrying" in caplog.text
    assert "get-balance" in caplog.text
    assert HASH not in caplog.text
    assert HASH not in str(info.value)
    assert HASH not in repr(info.value)
    assert HASH not in repr(client)


def test_one_sync_client_is_shared_by_threads(fake_api: f.FakeApi) -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    with ileti.Client(
        "k", "h", base_url=fake_api.url, sender="S", limits=ileti.Limits(max_connections=4)
    ) as client:

        def work() -> None:
            try:
                results.extend(client.get_balance().sms for _ in range(25))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert len(results) == 200
    assert fake_api.connections <= 4


async def test_one_async_client_is_shared_by_tasks(fake_api: f.FakeApi) -> None:
    async with ileti.AsyncClient(
        "k", "h", base_url=fake_api.url, limits=ileti.Limits(max_connections=4)
    ) as client:
        results = await asyncio.gather(*(client.get_balance() for _ in range(100)))
    assert {b.sms for b in results} == {18343}
    assert fake_api.connections <= 4


async def test_pool_timeout(fake_api: f.FakeApi) -> None:
    fake_api.script("get-balance", f.slow(0.5, f.ok({"balance": {"amount": 1, "sms": 1}})))
    async with ileti.AsyncClient(
        "k",
        "h",
        base_url=fake_api.url,
        limits=ileti.Limits(max_connections=1),
        timeout=ileti.Timeout(5, pool=0.05),
        retry=ileti.RetryPolicy(max_attempts=1),
    ) as client:
        slow = asyncio.ensure_future(client.get_balance())
        await asyncio.sleep(0.05)
        with pytest.raises(e.PoolTimeoutError):
            await client.get_balance()
        assert (await slow).sms == 1


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, fake_api: f.FakeApi) -> None:
    monkeypatch.setenv("ILETI_API_KEY", "envkey")
    monkeypatch.setenv("ILETI_API_HASH", "envhash")
    monkeypatch.setenv("ILETI_BASE_URL", fake_api.url)
    with ileti.Client() as client:
        assert client.base_url == fake_api.url
        client.get_balance()
    assert fake_api.requests[0][1]["request"]["authentication"] == {"key": "envkey", "hash": "envhash"}


def test_the_live_api_is_the_default() -> None:
    client = ileti.Client("k", "h")
    assert client.base_url == "https://api.iletimerkezi.com"
    client.close()


def test_a_full_pool_without_pool_timeout_waits(fake_api: f.FakeApi) -> None:
    fake_api.script("get-balance", f.slow(0.2, f.ok({"balance": {"amount": 1, "sms": 1}})))
    results: list[int] = []
    with ileti.Client(
        "k",
        "h",
        base_url=fake_api.url,
        limits=ileti.Limits(max_connections=1),
        timeout=ileti.Timeout(5, pool=None),
    ) as client:
        threads = [
            threading.Thread(target=lambda: results.append(client.get_balance().sms)) for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [1, 18343]


def test_an_async_client_can_be_used_from_a_second_event_loop(fake_api: f.FakeApi) -> None:
    """Connections and timers belong to one loop: a client closed at the end of one loop works in the next,
    with new connections and working timeouts."""
    client = ileti.AsyncClient(
        "k",
        "h",
        base_url=fake_api.url,
        timeout=ileti.Timeout(5, read=0.1),
        retry=ileti.RetryPolicy(max_attempts=1),
    )

    async def balance_and_close() -> int:
        try:
            return (await client.get_balance()).sms
        finally:
            await client.aclose()

    assert asyncio.run(balance_and_close()) == 18343

    async def slow_then_close() -> None:
        fake_api.script("get-balance", f.slow(0.5, f.ok({"balance": {"amount": 1, "sms": 1}})))
        try:
            with pytest.raises(e.ReadTimeoutError):
                await client.get_balance()
            assert (await client.get_balance()).sms == 18343
        finally:
            await client.aclose()

    asyncio.run(slow_then_close())
    assert fake_api.connections == 3
