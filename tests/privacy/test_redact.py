"""PII redaction: BSN (11-check), IBAN (mod 97), Dutch phone numbers, e-mail, postcode with house
number, addresses, dates of birth, names; and a property test that the original never survives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy.redact import bsn_valid, iban_valid, redact


def make_bsn(rng: random.Random) -> str:
    """A random number that passes the 11-check."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            candidate = "".join(map(str, digits)) + str(last)
            if bsn_valid(candidate):
                return candidate


def make_iban(rng: random.Random) -> str:
    """A random Dutch IBAN with valid check digits."""
    bank = rng.choice(["ABNA", "INGB", "RABO", "SNSB", "TRIO"])
    account = "".join(str(rng.randint(0, 9)) for _ in range(10))
    numeric = "".join(str(int(c, 36)) for c in bank + account + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}"


@pytest.mark.parametrize(
    ("bsn", "valid"),
    [
        ("111222333", True),
        ("123456782", True),
        ("123456789", False),
        ("000000000", False),
        ("11122233", False),
    ],
)
def test_bsn_eleven_check(bsn: str, valid: bool) -> None:
    assert bsn_valid(bsn) is valid


def test_valid_and_invalid_bsn_are_both_masked() -> None:
    assert redact("mijn bsn is 111222333") == "mijn bsn is [BSN]"
    assert redact("mijn bsn is 111.222.333") == "mijn bsn is [BSN]"
    # fails the 11-check: not a BSN, but it may be a typo of one, so it is masked as a number
    assert redact("nummer 123456789 klopt") == "nummer [nummer] klopt"


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("NL91ABNA0417164300", True),
        ("NL91 ABNA 0417 1643 00", True),
        ("NL92ABNA0417164300", False),
        ("DE89370400440532013000", True),
    ],
)
def test_iban_mod_97(iban: str, valid: bool) -> None:
    assert iban_valid(iban) is valid


def test_iban_is_masked() -> None:
    assert redact("stort op NL91 ABNA 0417 1643 00 aub") == "stort op [IBAN] aub"
    assert redact("DE89370400440532013000") == "[IBAN]"


@pytest.mark.parametrize(
    "phone",
    [
        "0612345678",
        "06-12345678",
        "06 12345678",
        "06 1234 5678",
        "06-1234 5678",
        "+31612345678",
        "+31 6 12345678",
        "+31 6 1234 5678",
        "0031612345678",
        "0031 6 12345678",
        "020-1234567",
        "020 123 4567",
        "0201234567",
        "+31 20 123 4567",
        "050-3123456",
        "(0)6 12345678",
    ],
)
def test_dutch_phone_numbers(phone: str) -> None:
    out = redact(f"bel me op {phone} vanavond")
    assert "[telefoon]" in out and phone.strip("()") not in out


def test_public_service_numbers_stay() -> None:
    assert redact("bel Geldfit 0800-8115 of 113") == "bel Geldfit 0800-8115 of 113"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail naar jan.de.vries+geld@example.nl", "mail naar [e-mail]"),
        ("ik woon op 1234 AB 12", "ik woon op [postcode]"),
        ("postcode 1234AB, nr 5", "postcode [postcode]"),
        ("Kerkstraat 12a", "[adres]"),
        ("geboren op 12-03-1985", "geboren op [datum]"),
        ("geboren 12 maart 1985", "geboren [datum]"),
        ("ik ben Fatima en ik heb schulden", "ik ben [naam] en ik heb schulden"),
        ("mijn naam is Jan de Vries", "mijn naam is [naam]"),
        ("groetjes Anna", "groetjes [naam]"),
        ("postcode 1234 AB", "postcode [postcode]"),  # a PC6 is about 20 addresses: masked
    ],
)
def test_other_personal_data(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ik ben bang voor de deurwaarder",
        "ik heb 3000 euro schuld",
        "huur van 750 euro",
        "postcode 1234",
        "ik woon in Groningen",
        "het is 2025",
    ],
)
def test_ordinary_text_stays(text: str) -> None:
    assert redact(text) == text


WORDS = st.sampled_from(
    [
        "ik",
        "heb",
        "schulden",
        "bij",
        "de",
        "bank",
        "help",
        "mijn",
        "huur",
        "is",
        "te",
        "hoog",
        "bel",
        "me",
        "op",
        "en",
        "mail",
        "naar",
        "nummer",
    ]
)
FILLER = st.lists(WORDS, max_size=8).map(" ".join)


@st.composite
def personal_data(draw):  # type: ignore[no-untyped-def]
    rng = random.Random(draw(st.integers(0, 2**32)))
    kind = draw(st.sampled_from(["bsn", "iban", "mobile", "landline", "email", "postcode"]))
    if kind == "bsn":
        return make_bsn(rng)
    if kind == "iban":
        iban = make_iban(rng)
        return (
            " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
            if rng.random() < 0.5
            else iban
        )
    if kind == "mobile":
        digits = "".join(str(rng.randint(0, 9)) for _ in range(8))
        return rng.choice([f"06{digits}", f"06-{digits}", f"+316{digits}", f"0031 6 {digits}"])
    if kind == "landline":
        return f"0{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
    if kind == "email":
        user = "".join(rng.choice("abcdefghij.") for _ in range(6)).strip(".") or "x"
        return f"{user}@voorbeeld{rng.randint(1, 99)}.nl"
    return f"{rng.randint(1000, 9999)} {rng.choice(['AB', 'CD', 'XY'])} {rng.randint(1, 300)}"


@settings(max_examples=400, deadline=None)
@given(FILLER, personal_data(), FILLER)
def test_redaction_never_returns_the_personal_data(before: str, pii: str, after: str) -> None:
    out = redact(f"{before} {pii} {after}")
    assert pii not in out
    compact = "".join(pii.split())
    assert compact not in "".join(out.split())
