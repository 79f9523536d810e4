"""ileti.text: encoding choice, length and parts at every boundary, and the GSM-7 tables against gsmcodecs."""

from __future__ import annotations

import codecs
import dataclasses

import gsmcodecs  # registers the "gsm23.038-<lock>-<shift>" codecs used as the oracle
import pytest
from gsmcodecs.charmaps import GSMCHARMAPS
from hypothesis import given
from hypothesis import strategies as st

from ileti.text import LIMITS, MAX_PARTS, OPERATOR_SUFFIX, Encoding, SmsText, analyze

assert gsmcodecs  # imported for its side effect: codecs.register

# ---- the oracle: 3GPP TS 23.038 as gsmcodecs implements it -------------------------------------------------
GSM_DEFAULT = "gsm23.038"  # default alphabet + default extension table; extension chars are ESC + septet
_ESCAPE_CHAR = chr(0x1B)
ORACLE_BASIC = frozenset(map(chr, GSMCHARMAPS[0]["locking"]["encode"]))
# The extension table also maps " " (ESC ESC reads as a space); the basic table wins for it when encoding.
ORACLE_EXTENSION = frozenset(map(chr, GSMCHARMAPS[0]["singleShift"]["encode"])) - ORACLE_BASIC
ORACLE_GSM7 = ORACLE_BASIC | ORACLE_EXTENSION
_TURKISH_ID = 1  # language id of the Turkish tables (TS 23.038 A.2.1 / A.3.1)
ORACLE_TURKISH_SHIFT = frozenset(map(chr, GSMCHARMAPS[_TURKISH_ID]["singleShift"]["encode"]))
TURKISH_LETTERS = "çğıİşĞŞ"

EXTENSION_CHARS = "^{}\\[~]|€\f"


def _oracle_septets(text: str) -> int:
    return len(text.encode(GSM_DEFAULT))


# ---- the numbers of CONTRACT §7 ----------------------------------------------------------------------------


def test_limits_are_the_contract_table() -> None:
    table = {enc: (lim.single, lim.per_part, lim.max_length) for enc, lim in LIMITS.items()}
    assert table == {
        Encoding.GSM7: (155, 153, 1066),
        Encoding.TURKISH: (150, 149, 1038),
        Encoding.UCS2: (65, 67, 464),
    }
    assert MAX_PARTS == 7
    assert OPERATOR_SUFFIX == " B186"


def test_encoding_values_are_the_wire_and_inbox_spellings() -> None:
    assert [e.value for e in Encoding] == ["GSM-7", "TURKISH", "UCS-2"]


def test_limits_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        LIMITS[Encoding.GSM7] = LIMITS[Encoding.UCS2]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        LIMITS[Encoding.GSM7].single = 1  # type: ignore[misc]


# ---- boundaries: (text, encoding, length, parts, remaining, too_long) --------------------------------------

BOUNDARIES: list[tuple[str, str, Encoding, int, int, int, bool]] = [
    # id, text, encoding, length, parts, remaining, too_long
    ("gsm7-1", "a", Encoding.GSM7, 1, 1, 154, False),
    ("gsm7-155-single", "a" * 155, Encoding.GSM7, 155, 1, 0, False),
    ("gsm7-156-two-parts", "a" * 156, Encoding.GSM7, 156, 2, 145, False),
    ("gsm7-301-two-full", "a" * 301, Encoding.GSM7, 301, 2, 0, False),
    ("gsm7-302-three", "a" * 302, Encoding.GSM7, 302, 3, 152, False),
    ("gsm7-1066-max", "a" * 1066, Encoding.GSM7, 1066, 7, 0, False),
    ("gsm7-1067-over", "a" * 1067, Encoding.GSM7, 1067, 8, 152, True),
    ("turkish-1", "ş", Encoding.TURKISH, 1, 1, 149, False),
    ("turkish-150-single", "ş" + "a" * 149, Encoding.TURKISH, 150, 1, 0, False),
    ("turkish-151-two-parts", "ş" + "a" * 150, Encoding.TURKISH, 151, 2, 142, False),
    ("turkish-1038-max", "ı" * 1038, Encoding.TURKISH, 1038, 7, 0, False),
    ("turkish-1039-over", "ı" * 1039, Encoding.TURKISH, 1039, 8, 148, True),
    ("ucs2-1", "я", Encoding.UCS2, 1, 1, 64, False),
    ("ucs2-65-single", "я" * 65, Encoding.UCS2, 65, 1, 0, False),
    ("ucs2-66-two-parts", "я" * 66, Encoding.UCS2, 66, 2, 63, False),
    ("ucs2-464-max", "я" * 464, Encoding.UCS2, 464, 7, 0, False),
    ("ucs2-465-over", "я" * 465, Encoding.UCS2, 465, 8, 66, True),
    # GSM-7 extension characters count 2
    ("ext-one-brace", "{", Encoding.GSM7, 2, 1, 153, False),
    ("ext-all", EXTENSION_CHARS, Encoding.GSM7, 20, 1, 135, False),
    ("ext-154-plus-brace-is-156", "a" * 154 + "{", Encoding.GSM7, 156, 2, 145, False),
    ("ext-153-plus-euro-is-155", "a" * 153 + "€", Encoding.GSM7, 155, 1, 0, False),
    ("ext-533-euros-is-1066", "€" * 533, Encoding.GSM7, 1066, 7, 0, False),
    ("ext-1065-plus-brace-over", "a" * 1065 + "]", Encoding.GSM7, 1067, 8, 152, True),
    # OQ-30: Turkish mode counts every character 1, extension characters too
    ("turkish-extension-counts-1", "ş{€", Encoding.TURKISH, 3, 1, 147, False),
    # UCS-2 counts UTF-16 units: an emoji outside the BMP is a surrogate pair
    ("emoji-counts-2", "😀", Encoding.UCS2, 2, 1, 63, False),
    ("emoji-64-plus-1", "a" * 63 + "😀", Encoding.UCS2, 65, 1, 0, False),
    ("emoji-pushes-to-66", "a" * 64 + "😀", Encoding.UCS2, 66, 2, 63, False),
    ("emoji-family-zwj", "👨‍👩‍👧", Encoding.UCS2, 8, 1, 57, False),
    ("bmp-symbol-counts-1", "✓", Encoding.UCS2, 1, 1, 64, False),
    ("ucs2-brace-counts-1", "я{", Encoding.UCS2, 2, 1, 63, False),
    ("empty", "", Encoding.GSM7, 0, 0, 155, False),
]


@pytest.mark.parametrize(
    ("text", "encoding", "length", "parts", "remaining", "too_long"),
    [case[1:] for case in BOUNDARIES],
    ids=[case[0] for case in BOUNDARIES],
)
def test_length_parts_and_remaining_at_the_boundaries(
    text: str, encoding: Encoding, length: int, parts: int, remaining: int, too_long: bool
) -> None:
    result = analyze(text)
    assert result == SmsText(
        text=text,
        encoding=encoding,
        length=length,
        parts=parts,
        remaining=remaining,
        max_length=LIMITS[encoding].max_length,
        too_long=too_long,
    )


ENCODINGS: list[tuple[str, str, Encoding]] = [
    ("ascii-sentence", "Hello, world! 1234 @home #tag $5 _ok_", Encoding.GSM7),
    ("newline-and-cr", "line 1\r\nline 2", Encoding.GSM7),
    ("gsm-accents", "Ää Öö Üü Ñ ñ Ç É é è ù ì ò à ß Å å Æ æ Ø ø", Encoding.GSM7),
    ("gsm-greek-capitals", "ΔΦΓΛΩΠΨΣΘΞ", Encoding.GSM7),
    ("turkish-dotless-i", "Kapıda", Encoding.TURKISH),
    ("turkish-capital-dotted-i", "İstanbul", Encoding.TURKISH),
    ("turkish-all-seven", TURKISH_LETTERS, Encoding.TURKISH),
    ("turkish-sentence", "Şifreniz: 4821. Lütfen kimseyle paylaşmayın.", Encoding.TURKISH),
    ("turkish-letters-already-gsm7", "Ödeme Ücret Çay ÖÜÇöü", Encoding.GSM7),
    ("cyrillic", "Привет", Encoding.UCS2),
    ("arabic", "مرحبا", Encoding.UCS2),
    ("greek-lowercase", "αβγ", Encoding.UCS2),
    ("backtick", "`", Encoding.UCS2),
    ("tab", "a\tb", Encoding.UCS2),
    ("a-with-circumflex", "â", Encoding.UCS2),
    ("emoji-with-turkish", "Teşekkürler 🙏", Encoding.UCS2),
]


@pytest.mark.parametrize(("text", "encoding"), [c[1:] for c in ENCODINGS], ids=[c[0] for c in ENCODINGS])
def test_encoding_choice(text: str, encoding: Encoding) -> None:
    assert analyze(text).encoding is encoding


@pytest.mark.parametrize("encoding", list(Encoding), ids=str)
def test_parts_formula_matches_a_part_by_part_fill(encoding: Encoding) -> None:
    # Restated as a carrier would do it: append the suffix, then cut the message into per_part chunks.
    limits = LIMITS[encoding]
    char = {Encoding.GSM7: "a", Encoding.TURKISH: "ğ", Encoding.UCS2: "ж"}[encoding]
    for n in range(1, limits.max_length + 2):
        result = analyze(char * n)
        expected, left = 0, n + len(OPERATOR_SUFFIX)
        if n <= limits.single:
            expected, left = 1, 0
        while left > 0:
            expected, left = expected + 1, left - limits.per_part
        assert result.parts == expected, n
        assert result.too_long is (n > limits.max_length), n
        assert result.remaining >= 0


# ---- properties against gsmcodecs --------------------------------------------------------------------------


def test_our_gsm7_alphabet_is_the_oracles_default_tables() -> None:
    gsm7_texts = "".join(sorted(ORACLE_GSM7))
    assert analyze(gsm7_texts).encoding is Encoding.GSM7
    for char in ORACLE_BASIC:
        assert analyze(char).length == 1, repr(char)
    for char in ORACLE_EXTENSION:
        assert analyze(char).length == 2, repr(char)
    assert frozenset(EXTENSION_CHARS) == ORACLE_EXTENSION


def test_turkish_letters_are_what_the_turkish_shift_table_adds_to_gsm7() -> None:
    assert frozenset(TURKISH_LETTERS) == ORACLE_TURKISH_SHIFT - ORACLE_GSM7
    for letter in TURKISH_LETTERS:
        codecs.encode(letter, f"gsm23.038-0-{_TURKISH_ID}")  # the oracle can send it in Turkish mode
        assert analyze(letter).encoding is Encoding.TURKISH


gsm7_texts = st.text(alphabet=st.sampled_from(sorted(ORACLE_GSM7)), max_size=1200)


@given(gsm7_texts)
def test_gsm7_length_is_the_oracles_septet_count(text: str) -> None:
    result = analyze(text)
    assert result.encoding is Encoding.GSM7
    assert result.length == _oracle_septets(text)
    assert result.length == len(text) + text.encode(GSM_DEFAULT).count(_ESCAPE_CHAR.encode())


@given(gsm7_texts, st.sampled_from(TURKISH_LETTERS), st.data())
def test_one_turkish_letter_switches_to_turkish_and_counts_every_char_once(
    text: str, letter: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(text)))
    mixed = text[:position] + letter + text[position:]
    result = analyze(mixed)
    assert result.encoding is Encoding.TURKISH
    assert result.length == len(mixed)


def _oracle_cannot_encode(char: str) -> bool:
    try:
        char.encode(GSM_DEFAULT)
    except UnicodeEncodeError:
        return True
    return False


outside_gsm7 = st.characters(codec="utf-8").filter(
    lambda c: c not in TURKISH_LETTERS and _oracle_cannot_encode(c)
)


@given(gsm7_texts, outside_gsm7, st.data())
def test_any_char_the_oracle_cannot_encode_forces_ucs2(text: str, char: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(text)))
    mixed = text[:position] + char + text[position:]
    result = analyze(mixed)
    assert result.encoding is Encoding.UCS2
    assert result.length == len(mixed.encode("utf-16-be")) // 2


@given(st.text(max_size=1500))
def test_any_text_is_consistent_with_its_encodings_limits(text: str) -> None:
    result = analyze(text)
    limits = LIMITS[result.encoding]
    assert result.text == text
    assert result.max_length == limits.max_length
    assert result.too_long is (result.length > limits.max_length) is (result.parts > MAX_PARTS)
    assert (result.parts == 0) is (text == "")
    if result.parts == 1:
        assert result.length + result.remaining == limits.single
    elif result.parts > 1:
        assert result.length + len(OPERATOR_SUFFIX) + result.remaining == result.parts * limits.per_part
        assert result.remaining < limits.per_part
    if result.encoding is Encoding.GSM7:
        assert result.length == _oracle_septets(text)
    elif result.encoding is Encoding.UCS2:
        assert any(_oracle_cannot_encode(c) and c not in TURKISH_LETTERS for c in text)
