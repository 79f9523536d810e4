"""The urllib3 and aiohttp transports: the same results and failure classification as the defaults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import ileti
from ileti.client import errors as e

from . import fakeapi as f
from .conftest import FAST_RETRY, HASH, KEY, SyncAsAsync


@pytest.fixture(params=["urllib3", "aiohttp"])
async def adapter_client(request: pytest.FixtureRequest, fake_api: f.FakeApi) -> AsyncIterator[Any]:
    def make(**kwargs: Any) -> Any:
        kwargs = {
            "key": KEY,
            "hash": HASH,
            "base_url": fake_api.url,
            "sender": "S",
            "retry": FAST_RETRY,
            **kwargs,
        }
        if request.param == "urllib3":
            return SyncAsAsync(ileti.Client(transport=ileti.client.Urllib3Transport(), **kwargs))
        return ileti.AsyncClient(transport=ileti.client.AiohttpTransport(trust_env=False), **kwargs)

    made: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        made.append(make(**kwargs))
        return made[-1]

    yield factory
    for client in made:
        await client.aclose()


async def test_endpoints_and_pooling(adapter_client: Any, fake_api: f.FakeApi) -> None:
    client = adapter_client()
    assert (await client.send_sms("5301234567", "x")).id == 12323232
    assert (await client.get_balance()).sms == 18343
    assert (await client.get_report(1)).total == 2
    assert fake_api.connections == 1


async def test_non_json_and_status_errors(adapter_client: Any, fake_api: f.FakeApi) -> None:
    client = adapter_client(retry=ileti.RetryPolicy(max_attempts=1))
    fake_api.script("get-balance", lambda _: f.http(502, b"<html>bad gateway</html>", "text/html"))
    with pytest.raises(e.InvalidResponseError):
        await client.get_balance()
    fake_api.script("get-balance", f.status(401))
    with pytest.raises(e.UnauthorizedError):
        await client.get_balance()


async def test_refused_connection_is_not_sent(adapter_client: Any) -> None:
    client = adapter_client(base_url="http://127.0.0.1:9", retry=ileti.RetryPolicy(max_attempts=1))
    with pytest.raises(e.ConnectError) as info:
        await client.send_sms("5301234567", "x")
    assert not info.value.may_have_reached_server


async def test_drop_may_have_reached_and_send_sms_is_not_retried(
    adapter_client: Any, fake_api: f.FakeApi
) -> None:
    fake_api.script("send-sms", f.drop())
    with pytest.raises(e.TransportError) as info:
        await adapter_client().send_sms("5301234567", "x")
    assert info.value.may_have_reached_server
    assert len(fake_api.calls("send-sms")) == 1


async def test_truncated_body(adapter_client: Any, fake_api: f.FakeApi) -> None:
    fake_api.script("get-balance", f.raw(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"response": {'))
    with pytest.raises(e.TransportError):
        await adapter_client(retry=ileti.RetryPolicy(max_attempts=1)).get_balance()


async def test_read_timeout(adapter_client: Any, fake_api: f.FakeApi) -> None:
    fake_api.script("get-balance", f.slow(0.5, f.ok({"balance": {"amount": 1, "sms": 1}})))
    client = adapter_client(timeout=ileti.Timeout(5, read=0.1), retry=ileti.RetryPolicy(max_attempts=1))
    with pytest.raises(e.ReadTimeoutError):
        await client.get_balance()
