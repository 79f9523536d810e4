"""The send-sms checks, one small function each, run in the order of OQ-2 as `ileti.checks` writes it.

    400 → 401 → 467 → 459 → 460 → 450 → 468 → 469 → 470 → 454 → 453 → 457 → 452 → 451 → 402

400 and 401 happen in `formats.py` before the handler runs. 467 (documents missing, OQ-5) is not in OQ-2's
list; it is an account-level refusal, so it comes right after authentication. 451 and 402 are decided inside
the store's `place_order` transaction, atomic with the write (a rejected request never consumes the duplicate
window or the balance). The client's local validation uses the same order (`ileti.checks.SEND_SMS_ORDER`),
so both refuse a request with several faults with the same code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ileti import checks, phone, text, times
from ileti.codes import Code
from ileti.limits import APITEST_SENDER, SENDER_FORBIDDEN_CHARS, SENDER_MAX_LENGTH
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import NewBlock, NewOrder, Refusal, RefusalReason
from ileti.sandbox.world import billing
from ileti.wire import json_codec
from ileti.wire.models import SendSmsRequest

__all__ = ["CHECKS", "place"]

_MAX_STORED_INVALID = 32  # an invalid recipient is stored as given, cut to this length


@dataclass(slots=True)
class Draft:
    """What the checks learn about a request on their way to `place_order`."""

    req: SendSmsRequest
    now: float
    apitest: bool = False
    iys: int = 0
    texts: list[text.SmsText] = field(default_factory=list)
    send_ts: float = 0.0
    blocks: list[NewBlock] = field(default_factory=list)


def check_documents(ctx: Context, draft: Draft) -> None:
    """467: the account has a required document missing (account flag `documents_missing`, OQ-5)."""
    if ctx.account.documents_missing:
        raise ApiError(
            Code.DOCUMENTS_MISSING,
            f"documents: account {ctx.account.key!r} is flagged "
            "documents_missing, so it may not send until they are in",
        )


def check_sender_present(ctx: Context, draft: Draft) -> None:
    """459: `order.sender` is missing or empty (§4.1)."""
    if checks.sender_missing(draft.req.sender):
        what = "missing" if draft.req.sender is None else f"empty ({draft.req.sender!r})"
        raise ApiError(Code.SENDER_EMPTY, f"sender_present: order.sender is {what}")


def check_sender_format(ctx: Context, draft: Draft) -> None:
    """460: the sender is longer than 11 characters or has a Turkish letter (§4.1, OQ-31)."""
    if checks.sender_invalid(draft.req.sender):
        sender = draft.req.sender or ""
        letters = sorted(SENDER_FORBIDDEN_CHARS.intersection(sender))
        if letters:
            raise ApiError(
                Code.SENDER_INVALID,
                f"sender_format: the sender {sender!r} has the Turkish "
                f"letter {letters[0]!r}, which sender IDs may not contain",
            )
        raise ApiError(
            Code.SENDER_INVALID,
            f"sender_format: the sender {sender!r} has {len(sender)} "
            f"characters where {SENDER_MAX_LENGTH} are allowed",
        )


def check_sender_approved(ctx: Context, draft: Draft) -> None:
    """450: the sender is not one of the account's approved senders, matched exactly; APITEST always is
    (§4.1)."""
    sender = draft.req.sender
    draft.apitest = sender == APITEST_SENDER
    if not draft.apitest and sender not in ctx.account.senders:
        approved = ", ".join(map(repr, ctx.account.senders)) or "none"
        raise ApiError(
            Code.SENDER_NOT_APPROVED,
            f"sender_approved: the sender {sender!r} is not one of the "
            f"account's approved senders ({approved}) nor APITEST",
        )


def check_iys_flag(ctx: Context, draft: Draft) -> None:
    """468: `iys` is absent or not "0"/"1" (OQ-3; `tolerate_missing_iys` reads absent as "0").

    APITEST sends have iys forced to 0 (OQ-26), so the İYS checks do not apply to them.
    """
    if draft.apitest:
        draft.iys = 0
        return
    value = draft.req.iys.strip() if draft.req.iys is not None else None
    if value is None and ctx.settings.tolerate_missing_iys:
        value = "0"
    if value not in ("0", "1"):
        what = "missing" if value is None else f"{draft.req.iys!r}"
        raise ApiError(Code.IYS_FLAG_REQUIRED, f'iys_flag: order.iys is {what} where "0" or "1" is required')
    draft.iys = int(value)


def check_iys_list(ctx: Context, draft: Draft) -> None:
    """469: iys=1 and `iysList` is not BIREYSEL or TACIR (§4.1)."""
    if draft.iys == 1 and not checks.iys_list_ok(draft.req.iys_list):
        raise ApiError(
            Code.IYS_LIST_REQUIRED,
            f"iys_list: iys is 1 and iysList is {draft.req.iys_list!r}, not BIREYSEL or TACIR",
        )


def check_iys_code(ctx: Context, draft: Draft) -> None:
    """470: iys=1 and the account has no İYS brand code configured (OQ-4)."""
    if draft.iys == 1 and not ctx.account.iys_brand_code:
        raise ApiError(
            Code.IYS_CODE_MISSING, f"iys_code: iys is 1 but account {ctx.account.key!r} has no İYS brand code"
        )


def check_text_present(ctx: Context, draft: Draft) -> None:
    """454: no message block, or a block whose `text` is missing or empty (§4.1)."""
    blocks = draft.req.messages or []
    if not blocks:
        raise ApiError(Code.EMPTY_TEXT, "text_present: the order has no message block")
    for number, block in enumerate(blocks, 1):
        if checks.text_missing(block.text):
            what = "missing" if block.text is None else "empty"
            raise ApiError(Code.EMPTY_TEXT, f"text_present: the text of message block {number} is {what}")
    draft.texts = [text.analyze(block.text or "") for block in blocks]


def check_size(ctx: Context, draft: Draft) -> None:
    """453: a text longer than 7 SMS parts in its encoding (§4.1, §7), or too many recipients (OQ-8)."""
    for number, sms in enumerate(draft.texts, 1):
        if sms.too_long:
            raise ApiError(
                Code.ORDER_TOO_LARGE,
                f"size: the text of message block {number} is {sms.length} "
                f"{sms.encoding.value} units where {sms.max_length} "
                f"({text.MAX_PARTS} SMS parts) are allowed",
            )
    count = sum(
        len(block.recipients.numbers or []) if block.recipients else 0 for block in draft.req.messages or []
    )
    if count > ctx.settings.max_recipients:
        raise ApiError(
            Code.ORDER_TOO_LARGE,
            f"size: the order has {count} recipients where {ctx.settings.max_recipients} are allowed",
        )


def check_schedule(ctx: Context, draft: Draft) -> None:
    """457: `sendDateTime` is not `DD/MM/YYYY HH:MM` (§4.1); OQ-10 for the rest.

    Absent, `""` or `[]` means now; a time in the past means now; the live API ignores a schedule with seconds
    and sends at once, so `DD/MM/YYYY HH:MM:SS` means now too. Istanbul time.
    """
    draft.send_ts = draft.now
    raw = draft.req.send_date_time
    if isinstance(raw, list) and len(raw) > 1:
        raise ApiError(
            Code.INVALID_SEND_DATE,
            f"schedule: sendDateTime is a list of {len(raw)} values where at most one is allowed",
        )
    value = draft.req.schedule
    if value is None:
        return
    if checks.schedule_with_seconds(value):
        return
    parsed = checks.parse_schedule(value)
    if parsed is None:
        raise ApiError(
            Code.INVALID_SEND_DATE,
            f"schedule: sendDateTime {value.strip()!r} is not a real date and time in DD/MM/YYYY HH:MM",
        )
    draft.send_ts = max(times.in_istanbul(parsed).timestamp(), draft.now)


def _consented(ctx: Context, draft: Draft) -> set[str] | None:
    """For a commercial send (iys=1), the numbers whose newest MESAJ consent of the order's `iysList`
    under the account's brand code is ONAY (OQ-34); None when consent does not matter."""
    if draft.iys != 1:
        return None
    return ctx.store.consents.consented_numbers(
        ctx.account.key, ctx.account.iys_brand_code or "", (draft.req.iys_list or "").strip()
    )


def check_recipients(ctx: Context, draft: Draft) -> None:
    """452: recipients missing, or none deliverable after dropping invalid and blacklisted numbers (OQ-6).

    Invalid and blacklisted numbers stay in the order as free 112 rows; `strict_recipients` refuses the whole
    order instead. APITEST goes only to the account's registered test number (OQ-26).
    """
    blacklist = ctx.store.accounts.cached_blacklist(ctx.account.key)  # as fresh as the authenticated account
    consented = _consented(ctx, draft)
    strict = ctx.settings.strict_recipients
    test_number = phone.try_normalize(ctx.account.test_number) if ctx.account.test_number else None
    normalize = phone.try_normalize
    any_deliverable = False
    for block, sms in zip(draft.req.messages or [], draft.texts, strict=True):
        raw_numbers = block.recipients.numbers if block.recipients else None
        if not raw_numbers:
            raise ApiError(
                Code.INVALID_RECIPIENTS,
                f"recipients: message block {len(draft.blocks) + 1} has no receipents.number",
            )
        numbers: list[str] = []
        deliverable: list[bool] = []
        for raw in raw_numbers:
            canonical = normalize(raw)
            if canonical is None:
                numbers.append(raw.strip()[:_MAX_STORED_INVALID])
                deliverable.append(False)
                continue
            if draft.apitest and canonical != test_number:
                raise ApiError(
                    Code.INVALID_RECIPIENTS,
                    f"recipients: APITEST sends go only to the account's "
                    f"test number ({test_number}), not to {canonical}",
                )
            numbers.append(canonical)
            ok = canonical not in blacklist
            deliverable.append(ok)
            any_deliverable = any_deliverable or ok
        if strict and not all(deliverable):
            bad = numbers[deliverable.index(False)]
            why = "blacklisted" if bad in blacklist else "not a valid Turkish mobile number"
            raise ApiError(
                Code.INVALID_RECIPIENTS, f"recipients: strict_recipients is on and {bad!r} is {why}"
            )
        if consented is not None:  # OQ-34: accepted, but a number without İYS consent is a free 112 row
            deliverable = [ok and n in consented for n, ok in zip(numbers, deliverable, strict=True)]
        body = ctx.settings.apitest_text if draft.apitest else sms.text
        stored = text.analyze(body) if draft.apitest else sms
        draft.blocks.append(NewBlock(body, stored.encoding.value, stored.parts, numbers, deliverable))
    if not any_deliverable:
        total = sum(len(block.numbers) for block in draft.blocks)
        listed = sum(n in blacklist for block in draft.blocks for n in block.numbers)
        raise ApiError(
            Code.INVALID_RECIPIENTS,
            f"recipients: none of the {total} recipients can be sent to "
            f"({total - listed} invalid, {listed} blacklisted)",
        )


def fingerprint(draft: Draft) -> str:
    """OQ-7's duplicate key: the multiset of (submitted text, set of normalised recipients) over all blocks.

    Sender and schedule are not part of it; APITEST uses the submitted text, not the replacement. 128 bits
    (32 hex digits) make a collision practically impossible, and the shorter key keeps the index that the
    451 check reads, and every order writes into, small: a 64-digit key cost each send about 5 µs more.
    """
    items = sorted(
        (sms.text, sorted(set(block.numbers))) for sms, block in zip(draft.texts, draft.blocks, strict=True)
    )
    return hashlib.blake2b(json_codec.dumps(items), digest_size=16).hexdigest()


async def place_order(ctx: Context, draft: Draft) -> int:
    """451 then 402, atomic with the write: the store checks both inside `place_order`'s transaction."""
    charged = billing.reserved_parts(draft.blocks, apitest=draft.apitest)
    order = NewOrder(
        account_key=ctx.account.key,
        sender=draft.req.sender or "",
        iys=draft.iys,
        iys_list=(draft.req.iys_list or None) if draft.iys == 1 else None,
        submit_ts=draft.now,
        send_ts=draft.send_ts,
        fingerprint=fingerprint(draft),
        blocks=draft.blocks,
        charged_parts=charged,
    )
    settings = ctx.settings
    try:
        return await ctx.services.order_writer.place(
            order,
            now=draft.now,
            duplicate_since=draft.now - settings.duplicate_window,
            settle_delay=settings.settle_delay,
            part_price=settings.sms_price,
        )
    except Refusal as refusal:
        if refusal.reason is RefusalReason.DUPLICATE:
            raise ApiError(
                Code.DUPLICATE_ORDER,
                f"duplicate: the same texts to the same recipients as order "
                f"{refusal.order_id}, placed less than "
                f"{settings.duplicate_window:g} seconds before",
            ) from refusal
        if refusal.reason is RefusalReason.BALANCE:
            raise ApiError(Code.INSUFFICIENT_BALANCE, _balance_reason(ctx, charged)) from refusal
        raise ApiError(
            Code.UNAUTHORIZED,
            f"authentication: account {ctx.account.key!r} was deleted while the order was placed",
        ) from refusal


def _balance_reason(ctx: Context, parts: int) -> str:
    """402's sentence: what the order costs against what the account has (read again: the cache is stale)."""
    account = ctx.store.accounts.get(ctx.account.key) or ctx.account
    if account.billing == "tl":
        cost = billing.reserve("tl", parts, ctx.settings.sms_price)
        return (
            f"balance: the order costs {cost:.4f} TL ({parts} SMS parts) and "
            f"the account has {account.balance_amount:.4f} TL"
        )
    return f"balance: the order costs {parts} SMS credits and the account has {account.balance_sms}"


# one check per code, run in the order the core writes once for the client and the sandbox (ileti.checks)
CHECKS: tuple[Callable[[Context, Draft], None], ...] = checks.in_order(
    {
        Code.DOCUMENTS_MISSING: check_documents,
        Code.SENDER_EMPTY: check_sender_present,
        Code.SENDER_INVALID: check_sender_format,
        Code.SENDER_NOT_APPROVED: check_sender_approved,
        Code.IYS_FLAG_REQUIRED: check_iys_flag,
        Code.IYS_LIST_REQUIRED: check_iys_list,
        Code.IYS_CODE_MISSING: check_iys_code,
        Code.EMPTY_TEXT: check_text_present,
        Code.ORDER_TOO_LARGE: check_size,
        Code.INVALID_SEND_DATE: check_schedule,
        Code.INVALID_RECIPIENTS: check_recipients,
    },
    complete=True,
)


async def place(ctx: Context, req: SendSmsRequest) -> int:
    """Run every check in order, then place the order; returns the new order id or raises `ApiError`."""
    draft = Draft(req=req, now=ctx.clock.now())
    for check in CHECKS:
        check(ctx, draft)
    return await place_order(ctx, draft)
