"""Remove personal data from text before it is stored for analytics.

Replaces names after cues ("ik ben Jan", "mijn naam is …"), BSNs, IBANs, phone numbers, e-mail
addresses, street addresses, postcodes with house numbers and dates of birth with placeholders.
It errs on the side of removing: a 9-digit number that fails the BSN 11-check is still masked
as a number ([nummer]), because it may be a mistyped BSN or an account number.
Public service numbers (0800-, 0900-, 112, 113, 14 0xx) are kept: they identify nobody.
"""

from __future__ import annotations

import re

STREET_SUFFIX = (
    r"(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|park|pad|steeg|markt|"
    r"wal|veld|erf|baan|ring|allee|boulevard|kwartier|oord|zijde|hoven|plantsoen|burg|haven)"
)
MONTHS = r"(?:jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|aug(?:ustus)?|sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?)"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
PHONE = re.compile(
    r"(?<![\w])(?:(?:\+|00)\s?31[\s.-]?(?:\(0\))?[\s.-]?|\(0\)\s?|0)"
    r"(?:6[\s.-]?(?:\d[\s.-]?){7}\d|[1-9](?:[\s.-]?\d){8})(?![\d])"
)
SERVICE_NUMBER = re.compile(r"^(?:0800|0900|0906|0909)")
POSTCODE_HOUSE = re.compile(
    r"(?<![\d-])\b[1-9]\d{3}\s?[A-Za-z]{2}\b[\s,]*(?:(?:nr\.?|nummer|huisnummer)\s*)?\d{1,5}\s?[A-Za-z]?\b"
    r"|(?<![\d-])\b\d{1,5}\s?[A-Za-z]?[\s,]+[1-9]\d{3}\s?[A-Za-z]{2}\b",
    re.IGNORECASE,
)
ADDRESS = re.compile(
    rf"\b[A-Z][\w'.-]*(?:\s[A-Za-z][\w'.-]*){{0,3}}{STREET_SUFFIX}\s+\d{{1,5}}(?:\s?[-]?\s?[A-Za-z]{{1,2}}\b|\s?-\s?\d+)?"
    rf"|\b[a-z][\w'-]*{STREET_SUFFIX}\s+\d{{1,5}}[a-zA-Z]?\b",
)
DATE = re.compile(
    rf"\b(?:[0-3]?\d[-/.][01]?\d[-/.](?:19|20)\d{{2}}|[0-3]?\d\s+{MONTHS}\.?\s+(?:19|20)\d{{2}}|(?:19|20)\d{{2}}-[01]\d-[0-3]\d)\b",
    re.IGNORECASE,
)
NINE_DIGITS = re.compile(r"(?<![\d])(\d[\s.]?){8}\d(?![\d])")
LONG_NUMBER = re.compile(r"(?<![\d])\d{7,}(?![\d])")
NAME_CUE = re.compile(
    r"\b(?P<cue>(?i:mijn\s+naam\s+is|ik\s+ben|ik\s+heet|naam\s*:|groet(?:en|jes)?,?|"
    r"met\s+vriendelijke\s+groet,?|mvg,?|gr(?:oet)?\.?,?|dit\s+is)\s+)"
    r"(?P<name>[A-Z][a-zà-ÿ'-]+(?:\s+(?:van|de|der|den|het|ter|ten|el|al|bin)){0,3}(?:\s+[A-Z][a-zà-ÿ'-]+){0,2})"
)
# words after "ik ben" that are not names
NOT_NAMES = {
    "Bang",
    "Blij",
    "Boos",
    "Ziek",
    "Moe",
    "Op",
    "Alleen",
    "Gescheiden",
    "Werkloos",
    "Student",
    "Niet",
    "Al",
    "Nu",
    "Heel",
    "Erg",
    "Zo",
    "Echt",
    "Wel",
    "Ook",
    "Een",
    "De",
    "Het",
    "Met",
    "In",
    "Van",
    "Bij",
    "Zwanger",
    "Moeder",
    "Vader",
    "Getrouwd",
    "Zzp",
    "Mantelzorger",
}


def bsn_valid(digits: str) -> bool:
    """The BSN 11-check: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0 and total != 0


def iban_valid(text: str) -> bool:
    """ISO 13616 check: move the first 4 characters to the end, letters to numbers, mod 97 == 1."""
    iban = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    moved = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if SERVICE_NUMBER.match(digits):
        return match.group(0)
    return "[telefoon]"


def _nine(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[BSN]" if bsn_valid(digits) else "[nummer]"


def _name(match: re.Match[str]) -> str:
    name = match.group("name")
    if name.split()[0] in NOT_NAMES:
        return match.group(0)
    return match.group("cue") + "[naam]"


def _iban(match: re.Match[str]) -> str:
    return "[IBAN]" if iban_valid(match.group(0)) else match.group(0)


def redact(text: str) -> str:
    """Return ``text`` with personal data replaced by placeholders."""
    if not text:
        return ""
    out = EMAIL.sub("[e-mail]", text)
    out = IBAN.sub(_iban, out)
    out = PHONE.sub(_phone, out)
    out = DATE.sub("[datum]", out)
    out = POSTCODE_HOUSE.sub("[postcode]", out)
    out = ADDRESS.sub("[adres]", out)
    out = NINE_DIGITS.sub(_nine, out)
    out = LONG_NUMBER.sub("[nummer]", out)
    out = NAME_CUE.sub(_name, out)
    return out
