"""What the client takes and returns, beyond the shared wire models.

Results are the pydantic models of `ileti.wire.models`, re-exported here; two are narrowed so that order ids
are numbers whatever type the server sent (CONTRACT §1.5: a digit string in 2026, an int in 2024).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias

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

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

__all__ = [
    "Balance",
    "Blacklist",
    "Consent",
    "ConsentRecord",
    "Contact",
    "CustomField",
    "Group",
    "HasE164",
    "Message",
    "Number",
    "OrderReport",
    "OrderSummary",
    "Recipients",
    "ReportMessage",
    "ReportsPage",
    "SentOrder",
]

ConsentRecord = ConsentRecordIn
"""One İYS consent record for `create_consents` (recipient, type, status, source, consent date…)."""

ReportsPage = GetReportsResponse
"""One page of get-reports: `count` orders in the range, `orders` on this page."""


class HasE164(Protocol):
    """A phone number object that can spell itself in E.164 (django-phonenumber-field's `PhoneNumber`)."""

    @property
    def as_e164(self) -> str: ...


Number: TypeAlias = "str | int | HasE164 | PhoneNumber"
"""A phone number as the client takes it: text in any accepted spelling, an int, a `phonenumbers.PhoneNumber`,
or anything with an `as_e164` attribute."""

Recipients: TypeAlias = "Number | Iterable[Number]"


def number_value(number: Number) -> str | int:
    """A number object as E.164 text; text and ints are passed on for the phone rules to judge."""
    if isinstance(number, str | int):
        return number
    e164 = getattr(number, "as_e164", None)
    if isinstance(e164, str):
        return e164
    country, national = getattr(number, "country_code", None), getattr(number, "national_number", None)
    if isinstance(country, int) and isinstance(national, int):  # phonenumbers.PhoneNumber
        zeros = ""
        if getattr(number, "italian_leading_zero", False):
            zeros = "0" * (getattr(number, "number_of_leading_zeros", None) or 1)
        return f"+{country}{zeros}{national}"
    raise TypeError(
        "a phone number is a str, an int, a phonenumbers.PhoneNumber or an object with as_e164, "
        f"not {type(number).__name__}"
    )


@dataclass(frozen=True, slots=True)
class Message:
    """One text and the numbers it goes to; several in one `send_sms` call make one order."""

    text: str
    to: Recipients


class SentOrder(OrderRef):
    """The order send-sms created."""

    id: int  # type: ignore[assignment]  # narrowed: the wire says digit string, callers get a number


class OrderReport(Report):
    """get-report's answer: status, counters, times, price and this page's per-recipient rows."""

    id: int  # type: ignore[assignment]  # narrowed as in SentOrder
