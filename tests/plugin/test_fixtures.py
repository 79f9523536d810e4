"""The plugin's fixtures and helpers as a user's tests see them (the plugin is loaded through `pytest11`)."""

from __future__ import annotations

import os

import ileti
from ileti.testing import SandboxHandle


def test_ileti_client_is_ready_for_the_fresh_account(
    ileti_client: ileti.Client, ileti_sandbox: SandboxHandle
) -> None:
    assert ileti_client is ileti_sandbox.client
    assert ileti_client.base_url == ileti_sandbox.url
    order = ileti_client.send_sms("+905301234567", "Merhaba")  # the account's sender is the default
    [message] = ileti_sandbox.messages(to="+905301234567")  # a "+" in a filter reaches the server intact
    assert (message["order_id"], message["sender"]) == (order.id, ileti_sandbox.sender)


def test_ileti_env_points_code_that_builds_its_own_client_at_the_sandbox(ileti_env: SandboxHandle) -> None:
    assert os.environ["ILETI_BASE_URL"] == ileti_env.url
    with ileti.Client(sender=os.environ["ILETI_SENDER"]) as client:  # credentials from the environment
        assert client.get_balance().sms == 10_000


def test_update_account_changes_what_the_api_sees(ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.update_account(balance={"sms": 3}, senders=["ACME"])
    assert ileti_sandbox.account["balance"]["sms"] == 3
    assert ileti_sandbox.client.get_senders() == ["ACME"]


async def test_async_client_for_the_same_account(ileti_sandbox: SandboxHandle) -> None:
    async with ileti_sandbox.async_client() as client:
        order = await client.send_sms("5301234567", "Merhaba")
    ileti_sandbox.settle()
    assert ileti_sandbox.client.get_report(order.id).delivered == 1
