"""Why a message is where it is, in plain words, for the inbox and `GET /_sandbox/messages` (`reason`).

A message's fate is decided in two places: when its order is placed (`rules/send_sms.check_recipients`: an
invalid number, a blacklisted one, or, for a commercial send (`iys=1`), one without İYS consent, becomes an
undelivered row at once and is not charged), and when the carrier settles it (`carrier.outcome`: a
per-number rule, else the magic suffixes 0001 and 0002). The store keeps the outcome, not the reason; the
reason is read back from the same facts, in the same order, as they stood when the order was placed: the
blacklist entries and consent records stored by then, the order's `iys`/`iysList`, the carrier rules and
the number. Two cases can read wrong: a carrier rule changed after a message settled (the words describe
the rule of today), and, on a frozen clock, a number blacklisted at the very instant of an order it was
already undelivered in by the carrier (the blacklist is named). Keeping the reason in the store would need
a column on `messages` written by every send; reading it back costs nothing on the hot path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ileti import phone
from ileti.codes import MessageStatus
from ileti.sandbox.store.records import CarrierOutcome, InboxMessage
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.carrier import MAGIC_NEVER, MAGIC_UNDELIVERED
from ileti.times import format_timestamp

__all__ = ["explain"]


class _Facts:
    """Per-account blacklists and consents, read once for a page of messages."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._blacklists: dict[str, dict[str, float]] = {}
        self._consents: dict[str, dict[tuple[str, str], list[tuple[float, str]]]] = {}
        self._brands: dict[str, str | None] = {}

    def blacklisted_at(self, account_key: str, number: str) -> float | None:
        entries = self._blacklists.get(account_key)
        if entries is None:
            entries = self._blacklists[account_key] = dict(
                self._store.accounts.blacklist_entries(account_key)
            )
        return entries.get(number)

    def brand(self, account_key: str) -> str | None:
        if account_key not in self._brands:
            account = self._store.accounts.get(account_key)
            self._brands[account_key] = None if account is None else account.iys_brand_code
        return self._brands[account_key]

    def consented(self, account_key: str, number: str, iys_list: str, by: float) -> bool:
        """The newest MESAJ record for the number under the account's brand and this list, stored by `by`,
        is ONAY (`rules/send_sms._consented` at the time of the order)."""
        records = self._consents.get(account_key)
        if records is None:
            # (recipient, recipientType) -> [(stored at, status)] under the account's brand, oldest first
            records = self._consents[account_key] = {}
            brand = self.brand(account_key)
            for c in self._store.consents.all(account_key):
                if c.type == "MESAJ" and c.brand_code == brand:
                    records.setdefault((c.recipient, c.recipient_type), []).append((c.created_ts, c.status))
        status = None
        for created, record_status in records.get((number, iys_list), ()):
            if created <= by:
                status = record_status
        return status == "ONAY"


def explain(
    store: SqlStore,
    messages: Sequence[InboxMessage],
    *,
    now: float,
    settle_delay: float,
    rules: Mapping[str, CarrierOutcome] | None = None,
) -> list[str]:
    """One sentence per message: why it is waiting, delivered or undelivered."""
    rules = store.settlement.carrier_rules() if rules is None else rules
    facts = _Facts(store)
    return [_reason(m, facts, rules, now, settle_delay) for m in messages]


def _reason(
    m: InboxMessage, facts: _Facts, rules: Mapping[str, CarrierOutcome], now: float, settle_delay: float
) -> str:
    rule = rules.get(m.to)
    if m.status == MessageStatus.WAITING:
        if m.due_ts is not None:
            if m.send_ts > now:
                return (
                    f"Waiting: scheduled for {format_timestamp(m.send_ts)}; "
                    "until then the order can be cancelled."
                )
            return (
                f"Waiting for the carrier: it settles {settle_delay:g} s after the send time "
                "(POST /_sandbox/carrier/settle settles now)."
            )
        if rule == "never":
            return "Waiting for good: a carrier rule for this number says the carrier never answers."
        if m.to.endswith(MAGIC_NEVER):
            return (
                f"Waiting for good: the number ends in {MAGIC_NEVER}, "
                "the magic number the carrier never answers."
            )
        return "Waiting for good: the carrier never answered."
    if m.status == MessageStatus.DELIVERED:
        if rule == "delivered":
            return "Delivered: a carrier rule for this number says delivered."
        return "Delivered: the carrier delivered it (every number not ending in 0001 or 0002 is delivered)."
    # undelivered: the checks of the order's placement first, in their order, then cancel, then the carrier
    if phone.try_normalize(m.to) != m.to:
        return "Undelivered: not a valid Turkish mobile number, so it was never sent (not charged)."
    added = facts.blacklisted_at(m.account_key, m.to)
    if added is not None and added <= m.submit_ts:
        return "Undelivered: the number is on the account's blacklist, so it was never sent (not charged)."
    if m.iys == 1 and not facts.consented(m.account_key, m.to, m.iys_list or "", m.submit_ts):
        brand = facts.brand(m.account_key) or "?"
        return (
            f"Undelivered: a commercial message (iys=1) and the number has no İYS consent (ONAY) for "
            f"brand {brand}, list {m.iys_list}, so it was never sent (not charged)."
        )
    if m.cancelled:
        return "Undelivered: its order was cancelled before the send time (refunded)."
    if rule == "undelivered":
        return "Undelivered: a carrier rule for this number says undelivered (refunded)."
    if m.to.endswith(MAGIC_UNDELIVERED):
        return (
            f"Undelivered: the number ends in {MAGIC_UNDELIVERED}, the magic number the carrier does not "
            "deliver to (refunded)."
        )
    return "Undelivered: the carrier did not deliver it (refunded)."
