"""send-sms over a real socket: every status code under its trigger, and the OQ-2 order (CONTRACT §4.1)."""

from __future__ import annotations

import pytest

from ileti.codes import Code
from ileti.testing import SandboxHandle

from ..conftest import Api, assert_error, code_of


def test_200_commits_the_order_with_every_row(api: Api, ileti_sandbox: SandboxHandle) -> None:
    order_id = api.send_ok("ilk mesaj", ["5301234567", "+90 530 765 43 21"])
    rows = ileti_sandbox.messages(order_id=order_id)
    assert sorted(m["to"] for m in rows) == ["+905301234567", "+905307654321"]
    assert {m["status"] for m in rows} == {110}


def test_400_unparseable_body(api: Api) -> None:
    response = api.http.post("/v1/send-sms/json", content=b'{"request": {')
    assert response.status_code == 400
    assert response.json() == {"response": {"status": {"code": 400, "message": Code.BAD_REQUEST.message}}}


def test_400_root_request_missing(api: Api) -> None:
    response = api.http.post("/v1/send-sms/json", json={"order": {}})
    assert response.status_code == 400


@pytest.mark.parametrize("change", ["wrong_hash", "unknown_key", "no_auth", "api_off", "ip_not_allowed"])
def test_401(api: Api, ileti_sandbox: SandboxHandle, change: str) -> None:
    if change == "wrong_hash":
        assert_error(api.call("send-sms", "order", {}, hash="0" * 64), 401)
    elif change == "unknown_key":
        assert_error(api.call("send-sms", "order", {}, key="nobody"), 401)
    elif change == "no_auth":
        response = api.http.post("/v1/send-sms/json", json={"request": {"order": {}}})
        assert (response.status_code, code_of(response.json())) == (401, 401)
    elif change == "api_off":
        ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"api_access": False})
        assert_error(api.send(), 401)
        assert_error(api.call("get-balance"), 401)
    else:
        ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"allowed_ips": ["10.1.2.3"]})
        assert_error(api.send(), 401)
        ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"allowed_ips": ["127.0.0.1"]})
        assert api.send()[0] == 200


def test_401_account_created_from_secret_uses_the_hmac_rule(ileti_sandbox: SandboxHandle) -> None:
    import hashlib
    import hmac

    account = ileti_sandbox.create_account(
        key="k-hmac", secret="s3cret", senders=["ACME"], balance={"sms": 5}
    )
    assert account["hash"] == hmac.new(b"s3cret", b"k-hmac", hashlib.sha256).hexdigest()


def test_402_insufficient_balance_and_nothing_written(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"balance": {"sms": 2}})
    assert_error(api.send("üç kişi", ["5301234567", "5301234568", "5301234569"]), 402)
    assert api.balance()["sms"] == 2
    assert ileti_sandbox.messages() == []
    api.send_ok("iki kişi", ["5301234567", "5301234568"])
    assert api.balance()["sms"] == 0


def test_402_tl_account(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"billing": "tl", "balance": {"amount": 0.04}})
    assert_error(api.send(), 402)
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"balance": {"amount": 0.1}})
    api.send_ok()
    assert api.balance() == {"amount": 0.05, "sms": 1}


def test_404_unknown_path_and_wrong_method(api: Api) -> None:
    assert api.http.post("/v1", json={}).status_code == 404
    for response in (
        api.http.post("/v1/send-smss/json", json={}),
        api.http.get("/v1/send-sms/json"),
        api.http.post("/v1/send-sms%0A/json", json={}),
    ):  # a line break in the path too
        assert response.status_code == 404
        assert response.json() == {"response": {"status": {"code": 404, "message": Code.NOT_FOUND.message}}}


def test_trailing_slash_is_tolerated(api: Api) -> None:
    response = api.http.post(
        "/v1/get-balance/json/", json={"request": {"authentication": {"key": api.key, "hash": api.hash}}}
    )
    assert response.status_code == 200


def test_422_wrong_shape(api: Api) -> None:
    assert_error(api.call("send-sms", "order", {"sender": {"x": 1}, "iys": "0"}), 422)
    assert_error(api.call("send-sms", "order", "not an object"), 422)


def test_450_sender_not_approved(api: Api) -> None:
    assert_error(api.send(sender="ILETITEST "), 450)  # whitespace is significant
    assert_error(api.send(sender="iletitest"), 450)  # so is case


def test_451_duplicate_within_ten_minutes(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("aynı metin", ["5301234567", "5301234568"])
    # the same text to the same set of recipients, in another order and with another sender form: 451
    assert_error(api.send("aynı metin", ["905301234568", "5301234567"]), 451)
    api.send_ok("başka metin", ["5301234567", "5301234568"])
    ileti_sandbox.advance(601)
    api.send_ok("aynı metin", ["5301234567", "5301234568"])


def test_451_counts_cancelled_orders(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock("2026-03-01 10:00:00")
    order_id = api.send_ok("planlı", sendDateTime="01/03/2026 12:00")
    assert api.call("cancel-order", "order", {"id": str(order_id)})[0] == 200
    assert_error(api.send("planlı", sendDateTime="01/03/2026 12:00"), 451)


def test_452_recipients_missing_or_all_invalid(api: Api, ileti_sandbox: SandboxHandle) -> None:
    assert_error(
        api.call("send-sms", "order", {"sender": api.sandbox.sender, "iys": "0", "message": {"text": "x"}}),
        452,
    )
    assert_error(api.send("x", ["123", "905999999999"]), 452)
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"blacklist": ["5301234567"]})
    assert_error(api.send("y", ["5301234567"]), 452)


def test_some_invalid_or_blacklisted_recipients_become_free_112_rows(
    api: Api, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"blacklist": ["5301234568"]})
    before = api.balance()["sms"]
    order_id = api.send_ok("karışık", ["5301234567", "5301234568", "12345"])
    assert api.balance()["sms"] == before - 1
    order = api.report_ok(order_id)
    assert (order["total"], order["waiting"], order["undelivered"]) == (3, 1, 2)
    assert [m["status"] for m in order["message"]] == [110, 112, 112]


def test_452_strict_recipients() -> None:
    from ileti.testing import SandboxServer

    with SandboxServer(strict_recipients=True) as server:
        import httpx

        account = httpx.post(
            server.url + "/_sandbox/accounts", json={"senders": ["ACME"], "balance": {"sms": 10}}
        ).json()
        response = httpx.post(
            server.url + "/v1/send-sms/json",
            json={
                "request": {
                    "authentication": {"key": account["key"], "hash": account["hash"]},
                    "order": {
                        "sender": "ACME",
                        "iys": "0",
                        "message": {"text": "x", "receipents": {"number": ["5301234567", "123"]}},
                    },
                }
            },
        )
        assert response.status_code == 452


def test_453_text_longer_than_seven_parts(api: Api) -> None:
    assert_error(api.send("a" * 1067), 453)  # GSM-7: 1066 fits in 7 parts
    api.send_ok("a" * 1066)


def test_453_more_than_50000_recipients(api: Api) -> None:
    numbers = [f"530{i:07d}" for i in range(50_001)]
    assert_error(api.send("çok", numbers), 453)


def test_454_text_missing_or_empty(api: Api) -> None:
    assert_error(api.send(""), 454)
    assert_error(api.call("send-sms", "order", {"sender": api.sandbox.sender, "iys": "0"}), 454)


def test_456_and_457_schedule(api: Api, ileti_sandbox: SandboxHandle) -> None:
    for bad in ("2026-03-01 12:00", "1/3/2026 12:00", "31/02/2026 12:00", ["01/03/2026 12:00", "x"]):
        assert_error(api.send(f"bad {bad}", sendDateTime=bad), 457)


def test_459_460_sender(api: Api) -> None:
    assert_error(api.send(sender=""), 459)
    assert_error(api.call("send-sms", "order", {"iys": "0", "message": {"text": "x"}}), 459)
    assert_error(api.send(sender="ABCDEFGHIJKL"), 460)
    assert_error(api.send(sender="ŞİRKET"), 460)


def test_467_documents_missing(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"documents_missing": True})
    assert_error(api.send(), 467)


def test_468_469_470_iys(api: Api, ileti_sandbox: SandboxHandle) -> None:
    assert_error(api.send(iys=None), 468)
    assert_error(api.send(iys="2"), 468)
    assert_error(api.send(iys="1"), 469)
    assert_error(api.send(iys="1", iysList="HERKES"), 469)
    assert_error(api.send(iys="1", iysList="BIREYSEL"), 470)
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"iys": {"brand_code": "696422", "active": True}})
    api.send_ok(iys="1", iysList="BIREYSEL")
    api.send_ok("int iys", iys=0)  # SDKs send ints (§1.5)


def test_503_fault(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "status_503", "times": 1}])
    assert_error(api.send(), 503)
    api.send_ok()


@pytest.mark.parametrize(
    ("order", "code"),
    [
        ({"sender": "", "iys": "5", "message": {"text": ""}}, 459),  # 459 before 468 and 454
        ({"sender": "ÇOK UZUN BAŞLIK", "iys": "0", "message": {"text": "x"}}, 460),
        ({"sender": "NOPE", "message": {"text": ""}}, 450),  # 450 before 468
        ({"sender": "ILETITEST", "iys": "1", "message": {"text": ""}}, 469),  # 469 before 454
        ({"sender": "ILETITEST", "iys": "0", "message": {"text": ""}, "sendDateTime": "x"}, 454),
        ({"sender": "ILETITEST", "iys": "0", "message": {"text": "a" * 2000}, "sendDateTime": "x"}, 453),
        (
            {
                "sender": "ILETITEST",
                "iys": "0",
                "message": {"text": "x", "receipents": {"number": ["1"]}},
                "sendDateTime": "x",
            },
            457,
        ),  # 457 before 452
    ],
    ids=["459>468", "460>450", "450>468", "469>454", "454>457", "453>457", "457>452"],
)
def test_oq2_order_when_two_checks_fail(api: Api, order: dict[str, object], code: int) -> None:
    assert_error(api.call("send-sms", "order", order), code)


def test_452_before_451_before_402(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("tekrar", ["5301234567"])
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"balance": {"sms": 0}})
    assert_error(api.send("tekrar", ["5301234567"]), 451)  # duplicate wins over balance
    assert_error(api.send("tekrar", ["123"]), 452)
    assert_error(api.send("yeni", ["5301234567"]), 402)


def test_multiple_blocks_and_parts_are_billed(api: Api, ileti_sandbox: SandboxHandle) -> None:
    before = api.balance()["sms"]
    status, body = api.call(
        "send-sms",
        "order",
        {
            "sender": api.sandbox.sender,
            "iys": "0",
            "message": [
                {"text": "bir", "receipents": {"number": ["5301234567", "5301234567"]}},
                {"text": "ş" * 151, "receipents": {"number": "5301234568"}},
            ],  # Turkish: 2 parts
        },
    )
    assert status == 200, body
    assert api.balance()["sms"] == before - 4  # duplicates are separate rows (OQ-32)
    order = api.report_ok(body["response"]["order"]["id"])
    assert order["total"] == 3


def test_apitest_sender(api: Api, ileti_sandbox: SandboxHandle) -> None:
    before = api.balance()["sms"]
    assert_error(api.send("deneme", ["5301234567"], sender="APITEST"), 452)  # not the test number
    order_id = api.send_ok("deneme", ["5300000000"], sender="APITEST", iys="1")  # iys forced to 0
    assert api.balance()["sms"] == before  # free
    [message] = ileti_sandbox.messages(order_id=order_id)
    assert message["text"] != "deneme"


def test_always_http_200_switch() -> None:
    import httpx

    from ileti.testing import SandboxServer

    with SandboxServer(always_http_200=True) as server:
        response = httpx.post(server.url + "/v1/get-balance/json", json={"request": {}})
        assert response.status_code == 200
        assert code_of(response.json()) == 401


def test_tolerate_missing_iys_switch() -> None:
    import httpx

    from ileti.testing import SandboxServer

    with SandboxServer(tolerate_missing_iys=True) as server:
        account = httpx.post(
            server.url + "/_sandbox/accounts", json={"senders": ["ACME"], "balance": {"sms": 10}}
        ).json()
        response = httpx.post(
            server.url + "/v1/send-sms/json",
            json={
                "request": {
                    "authentication": {"key": account["key"], "hash": account["hash"]},
                    "order": {
                        "sender": "ACME",
                        "message": {"text": "x", "receipents": {"number": "5301234567"}},
                    },
                }
            },
        )
        assert response.status_code == 200
