"""The records the store speaks: what callers hand it and what it answers, never rows or connections.

Every write that a status code depends on (451 duplicate, 402 balance, cancel, a missing group or contact,
the İYS quota) is decided inside one store transaction, and the store answers with a `Refusal` naming the
reason rather than a code: the handlers map reasons to codes. Time always comes in as an argument (the
sandbox clock), never from SQL.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ileti.sandbox.world.billing import Billing, order_price

__all__ = [
    "Account",
    "Billing",
    "CarrierOutcome",
    "ConsentKey",
    "ConsentRecord",
    "ContactData",
    "ContactRecord",
    "GroupRecord",
    "InboxMessage",
    "IysState",
    "NewBlock",
    "NewConsent",
    "NewOrder",
    "OrderRecord",
    "PlaceOrder",
    "Refusal",
    "RefusalReason",
    "WebhookJob",
]

CarrierOutcome = Literal["delivered", "undelivered", "never"]


class RefusalReason(enum.StrEnum):
    """Why the store declined a write."""

    DUPLICATE = "duplicate"  # 451: the same order within the duplicate window (`Refusal.order_id`: the first)
    BALANCE = "balance"  # 402: the balance cannot take the order
    NOT_FOUND = "not_found"  # the account or order is gone, or the order can no longer be cancelled
    GROUP = "group"  # the group (id) does not exist in this account
    PARENT = "parent"  # the parent group does not exist
    CYCLE = "cycle"  # a group cannot be its own ancestor
    CONTACT = "contact"  # the contact does not exist
    FIELD = "field"  # a custom field id is not defined for this account
    QUOTA = "quota"  # the İYS quota cannot take the batch


class Refusal(Exception):  # noqa: N818 -- a refusal is an outcome, not an error of the store
    """The store declined a write for a domain reason (the caller maps it to a status code); nothing was
    written."""

    def __init__(self, reason: RefusalReason, order_id: int | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.order_id = order_id  # DUPLICATE: the earlier order this one repeats


# ---------------------------------------------------------------------------------------------- accounts


@dataclass(slots=True)
class Account:
    """An API account: credentials, access rules, balance and the per-account switches of DESIGN.md."""

    key: str
    hash: str
    api_access: bool = True
    allowed_ips: list[str] = field(default_factory=list)
    billing: Billing = "sms"
    balance_amount: float = 0.0
    balance_sms: int = 0
    senders: list[str] = field(default_factory=list)
    iys_brand_code: str | None = None
    iys_active: bool = False
    iys_quota: int | None = None
    documents_missing: bool = False
    webhook_url: str | None = None
    test_number: str | None = None
    created_ts: float = 0.0


# ---------------------------------------------------------------------------------------------- orders


@dataclass(slots=True)
class NewBlock:
    """One message block of an order to place: its text and, per recipient, the number and whether it goes
    out.

    `numbers[i]` is the normalised number (or the raw value when it is invalid); `deliverable[i]` is False for
    invalid or blacklisted numbers, which become 112 rows at once and cost nothing (OQ-6).
    """

    text: str
    encoding: str
    parts: int
    numbers: list[str]
    deliverable: list[bool]


@dataclass(slots=True)
class NewOrder:
    account_key: str
    sender: str
    iys: int
    iys_list: str | None
    submit_ts: float
    send_ts: float
    fingerprint: str
    blocks: list[NewBlock]
    charged_parts: int  # parts to reserve now (`billing.reserved_parts`, OQ-16); 0 for APITEST


class PlaceOrder(NamedTuple):
    """One order of a group commit, with the arguments of `Orders.place`."""

    order: NewOrder
    now: float
    duplicate_since: float
    settle_delay: float
    part_price: float


@dataclass(slots=True)
class OrderRecord:
    id: int
    account_key: str
    sender: str
    submit_ts: float
    send_ts: float
    cancelled: bool
    total: int
    waiting: int
    delivered: int
    undelivered: int
    delivered_parts: int
    billing: Billing
    part_price: float

    @property
    def price(self) -> float:
        """OQ-11: what the delivered parts cost (`billing.order_price`)."""
        return order_price(self.delivered_parts, self.part_price)


@dataclass(slots=True)
class InboxMessage:
    id: int
    order_id: int
    account_key: str
    row: int
    to: str
    sender: str
    text: str
    encoding: str
    parts: int
    status: int
    submit_ts: float
    send_ts: float
    final_ts: float | None
    # what `reasons.explain` reads to say why a message is where it is
    iys: int = 0
    iys_list: str | None = None
    due_ts: float | None = None
    cancelled: bool = False

    def __post_init__(self) -> None:
        self.cancelled = bool(self.cancelled)  # SQLite answers 0/1


@dataclass(slots=True)
class WebhookJob:
    id: int
    url: str
    payload: bytes
    attempts: int


# ---------------------------------------------------------------------------------------------- contacts


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    name: str
    parent_id: int | None
    count: int = 0


@dataclass(slots=True)
class ContactData:
    """The values of a contact to write. In an edit, None means "keep what is stored"."""

    name: str | None = None
    surname: str | None = None
    email: str | None = None
    gsm: str | None = None
    fields: dict[int, str] | None = None
    groups: list[int] | None = None


@dataclass(slots=True)
class ContactRecord:
    id: int
    name: str | None
    surname: str | None
    email: str | None
    gsm: str | None
    fields: list[tuple[int, str]] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- consents

ConsentKey = tuple[str, str, str]
"""(recipient, recipientType, type): under one brand code, the thing a consent history is about."""


@dataclass(frozen=True, slots=True)
class NewConsent:
    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str | None
    consent_date: str | None
    consent_ts: float

    @property
    def key(self) -> ConsentKey:
        return (self.recipient, self.recipient_type, self.type)


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    brand_code: str
    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str | None
    consent_date: str | None
    consent_ts: float
    created_ts: float


@dataclass(frozen=True, slots=True)
class IysState:
    """Per-account İYS state of the sandbox: records used against the quota, strict mode, show quirks."""

    used: int = 0
    strict: bool = True
    quirks: bool = True
