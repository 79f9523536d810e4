"""The İYS consent rules of consent/create and consent/show (CONTRACT §4.10–4.11), one small function each.

Every refusal is 422 (§4.10: "any record fails validation"; OQ-19 maps the national rules to 422 too).
`RECORD_CHECKS` run on each record alone, in order; `HISTORY_CHECKS` compare a record with the newest stored
record of the same brand + recipient + recipientType + type (and with earlier records of the same batch), and
run inside the store transaction that writes the batch, so a batch is judged and stored atomically.
The national rules (`strict`, OQ-19, per account, on by default) are marked "strict" below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ileti import phone
from ileti.codes import Code
from ileti.limits import CONSENT_BATCH_MAX
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import ConsentKey, ConsentRecord, NewConsent
from ileti.times import parse_timestamp
from ileti.wire.models import ConsentRecordIn, ConsentShowRequest

__all__ = [
    "BATCH_MAX",
    "CHANNELS",
    "HISTORY_CHECKS",
    "RECIPIENT_TYPES",
    "RECORD_CHECKS",
    "SOURCES",
    "STATUSES",
    "check_history",
    "read_query",
    "read_record",
    "read_seed_record",
]

BATCH_MAX = CONSENT_BATCH_MAX  # §4.10: 1–5000 records per consent/create, 475 above
MAX_AGE_SECONDS = 3 * 86_400  # §4.10: consentDate no older than 3 days
RECIPIENT_TYPES = frozenset({"BIREYSEL", "TACIR"})
CHANNELS = frozenset({"MESAJ", "EPOSTA", "ARAMA"})
STATUSES = frozenset({"ONAY", "RET"})
SOURCES = frozenset(
    {  # §4.10: the national İYS list of service-provider sources
        "HS_FIZIKSEL_ORTAM",
        "HS_ISLAK_IMZA",
        "HS_WEB",
        "HS_CAGRI_MERKEZI",
        "HS_SOSYAL_MEDYA",
        "HS_EPOSTA",
        "HS_MESAJ",
        "HS_MOBIL",
        "HS_EORTAM",
        "HS_ETKINLIK",
        "HS_2015",
        "HS_ATM",
        "HS_KARAR",
    }
)
HS_2015 = "HS_2015"
HS_2015_DATE = "2015-05-01 00:00:00"  # §4.10 strict: HS_2015 only with this date, the earliest allowed
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def _refuse(reason: str | None = None) -> ApiError:
    """422 with the journal's sentence: the rule and the value that decided it."""
    return ApiError(Code.VALIDATION_FAILED, reason)


@dataclass(slots=True)
class RecordDraft:
    """One incoming record on its way to a `NewConsent`: its values, trimmed, and what the checks learn."""

    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str
    consent_date: str
    now: float
    strict: bool
    consent_ts: float | None = None


# -------------------- one record (§4.10)


def check_recipient_type(draft: RecordDraft) -> None:
    """422: `recipientType` is not BIREYSEL or TACIR (§4.10)."""
    if draft.recipient_type not in RECIPIENT_TYPES:
        raise _refuse(f"recipient_type: recipientType {draft.recipient_type!r} is not BIREYSEL or TACIR")


def check_type(draft: RecordDraft) -> None:
    """422: `type` is not MESAJ, EPOSTA or ARAMA (§4.10)."""
    if draft.type not in CHANNELS:
        raise _refuse(f"type: type {draft.type!r} is not MESAJ, EPOSTA or ARAMA")


def check_status(draft: RecordDraft) -> None:
    """422: `status` is not ONAY or RET (§4.10)."""
    if draft.status not in STATUSES:
        raise _refuse(f"status: status {draft.status!r} is not ONAY or RET")


def check_source(draft: RecordDraft) -> None:
    """422: `source` is missing or outside the İYS list (§4.10); a TACIR record may leave it out."""
    if not draft.source and draft.recipient_type == "TACIR":
        return
    if draft.source not in SOURCES:
        raise _refuse(f"source: source {draft.source!r} is not one of the İYS sources (HS_WEB, HS_MESAJ, …)")


def check_recipient(draft: RecordDraft) -> None:
    """422: a malformed recipient (§4.10): a Turkish mobile number for MESAJ and ARAMA (any §8 form, stored as
    `+905…`), an e-mail address for EPOSTA (stored lower-cased)."""
    draft.recipient = canonical_recipient(draft.recipient, draft.type)


def check_consent_date_format(draft: RecordDraft) -> None:
    """422: `consentDate` is missing or not `YYYY-MM-DD HH:MM:SS` (§3, §4.10); TACIR may leave it out."""
    if not draft.consent_date and draft.recipient_type == "TACIR":
        return
    if not _TIMESTAMP.fullmatch(draft.consent_date):
        raise _refuse(f"consent_date_format: consentDate {draft.consent_date!r} is not YYYY-MM-DD HH:MM:SS")
    try:
        draft.consent_ts = parse_timestamp(draft.consent_date)
    except ValueError as exc:  # 2026-02-30, 25:00:00 …
        raise _refuse(
            f"consent_date_format: consentDate {draft.consent_date!r} is not a real date and time"
        ) from exc


def check_consent_date_not_future(draft: RecordDraft) -> None:
    """422: `consentDate` is later than now, sandbox clock, Istanbul (§4.10)."""
    if draft.consent_ts is not None and draft.consent_ts > draft.now:
        raise _refuse(
            f"consent_date_not_future: consentDate {draft.consent_date!r} is later than the sandbox clock"
        )


def check_consent_date_recent(draft: RecordDraft) -> None:
    """422: `consentDate` is older than 3 days (§4.10, [S]). HS_2015 records carry the fixed date of consents
    collected before the İYS existed, so that one date is exempt."""
    if draft.consent_ts is None or (draft.source == HS_2015 and draft.consent_date == HS_2015_DATE):
        return
    if draft.now - draft.consent_ts > MAX_AGE_SECONDS:
        raise _refuse(
            f"consent_date_recent: consentDate {draft.consent_date!r} is more than 3 days before "
            "the sandbox clock"
        )


def check_not_before_2015(draft: RecordDraft) -> None:
    """422 (strict): `consentDate` before 2015-05-01 00:00:00 (§4.10, national rule)."""
    if draft.strict and draft.consent_ts is not None and draft.consent_date < HS_2015_DATE:
        raise _refuse(
            f"not_before_2015 (strict): consentDate {draft.consent_date!r} is before {HS_2015_DATE}"
        )


def check_hs_2015_date(draft: RecordDraft) -> None:
    """422 (strict): HS_2015 is valid only with `consentDate` 2015-05-01 00:00:00 (§4.10, national rule)."""
    if draft.strict and draft.source == HS_2015 and draft.consent_date != HS_2015_DATE:
        raise _refuse(
            f"hs_2015_date (strict): source HS_2015 needs consentDate {HS_2015_DATE}, not "
            f"{draft.consent_date!r}"
        )


RECORD_CHECKS: tuple[Callable[[RecordDraft], None], ...] = (
    check_recipient_type,
    check_type,
    check_status,
    check_source,
    check_recipient,
    check_consent_date_format,
    check_consent_date_not_future,
    check_consent_date_recent,
    check_not_before_2015,
    check_hs_2015_date,
)


def _text(value: str | None) -> str:
    return (value or "").strip()


def canonical_recipient(recipient: str, channel: str) -> str:
    """The stored form of a recipient for a channel, or 422."""
    if channel == "EPOSTA":
        if len(recipient) > 254 or not _EMAIL.fullmatch(recipient):
            raise _refuse(f"recipient: {recipient[:64]!r} is not an e-mail address (type EPOSTA)")
        return recipient.lower()
    number = phone.try_normalize(recipient)
    if number is None:
        raise _refuse(f"recipient: {recipient[:64]!r} is not a Turkish mobile number (type {channel})")
    return number


def read_record(raw: ConsentRecordIn, *, now: float, strict: bool) -> NewConsent:
    """One consent/create record after `RECORD_CHECKS`, or `ApiError(422)`."""
    draft = RecordDraft(
        recipient=_text(raw.recipient),
        recipient_type=_text(raw.recipient_type),
        type=_text(raw.type),
        status=_text(raw.status),
        source=_text(raw.source),
        consent_date=_text(raw.consent_date),
        now=now,
        strict=strict,
    )
    for check in RECORD_CHECKS:
        check(draft)
    return _consent(draft, now)


def read_seed_record(raw: ConsentRecordIn, *, now: float) -> NewConsent:
    """A record for the control API to store as it is (a scenario's history): the enums, the recipient and
    the date format are checked (422), the age, future and national rules are not."""
    draft = RecordDraft(
        recipient=_text(raw.recipient),
        recipient_type=_text(raw.recipient_type),
        type=_text(raw.type),
        status=_text(raw.status),
        source=_text(raw.source),
        consent_date=_text(raw.consent_date),
        now=now,
        strict=False,
    )
    for check in (check_recipient_type, check_type, check_status, check_recipient):
        check(draft)
    if draft.source and draft.source not in SOURCES:
        raise _refuse(f"source: source {draft.source!r} is not one of the İYS sources")
    if draft.consent_date:
        check_consent_date_format(draft)
    return _consent(draft, now)


def _consent(draft: RecordDraft, now: float) -> NewConsent:
    """The record to store from a checked draft."""
    return NewConsent(
        recipient=draft.recipient,
        recipient_type=draft.recipient_type,
        type=draft.type,
        status=draft.status,
        source=draft.source or None,
        consent_date=draft.consent_date or None,
        # a TACIR record without a date is ordered by when it was stored
        consent_ts=draft.consent_ts if draft.consent_ts is not None else now,
    )


# -------------------- against history (§4.10, strict)


def check_first_not_ret(record: NewConsent, previous: ConsentRecord | NewConsent | None) -> None:
    """422 (strict): a recipient's first record for a brand + recipientType + type cannot be RET."""
    if previous is None and record.status == "RET":
        raise _refuse(
            f"first_not_ret (strict): the first record for {record.recipient} ({record.type}) cannot be RET"
        )


def check_no_repeat(record: NewConsent, previous: ConsentRecord | NewConsent | None) -> None:
    """422 (strict): ONAY over ONAY, or RET over RET, is refused (so re-posting a batch is refused)."""
    if previous is not None and previous.status == record.status:
        raise _refuse(f"no_repeat (strict): {record.recipient} ({record.type}) is {record.status} already")


def check_date_after_stored(record: NewConsent, previous: ConsentRecord | NewConsent | None) -> None:
    """422 (strict): a new record's `consentDate` must be later than the stored one's."""
    if previous is not None and record.consent_ts <= previous.consent_ts:
        raise _refuse(
            f"date_after_stored (strict): consentDate {record.consent_date!r} of "
            f"{record.recipient} is not later than its stored record's"
        )


HISTORY_CHECKS: tuple[Callable[[NewConsent, ConsentRecord | NewConsent | None], None], ...] = (
    check_first_not_ret,
    check_no_repeat,
    check_date_after_stored,
)


def check_history(
    records: Sequence[NewConsent], latest: Mapping[ConsentKey, ConsentRecord], *, strict: bool
) -> None:
    """Run `HISTORY_CHECKS` over a batch in order; a record is judged against the newest earlier record of its
    key, stored or earlier in the same batch. Nothing to check outside strict mode."""
    if not strict:
        return
    newest: dict[ConsentKey, ConsentRecord | NewConsent] = dict(latest)
    for record in records:
        previous = newest.get(record.key)
        for check in HISTORY_CHECKS:
            check(record, previous)
        newest[record.key] = record


# -------------------- consent/show (§4.11)


@dataclass(frozen=True, slots=True)
class ConsentQuery:
    brand_code: str
    recipient: str
    recipient_type: str
    type: str


def read_query(req: ConsentShowRequest) -> ConsentQuery:
    """consent/show's four required fields, checked like a record's (422); the recipient in stored form."""
    brand, recipient = _text(req.brand_code), _text(req.recipient)
    recipient_type, channel = _text(req.recipient_type), _text(req.type)
    if not brand or not recipient or recipient_type not in RECIPIENT_TYPES or channel not in CHANNELS:
        raise _refuse(
            "consent/show: brandCode, recipient, recipientType (BIREYSEL or TACIR) and type "
            f"(MESAJ, EPOSTA or ARAMA) are all required; got {brand!r}, {recipient[:64]!r}, "
            f"{recipient_type!r}, {channel!r}"
        )
    return ConsentQuery(brand, canonical_recipient(recipient, channel), recipient_type, channel)
