"""Every iletiMerkezi status code, in one table.

This module is the only place where a code's number, its Turkish wire message, its English meaning and its
family are written (CONTRACT.md §1.6). The sandbox answers with these messages byte for byte; the client turns
them into exceptions; the docs are generated from them.

    >>> Code.DUPLICATE_ORDER.message
    'Tekrar eden sipariş'
    >>> Code(451).family is Family.SMS
    True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Code",
    "CodeInfo",
    "Family",
    "MessageStatus",
    "OrderStatus",
    "info",
]


class Family(enum.StrEnum):
    """Which part of the API a code belongs to, as the seed page groups them."""

    REPORT = "report"
    GENERAL = "general"
    SMS = "sms"
    CONTACTS = "contacts"
    BLACKLIST = "blacklist"
    IYS = "iys"


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What one code means: its wire message, an English meaning, its family and an optional hint."""

    code: int
    message: str
    meaning: str
    family: Family
    hint: str | None = None


# number, Turkish wire message (exact), English meaning, family, hint
_TABLE: tuple[CodeInfo, ...] = (
    # report statuses (get-report order.status and message[].status)
    CodeInfo(
        110, "Mesaj gönderiliyor", "Message is in the carrier queue, no delivery ack yet", Family.REPORT
    ),
    CodeInfo(111, "Mesaj gönderildi", "Carrier confirmed delivery to the recipient", Family.REPORT),
    CodeInfo(112, "Mesaj gönderilemedi", "Carrier could not deliver the message", Family.REPORT),
    CodeInfo(
        113, "Siparişin gönderimi devam ediyor", "Some messages of the order are still queued", Family.REPORT
    ),
    CodeInfo(
        114,
        "Siparişin gönderimi tamamlandı",
        "Every message of the order reached a final state",
        Family.REPORT,
    ),
    CodeInfo(115, "Sipariş gönderilemedi", "The order failed entirely or was cancelled", Family.REPORT),
    # general
    CodeInfo(200, "İşlem başarılı", "Request successful", Family.GENERAL),
    CodeInfo(
        400,
        "İstek çözümlenemedi",
        "Request could not be parsed",
        Family.GENERAL,
        "The body is not valid JSON/XML, or the root 'request' object is missing.",
    ),
    CodeInfo(
        401,
        "Üyelik bilgileri hatalı",
        "Authentication failed",
        Family.GENERAL,
        "Check the key and hash, and that 'Allow API access' is on in the panel "
        "(Settings > Security > Access Permissions); an IP allowlist also causes 401.",
    ),
    CodeInfo(
        402,
        "Bakiye yetersiz",
        "Insufficient balance",
        Family.GENERAL,
        "The order costs parts x recipients; top up the balance or send fewer messages.",
    ),
    CodeInfo(
        403,
        "Aktif abonelik bulunamadı",
        "No active İYS subscription on the account",
        Family.IYS,
        "Start the İYS brand registration from the panel, or check the brandCode.",
    ),
    CodeInfo(
        404,
        "API istek yapılan yönteme sahip değil",
        "Method not found",
        Family.GENERAL,
        "Check the endpoint path, e.g. /v1/send-sms/json.",
    ),
    CodeInfo(405, "Aboneliğinizin kotası dolmuş", "İYS subscription quota exceeded", Family.IYS),
    CodeInfo(422, "İstek içerisindeki değerler doğrulanamadı", "Validation failed", Family.GENERAL),
    CodeInfo(
        450,
        "Gönderilen başlık kullanıma uygun değil",
        "Sender ID not approved",
        Family.SMS,
        "The sender must match an approved sender exactly (case and spaces count); see get-sender.",
    ),
    CodeInfo(
        451,
        "Tekrar eden sipariş",
        "Duplicate order",
        Family.SMS,
        "The same text went to the same recipients within 10 minutes; vary the text to resend.",
    ),
    CodeInfo(452, "Mesaj alıcıları hatalı", "Invalid or missing recipients", Family.SMS),
    CodeInfo(
        453,
        "Sipariş boyutu aşıldı",
        "Order size exceeded",
        Family.SMS,
        "A text may be at most 7 SMS parts, and an order at most 50,000 recipients.",
    ),
    CodeInfo(454, "Mesaj metni boş", "Empty message text", Family.SMS),
    CodeInfo(455, "Sipariş bulunamadı", "Order not found", Family.SMS),
    CodeInfo(456, "Sipariş gönderim tarihi henüz gelmedi", "Scheduled time has not arrived yet", Family.SMS),
    CodeInfo(
        457,
        "Mesaj gönderim tarihinin formatı hatalı",
        "Invalid sendDateTime format",
        Family.SMS,
        "Use DD/MM/YYYY HH:MM (no seconds).",
    ),
    CodeInfo(
        458,
        "Tarih aralığı hatalı",
        "Invalid date range",
        Family.SMS,
        "Dates are YYYY-MM-DD, end >= start, and the range spans at most 10 days.",
    ),
    CodeInfo(459, "Başlık kısmı boş olamaz", "Sender field cannot be empty", Family.SMS),
    CodeInfo(
        460,
        "Başlık 11 karakterden fazla olmamalı ve Türkçe karakter içermemelidir",
        "Sender max 11 chars, no Turkish characters",
        Family.SMS,
    ),
    CodeInfo(461, "Grup adını boş bırakamazsınız", "Group name required", Family.CONTACTS),
    CodeInfo(462, "Grup id alanını boş bırakamazsınız", "Group ID required", Family.CONTACTS),
    CodeInfo(463, "Böyle bir grup bulunamadı", "Group not found", Family.CONTACTS),
    CodeInfo(464, "Page değeri 1'den başlamalı", "Page must be >= 1", Family.CONTACTS),
    CodeInfo(465, "Kişi bulunamadı", "Contact not found", Family.CONTACTS),
    CodeInfo(466, "Hatalı numara", "Invalid number (bad Turkish carrier prefix)", Family.BLACKLIST),
    CodeInfo(
        467,
        "Evrak bilgisi eksik",
        "Required document missing",
        Family.SMS,
        "The account has documents to complete in the panel.",
    ),
    CodeInfo(
        468,
        "IYS üzerinden sorgulama yapılıp yapılmayacağını ayarlamalısınız",
        "iys flag is required",
        Family.SMS,
        "Send iys='0' for transactional messages, iys='1' for commercial ones.",
    ),
    CodeInfo(
        469, "IYS listenizi seçmelisiniz, BIREYSEL veya TACIR", "iysList must be set when iys=1", Family.SMS
    ),
    CodeInfo(
        470,
        "IYS kodunuzu ayarlamalısınız",
        "IYS code missing",
        Family.SMS,
        "Commercial sends (iys=1) need an İYS brand code configured on the account.",
    ),
    CodeInfo(
        471, "Arama terimi en az 3 karakter olmalıdır", "Search term must be >= 3 chars", Family.CONTACTS
    ),
    CodeInfo(
        472,
        "Ad, soyad, cep telefonu, email alanlarından en az biri dolu olmalıdır",
        "At least one of name/surname/phone/email required",
        Family.CONTACTS,
    ),
    CodeInfo(473, "Özel alan bulunamadı", "Custom field not found", Family.CONTACTS),
    CodeInfo(
        474,
        "Bu numara üzerindeki engelleme kaldırılamaz",
        "Cannot remove the block on this number",
        Family.BLACKLIST,
        "The number is not on this account's blacklist.",
    ),
    CodeInfo(
        475,
        "Alıcı sayısı 5000 kişiyi geçemez",
        "Recipient count exceeds the 5000 batch limit",
        Family.IYS,
        "Split consent lists into windows of at most 5000 records.",
    ),
    CodeInfo(503, "Sunucu geçici olarak servis dışı", "Service temporarily unavailable", Family.GENERAL),
)

_BY_NUMBER: dict[int, CodeInfo] = {entry.code: entry for entry in _TABLE}


class Code(enum.IntEnum):
    """A status code. Each member knows its wire message, meaning, family and hint through `info`."""

    MESSAGE_WAITING = 110
    MESSAGE_DELIVERED = 111
    MESSAGE_UNDELIVERED = 112
    ORDER_SENDING = 113
    ORDER_COMPLETED = 114
    ORDER_FAILED = 115
    OK = 200
    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    INSUFFICIENT_BALANCE = 402
    NO_IYS_SUBSCRIPTION = 403
    NOT_FOUND = 404
    IYS_QUOTA_EXCEEDED = 405
    VALIDATION_FAILED = 422
    SENDER_NOT_APPROVED = 450
    DUPLICATE_ORDER = 451
    INVALID_RECIPIENTS = 452
    ORDER_TOO_LARGE = 453
    EMPTY_TEXT = 454
    ORDER_NOT_FOUND = 455
    SCHEDULE_NOT_REACHED = 456
    INVALID_SEND_DATE = 457
    INVALID_DATE_RANGE = 458
    SENDER_EMPTY = 459
    SENDER_INVALID = 460
    GROUP_NAME_REQUIRED = 461
    GROUP_ID_REQUIRED = 462
    GROUP_NOT_FOUND = 463
    INVALID_PAGE = 464
    CONTACT_NOT_FOUND = 465
    INVALID_NUMBER = 466
    DOCUMENTS_MISSING = 467
    IYS_FLAG_REQUIRED = 468
    IYS_LIST_REQUIRED = 469
    IYS_CODE_MISSING = 470
    SEARCH_TERM_TOO_SHORT = 471
    CONTACT_FIELDS_REQUIRED = 472
    CUSTOM_FIELD_NOT_FOUND = 473
    BLACKLIST_REMOVE_FAILED = 474
    IYS_BATCH_TOO_LARGE = 475
    SERVICE_UNAVAILABLE = 503

    @property
    def info(self) -> CodeInfo:
        return _BY_NUMBER[self.value]

    @property
    def message(self) -> str:
        """The Turkish message the API puts in `response.status.message`."""
        return _BY_NUMBER[self.value].message

    @property
    def meaning(self) -> str:
        return _BY_NUMBER[self.value].meaning

    @property
    def family(self) -> Family:
        return _BY_NUMBER[self.value].family

    @property
    def hint(self) -> str | None:
        return _BY_NUMBER[self.value].hint


def info(code: int) -> CodeInfo | None:
    """The table entry for a number, or None when the API does not define it."""
    return _BY_NUMBER.get(code)


class MessageStatus(enum.IntEnum):
    """Per-recipient status in get-report `message[].status` (CONTRACT §5); labels as in the official SDKs."""

    WAITING = 110
    DELIVERED = 111
    UNDELIVERED = 112

    @property
    def is_final(self) -> bool:
        return self is not MessageStatus.WAITING

    @property
    def webhook_status(self) -> str:
        """The string the delivery-report webhook uses for this status (CONTRACT §6)."""
        return _WEBHOOK_STATUS[self]

    @classmethod
    def from_webhook_status(cls, value: str) -> MessageStatus:
        for status, name in _WEBHOOK_STATUS.items():
            if name == value:
                return status
        raise ValueError(f"unknown webhook status {value!r}")


_WEBHOOK_STATUS: dict[MessageStatus, str] = {
    MessageStatus.WAITING: "accepted",
    MessageStatus.DELIVERED: "delivered",
    MessageStatus.UNDELIVERED: "undelivered",
}


class OrderStatus(enum.IntEnum):
    """Order status in get-report `order.status` (CONTRACT §5)."""

    SENDING = 113
    COMPLETED = 114
    CANCELED = 115

    @property
    def is_final(self) -> bool:
        return self is not OrderStatus.SENDING
