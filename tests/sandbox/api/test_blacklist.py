"""Blacklist over a real socket (CONTRACT §4.7–4.9, OQ-6, OQ-12, OQ-14, OQ-15), in JSON and in XML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ileti.codes import Code

from ..api_calls import Api


@pytest.fixture(params=["json", "xml"])
def api(request: pytest.FixtureRequest, ileti_sandbox: Any) -> Iterator[Api]:
    with Api(ileti_sandbox, request.param) as api:
        yield api


def recreate(api: Api) -> None:
    api.control("POST", "/_sandbox/accounts", {"key": api.key, "hash": api.hash})


def numbers(api: Api, **payload: Any) -> tuple[int, list[str]]:
    answer = api.expect(Code.OK, "get-blacklist", payload)
    blacklist = answer.response["blacklist"]
    listed = blacklist.get("number", [])
    return int(blacklist["count"]), listed if isinstance(listed, list) else [listed]


def test_numbers_in_any_form_come_back_with_plus_90(api: Api) -> None:
    for number in ("905321234567", "+90 532 123 45 68", "05321234569", "5321234570"):
        api.expect(Code.OK, "add-blacklist", {"number": number})
    count, listed = numbers(api)
    assert count == 4
    assert sorted(listed) == ["+905321234567", "+905321234568", "+905321234569", "+905321234570"]


def test_an_empty_blacklist_is_count_0(api: Api) -> None:
    assert numbers(api) == (0, [])
    api.expect(Code.OK, "get-blacklist")  # the whole blacklist object is optional (§4.7)


def test_adding_a_listed_number_again_is_200(api: Api) -> None:
    api.expect(Code.OK, "add-blacklist", {"number": "5321234567"})
    api.expect(Code.OK, "add-blacklist", {"number": "+905321234567"})
    assert numbers(api) == (1, ["+905321234567"])


NOT_MOBILE = ["905999123456", "+4917212345678", "2121234567", "53212345", "abc", "", None]  # None: missing


def test_a_number_that_is_not_a_turkish_mobile_is_466(api: Api) -> None:
    for endpoint in ("add-blacklist", "delete-blacklist"):
        for number in NOT_MOBILE:
            api.expect(Code.INVALID_NUMBER, endpoint, {} if number is None else {"number": number})


def test_deleting_a_number_not_on_the_list_is_474(api: Api) -> None:
    api.expect(Code.BLACKLIST_REMOVE_FAILED, "delete-blacklist", {"number": "5321234567"})
    api.expect(Code.OK, "add-blacklist", {"number": "5321234567"})
    api.expect(Code.OK, "delete-blacklist", {"number": "905321234567"})
    api.expect(Code.BLACKLIST_REMOVE_FAILED, "delete-blacklist", {"number": "5321234567"})  # not idempotent
    assert numbers(api) == (0, [])


def test_pages_are_newest_first_and_count_ignores_paging(api: Api) -> None:
    api.set_clock("2026-05-10 12:00:00")
    added = [f"+90532123450{i}" for i in range(5)]
    for number in added:
        api.expect(Code.OK, "add-blacklist", {"number": number})
        api.advance(60)
    newest_first = added[::-1]
    assert numbers(api, page="1", rowCount="2") == (5, newest_first[0:2])
    assert numbers(api, page=2, rowCount=2) == (5, newest_first[2:4])
    assert numbers(api, page=3, rowCount=2) == (5, newest_first[4:])
    assert numbers(api, page=4, rowCount=2) == (5, [])
    assert numbers(api, rowCount=5000) == (5, newest_first)  # clamped to 1000 (OQ-12)
    assert numbers(api, rowCount=0) == (5, newest_first[:1])  # clamped to 1


@pytest.mark.parametrize("page", ["0", "-1"])
def test_a_page_below_1_is_464(api: Api, page: str) -> None:
    api.expect(Code.INVALID_PAGE, "get-blacklist", {"page": page})


def test_filter_by_time_added_counts_only_the_matches(api: Api) -> None:
    api.set_clock("2026-05-10 12:00:00")
    api.expect(Code.OK, "add-blacklist", {"number": "5321111111"})
    api.set_clock("2026-05-11 12:00:00")
    api.expect(Code.OK, "add-blacklist", {"number": "5322222222"})
    api.set_clock("2026-05-12 12:00:00")
    api.expect(Code.OK, "add-blacklist", {"number": "5323333333"})
    window = {"start": "2026-05-11 00:00:00", "end": "2026-05-12 12:00:00"}
    assert numbers(api, filter=window) == (2, ["+905323333333", "+905322222222"])
    assert numbers(api, filter={"start": "2026-05-12 00:00:00"}) == (1, ["+905323333333"])
    assert numbers(api, filter={"end": "2026-05-10 23:59:59"}) == (1, ["+905321111111"])
    assert numbers(api, filter=window, page=2, rowCount=1) == (2, ["+905322222222"])


@pytest.mark.parametrize("bad", ["2026-05-11", "11/05/2026 10:00", "yesterday"])
def test_a_filter_date_of_another_form_is_422(api: Api, bad: str) -> None:
    api.expect(Code.VALIDATION_FAILED, "get-blacklist", {"filter": {"start": bad}})


def test_each_account_has_its_own_blacklist(api: Api) -> None:
    api.expect(Code.OK, "add-blacklist", {"number": "5321234567"})
    other = api.control("POST", "/_sandbox/accounts", {"secret": "s3cret"})
    assert numbers(api) == (1, ["+905321234567"])
    answer = api.expect(Code.OK, "get-blacklist", key=other["key"], hash=other["hash"])
    assert int(answer.response["blacklist"]["count"]) == 0
    api.expect(
        Code.BLACKLIST_REMOVE_FAILED,
        "delete-blacklist",
        {"number": "5321234567"},
        key=other["key"],
        hash=other["hash"],
    )


def test_send_sms_skips_blacklisted_numbers_as_free_112_rows(api: Api) -> None:
    api.expect(Code.OK, "add-blacklist", {"number": "5321234567"})
    sent = api.send_sms(["5321234567", "5329876543"])
    assert sent.code == Code.OK
    report = api.report(str(sent.response["order"]["id"]))
    assert report == {"+905321234567": 112, "+905329876543": 110}  # OQ-6


def test_send_sms_to_only_blacklisted_numbers_is_452(api: Api) -> None:
    api.expect(Code.OK, "add-blacklist", {"number": "5321234567"})
    assert api.send_sms(["5321234567"]).code == Code.INVALID_RECIPIENTS
    api.expect(Code.OK, "delete-blacklist", {"number": "5321234567"})
    assert api.send_sms(["5321234567"], text="again").code == Code.OK  # reachable again (§4.9)


def test_bad_credentials_are_401_and_change_nothing(api: Api) -> None:
    api.expect(Code.UNAUTHORIZED, "add-blacklist", {"number": "5321234567"}, hash="wrong")
    assert numbers(api) == (0, [])


def test_the_control_api_reads_adds_and_clears_an_accounts_blacklist(api: Api) -> None:
    api.control(
        "POST", api.account("/blacklist"), {"numbers": ["5321234567"], "added_at": "2026-01-02 03:04:05"}
    )
    api.expect(Code.OK, "add-blacklist", {"number": "5329876543"})
    entries = api.control("GET", api.account("/blacklist"))["blacklist"]
    assert {"number": "+905321234567", "added_at": "2026-01-02 03:04:05"} in entries
    assert len(entries) == 2
    assert api.control("GET", api.account())["blacklist"] == ["+905321234567", "+905329876543"]
    api.control("DELETE", api.account("/blacklist"))
    assert numbers(api) == (0, [])
    api.control("POST", api.account("/blacklist"), {"numbers": ["5321234567"]})
    api.control("POST", "/_sandbox/reset")
    recreate(api)  # same key and hash: nothing of the old account's blacklist survives a reset
    assert numbers(api) == (0, [])
