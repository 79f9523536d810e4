"""İYS consent over a real socket (CONTRACT §4.10–4.11, OQ-17 … OQ-20, OQ-34): every rule of a record under
its trigger, 403/405/475, the atomicity of a refused batch, consent/show and its quirks, commercial sends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ileti.codes import Code
from ileti.wire import Consent

from ..api_calls import BRAND, Api

NOW = "2026-05-10 12:00:00"
RECENT = "2026-05-09 12:00:00"


@pytest.fixture
def api(ileti_sandbox: Any) -> Iterator[Api]:
    with Api(ileti_sandbox) as api:
        api.set_clock(NOW)
        api.enable_iys()
        yield api


def record(**changes: Any) -> dict[str, Any]:
    base = {
        "recipient": "+905321112233",
        "recipientType": "BIREYSEL",
        "type": "MESAJ",
        "status": "ONAY",
        "source": "HS_WEB",
        "consentDate": RECENT,
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def create(api: Api, records: list[dict[str, Any]], code: Code = Code.OK, brand: Any = BRAND) -> None:
    api.expect(code, "consent/create", {"brandCode": brand, "list": records})


def show(
    api: Api,
    recipient: str = "+905321112233",
    recipient_type: str = "BIREYSEL",
    channel: str = "MESAJ",
    brand: Any = BRAND,
) -> dict[str, Any]:
    query = {"brandCode": brand, "recipient": recipient, "recipientType": recipient_type, "type": channel}
    answer = api.call("consent/show", query)
    return {"code": answer.code, **answer.response}


def stored(api: Api) -> list[dict[str, Any]]:
    consents: list[dict[str, Any]] = api.control("GET", api.account("/consents"))["consents"]
    return consents


# -------------------- consent/create


def test_a_valid_batch_is_stored_and_shown(api: Api) -> None:
    create(
        api,
        [
            record(),
            record(
                recipient="Info@Example.com",
                recipientType="TACIR",
                type="EPOSTA",
                source=None,
                consentDate=None,
            ),
            record(recipient="0532 999 88 77", type="ARAMA", brandCode="ignored"),
        ],
    )
    shown = show(api)
    assert shown["code"] == 200
    consent = Consent.model_validate(shown["consent"])
    assert (consent.brand_code, consent.recipient, consent.status, consent.source, consent.consent_date) == (
        int(BRAND),
        "+905321112233",
        "ONAY",
        "HS_WEB",
        RECENT,
    )
    email = Consent.model_validate(show(api, "info@example.com", "TACIR", "EPOSTA")["consent"])
    assert (email.recipient, email.source, email.consent_date) == ("info@example.com", None, None)
    assert show(api, "+905329998877", channel="ARAMA")["code"] == 200
    assert api.control("GET", api.account("/iys"))["used"] == 3


def test_the_brand_code_may_be_a_number(api: Api) -> None:
    create(api, [record()], brand=int(BRAND))


def test_a_batch_of_5000_is_accepted_and_5001_is_475(api: Api) -> None:
    batch = [record(recipient=f"+90532{i:07d}") for i in range(5001)]
    create(api, batch, Code.IYS_BATCH_TOO_LARGE)
    assert stored(api) == []
    create(api, batch[:5000])
    assert len(stored(api)) == 5000


@pytest.mark.parametrize("records", [[], None], ids=["empty", "missing"])
def test_a_batch_without_records_is_422(api: Api, records: list[Any] | None) -> None:
    payload: dict[str, Any] = {"brandCode": BRAND}
    if records is not None:
        payload["list"] = records
    api.expect(Code.VALIDATION_FAILED, "consent/create", payload)


BAD_RECORDS = {
    "recipientType": record(recipientType="KURUM"),
    "type-enum": record(type="SMS"),
    "status-enum": record(status="EVET"),
    "source-enum": record(source="HS_TELGRAF"),
    "lower-case-enum": record(type="mesaj"),
    "recipient-phone": record(recipient="+90532111"),
    "recipient-not-mobile": record(recipient="+902121112233"),
    "recipient-email-for-mesaj": record(recipient="a@b.co"),
    "recipient-email": record(recipient="not-an-email", type="EPOSTA"),
    "recipient-missing": record(recipient=None),
    "recipientType-missing": record(recipientType=None),
    "status-missing": record(status=None),
    "source-missing-bireysel": record(source=None),
    "date-missing-bireysel": record(consentDate=None),
    "date-format": record(consentDate="09/05/2026 12:00"),
    "date-without-seconds": record(consentDate="2026-05-09 12:00"),
    "date-impossible": record(consentDate="2026-02-30 12:00:00"),
    "date-older-than-3-days": record(consentDate="2026-05-07 11:59:59"),
    "date-in-the-future": record(consentDate="2026-05-10 12:00:01"),
    "date-before-2015": record(consentDate="2015-04-30 23:59:59", source="HS_2015"),
    "hs-2015-other-date": record(source="HS_2015"),
    "tacir-bad-date": record(recipientType="TACIR", consentDate="dün"),
}


@pytest.mark.parametrize("bad", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_a_record_breaking_a_rule_is_422_and_the_batch_is_dropped(api: Api, bad: dict[str, Any]) -> None:
    good = record(recipient="+905441112233")
    create(api, [good, bad, record(recipient="+905551112233")], Code.VALIDATION_FAILED)
    assert stored(api) == []  # atomic: the good records are not stored either
    assert show(api, "+905441112233")["code"] == 422  # the recipient has no record at all
    assert api.control("GET", api.account("/iys"))["used"] == 0


def test_exactly_3_days_old_and_exactly_now_are_accepted(api: Api) -> None:
    create(
        api, [record(consentDate="2026-05-07 12:00:00"), record(recipient="+905441112233", consentDate=NOW)]
    )


def test_hs_2015_with_its_date_is_accepted(api: Api) -> None:
    create(api, [record(source="HS_2015", consentDate="2015-05-01 00:00:00")])


def test_repeating_an_accepted_batch_is_422_in_strict_mode(api: Api) -> None:
    create(api, [record()])
    create(api, [record(consentDate="2026-05-09 13:00:00")], Code.VALIDATION_FAILED)  # ONAY over ONAY


def test_a_first_record_of_ret_is_422_in_strict_mode(api: Api) -> None:
    create(api, [record(status="RET")], Code.VALIDATION_FAILED)


def test_ret_after_onay_is_accepted_and_becomes_the_current_status(api: Api) -> None:
    # history inside one batch
    create(api, [record(), record(status="RET", consentDate="2026-05-09 13:00:00")])
    assert show(api)["consent"]["status"] == "RET"
    create(api, [record(consentDate="2026-05-10 11:00:00")])
    assert show(api)["consent"]["status"] == "ONAY"


def test_a_record_not_later_than_the_stored_one_is_422_in_strict_mode(api: Api) -> None:
    create(api, [record()])
    create(api, [record(status="RET", consentDate=RECENT)], Code.VALIDATION_FAILED)
    create(api, [record(status="RET", consentDate="2026-05-09 11:00:00")], Code.VALIDATION_FAILED)


def test_without_strict_mode_the_national_rules_are_off(api: Api) -> None:
    api.control("PATCH", api.account("/iys"), {"strict": False})
    create(api, [record(status="RET"), record(status="RET"), record(source="HS_2015")])
    # the 3-day rule is iletiMerkezi's own, not a national one
    create(api, [record(consentDate="2026-05-01 12:00:00")], Code.VALIDATION_FAILED)


def test_without_an_active_subscription_it_is_403(api: Api) -> None:
    api.control("PATCH", api.account("/iys"), {"active": False})
    create(api, [record()], Code.NO_IYS_SUBSCRIPTION)
    assert show(api)["code"] == 403
    api.control("PATCH", api.account("/iys"), {"active": True, "brand_code": None})
    create(api, [record()], Code.NO_IYS_SUBSCRIPTION)


def test_an_unknown_brand_code_is_403(api: Api) -> None:
    create(api, [record()], Code.NO_IYS_SUBSCRIPTION, brand="111111")
    create(api, [record()], Code.NO_IYS_SUBSCRIPTION, brand="ABC")


def test_a_missing_brand_code_is_422(api: Api) -> None:
    api.expect(Code.VALIDATION_FAILED, "consent/create", {"list": [record()]})


def test_a_batch_that_does_not_fit_the_quota_is_405_and_stores_nothing(api: Api) -> None:
    api.control("PATCH", api.account("/iys"), {"quota": 2})
    create(
        api,
        [record(), record(recipient="+905441112233"), record(recipient="+905551112233")],
        Code.IYS_QUOTA_EXCEEDED,
    )
    assert stored(api) == []
    create(api, [record(), record(recipient="+905441112233")])
    state = api.control("GET", api.account("/iys"))
    assert (state["quota"], state["used"], state["remaining"]) == (2, 2, 0)
    create(api, [record(recipient="+905551112233")], Code.IYS_QUOTA_EXCEEDED)
    api.control("PATCH", api.account("/iys"), {"used": 0})  # the control API resets the use
    create(api, [record(recipient="+905551112233")])


def test_a_refused_batch_uses_no_quota(api: Api) -> None:
    api.control("PATCH", api.account("/iys"), {"quota": 1})
    create(api, [record(status="RET")], Code.VALIDATION_FAILED)
    create(api, [record()])


# -------------------- consent/show


def test_show_for_a_recipient_without_any_record_is_422(api: Api) -> None:
    assert set(show(api)) == {"code", "status"}
    assert show(api)["code"] == 422


@pytest.mark.parametrize(
    "query",
    [
        {"recipientType": "KURUM"},
        {"type": "SMS"},
        {"recipient": "12345"},
        {"recipient": ""},
        {"brand": ""},
        {"recipient": "a@b.co"},
    ],
)
def test_show_with_a_bad_field_is_422(api: Api, query: dict[str, Any]) -> None:
    create(api, [record()])
    args = {"recipient": "+905321112233", "recipient_type": "BIREYSEL", "channel": "MESAJ", "brand": BRAND}
    renamed = {"recipientType": "recipient_type", "type": "channel"}
    args.update({renamed.get(k, k): v for k, v in query.items()})
    assert show(api, **args)["code"] == 422


def test_show_finds_the_record_whatever_the_number_form(api: Api) -> None:
    create(api, [record()])
    assert show(api, "0532 111 22 33")["consent"]["recipient"] == "+905321112233"


def test_show_of_another_type_answers_an_empty_consent_list(api: Api) -> None:
    create(api, [record()])
    assert show(api, recipient_type="TACIR") == {"code": 200, "status": show(api)["status"], "consent": []}
    assert show(api, channel="ARAMA")["consent"] == []  # OQ-18 quirk


def test_show_with_an_unknown_brand_code_answers_an_empty_consent_list(api: Api) -> None:
    create(api, [record()])
    assert show(api, brand="999")["consent"] == []


def test_without_quirks_the_empty_answers_are_422_and_403(api: Api) -> None:
    create(api, [record()])
    api.control("PATCH", api.account("/iys"), {"quirks": False})
    assert show(api, recipient_type="TACIR")["code"] == 422
    assert show(api, brand="999")["code"] == 403


def test_consent_has_no_xml_variant(api: Api) -> None:
    answer = api.http.post(f"{api.url}/v1/consent/create", content=b"<request/>")
    assert (answer.status_code, answer.headers["content-type"]) == (404, "text/xml; charset=utf-8")


# -------------------- commercial sends (OQ-34)


def test_a_commercial_send_reaches_only_consented_numbers(api: Api) -> None:
    create(
        api,
        [
            record(recipient="+905321112233"),
            record(recipient="+905441112233"),
            record(recipient="+905441112233", status="RET", consentDate="2026-05-09 13:00:00"),
            record(recipient="+905551112233", recipientType="TACIR"),
        ],
    )
    balance = api.expect(Code.OK, "get-balance").response["balance"]["sms"]
    sent = api.send_sms(["5321112233", "5441112233", "5551112233", "5059998877"], iys="1", iysList="BIREYSEL")
    assert sent.code == Code.OK
    order = str(sent.response["order"]["id"])
    assert api.report(order) == {
        "+905321112233": 110,
        "+905441112233": 112,
        "+905551112233": 112,
        "+905059998877": 112,
    }
    assert api.expect(Code.OK, "get-balance").response["balance"]["sms"] == balance - 1  # the others are free
    api.advance(60)
    api.settle()
    assert api.report(order)["+905321112233"] == 111


def test_a_commercial_send_without_any_consent_is_accepted_and_settles_undelivered(api: Api) -> None:
    sent = api.send_sms(["5321112233"], iys="1", iysList="TACIR")
    assert sent.code == Code.OK
    order = api.expect(Code.OK, "get-report", {"id": str(sent.response["order"]["id"])}).response["order"]
    assert (int(order["status"]), int(order["undelivered"]), int(order["waiting"])) == (114, 1, 0)


def test_a_transactional_send_ignores_consent(api: Api) -> None:
    sent = api.send_sms(["5321112233"], iys="0")
    assert api.report(str(sent.response["order"]["id"])) == {"+905321112233": 110}


# -------------------- control API


def test_the_control_api_seeds_lists_and_clears_consents(api: Api) -> None:
    api.control("POST", api.account("/consents"), {"records": [record(consentDate="2020-01-01 00:00:00")]})
    assert [c["consentDate"] for c in stored(api)] == ["2020-01-01 00:00:00"]  # no rules when seeding
    assert show(api)["consent"]["status"] == "ONAY"
    bad = api.http.post(api.url + api.account("/consents"), json={"records": [record(type="SMS")]})
    assert bad.status_code == 422
    api.control("DELETE", api.account("/consents"))
    assert stored(api) == []
    state = api.control("GET", api.account("/iys"))
    assert state == {
        "brand_code": BRAND,
        "active": True,
        "quota": None,
        "used": 0,
        "remaining": None,
        "strict": True,
        "quirks": True,
    }


def test_reset_wipes_consents_and_iys_state(api: Api) -> None:
    create(api, [record()])
    api.control("PATCH", api.account("/iys"), {"strict": False})
    api.control("POST", "/_sandbox/reset")
    api.control("POST", "/_sandbox/accounts", {"key": api.key, "hash": api.hash})
    api.enable_iys()
    assert stored(api) == []
    assert api.control("GET", api.account("/iys"))["strict"] is True
