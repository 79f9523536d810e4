"""The send-sms checks: their order (OQ-2) and the stateless rules, written once for client and sandbox.

When a request breaks several rules, the code that wins is the first in `SEND_SMS_ORDER`::

    (400 → 401 →) 467 → 459 → 460 → 450 → 468 → 469 → 470 → 454 → 453 → 457 → 452 (→ 451 → 402)

400 and 401 are decided before any of these (parsing and authentication); 451 and 402 last, inside the write
that places the order, so a refused request never uses up the duplicate window or the balance. 467 is not in
OQ-2's list: it is an account-level refusal, so it comes right after authentication.

Each side keeps its own check functions (the sandbox knows the account, the client only the request) and lets
`in_order` arrange them, so neither can check 457 before 460 by accident. The rules that need no account
(`sender_missing`, `text_missing`, `parse_schedule`, …) are here too, so a request the client passes is one
the sandbox passes. Neither the client nor the sandbox is imported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from ileti import times
from ileti.codes import Code
from ileti.limits import IYS_LISTS, sender_format_ok

__all__ = [
    "SEND_SMS_ORDER",
    "in_order",
    "iys_list_ok",
    "parse_schedule",
    "schedule_with_seconds",
    "sender_invalid",
    "sender_missing",
    "text_missing",
]

SEND_SMS_ORDER: tuple[Code, ...] = (
    Code.DOCUMENTS_MISSING,  # 467
    Code.SENDER_EMPTY,  # 459
    Code.SENDER_INVALID,  # 460
    Code.SENDER_NOT_APPROVED,  # 450
    Code.IYS_FLAG_REQUIRED,  # 468
    Code.IYS_LIST_REQUIRED,  # 469
    Code.IYS_CODE_MISSING,  # 470
    Code.EMPTY_TEXT,  # 454
    Code.ORDER_TOO_LARGE,  # 453
    Code.INVALID_SEND_DATE,  # 457
    Code.INVALID_RECIPIENTS,  # 452
)

C = TypeVar("C")


def in_order(checks: Mapping[Code, C], *, complete: bool) -> tuple[C, ...]:
    """`checks` (one per code) arranged in the order of `SEND_SMS_ORDER`.

    `complete=True` demands a check for every code (the sandbox); `complete=False` allows a subset (the
    client, which cannot know the account's documents, senders or İYS code). A code outside the order is a
    programming error either way.
    """
    unknown = set(checks) - set(SEND_SMS_ORDER)
    if unknown:
        raise ValueError(f"codes outside the send-sms order: {sorted(unknown)}")
    missing = [code for code in SEND_SMS_ORDER if code not in checks]
    if complete and missing:
        raise ValueError(f"no check for {missing}")
    return tuple(checks[code] for code in SEND_SMS_ORDER if code in checks)


def sender_missing(sender: str | None) -> bool:
    """459: no sender, or only blanks."""
    return not sender or not sender.strip()


def sender_invalid(sender: str | None) -> bool:
    """460: longer than 11 characters or with a Turkish letter (OQ-31)."""
    return not sender_format_ok(sender or "")


def iys_list_ok(iys_list: str | None) -> bool:
    """469 unless a commercial (iys=1) send names BIREYSEL or TACIR."""
    return (iys_list or "").strip() in IYS_LISTS


def text_missing(text: str | None) -> bool:
    """454: a message block without text. A text of blanks is a text (the API sends it)."""
    return not text


def schedule_with_seconds(value: str) -> bool:
    """`DD/MM/YYYY HH:MM:SS`: the live API ignores such a schedule and sends at once (OQ-10)."""
    return times.schedule_has_seconds(value.strip())


def parse_schedule(value: str) -> datetime | None:
    """`sendDateTime` as a naive (Istanbul) datetime when it is `DD/MM/YYYY HH:MM` on a real calendar date
    and time; None otherwise (457). Blanks around it are ignored."""
    return times.parse_schedule(value.strip())
