"""The inbox's Requests view in a real headless Chromium (as `test_browser.py`): refused calls stand out
with the sentence that says why, live, and a message links to the call that placed it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import Inbox
from .test_browser import browser, open_inbox, page, pytestmark  # noqa: F401 -- shared fixtures and skip


def test_a_refused_call_appears_with_its_reason(page: Page, inbox: Inbox) -> None:  # noqa: F811
    open_inbox(page, inbox, "?tab=requests")
    expect(page.locator("#requests-empty")).to_be_visible()
    inbox.send("Merhaba", ["5301234567"])
    body = {
        "request": {
            "authentication": {"key": inbox.key, "hash": inbox.sandbox.hash},
            "order": {
                "sender": "<b>ACMECORPORATE1</b>",
                "iys": "0",
                "message": {"text": "x", "receipents": {"number": ["5301234567"]}},
            },
        }
    }
    assert inbox.http.post("/v1/send-sms/json", json=body).json()["response"]["status"]["code"] == 460

    rows = page.locator("#requests tr")
    expect(rows).to_have_count(2, timeout=10_000)  # live, without a reload
    refused = page.locator("#requests tr.refused")
    expect(refused).to_have_count(1)
    expect(refused.locator(".chip")).to_have_text("460")
    expect(refused.locator(".reason")).to_have_text(
        "sender_format: the sender '<b>ACMECORPORATE1</b>' has 21 characters where 11 are allowed"
    )
    assert refused.locator(".reason").evaluate("element => element.children.length") == 0  # text, not markup
    expect(page.locator("#count-requests")).to_have_text("1")
    accepted = page.locator("#requests tr:not(.refused)")
    expect(accepted.locator(".chip")).to_have_text("200")
    accepted.locator("details summary").click()
    expect(accepted.locator("pre")).to_contain_text('"hash": "***"')
    assert inbox.sandbox.hash not in page.content()


def test_a_message_links_to_its_request(page: Page, inbox: Inbox) -> None:  # noqa: F811
    first = inbox.send("Birinci", ["5301234567"])
    inbox.send("İkinci", ["5301234567"])
    open_inbox(page, inbox)
    message = page.locator(f'#conversation .msg[data-order="{first}"]')
    message.locator(".request-link").click()

    expect(page.locator("#view-requests")).to_be_visible()
    rows = page.locator("#requests tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", "200")
    expect(rows.first.locator("td").nth(5)).to_have_text(str(first))
    assert f"order_id={first}" in page.url

    rows.first.locator("td").nth(5).locator("button").click()  # and back to the order's messages
    expect(page.locator("#view-messages")).to_be_visible()
    expect(page.locator("#conversation .bubble-text")).to_have_count(1)
    expect(page.locator("#conversation .bubble-text")).to_have_text("Birinci")
