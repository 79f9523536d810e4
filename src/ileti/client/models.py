"""What the client takes and returns, beyond the shared wire models.

Results are the pydantic models of `ileti.wire.models`, re-exported here; two are narrowed so that order ids
are numbers whatever type the server sent (CONTRACT §1.5: a digit string in 2026, an int in 2024).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ileti.wire.models import (
    Balance,
    Blacklist,
    Consent,
    ConsentRecordIn,
    Contact,
    CustomField,
    GetReportsResponse,
    Group,
    OrderRef,
    OrderSummary,
    Report,
    ReportMessage,
)

__all__ = [
    "Balance",
    "Blacklist",
    "Consent",
    "ConsentRecord",
    "Contact",
    "CustomField",
    "Group",
    "Message",
    "OrderReport",
    "OrderSummary",
    "ReportMessage",
    "ReportsPage",
    "SentOrder",
]

ConsentRecord = ConsentRecordIn
"""One İYS consent record for `create_consents` (recipient, type, status, source, consent date…)."""

ReportsPage = GetReportsResponse
"""One page of get-reports: `count` orders in the range, `orders` on this page."""


@dataclass(frozen=True, slots=True)
class Message:
    """One text and the numbers it goes to; several in one `send_sms` call make one order."""

    text: str
    to: Sequence[str | int] | str | int


class SentOrder(OrderRef):
    """The order send-sms created."""

    id: int  # type: ignore[assignment]  # narrowed: the wire says digit string, callers get a number


class OrderReport(Report):
    """get-report's answer: status, counters, times, price and this page's per-recipient rows."""

    id: int  # type: ignore[assignment]  # narrowed as in SentOrder
