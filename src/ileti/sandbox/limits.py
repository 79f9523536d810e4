"""The API's documented limits that the core does not (yet) define, in one place for the sandbox.

These belong in the core next to `ileti.text.MAX_PARTS` so the client validates with the same numbers; until
then the sandbox reads them only from here. Configurable ones (50,000 recipients, the 10-minute duplicate
window) are `Settings` defaults instead.
"""

from __future__ import annotations

__all__ = [
    "APITEST_SENDER",
    "IYS_LISTS",
    "REPORTS_MAX_DAYS",
    "REPORTS_PAGE_SIZE",
    "ROW_COUNT_MAX",
    "SENDER_FORBIDDEN_CHARS",
    "SENDER_MAX_LENGTH",
]

SENDER_MAX_LENGTH = 11  # §4.1, 460
SENDER_FORBIDDEN_CHARS = frozenset("çğıİöşüÇĞÖŞÜ")  # §4.1 460: the Turkish letters
APITEST_SENDER = "APITEST"  # §4.1, OQ-26
IYS_LISTS = frozenset({"BIREYSEL", "TACIR"})  # §4.1, 469
ROW_COUNT_MAX = 1000  # §3: get-report rowCount default and maximum
REPORTS_PAGE_SIZE = 30  # §4.4 [derived]: get-reports orders per page
REPORTS_MAX_DAYS = 10  # §4.4: get-reports range, 458 beyond
