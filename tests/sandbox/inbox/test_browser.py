"""The inbox in a real headless Chromium (Debian's `chromium`, driven by Playwright; never Playwright's own
browser download): live updates without a reload, untrusted text shown as text, filters, the other tabs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .conftest import Inbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = '<b>bold</b><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>&amp; “quotes”'

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, inbox: Inbox) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == []


def open_inbox(page: Page, inbox: Inbox, query: str = "") -> None:
    page.goto(f"{inbox.url}/{query}")
    expect(page.locator("#live")).to_have_text("live")


def test_a_message_sent_through_the_api_appears_without_a_reload(page: Page, inbox: Inbox) -> None:
    open_inbox(page, inbox)
    expect(page.locator("#threads-empty")).to_be_visible()
    page.evaluate("window.__sameDocument = true")

    inbox.send("Doğrulama kodunuz 482913", ["5301234567"])

    bubble = page.locator("#conversation .bubble-text")
    expect(bubble).to_have_text("Doğrulama kodunuz 482913", timeout=10_000)
    expect(page.locator("#threads .thread")).to_have_count(1)
    expect(page.locator("#phone-number")).to_have_text("+90 530 123 45 67")
    expect(page.locator("#conversation .msg-sender")).to_have_text("ACME")
    expect(page.locator("#conversation .encoding")).to_have_text("TURKISH")
    expect(page.locator("#conversation .chip")).to_have_text("waiting")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened

    expect(page.locator("#conversation .msg-reason")).to_contain_text("Waiting for the carrier")

    inbox.settle()  # the status changes live too
    expect(page.locator("#conversation .chip")).to_have_text("delivered", timeout=10_000)
    expect(page.locator("#conversation .msg-reason")).to_have_text(
        "Delivered: the carrier delivered it (every number not ending in 0001 or 0002 is delivered)."
    )


def test_the_reason_of_an_undelivered_message_is_shown_in_plain_words(page: Page, inbox: Inbox) -> None:
    open_inbox(page, inbox)
    inbox.send("Kampanya", ["5301230001"])
    inbox.settle()
    expect(page.locator("#conversation .chip")).to_have_text("undelivered", timeout=10_000)
    expect(page.locator("#conversation .msg-reason")).to_have_text(
        "Undelivered: the number ends in 0001, the magic number the carrier does not deliver to (refunded)."
    )


def test_html_and_script_in_a_text_are_shown_as_text(page: Page, inbox: Inbox) -> None:
    inbox.sandbox.update_account(webhook_url="http://127.0.0.1:9/hook")
    order_id = inbox.send(HOSTILE, ["5301234567"])
    open_inbox(page, inbox)

    bubble = page.locator("#conversation .bubble-text")
    expect(bubble).to_have_text(HOSTILE)
    assert bubble.evaluate("element => element.children.length") == 0  # no <b>, <img> or <script> was made
    expect(page.locator("#threads .thread-preview")).to_contain_text(HOSTILE)

    page.locator("#tab-orders").click()
    expect(page.locator(f"#orders tr[data-order='{order_id}'] .text-cell")).to_have_text(HOSTILE)
    page.locator("#tab-webhooks").click()
    expect(page.locator("#webhooks summary").first).to_contain_text(HOSTILE)
    assert page.locator("#webhooks pre").first.evaluate("element => element.children.length") == 0

    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img, main b, main script").count() == 0


def test_the_number_filter_narrows_the_conversations(page: Page, inbox: Inbox) -> None:
    inbox.send("to everyone", ["5301234567", "5321110001", "5441112233"])
    open_inbox(page, inbox)
    expect(page.locator("#threads .thread")).to_have_count(3)

    page.locator("input[name=number]").fill("0001")
    expect(page.locator("#threads .thread")).to_have_count(1)
    expect(page.locator("#phone-number")).to_have_text("+90 532 111 00 01")
    assert "number=0001" in page.url  # a reload keeps the filter

    page.locator("button.clear").click()
    expect(page.locator("#threads .thread")).to_have_count(3)


def test_orders_tab_shows_counters_and_opens_an_order(page: Page, inbox: Inbox) -> None:
    first = inbox.send("first order", ["5301234567", "5321110001"])
    inbox.send("second order", ["5441112233"], sender="SHOP")
    inbox.settle()
    open_inbox(page, inbox, "?tab=orders")

    row = page.locator(f"#orders tr[data-order='{first}']")
    expect(row.locator(".counters")).to_contain_text("2 total · 1 delivered · 1 undelivered · 0 waiting")
    expect(row.locator(".chip")).to_have_text("completed")

    row.click()  # shows that order's messages only
    expect(page.locator("#view-messages")).to_be_visible()
    expect(page.locator("#threads .thread")).to_have_count(2)
    expect(page.locator("input[name=order_id]")).to_have_value(str(first))
