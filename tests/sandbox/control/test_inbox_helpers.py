"""Inbox helpers of the control API over a real socket: text search, `after`, `wait`, one-time codes, clearing
messages, the `max_messages` cap, and the pytest plugin's wrappers."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from ileti.sandbox.store.inbox_tools import one_time_code
from ileti.testing import SandboxHandle, SandboxServer, http_client

from ..conftest import Api


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Doğrulama kodunuz: 482913", "482913"),
        ("Kod 1234 ile giriş yapın, 5678 değil", "1234"),
        ("Siparişiniz 05301234567 numarasına", None),  # 11 digits: a phone number, not a code
        ("123 adet", None),
        ("kod:12345678.", "12345678"),
        ("123456789 ve 4321", "4321"),
        ("٣٤٥٦ Arabic-Indic digits are not a code", None),
        ("", None),
    ],
)
def test_one_time_code(text: str, code: str | None) -> None:
    assert one_time_code(text) == code


def test_every_message_carries_its_code(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("Giriş kodunuz 7351. Kimseyle paylaşmayın.")
    api.send_ok("Kodsuz bir mesaj", ["5301230000"])
    codes = {m["to"]: m["code"] for m in ileti_sandbox.messages()}
    assert codes == {"+905301234567": "7351", "+905301230000": None}


def test_q_searches_text_case_insensitively_with_turkish_i_folded(
    api: Api, ileti_sandbox: SandboxHandle
) -> None:
    api.send_ok("İSTANBUL şubesi açıldı")
    api.send_ok("Izmir kampanyası", ["5301230000"])
    api.send_ok("ankara", ["5301230001"])

    def texts(q: str) -> list[str]:
        return [m["text"] for m in ileti_sandbox.messages(q=q)]

    assert texts("istanbul") == ["İSTANBUL şubesi açıldı"]
    assert texts("ıstanbul") == ["İSTANBUL şubesi açıldı"]  # dotless ı finds İ too
    assert texts("İZMİR") == ["Izmir kampanyası"]
    assert texts("KAMPANYASI") == ["Izmir kampanyası"]
    assert texts("a") == ["ankara", "Izmir kampanyası", "İSTANBUL şubesi açıldı"]  # newest first
    assert texts("bursa") == []
    assert texts("%") == []  # no SQL pattern characters leak through
    assert [m["to"] for m in ileti_sandbox.messages(q="a", to="5301230000")] == ["+905301230000"]


def test_q_search_pages_through_order_texts_and_honours_limit(
    api: Api, ileti_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ileti.sandbox.store import inbox_tools

    monkeypatch.setattr(inbox_tools, "_PAGE", 2)  # the test's server runs in this process
    api.send_ok("eski iğne", ["5301230000"])
    for index in range(5):
        api.send_ok(f"samanlık {index}", [f"53012{index}{n:04d}" for n in range(3)])
    [found] = ileti_sandbox.messages(q="İĞNE")
    assert found["text"] == "eski iğne"
    texts = [m["text"] for m in ileti_sandbox.messages(q="saman", limit=7)]
    assert texts == ["samanlık 4"] * 3 + ["samanlık 3"] * 3 + ["samanlık 2"]
    assert len(ileti_sandbox.messages(q="saman")) == 15
    assert [m["text"] for m in ileti_sandbox.messages(q="saman", to="5301200001")] == ["samanlık 0"]
    newest = ileti_sandbox.messages()[0]["id"]
    assert ileti_sandbox.messages(q="saman", after=newest) == []
    assert len(ileti_sandbox.messages(q="saman", after=newest - 4)) == 4


def test_after_returns_only_newer_messages(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("birinci")
    [first] = ileti_sandbox.messages()
    assert ileti_sandbox.messages(after=first["id"]) == []
    api.send_ok("ikinci", ["5301230000"])
    assert [m["text"] for m in ileti_sandbox.messages(after=first["id"])] == ["ikinci"]


def _get(ileti_sandbox: SandboxHandle, **params: Any) -> httpx.Response:
    return httpx.get(f"{ileti_sandbox.url}/_sandbox/messages", params=params, timeout=40)


def test_wait_answers_at_once_when_something_matches(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("hazır")
    started = time.monotonic()
    response = _get(ileti_sandbox, wait=10)
    assert time.monotonic() - started < 1
    assert [m["text"] for m in response.json()["messages"]] == ["hazır"]


def test_wait_is_released_by_a_send_during_the_wait(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("başka numara", ["5301230000"])
    [other] = ileti_sandbox.messages()
    results: dict[str, Any] = {}

    def waiter() -> None:
        started = time.monotonic()
        results["response"] = _get(ileti_sandbox, to="5301234567", q="KOD", after=other["id"], wait=10)
        results["took"] = time.monotonic() - started

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.8)
    api.send_ok("kod değil", ["5301230000"])  # another number: the wait goes on
    time.sleep(0.7)
    assert thread.is_alive()
    api.send_ok("Kodunuz 246810")
    thread.join(5)
    assert not thread.is_alive()
    assert 1.5 <= results["took"] < 4  # released by the send, not by the timeout
    [message] = results["response"].json()["messages"]
    assert (message["text"], message["code"]) == ("Kodunuz 246810", "246810")


def test_wait_ends_empty_when_the_time_is_up(ileti_sandbox: SandboxHandle) -> None:
    started = time.monotonic()
    response = _get(ileti_sandbox, wait=1)
    took = time.monotonic() - started
    assert response.json() == {"messages": []}
    assert 1 <= took < 2.5


def test_waiting_requests_share_one_poller(
    api: Api, ileti_sandbox: SandboxHandle, ileti_sandbox_server: SandboxServer
) -> None:
    with SandboxServer(webhook_backoff=0.05) as server:  # a server of its own: its poll count is this test's
        threads = [
            threading.Thread(
                target=lambda: httpx.get(f"{server.url}/_sandbox/messages", params={"wait": 2}, timeout=10)
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert server._server is not None
        app: Any = server._server.config.app
        watch = app.state.message_watch
        # 8 requests waiting 2 s each: one poller reading twice a second (about 4 reads, and 2 more before it
        # stops), not one per request (which would be about 32)
        assert 2 <= watch.polls <= 12


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"wait": "31"}, "wait must be a number of seconds from 0 to 30"),
        ({"wait": "-1"}, "wait must be"),
        ({"wait": "soon"}, "wait must be"),
        ({"wait": "nan"}, "wait must be"),
        ({"after": "x"}, "after must be a non-negative integer"),
        ({"q": "a" * 1001}, "q must be at most 1000 characters"),
    ],
)
def test_bad_message_queries_are_422(
    ileti_sandbox: SandboxHandle, params: dict[str, str], message: str
) -> None:
    response = _get(ileti_sandbox, **params)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_clear_messages_keeps_accounts_balances_and_the_rest(api: Api, ileti_sandbox: SandboxHandle) -> None:
    other = ileti_sandbox.create_account(balance={"sms": 50}, senders=[api.sandbox.sender])
    other_api = Api(ileti_sandbox)
    other_api.key, other_api.hash = other["key"], other["hash"]
    try:
        ileti_sandbox.control("POST", f"/accounts/{api.key}/blacklist", {"numbers": ["5309999999"]})
        api.send_ok("bizim")
        other_api.send_ok("onların")
        balance = api.balance()
        assert ileti_sandbox.clear_messages(account=api.key) == {"orders": 1, "messages": 1}
        assert [m["text"] for m in ileti_sandbox.messages()] == ["onların"]
        assert api.balance() == balance
        blacklist = ileti_sandbox.control("GET", f"/accounts/{api.key}/blacklist")["blacklist"]
        assert [entry["number"] for entry in blacklist] == ["+905309999999"]
        assert ileti_sandbox.clear_messages() == {"orders": 1, "messages": 1}
        assert ileti_sandbox.messages() == []
        keys = {a["key"] for a in ileti_sandbox.control("GET", "/accounts")["accounts"]}
        assert keys >= {api.key, other["key"]}
        api.send_ok("bizim")  # the duplicate guard forgot the cleared order too
    finally:
        other_api.close()


def test_clear_messages_removes_webhook_events(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.update_account(webhook_url="http://127.0.0.1:9/none")
    api.send_ok("kanca")
    assert ileti_sandbox.webhooks()
    ileti_sandbox.clear_messages()
    assert ileti_sandbox.webhooks() == []
    response = httpx.delete(f"{ileti_sandbox.url}/_sandbox/messages", params={"account": "nobody"})
    assert response.status_code == 404


def test_max_messages_prunes_the_oldest_orders() -> None:
    with SandboxServer(max_messages=5, demo_account=False) as server, http_client(server.url) as http:
        account = http.post(
            "/_sandbox/accounts", json={"balance": {"sms": 1000}, "senders": ["ILETITEST"]}
        ).json()
        auth = {"key": account["key"], "hash": account["hash"]}
        for index, count in enumerate((3, 2, 2, 2)):
            order = {
                "sender": "ILETITEST",
                "iys": "0",
                "message": {
                    "text": f"sipariş {index}",
                    "receipents": {"number": [f"530123{index}{n:03d}" for n in range(count)]},
                },
            }
            sent = http.post("/v1/send-sms/json", json={"request": {"authentication": auth, "order": order}})
            assert sent.status_code == 200
        deadline = time.monotonic() + 5
        while len(texts := [m["text"] for m in http.get("/_sandbox/messages").json()["messages"]]) > 5:
            assert time.monotonic() < deadline, texts
            time.sleep(0.1)
        # 9 messages in 4 orders: whole orders go, oldest first, until at most 5 remain (order 1 would
        # only half fit, so it goes too)
        assert texts == ["sipariş 3", "sipariş 3", "sipariş 2", "sipariş 2"]
        time.sleep(1.5)  # a later pass removes nothing more
        assert len(http.get("/_sandbox/messages").json()["messages"]) == 4


def test_max_messages_must_not_be_negative() -> None:
    from ileti.sandbox.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="max_messages"):
        Settings(max_messages=-1)


# ----------------------------------------------------------------------------------------- plugin helpers


def test_wait_for_message_and_latest_code(api: Api, ileti_sandbox: SandboxHandle) -> None:
    timer = threading.Timer(0.6, lambda: api.send_ok("Tek kullanımlık şifreniz: 908172"))
    timer.start()
    try:
        message = ileti_sandbox.wait_for_message(to="5301234567", timeout=10)
    finally:
        timer.join()
    assert message["code"] == "908172"
    assert ileti_sandbox.latest_code("+905301234567") == "908172"
    api.send_ok("kod yok burada")
    assert ileti_sandbox.latest_code("5301234567") is None
    with pytest.raises(AssertionError, match="no message"):
        ileti_sandbox.wait_for_message(to="5309999999", timeout=0.6)


def test_plugin_clear_messages(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("sil")
    assert ileti_sandbox.clear_messages() == {"orders": 1, "messages": 1}
    assert ileti_sandbox.messages() == []
