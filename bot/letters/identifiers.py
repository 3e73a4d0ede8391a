"""IBANs, payment references and BSNs, each checked with its check digits (python-stdnum).

A BSN (burgerservicenummer) is recognised by the 11-proef and masked at once: after
``mask_bsn`` no line of the letter holds it any more, so no output, log or explanation can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.nl import bsn as stdnum_bsn

from bot.letters.layout import Line

BSN_MASK = "[BSN]"
_BSN_LABEL = re.compile(
    r"\b(?:bsn|burger\s*service\s*nummer|burgerservicenr|sofi\s*-?\s*nummer|sofinr)\b", re.I
)
# nine digits, maybe written 1234.56.782 or 123 456 782
_NINE = re.compile(
    r"(?<![\w.,-])(\d{4}[. ]?\d{2}[. ]?\d{3}|\d{3}[. ]\d{3}[. ]\d{3}|\d{9})(?![\w]|[.,]\d)"
)


@dataclass(frozen=True)
class BsnScan:
    """The lines with every valid BSN masked, and whether one was labelled as a BSN."""

    lines: list[Line]
    has_bsn: bool


def mask_bsn(lines: list[Line]) -> BsnScan:
    """Mask every nine-digit number that passes the 11-proef; a labelled one sets ``has_bsn``."""
    masked: list[Line] = []
    found = False
    for i, line in enumerate(lines):
        text = line.text
        for match in reversed(list(_NINE.finditer(text))):
            digits = re.sub(r"\D", "", match.group(1))
            if len(digits) != 9 or not stdnum_bsn.is_valid(digits):
                continue
            context = text[max(0, match.start() - 40) : match.start()]
            if i > 0 and len(context.strip()) < 3:
                context = lines[i - 1].text[-40:] + " " + context
            if _BSN_LABEL.search(context):
                found = True
            text = text[: match.start(1)] + BSN_MASK + text[match.end(1) :]
        if _BSN_LABEL.search(text) and BSN_MASK not in text and _masked_digits(text):
            found = True
        masked.append(Line(_mask_labelled(text), line.score, line.page, line.top, line.index))
    return BsnScan(masked, found)


def _masked_digits(text: str) -> bool:
    return bool(re.search(r"[*xX•]{4,}\d{0,4}", text))


def _mask_labelled(text: str) -> str:
    """A labelled number that fails the 11-proef (misread) is masked all the same."""
    match = _BSN_LABEL.search(text)
    if not match:
        return text
    tail = text[match.end() :]
    number = re.match(r"(\s*[:.]?\s*)([\d. ]{8,12}\d)", tail)
    if not number:
        return text
    start = match.end() + number.start(2)
    return text[:start] + BSN_MASK + text[match.end() + number.end(2) :]


# IBAN: two letters, two check digits, then 11 to 30 letters/digits in groups of up to 4
_IBAN = re.compile(r"\b([A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]{1,4}){3,8})", re.I)
_NL_IBAN = re.compile(r"\bN\s?L[\s.]?(\d\s?\d)\s?([A-Z0-9]{4})\s?((?:[0-9OILSB]\s?){10})")
_DIGIT_FIX = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8"})
_LETTER_FIX = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B"})


@dataclass(frozen=True)
class IbanSpan:
    """A valid IBAN and where it was."""

    value: str
    line: int
    start: int


def find_ibans(line: Line) -> list[IbanSpan]:
    """Every IBAN on the line that passes the mod-97 check (OCR slips in NL IBANs repaired)."""
    found: dict[str, IbanSpan] = {}
    for match in _NL_IBAN.finditer(line.text.upper().replace("NL ", "NL")):
        check = re.sub(r"\s", "", match.group(1))
        bank = match.group(2).translate(_LETTER_FIX)
        account = re.sub(r"\s", "", match.group(3)).translate(_DIGIT_FIX)
        candidate = f"NL{check}{bank}{account}"
        if stdnum_iban.is_valid(candidate):
            found.setdefault(candidate, IbanSpan(candidate, line.index, match.start()))
    for match in _IBAN.finditer(line.text):
        compact = re.sub(r"\s", "", match.group(1)).upper()
        for length in range(len(compact), 14, -1):  # the groups may run into the next word
            candidate = compact[:length]
            if stdnum_iban.is_valid(candidate):
                found.setdefault(candidate, IbanSpan(candidate, line.index, match.start()))
                break
    return list(found.values())


def format_iban(value: str) -> str:
    """Groups of four, as printed on letters."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


_REFERENCE_LABEL = re.compile(
    r"(?:betalings)?kenmerk|referentie|dossier\s*(?:nummer|nr)|vorderingsnummer|"
    r"beschikkingsnummer|cjib[- ]?nummer|klantnummer|factuurnummer|zaaknummer|onder\s+vermelding\s+van",
    re.I,
)
_REFERENCE = re.compile(
    r"\b(RF\d{2}[A-Z0-9 ]{4,25}|\d[\d .-]{5,22}\d|[A-Z]{1,4}[-/]?\d[\w/-]{4,20})\b", re.I
)


def find_reference(lines: list[Line]) -> tuple[str | None, bool]:
    """The payment reference, and whether its check digits were checked and right."""
    for line in lines:
        label = _REFERENCE_LABEL.search(line.text)
        if not label:
            continue
        for match in _REFERENCE.finditer(line.text[label.end() :]):
            raw = match.group(1).strip()
            compact = re.sub(r"[\s.-]", "", raw).upper()
            if BSN_MASK.strip("[]") in compact or compact.startswith("NL"):
                continue
            if compact.startswith("RF"):
                if iso11649.is_valid(compact):
                    return compact, True
                continue
            if len(compact) == 16 and compact.isdigit():
                return compact, payment_reference_valid(compact)
            return raw, False
    return None, False


def payment_reference_valid(digits: str) -> bool:
    """The Dutch 16-digit betalingskenmerk: its first digit is a weighted mod-11 check digit."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    weights = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1]
    body = digits[1:][::-1]
    total = sum(int(d) * weights[i % 10] for i, d in enumerate(body))
    check = 11 - total % 11
    check = {10: 1, 11: 0}.get(check, check)
    return check == int(digits[0])
