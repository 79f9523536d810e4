"""Every `ileti` command through the real command line (a subprocess), against a running sandbox."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from .conftest import Ileti


def test_send_prints_the_order_id_encoding_and_parts(ileti: Ileti) -> None:
    run = ileti("send", "5301234567", "05321112233", "--text", "Şifreniz 482913")
    assert run.code == 0, run.text
    order_id = int(run.out.split("Order ", 1)[1].split()[0])
    assert "TURKISH" in run.out
    assert "1 part" in run.out
    assert {m["to"] for m in ileti.sandbox.messages(order_id=order_id)} == {"+905301234567", "+905321112233"}


def test_send_reads_the_text_from_standard_input_and_answers_json(ileti: Ileti) -> None:
    run = ileti("send", "+905301234567", "--json", stdin="Merhaba 🙂\n")
    assert run.code == 0, run.text
    result = run.json()
    assert result["encoding"] == "UCS-2"
    assert result["parts"] == 1
    assert result["recipients"] == 1
    [message] = ileti.sandbox.messages(order_id=result["order_id"])
    assert message["text"] == "Merhaba 🙂"  # the trailing newline of the pipe is not part of the text


def test_send_schedules_and_marks_commercial_messages(ileti: Ileti) -> None:
    run = ileti("--json", "send", "5301234567", "--text", "Kampanya", "--schedule", "2099-01-02 10:30")
    assert run.code == 0, run.text
    assert run.json()["schedule"] == "02/01/2099 10:30"
    report = ileti("report", str(run.json()["order_id"]))
    assert report.code == 1
    assert "456" in report.err  # scheduled: not reportable until its send time


def test_an_api_refusal_shows_code_turkish_message_and_meaning_with_exit_1(ileti: Ileti) -> None:
    run = ileti("send", "5301234567", "--text", "x", "--sender", "NOTMINE")
    assert run.code == 1
    assert "450" in run.err
    assert "Gönderilen başlık kullanıma uygun değil" in run.err
    assert "Sender ID not approved" in run.err
    assert run.out == ""


def test_an_api_refusal_in_json_mode_is_a_json_error_document(ileti: Ileti) -> None:
    run = ileti("--json", "report", "999999")
    assert run.code == 1
    error = run.json()["error"]
    assert error["code"] == 455
    assert (error["message"], error["meaning"]) == ("Sipariş bulunamadı", "Order not found")


USAGE_ERRORS = {
    "missing-argument": ["send"],
    "bad-order-id": ["report", "not-a-number"],
    "unknown-command": ["frobnicate"],
    "bad-schedule": ["send", "5301234567", "--text", "x", "--schedule", "tomorrow"],
    "missing-file": ["bulk", "no-such-file.csv"],
}


@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_errors_exit_2(ileti: Ileti, args: list[str]) -> None:
    run = ileti(*args)
    assert run.code == 2, run.text
    assert "Usage:" in run.err or "Error:" in run.err


def test_missing_credentials_are_a_usage_error(ileti: Ileti) -> None:
    run = ileti("balance", env={"ILETI_API_KEY": "", "ILETI_API_HASH": ""})
    assert run.code == 2
    assert "ILETI_API_KEY" in run.err


def test_wrong_credentials_are_401(ileti: Ileti) -> None:
    run = ileti("--hash", "wrong", "balance")
    assert run.code == 1
    assert "401" in run.err
    assert "Üyelik bilgileri hatalı" in run.err


def test_no_server_is_a_transport_error_with_exit_3(ileti: Ileti) -> None:
    run = ileti("--base-url", "http://127.0.0.1:9", "balance")
    assert run.code == 3, run.text
    assert "Could not talk to http://127.0.0.1:9" in run.err


def test_report_shows_counters_and_rows_after_settling(ileti: Ileti) -> None:
    order_id = str(ileti.send("rapor", "5301234567", "5321110001"))
    ileti.sandbox.settle()
    run = ileti("report", order_id, "--rows")
    assert run.code == 0, run.text
    assert "114 completed" in run.out
    assert "2 total · 1 delivered · 1 undelivered · 0 waiting" in run.out
    assert "+905321110001  112 undelivered" in run.out
    data = ileti("--json", "report", order_id).json()
    assert (data["status"], data["delivered"], data["undelivered"]) == (114, 1, 1)


def test_report_wait_follows_the_order_until_it_is_final(ileti: Ileti) -> None:
    order_id = str(ileti.send("bekle", "5301234567"))
    run = ileti("report", order_id, "--wait", "--interval", "0.2", "--timeout", "30")  # settles after 2 s
    assert run.code == 0, run.text
    assert "114 completed" in run.out


def test_report_wait_gives_up_with_exit_4(ileti: Ileti) -> None:
    # a number ending in 0002 never settles: the order stays 113
    order_id = str(ileti.send("never", "5301110002"))
    run = ileti("report", order_id, "--wait", "--interval", "0.2", "--timeout", "0.5")
    assert run.code == 4, run.text
    assert "did not finish" in run.err


def test_reports_lists_the_orders_of_a_date_range(ileti: Ileti) -> None:
    first, second = ileti.send("bir", "5301234567"), ileti.send("iki", "5301234567")
    today = datetime.now(ZoneInfo("Europe/Istanbul")).date().isoformat()
    data = ileti("reports", "--from", today, "--to", today, "--json").json()
    assert [order["id"] for order in data["orders"]] == [first, second]
    assert ileti("reports").code == 0


def test_balance_and_senders(ileti: Ileti) -> None:
    balance = ileti("balance", "--json").json()
    assert balance == {"amount": 1000.0, "sms": 10_000}
    assert ileti("senders").out.split() == [ileti.sandbox.sender]


def test_blacklist_add_list_and_remove(ileti: Ileti) -> None:
    assert ileti("blacklist", "add", "5301234567", "0532 111 22 33").code == 0
    listed = ileti("blacklist", "list", "--json").json()["numbers"]
    assert sorted(listed) == ["+905301234567", "+905321112233"]
    run = ileti("blacklist", "remove", "5301234567", "5449998877")
    assert run.code == 1  # the second number was not on the list: 474, and the first was still removed
    assert "474" in run.err
    assert ileti.sandbox.control("GET", f"/accounts/{ileti.sandbox.key}")["blacklist"] == ["+905321112233"]


def test_consent_add_and_show(ileti: Ileti) -> None:
    ileti.sandbox.update_account(iys={"brand_code": "696422", "active": True})
    added = ileti("consent", "add", "5301234567", "--brand-code", "696422")
    assert added.code == 0, added.text
    shown = ileti("consent", "show", "+905301234567", "--brand-code", "696422", "--json").json()
    assert shown["consent"]["status"] == "ONAY"
    assert shown["consent"]["recipient"] == "+905301234567"


def test_segments_previews_a_text_offline(ileti: Ileti) -> None:
    run = ileti("segments", "Şifreniz 1234", "--json", env={"ILETI_BASE_URL": "http://127.0.0.1:9"})
    assert run.json()["encoding"] == "TURKISH"
    assert run.json()["non_gsm_characters"] == ["Ş"]
    long = ileti("segments", stdin="x" * 2000)
    assert long.code == 0
    assert "over the 7-part limit" in long.out


def test_the_installed_script_is_the_same_command(ileti: Ileti) -> None:
    script = Path(sys.executable).with_name("ileti")
    run = ileti("--version", executable=[str(script)])
    assert run.code == 0
    assert "ileti" in run.out
