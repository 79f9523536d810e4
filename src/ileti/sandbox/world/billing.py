"""Billing (OQ-11, OQ-16): what an order costs, what it reserves, what comes back, what a balance buys.

An account is billed in SMS credits (one credit per message part) or in TL (`sms_price` TL per part). An order
reserves the parts of its deliverable messages when it is placed, in the account's currency, and is refused
with 402 when the balance cannot take them (`store/orders.py` applies this inside the order's transaction).
Undelivered parts are free: settlement and cancel give them back at the price they were reserved at. An
order's price (get-report, OQ-11) is what its delivered parts cost. APITEST orders reserve nothing.

Pure arithmetic, no I/O: the store and the handlers apply it, so each number of OQ-11/OQ-16 has one home.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

__all__ = [
    "MAX_SMS_BALANCE",
    "Billing",
    "order_price",
    "recorded_unit",
    "refund",
    "reserve",
    "reserved_parts",
    "sms_balance",
    "unit_price",
]

Billing = Literal["sms", "tl"]

MAX_SMS_BALANCE = 10**15
"""get-balance's `sms` for a TL account is capped like a credit balance: an amount stored before the control
API bounded it could otherwise buy more messages than a float or the wire's integers hold."""


class _Block(Protocol):
    parts: int
    deliverable: list[bool]


def reserved_parts(blocks: Iterable[_Block], *, apitest: bool) -> int:
    """The parts an order reserves: every deliverable message's parts (invalid and blacklisted numbers cost
    nothing, OQ-6); none for APITEST."""
    if apitest:
        return 0
    return sum(block.parts * sum(block.deliverable) for block in blocks)


def unit_price(billing: str, sms_price: float) -> float:
    """What one part costs in the account's currency: `sms_price` TL, or one credit."""
    return sms_price if billing == "tl" else 1.0


def recorded_unit(billing: str, sms_price: float, parts: int) -> float:
    """The part price an order keeps for its refunds and its price: 0 when it reserved nothing (APITEST)."""
    return unit_price(billing, sms_price) if parts else 0.0


def reserve(billing: str, parts: int, sms_price: float) -> float:
    """What the order takes from the balance: credits (an integer) or TL."""
    return parts * sms_price if billing == "tl" else parts


def refund(billing: str, parts: int, part_price: float) -> float:
    """What `parts` undelivered (or cancelled) parts give back, at the order's recorded part price."""
    amount = parts * part_price
    return amount if billing == "tl" else round(amount)


def order_price(delivered_parts: int, part_price: float) -> float:
    """OQ-11: what the delivered parts cost, in credits or TL (undelivered messages are free)."""
    return round(delivered_parts * part_price, 4)


def sms_balance(billing: str, balance_sms: int, balance_amount: float, sms_price: float) -> int:
    """get-balance's `sms`: the credits, or for a TL account what the amount buys (2026 meaning)."""
    if billing == "tl" and sms_price > 0:
        return int(min(balance_amount / sms_price + 1e-9, MAX_SMS_BALANCE))
    return balance_sms
