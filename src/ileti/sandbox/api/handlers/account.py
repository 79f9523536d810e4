"""get-balance (§4.5) and get-sender (§4.6)."""

from __future__ import annotations

from ileti.sandbox.context import Context
from ileti.sandbox.world import billing
from ileti.wire.models import Balance, GetBalanceResponse, GetSenderResponse, Senders

__all__ = ["get_balance", "get_sender"]


async def get_balance(ctx: Context, _req: None) -> GetBalanceResponse:
    """`amount` in TL and `sms` credits. For a TL-funded account `sms` is what the amount buys (2026
    meaning)."""
    # fresh from the store: the authenticated account may come from the cache, whose balance can be stale
    account = ctx.store.accounts.get(ctx.account.key) or ctx.account
    sms = billing.sms_balance(
        account.billing, account.balance_sms, account.balance_amount, ctx.settings.sms_price
    )
    return GetBalanceResponse(balance=Balance(amount=round(account.balance_amount, 4), sms=sms))


async def get_sender(ctx: Context, _req: None) -> GetSenderResponse:
    """The approved sender IDs (APITEST is usable but not listed, §4.6)."""
    return GetSenderResponse(senders=Senders(sender=list(ctx.account.senders)))
