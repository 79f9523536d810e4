"""ileti.phone: accepted spellings, refusals with their reason, and cross-checks against phonenumbers."""

from __future__ import annotations

import pickle

import phonenumbers
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ileti.phone import (
    MOBILE_PREFIXES,
    InvalidPhoneNumber,
    PhoneReason,
    is_valid,
    national,
    normalize,
    try_normalize,
)

# (input, canonical): every format of CONTRACT §8, with the separators people write.
ACCEPTED: list[tuple[str | int, str]] = [
    ("5321234567", "+905321234567"),
    ("05321234567", "+905321234567"),
    ("905321234567", "+905321234567"),
    ("+905321234567", "+905321234567"),
    ("00905321234567", "+905321234567"),
    ("+90 532 123 45 67", "+905321234567"),
    ("0555 555 00 01", "+905555550001"),
    ("+90 (532) 123-45-67", "+905321234567"),
    ("0 (532) 123 45 67", "+905321234567"),
    ("532.123.45.67", "+905321234567"),
    ("0090-542-765-43-21", "+905427654321"),
    ("  5051234567  ", "+905051234567"),
    ("+90\t532\t123\t45\t67", "+905321234567"),
    ("+90\u00a0532\u00a0123\u00a045\u00a067", "+905321234567"),
    (5321234567, "+905321234567"),
    (905321234567, "+905321234567"),
    # one number per carrier block of §8
    ("5011234567", "+905011234567"),
    ("5071234567", "+905071234567"),
    ("5511234567", "+905511234567"),
    ("5591234567", "+905591234567"),
    ("5301234567", "+905301234567"),
    ("5391234567", "+905391234567"),
    ("5611234567", "+905611234567"),
    ("5401234567", "+905401234567"),
    ("5491234567", "+905491234567"),
]

# (input, reason): at least two real-looking numbers per reason.
REFUSED: list[tuple[str | int, PhoneReason]] = [
    ("", PhoneReason.EMPTY),
    ("   ", PhoneReason.EMPTY),
    ("+", PhoneReason.EMPTY),
    ("( ) - .", PhoneReason.EMPTY),
    ("532-ABC-4567", PhoneReason.NON_DIGIT),
    ("5321234567x", PhoneReason.NON_DIGIT),
    ("90+5321234567", PhoneReason.NON_DIGIT),
    ("++905321234567", PhoneReason.NON_DIGIT),
    ("532/123/45/67", PhoneReason.NON_DIGIT),
    ("٥٣٢١٢٣٤٥٦٧", PhoneReason.NON_DIGIT),  # Arabic-Indic digits: str.isdigit() says yes, we say no
    ("５３２１２３４５６７", PhoneReason.NON_DIGIT),  # full-width digits
    ("532١٢٣٤٥٦٧", PhoneReason.NON_DIGIT),  # a valid prefix, then Arabic-Indic digits: regex \d would pass it
    (-5321234567, PhoneReason.NON_DIGIT),
    ("532123456", PhoneReason.BAD_LENGTH),
    ("53212345678", PhoneReason.BAD_LENGTH),
    ("0532123456", PhoneReason.BAD_LENGTH),
    ("+9053212345", PhoneReason.BAD_LENGTH),
    ("+90 0532 123 45 67", PhoneReason.BAD_LENGTH),
    ("9053212345678", PhoneReason.BAD_LENGTH),
    ("0", PhoneReason.BAD_LENGTH),
    ("+49 151 12345678", PhoneReason.NOT_TURKISH),
    ("+1 212 555 0100", PhoneReason.NOT_TURKISH),
    ("0049 151 12345678", PhoneReason.NOT_TURKISH),
    ("+5321234567", PhoneReason.NOT_TURKISH),  # +53 is Cuba: a plus sign means a country code follows
    ("905991234567", PhoneReason.NOT_MOBILE),  # the rejected example of CONTRACT §8
    ("5001234567", PhoneReason.NOT_MOBILE),
    ("5601234567", PhoneReason.NOT_MOBILE),
    ("2121234567", PhoneReason.NOT_MOBILE),  # Istanbul landline
    ("0212 123 45 67", PhoneReason.NOT_MOBILE),
    ("+90 850 123 45 67", PhoneReason.NOT_MOBILE),
    (8501234567, PhoneReason.NOT_MOBILE),
]


@pytest.mark.parametrize(("number", "canonical"), ACCEPTED, ids=[repr(n) for n, _ in ACCEPTED])
def test_accepted_spelling_normalizes_to_plus_90(number: str | int, canonical: str) -> None:
    assert normalize(number) == canonical
    assert try_normalize(number) == canonical
    assert is_valid(number)
    assert national(number) == canonical[3:]


@pytest.mark.parametrize(("number", "reason"), REFUSED, ids=[f"{r}-{n!r}" for n, r in REFUSED])
def test_refused_number_raises_with_its_reason(number: str | int, reason: PhoneReason) -> None:
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize(number)
    assert info.value.reason is reason
    assert info.value.number == number
    assert repr(number) in str(info.value)
    assert try_normalize(number) is None
    assert not is_valid(number)
    with pytest.raises(InvalidPhoneNumber):
        national(number)


@pytest.mark.parametrize(
    ("number", "reason"),
    [(None, PhoneReason.EMPTY), (True, PhoneReason.NON_DIGIT), (5.321234567e9, PhoneReason.NON_DIGIT)],
    ids=["none", "bool", "float"],
)
def test_value_of_another_type_is_refused_not_crashed_on(number: object, reason: PhoneReason) -> None:
    # The sandbox feeds numbers from lenient request models; a wrong type must never become a 500.
    assert try_normalize(number) is None  # type: ignore[arg-type]
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize(number)  # type: ignore[arg-type]
    assert info.value.reason is reason


def test_invalid_phone_number_is_a_value_error_that_pickles() -> None:
    with pytest.raises(ValueError, match="599 is not a Turkish mobile carrier prefix") as info:
        normalize("+905991234567")
    copy = pickle.loads(pickle.dumps(info.value))
    assert isinstance(copy, InvalidPhoneNumber)
    assert (copy.number, copy.reason, str(copy)) == ("+905991234567", PhoneReason.NOT_MOBILE, str(info.value))


def test_mobile_prefixes_are_the_carrier_blocks_of_contract_section_8() -> None:
    turk_telekom = {"501", "505", "506", "507", "551", "552", "553", "554", "555", "559"}
    turkcell = {f"53{d}" for d in range(10)} | {"561"}
    vodafone = {f"54{d}" for d in range(10)}
    assert turk_telekom | turkcell | vodafone == MOBILE_PREFIXES
    assert isinstance(MOBILE_PREFIXES, frozenset)


def test_prefixes_argument_replaces_the_default_carrier_list() -> None:
    assert normalize("5101234567", prefixes={"510"}) == "+905101234567"
    assert try_normalize("5321234567", prefixes={"510"}) is None
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize("5321234567", prefixes=frozenset())
    assert info.value.reason is PhoneReason.NOT_MOBILE


# ---- properties -------------------------------------------------------------------------------------------

national_numbers = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(sorted(MOBILE_PREFIXES)),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)


def _spellings(number: str) -> list[str | int]:
    """Every accepted way of writing the 10-digit national `number`."""
    spaced = f"{number[:3]} {number[3:6]} {number[6:8]} {number[8:]}"
    return [
        number,
        "0" + number,
        "90" + number,
        "+90" + number,
        "0090" + number,
        "+90 " + spaced,
        "0" + spaced,
        f"0 ({number[:3]}) {number[3:6]}-{number[6:8]}-{number[8:]}",
        f"+90.{number[:3]}.{number[3:6]}.{number[6:]}",
        int(number),
        int("90" + number),
    ]


@given(national_numbers)
def test_every_spelling_of_a_valid_number_round_trips_to_one_canonical_form(number: str) -> None:
    for spelling in _spellings(number):
        assert normalize(spelling) == "+90" + number, spelling
        assert national(spelling) == number


@given(st.one_of(st.text(max_size=20), st.text(alphabet="+0123456789 -().", max_size=16)))
@example("+905321234567")
@example("90532123456")
def test_normalize_and_try_normalize_agree_on_any_string(text: str) -> None:
    # try_normalize's fast regex and normalize's reason-finding must never disagree about validity.
    canonical = try_normalize(text)
    if canonical is None:
        with pytest.raises(InvalidPhoneNumber):
            normalize(text)
    else:
        assert normalize(text) == canonical
        assert len(canonical) == 13
        assert canonical.startswith("+90")
        assert canonical[3:6] in MOBILE_PREFIXES


# ---- cross-check against phonenumbers (dev dependency only) ------------------------------------------------

# phonenumbers' metadata knows 561 (Turkcell, CONTRACT §8) only as the blocks 561 011 and 561 61; we follow
# the contract and accept all of 561, so the oracle is asked only about those blocks there.
_PHONENUMBERS_561_BLOCKS = ("561011", "56161")


@given(national_numbers)
def test_what_we_accept_phonenumbers_calls_a_valid_turkish_mobile(number: str) -> None:
    if number.startswith("561") and not number.startswith(_PHONENUMBERS_561_BLOCKS):
        number = _PHONENUMBERS_561_BLOCKS[1] + number[5:]
    parsed = phonenumbers.parse(normalize(number))
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.region_code_for_number(parsed) == "TR"
    assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE


@given(national_numbers)
def test_our_canonical_form_is_phonenumbers_e164_for_every_spelling(number: str) -> None:
    for spelling in _spellings(number):
        parsed = phonenumbers.parse(str(spelling), "TR")
        assert normalize(spelling) == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_phonenumbers_knows_561_only_in_blocks_we_accept_whole() -> None:
    # Pins the one known disagreement, so a metadata update that changes it is noticed.
    assert phonenumbers.is_valid_number(phonenumbers.parse("+905616112345"))
    assert not phonenumbers.is_valid_number(phonenumbers.parse("+905611234567"))
    assert is_valid("+905611234567")
