"""get-report, get-reports and cancel-order over a real socket (CONTRACT §4.2–4.4, §5)."""

from __future__ import annotations

from typing import Any

import pytest

from ileti.testing import SandboxHandle
from ileti.wire.models import GetReportResponse, dump

from ..conftest import Api, assert_error


def _invariant(order: dict[str, Any]) -> None:
    assert order["total"] == order["waiting"] + order["delivered"] + order["undelivered"]


def test_report_fields_and_counters_through_settlement(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    order_id = api.send_ok("rapor", ["5301234567", "5301230001", "5301230002", "abc"])
    order = api.report_ok(order_id)
    assert order["id"] == str(order_id)
    assert (order["status"], order["total"], order["waiting"], order["undelivered"]) == (113, 4, 3, 1)
    assert order["submitAt"] == order["sendAt"] == "2026-05-11 09:30:00"
    assert order["sender"] == ileti_sandbox.sender
    _invariant(order)
    ileti_sandbox.settle()
    order = api.report_ok(order_id)
    # 0001 undelivered, 0002 never settles, so the order stays 113
    assert [m["status"] for m in order["message"]] == [111, 112, 110, 112]
    assert (order["status"], order["delivered"], order["undelivered"], order["waiting"]) == (113, 1, 2, 1)
    assert order["price"] == 1
    _invariant(order)


def test_report_114_when_every_message_is_final(api: Api, ileti_sandbox: SandboxHandle) -> None:
    order_id = api.send_ok("bitti", ["5301234567", "5301230001"])
    ileti_sandbox.settle()
    order = api.report_ok(order_id)
    assert (order["status"], order["delivered"], order["undelivered"], order["waiting"]) == (114, 1, 1, 0)


def test_455_unknown_or_foreign_order(api: Api, ileti_sandbox: SandboxHandle) -> None:
    assert_error(api.report(999_999), 455)
    assert_error(api.report("abc"), 455)
    order_id = api.send_ok()
    other = ileti_sandbox.create_account(senders=["X"])
    assert_error(
        api.call("get-report", "order", {"id": str(order_id)}, key=other["key"], hash=other["hash"]), 455
    )


def test_pagination_and_row_count(api: Api) -> None:
    numbers = [f"5301{i:06d}" for i in range(2500)]
    order_id = api.send_ok("sayfa", numbers)
    first = api.report_ok(order_id)
    assert len(first["message"]) == 1000
    assert first["message"][0]["number"] == "+905301000000"
    third = api.report_ok(order_id, page="3")
    assert [m["number"] for m in third["message"]] == [f"+905301{i:06d}" for i in range(2000, 2500)]
    assert api.report_ok(order_id, page=4)["message"] == []  # past the end: empty, counters still there
    small = api.report_ok(order_id, page=2, rowCount=7)
    assert [m["number"] for m in small["message"]] == [f"+905301{i:06d}" for i in range(7, 14)]
    assert len(api.report_ok(order_id, rowCount="5000")["message"]) == 1000  # clamped (OQ-12)
    assert len(api.report_ok(order_id, rowCount="0")["message"]) == 1
    assert_error(api.report(order_id, page="0"), 464)
    assert_error(api.report(order_id, page="x"), 422)


def test_schedule_456_until_due_then_reportable(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    order_id = api.send_ok("planlı", sendDateTime="11/05/2026 10:00")
    assert_error(api.report(order_id), 456)
    assert ileti_sandbox.settle()["settled"] == 0  # not dispatched before its time
    ileti_sandbox.advance(30 * 60)
    order = api.report_ok(order_id)
    assert (order["status"], order["sendAt"]) == (113, "2026-05-11 10:00:00")
    ileti_sandbox.settle()
    assert api.report_ok(order_id)["status"] == 114


@pytest.mark.parametrize(
    "value",
    ["11/05/2026 10:00:00", "11/05/2026 09:00", "", []],
    ids=["with-seconds", "past", "empty-string", "empty-list"],
)
def test_schedules_that_mean_now(api: Api, ileti_sandbox: SandboxHandle, value: object) -> None:
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    order_id = api.send_ok(f"şimdi {value!r}", sendDateTime=value)
    assert api.report_ok(order_id)["sendAt"] == "2026-05-11 09:30:00"  # OQ-10


def test_cancel_scheduled_order(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    before = api.balance()["sms"]
    order_id = api.send_ok("iptal", ["5301234567", "5301234568"], sendDateTime=["11/05/2026 12:00"])
    assert api.balance()["sms"] == before - 2
    status, body = api.call("cancel-order", "order", {"id": order_id})  # int id accepted
    assert (status, body) == (200, {"response": {"status": {"code": 200, "message": "İşlem başarılı"}}})
    assert api.balance()["sms"] == before  # everything refunded (OQ-16)
    order = api.report_ok(order_id)  # OQ-33: still reportable, 115
    assert (order["status"], order["undelivered"], order["waiting"]) == (115, 2, 0)
    assert_error(api.call("cancel-order", "order", {"id": str(order_id)}), 455)  # second cancel


def test_cancel_455(api: Api, ileti_sandbox: SandboxHandle) -> None:
    assert_error(api.call("cancel-order", "order", {"id": "424242"}), 455)
    assert_error(api.call("cancel-order", "order", {}), 455)
    immediate = api.send_ok("hemen")
    assert_error(api.call("cancel-order", "order", {"id": str(immediate)}), 455)
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    scheduled = api.send_ok("sonra", sendDateTime="11/05/2026 09:45")
    ileti_sandbox.advance(15 * 60)  # its time has come: in the pipeline now
    assert_error(api.call("cancel-order", "order", {"id": str(scheduled)}), 455)


def test_undelivered_parts_are_refunded(api: Api, ileti_sandbox: SandboxHandle) -> None:
    before = api.balance()["sms"]
    api.send_ok("ş" * 151, ["5301234567", "5301230001"])  # 2 parts each
    assert api.balance()["sms"] == before - 4
    ileti_sandbox.settle()
    assert api.balance()["sms"] == before - 2


def test_a_page_number_beyond_any_integer_is_an_empty_page(api: Api) -> None:
    order_id = api.send_ok("çok uzak sayfa")
    huge = "9" * 30
    far = api.report_ok(order_id, page=huge)
    assert far["message"] == []
    assert far["total"] == 1  # the counters still describe the whole order
    window = {"start": "2026-01-01", "end": "2026-01-05", "page": huge}
    status, body = api.call("get-reports", "filter", window)
    assert status == 200, body
    assert body["response"]["orders"] == []


def test_get_reports_range_and_pages(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock("2026-05-01 08:00:00")
    ids = [api.send_ok(f"gün1 {i}") for i in range(32)]
    ileti_sandbox.advance(5 * 86400)
    late = api.send_ok("gün6")
    status, body = api.call("get-reports", "filter", {"start": "2026-05-01", "end": "2026-05-06"})
    assert status == 200
    response = body["response"]
    assert response["count"] == 33
    assert [o["id"] for o in response["orders"]] == ids[:30]
    assert set(response["orders"][0]) == {
        "id",
        "status",
        "total",
        "delivered",
        "undelivered",
        "waiting",
        "submitAt",
        "sendAt",
        "sender",
    }
    status, body = api.call("get-reports", "filter", {"start": "2026-05-01", "end": "2026-05-06", "page": 2})
    assert [o["id"] for o in body["response"]["orders"]] == [*ids[30:], late]
    # the PY/PHP SDKs put page at request.page (§4.4)
    status, body = api.call("get-reports", "filter", {"start": "2026-05-06", "end": "2026-05-06"}, page="1")
    assert [o["id"] for o in body["response"]["orders"]] == [late]


@pytest.mark.parametrize(
    "window",
    [
        {"start": "2026-05-01", "end": "2026-05-12"},
        {"start": "2026-05-10", "end": "2026-05-01"},
        {"start": "01/05/2026", "end": "2026-05-02"},
        {"start": "2026-05-01"},
        {},
    ],
    ids=["eleven-days", "reversed", "bad-format", "no-end", "empty"],
)
def test_get_reports_458(api: Api, window: dict[str, str]) -> None:
    assert_error(api.call("get-reports", "filter", window), 458)


def test_get_reports_ten_days_is_fine(api: Api) -> None:
    assert api.call("get-reports", "filter", {"start": "2026-05-01", "end": "2026-05-11"})[0] == 200


def test_balance_and_sender(api: Api, ileti_sandbox: SandboxHandle) -> None:
    assert api.balance() == {"amount": 1000.0, "sms": 10_000}
    status, body = api.call("get-sender")
    assert (status, body["response"]["senders"]) == (200, {"sender": [ileti_sandbox.sender]})
    fresh = ileti_sandbox.create_account()
    status, body = api.call("get-sender", key=fresh["key"], hash=fresh["hash"])
    assert body["response"]["senders"] == {"sender": []}


def test_report_page_is_exactly_the_wire_model(api: Api, ileti_sandbox: SandboxHandle) -> None:
    """The page is built as a dict, not through `Report`: the model reads it and dumps it back unchanged."""
    order_id = api.send_ok("model", ["5301234567", "5301230001", "abc"])
    ileti_sandbox.settle()
    order = api.report_ok(order_id)
    assert dump(GetReportResponse.model_validate({"order": order})) == {"order": order}
    assert [m["status"] for m in order["message"]] == [111, 112, 112]
