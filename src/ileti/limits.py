"""The API's documented limits, written once for the client and the sandbox.

The client refuses locally what the sandbox refuses, because both read these numbers from here. Text limits
(7 parts, the per-encoding lengths) live with the text rules in `ileti.text`; phone prefixes in `ileti.phone`.
"""

from __future__ import annotations

__all__ = [
    "APITEST_SENDER",
    "CONSENT_BATCH_MAX",
    "DUPLICATE_WINDOW_SECONDS",
    "IYS_LISTS",
    "MAX_RECIPIENTS",
    "REPORTS_MAX_DAYS",
    "REPORTS_PAGE_SIZE",
    "ROW_COUNT_MAX",
    "SEARCH_MIN_LENGTH",
    "SENDER_FORBIDDEN_CHARS",
    "SENDER_MAX_LENGTH",
    "sender_format_ok",
]

SENDER_MAX_LENGTH = 11  # §4.1, 460
SENDER_FORBIDDEN_CHARS = frozenset("çğıİöşüÇĞÖŞÜ")  # §4.1 460: the Turkish letters
APITEST_SENDER = "APITEST"  # §4.1, OQ-26: usable before the account's own sender is approved
IYS_LISTS = ("BIREYSEL", "TACIR")  # §4.1, 469
MAX_RECIPIENTS = 50_000  # §4.1: recipients per send-sms request; more is 453 (OQ-8)
DUPLICATE_WINDOW_SECONDS = 600.0  # §4.1: the same text to the same recipients within 10 minutes is 451
ROW_COUNT_MAX = 1000  # §3: rowCount default and maximum (get-report, get-blacklist, contacts)
REPORTS_PAGE_SIZE = 30  # §4.4 [derived]: get-reports orders per page
REPORTS_MAX_DAYS = 10  # §4.4: get-reports range; a longer one is 458
CONSENT_BATCH_MAX = 5000  # §4.10: consent/create records per request; more is 475
SEARCH_MIN_LENGTH = 3  # §4.13: search-contacts key length; shorter is 471


def sender_format_ok(sender: str) -> bool:
    """Whether a sender ID passes the format rule of 460: at most 11 characters and no Turkish letter (OQ-31).

    Whether it is *approved* (450) only the account knows.
    """
    return len(sender) <= SENDER_MAX_LENGTH and SENDER_FORBIDDEN_CHARS.isdisjoint(sender)
