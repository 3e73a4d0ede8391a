"""Amounts in euro: find each span with a pattern, then parse it (Dutch format 1.248,37).

A letter holds many amounts: the principal, interest, collection costs, a monthly instalment,
and the total. We score each amount by the words around it and choose the total to pay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.letters.layout import Line

# "€ 1.248,37", "EUR 1248,37", "€1.248,-", "1.248,37 euro", "1 248,37" after a euro sign
_AMOUNT = re.compile(
    r"(?P<cur>€|\bEUR\b|\beuro\b|\bEuro\b)?[ \t]*"
    r"(?<![\w.,/-])(?P<num>\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+(?=\.\d\d\b)|\d+)"
    r"(?:(?P<sep>[.,])(?P<cents>\d{2})(?!\d)|,(?P<dash>-{1,2}|[—–]))?"
    r"(?![\d%]|\.\d|-\d|/\d)"
    r"(?P<after>[ \t]*(?:euro|EUR)\b)?"
)
_SPACED = re.compile(r"€[ \t]*(\d{1,3}(?: \d{3})+)(?:,(\d{2}))?(?![\d])")


@dataclass(frozen=True)
class AmountSpan:
    """One amount on one line."""

    value: Decimal
    line: int
    start: int
    end: int
    has_currency: bool


def find_amounts(line: Line) -> list[AmountSpan]:
    """Every euro amount on the line (with a euro sign or word, or with cents)."""
    spans: list[AmountSpan] = []
    taken: list[tuple[int, int]] = []
    for match in _SPACED.finditer(line.text):
        value = _decimal(match.group(1).replace(" ", ""), match.group(2))
        if value is not None:
            spans.append(AmountSpan(value, line.index, match.start(), match.end(), True))
            taken.append((match.start(), match.end()))
    for match in _AMOUNT.finditer(line.text):
        if any(a <= match.start("num") < b for a, b in taken):
            continue
        has_currency = bool(match.group("cur") or match.group("after"))
        if not has_currency and not match.group("cents"):
            continue
        number = match.group("num")
        if match.group("sep") == "." and "," in number:
            number = number.replace(",", "")  # English format read by the OCR: 1,248.37
        else:
            number = number.replace(".", "")
        value = _decimal(number, match.group("cents"))
        if value is None or value <= 0 or value >= Decimal("10000000"):
            continue
        start = match.start("cur") if match.group("cur") else match.start("num")
        spans.append(AmountSpan(value, line.index, start, match.end(), has_currency))
    return sorted(spans, key=lambda s: s.start)


def _decimal(number: str, cents: str | None) -> Decimal | None:
    try:
        return Decimal(number) + (Decimal(cents) / 100 if cents else Decimal(0))
    except InvalidOperation:
        return None


def format_amount(value: Decimal) -> str:
    """Dutch notation for the resident: € 1.248,37."""
    whole, cents = f"{value:.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"€ {'.'.join(groups)},{cents}"


# words before (or just after) an amount that say: this is what you have to pay
_TOTAL = [
    (r"totaal\s*(?:te\s+betalen|verschuldigd|openstaand|bedrag|vordering|gevorderd)", 6),
    (r"(?:nog\s+)?te\s+betalen(?:\s+bedrag)?", 5),
    (r"openstaand(?:e)?\s*(?:saldo|bedrag|totaal)?", 4),
    (r"totaal\s*(?:saldo|schuld)|totale?\s+(?:schuld|vordering|bedrag)|in\s+totaal|totaal", 4),
    (r"volledige?\s+bedrag|het\s+bedrag\s+van|bedrag\s+van", 2),
    (r"saldo|achterstand\s+(?:van|bedraagt|is)|bedraagt|terugvordering|terug\s*te\s*betalen", 3),
    (
        r"verschuldigd|(?:u|je)\s+(?:moet|dient)\s+(?:nog\s+)?(?:\w+\s+){0,3}(?:betalen|terugbetalen)",
        3,
    ),
    (r"betaal|betalen|overmaken|maak\b|voldoen|voldoe", 1),
]
_AFTER = [
    (r"^\s*(?:terug\s*(?:te\s*)?betalen|terugbetalen)", 4),
    (r"^\s*(?:te\s+betalen|betalen|over\s+te\s+maken|overmaken|te\s+voldoen)", 2),
]
# words that say: this is a part, a cost, an instalment, or not a debt at all
_PART = [
    (r"hoofdsom|rente|kosten|btw|verhoging|griffierecht|explootkosten|salaris\s+gemachtigde", -5),
    (r"per\s+maand|per\s+termijn|termijn(?:bedrag)?|maandbedrag|maandelijks|per\s+week", -6),
    (r"voorschot|ontvangen|al\s+betaald|reeds\s+betaald|betaald\s+op|vermindering|korting", -5),
    (r"beslagvrije\s+voet|vrij\s*gelaten|inkomen|loon\b|uitkering\s+van|kale\s+huur|huurprijs", -5),
    (r"boete\b|oorspronkelijk|factuur\s*bedrag|factuur\b|subtotaal", -2),
    (r"minimaal|maximaal|ten\s+minste|tot\s+een\s+bedrag|drempel|grens", -4),
]


# "Betaalt u niet op tijd, dan wordt het te betalen bedrag € 229,99": a later, larger amount
_CONDITIONAL = re.compile(
    r"(?:betaalt|betaal)\s+(?:u|je)\s+niet|(?:als|indien|wanneer)\s+(?:u|je)\s+niet|niet\s+op\s+tijd|"
    r"na\s+(?:de|deze|die)\s+(?:termijn|datum)|wordt\s+het\s+(?:\w+\s+){0,3}bedrag|verhoogd\s+(?:tot|naar)|loopt\s+op",
    re.IGNORECASE,
)


def score_amount(span: AmountSpan, lines: list[Line]) -> float:
    """How much the words around the amount say it is the total to pay."""
    line = lines[span.line]
    before = line.text[: span.start].lower()[-70:]
    after = line.text[span.end :].lower()[:40]
    if len(before.strip()) < 4 and span.line > 0:
        previous = lines[span.line - 1]
        if previous.page == line.page:
            before = previous.text.lower()[-60:] + " " + before
    # only the words of this cell: stop at an earlier amount on the same line
    before = re.split(r"€|\d,\d\d|[.;!?]\s", before)[-1]
    score = 0.0
    for pattern, weight in _TOTAL:
        if re.search(pattern, before):
            score += weight
            break
    for pattern, weight in _AFTER:
        if re.search(pattern, after):
            score += weight
            break
    if _CONDITIONAL.search(before[-80:]):
        score -= 4
    near = re.sub(
        r"\(?\b(?:incl|inclusief|inkl|met)\.?\s+(?:de\s+|alle\s+)?[\w\s]{0,20}?(?:kosten|rente|btw)\)?",
        " ",
        before[-45:],
    )[-35:]
    for pattern, weight in _PART:
        if re.search(pattern, near):
            score += weight
    return score
