"""`ileti conformance` against real `ileti serve` processes: the sandbox matches the contract on every probe,
the battery changes nothing in the store, and `--compare` names every difference of a drifted server."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ileti.cli import main
from ileti.codes import Code
from ileti.conformance import Profile, battery
from ileti.testing import sandbox_database
from tests.conformance.conftest import BRAND, SENDER, Served, conformance, serve


def _populate(served: Served) -> tuple:
    """Two accounts holding one of everything a probe might touch: orders (one settled, one scheduled),
    messages, a blacklist entry, a group with a contact, an İYS consent."""
    plain = served.account()
    iys = served.account(iys={"brand_code": BRAND, "active": True})
    for account in (plain, iys):
        served.api(
            account,
            "send-sms",
            "order",
            {
                "sender": SENDER,
                "iys": "0",
                "message": {"text": "mevcut sipariş", "receipents": {"number": ["+905301112233"]}},
            },
        )
        served.api(
            account,
            "send-sms",
            "order",
            {
                "sender": SENDER,
                "iys": "0",
                "sendDateTime": "01/01/2031 10:00",
                "message": {"text": "ileri tarihli", "receipents": {"number": ["5301112234"]}},
            },
        )
        served.api(account, "add-blacklist", "blacklist", {"number": "5301112244"})
        group = served.api(account, "add-group", "group", {"name": "Müşteriler"})["response"]["group"]["id"]
        served.api(
            account, "add-contact", "contact", {"name": "Ayşe", "gsm": "5301112255", "groups": [group]}
        )
    now = datetime.now(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m-%d %H:%M:%S")
    served.api(
        iys,
        "consent/create",
        "consent",
        {
            "brandCode": BRAND,
            "list": [
                {
                    "recipient": "+905301112266",
                    "recipientType": "BIREYSEL",
                    "type": "MESAJ",
                    "status": "ONAY",
                    "source": "HS_WEB",
                    "consentDate": now,
                }
            ],
        },
    )
    assert served.http.post("/_sandbox/carrier/settle").status_code == 200
    return plain, iys


def test_the_sandbox_matches_the_contract_on_every_probe_and_the_battery_changes_nothing(
    served: Served, tmp_path: Path
) -> None:
    plain, iys = _populate(served)
    before = served.snapshot()
    assert before["orders"]
    assert before["messages"]
    assert before["blacklist"]
    assert before["contacts"]
    assert before["groups"]
    assert before["consents"]

    without_iys = conformance(tmp_path, served.url, plain, "--sender", SENDER)
    with_iys = conformance(tmp_path, served.url, iys, "--sender", SENDER, "--brand-code", BRAND)

    assert (
        served.snapshot() == before
    )  # no order, message, blacklist entry, contact, group or consent changed
    for run in (without_iys, with_iys):
        assert run.code == 0, run.out + run.err
        assert run.record is not None
        assert run.differing() == {}
        assert run.record["summary"] == {"probes": len(battery()), "differing": 0, "skipped": 0}
        assert "all" in run.out
        assert "probes agree" in run.out
    assert without_iys.record
    assert with_iys.record
    assert not without_iys.record["profile"]["iys_active"]
    assert with_iys.record["profile"]["iys_active"]
    # between the two accounts every code the battery targets was answered as the contract says
    answered = {p["answers"]["server"]["code"] for r in (without_iys, with_iys) for p in r.record["probes"]}
    wanted = {
        400,
        401,
        404,
        422,
        459,
        460,
        450,
        468,
        469,
        470,
        454,
        453,
        457,
        452,
        455,
        458,
        464,
        466,
        471,
        472,
        461,
        462,
        463,
        465,
        403,
        475,
        200,
    }
    assert wanted <= answered


def test_compare_with_a_faithful_server_finds_nothing(served: Served, tmp_path: Path) -> None:
    account = served.account()
    served.api(
        account,
        "send-sms",
        "order",
        {  # an order to read: the in-process sandbox gets one too
            "sender": SENDER,
            "iys": "0",
            "message": {"text": "rapor", "receipents": {"number": ["5301112233"]}},
        },
    )
    run = conformance(tmp_path, served.url, account, "--compare")
    assert run.code == 0, run.out + run.err
    assert run.record is not None
    assert run.record["compare"] is True
    assert run.differing() == {}
    assert run.record["summary"]["skipped"] == 0
    assert run.record["profile"]["sender"] == SENDER  # taken from get-sender when --sender is not given
    assert all(set(p["answers"]) == {"sandbox", "live"} for p in run.record["probes"])
    report = next(p for p in run.record["probes"] if p["name"] == "get-report/200")
    for answer in report["answers"].values():  # both read a report row, so its item types were compared
        assert answer["fields"]["response.order.message[].status"] == "integer"
    assert report["request"]["body"].count("<order id>") == 1  # the record names no order of the account


def test_compare_names_every_status_of_a_server_that_always_answers_http_200(tmp_path: Path) -> None:
    with serve(tmp_path, "--always-http-200") as drifted:
        run = conformance(tmp_path, drifted.url, drifted.account(), "--compare")
    assert run.code == 1
    assert run.record is not None
    profile = Profile((SENDER,), SENDER, iys_active=False)
    refused = {p.name: p.expected(profile).code for p in battery() if p.expected(profile).code != 200}
    differing = run.differing()
    assert set(differing) == set(refused)  # every refusal, and nothing that is a 200 anyway
    for name, code in refused.items():
        assert differing[name]["live"] == [f"http 200 ≠ {code}"], (name, differing[name])
        assert differing[name]["live vs sandbox"] == [f"http 200 ≠ {code}"]
        assert differing[name]["sandbox"] == []  # the in-process sandbox is faithful
    assert "probes differ" in run.out
    assert "live: http 200 ≠ 452" in run.out


def test_compare_names_the_probes_a_fault_rule_answers_with_another_code(
    served: Served, tmp_path: Path
) -> None:
    account = served.account()
    rules = {"rules": [{"endpoint": "get-report", "fault": "status_503"}]}
    assert served.http.put("/_sandbox/faults", json=rules).status_code == 200
    run = conformance(tmp_path, served.url, account, "--compare")
    assert run.code == 1
    differing = run.differing()
    assert set(differing) == {"get-report/455", "get-report/xml/455"}
    found = Code.ORDER_NOT_FOUND
    for differences in differing.values():
        assert f"code 503 ≠ {int(found)}" in differences["live"]
        assert f"message {Code.SERVICE_UNAVAILABLE.message!r} ≠ {found.message!r}" in differences["live"]
        assert f"code 503 ≠ {int(found)}" in differences["live vs sandbox"]


def test_refused_credentials_and_an_unapproved_sender_are_usage_errors(
    served: Served, tmp_path: Path
) -> None:
    account = served.account()
    wrong = conformance(tmp_path, served.url, type(account)(account.key, "0" * 64))
    assert wrong.code == 2
    assert "get-sender" in wrong.err
    assert "401" in wrong.err
    assert wrong.record is None
    unapproved = conformance(tmp_path, served.url, account, "--sender", "SOMEONE")
    assert unapproved.code == 2
    assert "not an approved sender" in unapproved.err


def test_no_server_is_a_transport_failure(tmp_path: Path) -> None:
    with serve(tmp_path) as gone:
        url, account = gone.url, gone.account()
    run = conformance(tmp_path, url, account)
    assert run.code == 3
    assert "Could not talk" in run.err


def test_the_global_json_option_prints_the_record(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    account = served.account()
    for name in ("ILETI_BASE_URL", "ILETI_API_KEY", "ILETI_API_HASH", "ILETI_SENDER", "ILETI_BRAND_CODE"):
        monkeypatch.delenv(name, raising=False)
    code = main(
        ["--json", "--base-url", served.url, "--key", account.key, "--hash", account.hash, "conformance"]
    )
    record = json.loads(capsys.readouterr().out)
    assert code == 0
    assert record["summary"]["differing"] == 0
    assert record["summary"]["skipped"] == 2  # the account has no order to read
    assert record["base_url"] == served.url


def test_the_sandbox_on_postgresql_matches_the_contract_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not os.environ.get("ILETI_TEST_POSTGRES_URL"):
        pytest.skip("needs ILETI_TEST_POSTGRES_URL (a PostgreSQL server the tests may create databases on)")
    monkeypatch.setenv("ILETI_TEST_DB", "postgresql")
    with sandbox_database() as database, serve(tmp_path, database=database) as served:
        account = served.account(iys={"brand_code": BRAND, "active": True})
        run = conformance(tmp_path, served.url, account, "--brand-code", BRAND)
    assert run.code == 0, run.out + run.err
    assert run.differing() == {}


def test_list_shows_the_probes_without_a_server_and_only_picks_some(
    served: Served, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ILETI_BASE_URL", "ILETI_API_KEY", "ILETI_API_HASH", "ILETI_SENDER", "ILETI_BRAND_CODE"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--json", "conformance", "--list"]) == 0  # no credentials, no server
    listed = json.loads(capsys.readouterr().out)["probes"]
    assert [p["name"] for p in listed] == [p.name for p in battery()]
    assert {p["safety"] for p in listed} >= {"read-only", "no recipient", "names nothing"}

    account = served.account()
    args = ["--json", "conformance", "--base-url", served.url, "--key", account.key, "--hash", account.hash]
    assert main([*args, "--only", "send-sms/get/*", "--only", "get-report/455"]) == 0
    names = [p["name"] for p in json.loads(capsys.readouterr().out)["probes"]]
    assert names == [p.name for p in battery() if p.name.startswith("send-sms/get/")] + ["get-report/455"]
    assert main([*args, "--only", "no-such-probe"]) == 2
