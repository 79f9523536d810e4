"""SMS text: which encoding a text needs, how long it is in that encoding, and how many parts it costs.

This module owns every SMS length number of CONTRACT.md §7 (the 155 / 150 / 65 single-SMS sizes, the
153 / 149 / 67 concatenated part sizes, the operator suffix and the 7-part limit); nothing else writes them.
The client uses it to validate and preview, the sandbox to answer 453 and to bill per part.

    >>> analyze("Merhaba").encoding is Encoding.GSM7
    True
    >>> analyze("Şifreniz: 1234").encoding, analyze("Şifreniz: 1234").parts
    (<Encoding.TURKISH: 'TURKISH'>, 1)
    >>> analyze("x" * 156).parts
    2
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "LIMITS",
    "MAX_PARTS",
    "OPERATOR_SUFFIX",
    "Encoding",
    "EncodingLimits",
    "SmsText",
    "analyze",
]


class Encoding(enum.StrEnum):
    """The character set a text is sent in; it decides how many characters fit in one part."""

    GSM7 = "GSM-7"
    TURKISH = "TURKISH"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class EncodingLimits:
    """Part sizes of one encoding, in that encoding's units, with the operator suffix already accounted for.

    `single` is the longest text that still fits one SMS; `per_part` is the size of each part of a
    concatenated message (the suffix is charged once, see `analyze`); `max_length` is the longest text that
    fits in `MAX_PARTS` parts.
    """

    single: int
    per_part: int
    max_length: int


Limits = EncodingLimits
"""Deprecated: the old name of `EncodingLimits` (docs/decisions.md), kept so existing imports still work."""

# Every SMS gets the operator code appended by iletiMerkezi (BTK regulation, CONTRACT §7): space + "B186".
OPERATOR_SUFFIX = " B186"
MAX_PARTS = 7

_SUFFIX = len(OPERATOR_SUFFIX)


def _limits(sms_capacity: int, per_part: int) -> EncodingLimits:
    # The suffix costs its 5 units once per message: off a lone SMS, added to the text when concatenated.
    return EncodingLimits(
        single=sms_capacity - _SUFFIX,
        per_part=per_part,
        max_length=per_part * MAX_PARTS - _SUFFIX,
    )


# Carrier capacities per SMS (single / each part once a concatenation header is needed), CONTRACT §7 table.
# Turkish pays for its shift-table header: 5 septets on a lone SMS, 11 with the concatenation header.
LIMITS: Mapping[Encoding, EncodingLimits] = MappingProxyType(
    {
        Encoding.GSM7: _limits(sms_capacity=160, per_part=153),  # 155 / 153 / 1066
        Encoding.TURKISH: _limits(sms_capacity=155, per_part=149),  # 150 / 149 / 1038
        Encoding.UCS2: _limits(sms_capacity=70, per_part=67),  # 65 / 67 / 464
    }
)

# GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet, one string per 32 septets; 0x1B is the escape.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The default extension table (§6.2.1.1): each is sent as escape + septet, so it costs 2 units.
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7 = _GSM7_BASIC | _GSM7_EXTENSION
# The letters of the Turkish single-shift table that GSM-7 lacks (ö ü Ö Ü Ç are already basic): OQ-30.
_TURKISH_LETTERS = frozenset("çğıİşĞŞ")
_TURKISH = _GSM7 | _TURKISH_LETTERS


@dataclass(frozen=True, slots=True)
class SmsText:
    """What sending `text` costs: its encoding, its length in that encoding's units and its parts.

    `remaining` is how many units still fit before another part is needed; `too_long` means more than
    `MAX_PARTS` parts (the server refuses the order with 453).
    """

    text: str
    encoding: Encoding
    length: int
    parts: int
    remaining: int
    max_length: int
    too_long: bool


def analyze(text: str) -> SmsText:
    """Choose the encoding of `text` and count its units and parts (CONTRACT §7, OQ-30).

    An empty text has 0 parts (the server refuses it with 454, not 453).
    """
    # One C-level pass builds the set of distinct characters; every later test is on that small set.
    chars = frozenset(text)
    if chars <= _GSM7:
        encoding = Encoding.GSM7
        length = len(text)
        for char in chars & _GSM7_EXTENSION:
            length += text.count(char)
    elif chars <= _TURKISH:
        # OQ-30: in Turkish mode every character counts 1, extension characters included.
        encoding = Encoding.TURKISH
        length = len(text)
    else:
        encoding = Encoding.UCS2
        # UTF-16 code units: a character outside the BMP (most emoji) is a surrogate pair and counts 2.
        length = len(text.encode("utf-16-le")) // 2

    limits = LIMITS[encoding]
    if length == 0:
        parts, remaining = 0, limits.single
    elif length <= limits.single:
        parts, remaining = 1, limits.single - length
    else:
        units = length + _SUFFIX
        parts = math.ceil(units / limits.per_part)
        remaining = parts * limits.per_part - units
    return SmsText(
        text=text,
        encoding=encoding,
        length=length,
        parts=parts,
        remaining=remaining,
        max_length=limits.max_length,
        too_long=parts > MAX_PARTS,
    )
