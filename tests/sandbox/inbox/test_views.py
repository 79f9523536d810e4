"""The inbox's JSON views, page headers and event stream, over a real socket."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from ileti.sandbox.store.views import RECENT_WINDOW
from ileti.testing import SandboxServer

from .conftest import Inbox


def test_page_is_served_with_a_strict_content_security_policy(inbox: Inbox) -> None:
    response = inbox.http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "default-src 'none'" in policy
    assert "/_sandbox/inbox/static/inbox.js" in response.text
    assert "http://" not in response.text
    assert "https://" not in response.text


@pytest.mark.parametrize("name", ["inbox.js", "inbox.css"])
def test_static_files_are_served_from_the_package(inbox: Inbox, name: str) -> None:
    response = inbox.http.get(f"/_sandbox/inbox/static/{name}")
    assert response.status_code == 200
    assert "innerHTML" not in response.text  # the page builds its DOM with text nodes only


def test_threads_group_messages_per_number_newest_first(inbox: Inbox) -> None:
    inbox.send("first", ["5301234567", "5321110001"])
    inbox.send("second", ["+905301234567"], sender="SHOP")
    threads = inbox.http.get("/_sandbox/inbox/threads").json()["threads"]
    assert [t["number"] for t in threads] == ["+905301234567", "+905321110001"]
    assert threads[0]["count"] == 2
    assert threads[0]["last_text"] == "second"
    assert threads[0]["last_sender"] == "SHOP"
    assert threads[0]["last_status"] == 110


def test_a_number_behind_thousands_of_newer_messages_still_has_its_thread(inbox: Inbox) -> None:
    inbox.send("old", ["5441112233"])
    inbox.send("flood", ["5301234567"] * (RECENT_WINDOW + 1))  # duplicates are separate rows (OQ-32)
    threads = inbox.http.get("/_sandbox/inbox/threads").json()["threads"]
    assert [(t["number"], t["count"]) for t in threads] == [
        ("+905301234567", RECENT_WINDOW + 1),
        ("+905441112233", 1),
    ]


def test_filters_narrow_threads_by_digits_sender_and_order(inbox: Inbox) -> None:
    first = inbox.send("one", ["5301234567", "5321110001"])
    second = inbox.send("two", ["5441112233"], sender="SHOP")

    def numbers(query: str) -> list[str]:
        return [t["number"] for t in inbox.http.get(f"/_sandbox/inbox/threads?{query}").json()["threads"]]

    assert numbers("number=0001") == ["+905321110001"]
    assert numbers("number=0532 111") == ["+905321110001"]  # spaces and the trunk 0 are not digits to match
    assert numbers("sender=SHOP") == ["+905441112233"]
    assert sorted(numbers(f"order_id={first}")) == ["+905301234567", "+905321110001"]
    assert numbers(f"order_id={second}&sender=ACME") == []


def test_orders_carry_report_counters_after_settling(inbox: Inbox) -> None:
    order_id = inbox.send("hello", ["5301234567", "5321110001", "5351110002"])
    inbox.settle()
    [order] = inbox.http.get(f"/_sandbox/inbox/orders?order_id={order_id}").json()["orders"]
    assert (order["total"], order["delivered"], order["undelivered"], order["waiting"]) == (3, 1, 1, 1)
    assert order["status"] == 113  # the 0002 number never settles
    assert order["text"] == "hello"
    assert order["account"] == inbox.key
    assert order["scheduled"] is False


def test_overview_lists_senders_accounts_and_the_status_table(inbox: Inbox) -> None:
    inbox.send("x", ["5301234567"], sender="SHOP")
    overview = inbox.http.get("/_sandbox/inbox/overview").json()
    assert overview["senders"] == ["SHOP"]
    assert inbox.key in overview["accounts"]
    assert overview["statuses"]["111"]["message"] == "Mesaj gönderildi"
    assert overview["orders"] == 1


def test_webhook_log_is_newest_first_and_filters_by_order(inbox: Inbox) -> None:
    inbox.sandbox.update_account(webhook_url="http://127.0.0.1:9/hook")
    first = inbox.send("a", ["5301234567"])
    inbox.send("b", ["5301234568"])
    hooks = inbox.http.get("/_sandbox/inbox/webhooks").json()["webhooks"]
    assert [h["id"] for h in hooks] == sorted((h["id"] for h in hooks), reverse=True)
    only = inbox.http.get(f"/_sandbox/inbox/webhooks?order_id={first}").json()["webhooks"]
    assert {h["order_id"] for h in only} == {first}
    assert '"body":"a"' in only[0]["payload"]


def test_a_bad_filter_is_422_not_a_crash(inbox: Inbox) -> None:
    response = inbox.http.get("/_sandbox/inbox/orders?order_id=abc")
    assert response.status_code == 422
    assert "order_id" in response.json()["error"]


def _first_event(url: str, headers: dict[str, str] | None = None, wait: float = 5.0) -> dict[str, str]:
    """Read one SSE event (not a comment or a `retry:` line) from the stream within `wait` seconds."""
    event: dict[str, str] = {}
    with httpx.stream("GET", f"{url}/_sandbox/events", headers=headers, timeout=wait) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "event" in event:
                    return event
                continue
            field, _, value = line.partition(": ")
            if field in ("id", "event", "data"):
                event[field] = value
    raise AssertionError("the stream ended without an event")


def test_event_stream_announces_the_current_state_at_once(inbox: Inbox) -> None:
    event = _first_event(inbox.url)
    assert event["event"] == "change"
    assert event["id"]


def test_event_stream_resumes_from_last_event_id_and_reports_a_change(inbox: Inbox) -> None:
    marker = _first_event(inbox.url)["id"]
    threading.Timer(0.6, inbox.send, args=("later", ["5301234567"])).start()
    started = time.monotonic()
    event = _first_event(inbox.url, headers={"Last-Event-ID": marker})
    assert event["id"] != marker
    assert time.monotonic() - started >= 0.5  # nothing was sent before the change


def test_an_open_event_stream_does_not_hold_up_server_shutdown(tmp_path: Path) -> None:
    server = SandboxServer(tmp_path / "sandbox.db")
    opened = threading.Event()

    def listen() -> None:
        try:
            with httpx.stream("GET", f"{server.url}/_sandbox/events", timeout=30) as response:
                for _ in response.iter_lines():
                    opened.set()
        except httpx.HTTPError:
            pass

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert opened.wait(5)
    started = time.monotonic()
    server.close()  # uvicorn's graceful shutdown waits for every open response
    assert time.monotonic() - started < 3, "the server waited for the event stream"
    reader.join(5)
    assert not reader.is_alive()
