"""The `Store` protocol: the sandbox's persistence in domain verbs, and the models it returns.

Callers never see rows or connections. Every write that a status code depends on (451 duplicate, 402 balance,
cancel) happens inside one store transaction, and the store answers with a `Refusal` rather than a code: the
rules layer maps refusals to codes. Time always comes in as an argument (the sandbox clock), never from SQL.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ileti.sandbox.world.clock import ClockState

if TYPE_CHECKING:
    from ileti.sandbox.store.directory import Directory

__all__ = [
    "Account",
    "Billing",
    "CarrierOutcome",
    "InboxMessage",
    "NewBlock",
    "NewOrder",
    "OrderRecord",
    "Refusal",
    "RefusalReason",
    "Store",
    "WebhookJob",
]

Billing = Literal["sms", "tl"]
CarrierOutcome = Literal["delivered", "undelivered", "never"]


class RefusalReason(enum.StrEnum):
    DUPLICATE = "duplicate"
    BALANCE = "balance"
    NOT_FOUND = "not_found"


class Refusal(Exception):  # noqa: N818 -- a refusal is an outcome, not an error of the store
    """The store declined a write for a domain reason (the caller maps it to a status code)."""

    def __init__(self, reason: RefusalReason, order_id: int | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.order_id = order_id  # DUPLICATE: the earlier order this one repeats


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
    charged_parts: int  # parts to reserve now (OQ-16); 0 for APITEST


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
        """OQ-11: what the delivered parts cost, in credits or TL (undelivered messages are free)."""
        return round(self.delivered_parts * self.part_price, 4)


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


class Store(Protocol):
    """What the sandbox needs from persistence. One implementation: `sql.SqlStore`."""

    # blacklist pages, contacts and groups, custom fields, İYS consents (`directory.Directory`)
    directory: Directory

    # accounts
    def create_account(self, account: Account, blacklist: Sequence[str] = ()) -> Account: ...
    def get_account(self, key: str) -> Account | None: ...
    def cached_account(self, key: str) -> Account | None: ...  # the balance may be stale
    def list_accounts(self) -> list[Account]: ...
    def update_account(self, key: str, changes: Mapping[str, Any]) -> Account | None: ...
    def delete_account(self, key: str) -> bool: ...
    def blacklisted(self, account_key: str) -> set[str]: ...
    def cached_blacklist(self, account_key: str) -> frozenset[str]: ...  # after cached_account
    def add_blacklist(self, account_key: str, numbers: Sequence[str], now: float) -> None: ...

    # orders
    def place_order(
        self, order: NewOrder, *, now: float, duplicate_since: float, settle_delay: float, part_price: float
    ) -> int: ...
    def cancel_order(self, account_key: str, order_id: int, now: float) -> None: ...
    def get_order(self, account_key: str, order_id: int) -> OrderRecord | None: ...
    def report_rows(self, order_id: int, offset: int, limit: int) -> list[tuple[str, int]]: ...
    def orders_between(
        self, account_key: str, start: float, end: float, offset: int, limit: int
    ) -> tuple[int, list[OrderRecord]]: ...

    # carrier
    def settle(self, *, now: float, due_by: float) -> int: ...
    def carrier_rules(self) -> dict[str, CarrierOutcome]: ...
    def set_carrier_rules(self, rules: Mapping[str, CarrierOutcome]) -> None: ...

    # webhooks
    def claim_webhooks(self, wall_now: float, limit: int) -> list[WebhookJob]: ...
    def record_webhook_attempt(
        self,
        job: WebhookJob,
        *,
        at: float,
        http_status: int | None,
        error: str | None,
        duration_ms: float,
        next_ts: float | None,
        delivered: bool,
    ) -> None: ...
    def webhook_log(self, *, account_key: str | None = None, limit: int = 1000) -> list[dict[str, Any]]: ...
    def has_pending_webhooks(self) -> bool: ...

    # clock, meta, lifecycle
    def clock_state(self) -> ClockState: ...
    def set_clock_state(self, state: ClockState) -> None: ...
    def get_meta(self, name: str) -> str | None: ...
    def set_meta(self, name: str, value: str) -> None: ...
    def is_empty(self) -> bool: ...
    def reset(self) -> None: ...
    def ping(self) -> bool: ...
    def close(self) -> None: ...
