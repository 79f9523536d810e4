"""İYS consent: consent/create (§4.10, iys-register) and consent/show (§4.11, iys-check). JSON only (OQ-22).

An account has an İYS subscription when the control API set `iys: {brand_code, active: true}`; the brand code
is a number, as İYS issues them. Its `quota` (None: unlimited) counts accepted records (405 when a batch does
not fit). Per account, the sandbox also keeps `strict` (the national İYS rules, OQ-19) and `quirks`
(consent/show's live `"consent": []`, OQ-18), both on by default and changed through the control API.
The record rules live in `rules/iys.py`.
"""

from __future__ import annotations

from pydantic import Field

from ileti.codes import Code
from ileti.sandbox.api.rules import iys as rules
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import Refusal
from ileti.wire.models import (
    Consent,
    ConsentCreateRequest,
    ConsentShowRequest,
    ConsentShowResponse,
    WireModel,
)

__all__ = ["EmptyConsentResponse", "consent_create", "consent_show", "subscription"]


class EmptyConsentResponse(WireModel):
    """The live quirk `{"consent": []}` (OQ-18): a 200 that carries no record."""

    consent: list[str] = Field(default_factory=list)


def subscription(ctx: Context) -> str:
    """403 unless the account has an active İYS subscription with a (numeric) brand code (§4.10, OQ-20)."""
    account = ctx.account
    brand = (account.iys_brand_code or "").strip()
    if not account.iys_active or not brand.isascii() or not brand.isdigit():
        why = "is not active" if not account.iys_active else f"has no numeric brand code ({brand!r})"
        raise ApiError(
            Code.NO_IYS_SUBSCRIPTION, f"subscription: the İYS subscription of account {account.key!r} {why}"
        )
    return brand


def _brand_matches(brand: str, sent: str | None) -> bool:
    text = (sent or "").strip()
    # compared as digit strings: int() of a hostile 10,000-digit value would raise
    return text.isascii() and text.isdigit() and text.lstrip("0") == brand.lstrip("0")


async def consent_create(ctx: Context, req: ConsentCreateRequest) -> None:
    """Store a batch of 1–5000 consent records, all or nothing (§4.10).

    403 no active subscription, or a brandCode that is not the account's; 422 brandCode missing; 475 more than
    5000 records; 422 no records, or any record breaking a rule of `rules/iys.py`; 405 when the batch does not
    fit in the account's quota. A refused batch stores nothing and uses no quota.
    """
    brand = subscription(ctx)
    if not (req.brand_code or "").strip():
        raise ApiError(Code.VALIDATION_FAILED, "brand_code: consent.brandCode is missing")
    if not _brand_matches(brand, req.brand_code):
        raise ApiError(
            Code.NO_IYS_SUBSCRIPTION,
            f"brand_code: brandCode {req.brand_code!r} is not the account's ({brand})",
        )
    records = req.records or []
    if len(records) > rules.BATCH_MAX:
        raise ApiError(
            Code.IYS_BATCH_TOO_LARGE,
            f"batch: {len(records)} records where at most {rules.BATCH_MAX} are allowed",
        )
    if not records:
        raise ApiError(Code.VALIDATION_FAILED, "batch: consent.list has no records")
    state = ctx.store.consents.iys_state(ctx.account.key)
    now = ctx.clock.now()
    batch = [rules.read_record(record, now=now, strict=state.strict) for record in records]
    try:
        ctx.store.consents.add(
            ctx.account.key,
            brand,
            batch,
            quota=ctx.account.iys_quota,
            now=now,
            check=lambda latest: rules.check_history(batch, latest, strict=state.strict),
        )
    except Refusal as refusal:
        quota = ctx.account.iys_quota
        raise ApiError(
            Code.IYS_QUOTA_EXCEEDED,
            f"quota: {len(batch)} more records do not fit in the account's İYS quota of {quota}",
        ) from refusal


async def consent_show(ctx: Context, req: ConsentShowRequest) -> ConsentShowResponse | EmptyConsentResponse:
    """The newest record for brand + recipient + recipientType + type (§4.11).

    403 no active subscription; 422 a missing or invalid field, or a recipient with no record at all. With
    `quirks` on (default) a brandCode that is not the account's, or a recipient whose records are all of
    another recipientType/type, answers 200 with `"consent": []` (OQ-18); with `quirks` off they are 403 and
    422.
    """
    brand = subscription(ctx)
    query = rules.read_query(req)
    quirks = ctx.store.consents.iys_state(ctx.account.key).quirks
    if not _brand_matches(brand, query.brand_code):
        if quirks:
            return EmptyConsentResponse()
        raise ApiError(
            Code.NO_IYS_SUBSCRIPTION,
            f"brand_code: brandCode {query.brand_code!r} is not the account's ({brand})",
        )
    if not ctx.store.consents.has_any(ctx.account.key, query.recipient):
        raise ApiError(Code.VALIDATION_FAILED, f"recipient: {query.recipient} has no consent record at all")
    record = ctx.store.consents.latest(ctx.account.key, brand, [query.recipient]).get(
        (query.recipient, query.recipient_type, query.type)
    )
    if record is None:
        if quirks:
            return EmptyConsentResponse()
        raise ApiError(
            Code.VALIDATION_FAILED,
            f"recipient: {query.recipient} has no {query.recipient_type} {query.type} consent record",
        )
    return ConsentShowResponse(
        consent=Consent(
            brand_code=int(record.brand_code),
            recipient=record.recipient,
            recipient_type=record.recipient_type,
            type=record.type,
            status=record.status,
            source=record.source,
            consent_date=record.consent_date,
        )
    )
