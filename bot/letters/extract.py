"""From the lines of a letter to a reading: kind, sender, amount, dates, IBAN, BSN.

Every date and amount is found as a span first, then judged by the words just before it
("uiterlijk", "totaal te betalen", "zitting op"). A date or amount we cannot place stays
empty: we never state a figure the letter did not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from bot.letters import amounts, dates, identifiers, kinds
from bot.letters.layout import Line
from bot.letters.reading import LetterReading


@dataclass(frozen=True)
class _Dated:
    value: date
    line: int
    score: float
    computed: bool = False


def extract(lines: list[Line], engine: str = "", pages: int = 1) -> LetterReading:
    """Read every field from the lines (BSNs are masked first)."""
    lines = [replace(line, index=i) for i, line in enumerate(_clean(lines))]
    scan = identifiers.mask_bsn(lines)
    lines = scan.lines
    kind = kinds.classify(lines)
    sender = kinds.find_sender(lines, kind.kind)
    spans = _date_spans(lines)
    letter_date = _letter_date(lines, spans)
    reference_day = letter_date.value if letter_date else None
    deadline = _deadline(lines, spans, reference_day)
    event = _event(lines, spans, reference_day) if kind.kind in kinds.URGENT_KINDS else None
    if deadline is None and event is not None and kind.kind == "dagvaarding":
        # a summons: the last day to answer is the court session itself
        deadline = _Dated(event.value, event.line, 2.0)
    amount, amount_conf = _amount(lines)
    iban = _iban(lines)
    reference, checked = identifiers.find_reference(lines)
    ocr = _ocr_quality(lines)
    field_confidence = {
        "ocr": ocr,
        "kind": kind.confidence,
        "sender_kind": sender.confidence,
        "amount_due": round(amount_conf * ocr, 2),
        "deadline": round(_date_confidence(deadline) * ocr, 2),
        "event_date": round(_date_confidence(event) * ocr, 2),
        "letter_date": round(_date_confidence(letter_date) * ocr, 2),
        "iban": 1.0 if iban else 0.0,
    }
    overall = ocr * (
        0.5 * kind.confidence
        + 0.25 * (amount_conf if amount else 0.6)
        + 0.25 * (_date_confidence(deadline) if deadline else 0.6)
    )
    if len(" ".join(line.text for line in lines)) < 150:
        overall *= 0.5
    return LetterReading(
        kind=kind.kind,
        sender_kind=sender.kind,
        sender_name=sender.name,
        amount_due=amount,
        deadline=deadline.value if deadline else None,
        deadline_computed=bool(deadline and deadline.computed),
        event_date=event.value if event else None,
        urgent=kind.kind in kinds.URGENT_KINDS,
        iban=iban,
        reference=reference,
        reference_checked=checked,
        has_bsn=scan.has_bsn,
        letter_date=letter_date.value if letter_date else None,
        confidence=round(min(1.0, overall), 2),
        field_confidence=field_confidence,
        text="\n".join(line.text for line in lines),
        engine=engine,
        pages=pages,
    )


def _date_spans(lines: list[Line]) -> list[dates.DateSpan]:
    """Every date, also one broken over two lines ("uiterlijk 28" / "februari 2026")."""
    spans = []
    for i, line in enumerate(lines):
        spans += dates.find_dates(line)
        if i + 1 < len(lines) and lines[i + 1].page == line.page:
            joined = replace(line, text=line.text + " " + lines[i + 1].text[:24])
            spans += [
                span
                for span in dates.find_dates(joined)
                if span.start < len(line.text) < span.end - 1
            ]
    return spans


def _periods(lines: list[Line]) -> list[dates.Period]:
    """Every "binnen N dagen", also "binnen 4" / "weken" over two lines."""
    periods = []
    for i, line in enumerate(lines):
        periods += dates.find_periods(line)
        if i + 1 < len(lines) and lines[i + 1].page == line.page:
            joined = replace(line, text=line.text + " " + lines[i + 1].text[:24])
            periods += [
                period
                for period in dates.find_periods(joined)
                if period.start < len(line.text) < period.end - 1
            ]
    return periods


def _with_next(lines: list[Line], index: int) -> str:
    """The line's text with the start of the next line on the same page."""
    text = lines[index].text
    if index + 1 < len(lines) and lines[index + 1].page == lines[index].page:
        text += " " + lines[index + 1].text[:60]
    return text


def _clean(lines: list[Line]) -> list[Line]:
    """Undo common OCR slips that hide dates and amounts, without touching the words."""
    cleaned = []
    for line in lines:
        text = line.text.replace("\u00a0", " ").replace("EUR.", "EUR ")
        text = re.sub(r"(?<=\d)\s*,\s*(?=\d\d\b)", ",", text)  # "1.248 ,37"
        text = re.sub(r"€\s*(?=\d)", "€ ", text)
        text = re.sub(r"\b[Ee](?=\s\d{1,3}(?:\.\d{3})*,\d\d\b)", "€", text)  # "E 120,00"
        text = text.replace("vóór", "vóór").replace("voör", "vóór")
        cleaned.append(replace(line, text=text))
    for i in range(len(cleaned) - 1):
        # "... van €" / "3.612,00 op ...": the sign goes with its number
        if re.search(r"(?:€|EUR)\s*$", cleaned[i].text) and re.match(r"\s*\d", cleaned[i + 1].text):
            sign = re.search(r"(?:€|EUR)\s*$", cleaned[i].text)
            assert sign is not None
            cleaned[i] = replace(cleaned[i], text=cleaned[i].text[: sign.start()].rstrip())
            cleaned[i + 1] = replace(cleaned[i + 1], text="€ " + cleaned[i + 1].text.lstrip())
    return cleaned


def _context(lines: list[Line], line: int, start: int, width: int = 70) -> str:
    before = lines[line].text[:start]
    if len(before.strip()) < 12 and line > 0 and lines[line - 1].page == lines[line].page:
        before = lines[line - 1].text + " " + before
    return before[-width:].lower()


def _sentence_of(lines: list[Line], line: int, start: int, end: int) -> str:
    text = lines[line].text
    left = max(text.rfind(". ", 0, start), text.rfind("? ", 0, start))
    before = text[left + 1 : start] if left >= 0 else text[:start]
    if left < 0 and line > 0 and lines[line - 1].page == lines[line].page:
        previous = lines[line - 1].text
        if not re.search(r"[.!?:]\s*$", previous):
            cut = max(previous.rfind(". "), previous.rfind("? "))
            before = previous[cut + 1 :] + " " + before
    right = re.split(r"(?<=[.!?])\s", text[end:], maxsplit=1)[0]
    if line + 1 < len(lines) and not re.search(r"[.!?]", right):
        right += " " + re.split(r"(?<=[.!?])\s", lines[line + 1].text, maxsplit=1)[0]
    return (before + " @ " + right).lower()


_LETTER_DATE_CUE = re.compile(
    r"(?:dag\s*tekening|verzend\s*datum|verzonden(?:\s+op)?|datum\s+(?:van\s+)?(?:deze\s+)?brief|briefdatum|"
    r"(?<![\w])datum|^\s*[A-Z][\w'’ -]{2,30},?\s*$|heden\s*,?)\s*:?\s*$",
    re.IGNORECASE,
)
_NOT_LETTER_DATE = re.compile(
    r"geboorte|vervaldatum|factuurdatum|betaaldatum|uiterste|zitting|ontruiming|afsluit|"
    r"uiterlijk|vóór|voor|tot\s+en\s+met|t/m|periode|vanaf|sinds|van\s*$|aanvang|ingang",
    re.IGNORECASE,
)


def _letter_date(lines: list[Line], spans: list[dates.DateSpan]) -> _Dated | None:
    best: _Dated | None = None
    for span in spans:
        if not span.has_year:
            continue
        line = lines[span.line]
        before = re.split(r"\s{3,}", line.text[: span.start])[-1]
        score = 0.0
        if _LETTER_DATE_CUE.search(before[-40:]) or re.fullmatch(
            r"\s*[A-Z][\w'’.\- ]{2,30}[,:]\s*",
            before,  # "Utrecht, 3 maart 2025"
        ):
            score += 5
        elif not before.strip():
            score += 1
        if _NOT_LETTER_DATE.search(before[-30:]):
            score -= 6
        if line.page == 0 and line.top < 0.45:
            score += 2
        score -= line.index * 0.01
        if score >= 2 and (best is None or score > best.score):
            best = _Dated(span.value, span.line, score)
    return best


_DEADLINE_CUES = [
    (
        r"uiterlijk(?:\s+op)?\s*:?\s*$|(?:uiterste\s+(?:betaal)?datum|betaaldatum|vervaldatum|uiterste\s+termijn)(?:\s+is)?\s*:?\s*$",
        7,
    ),
    (r"(?:vóór|voor)\s*:?\s*$", 6),
    (r"(?:tot\s+en\s+met|t/m|tot|uiterlijk\s+tot)\s*$", 4),
    (
        r"(?:betaal|betalen|betaalt|overmaken|voldoen|reageer|reageren|neem|nemen|stuur|sturen|bellen|bel|aanvragen|regelen)\b[^.]{0,60}(?:vóór|voor|uiterlijk|tot)\s*(?:\w+dag\s*)?$",
        2,
    ),
    (
        r"betalen\s+op\s*$|betaal\s+op\s*$|(?:moet|moeten)\s+(?:\w+\s+){0,3}(?:uiterlijk|vóór|voor)\s*$",
        4,
    ),
]
_DEADLINE_PENALTIES = [
    (r"bezwaar|beroep|in\s+beroep|herzienin", -7),
    (r"geboren|geboortedatum|factuurdatum|periode|over\s+de\s+maand|vanaf|sinds|van\s+\d", -5),
    (r"zitting|verschijnen|ontruim|afsluit|veiling|verkoop|uithuis", -3),
    (r"gepland\s+(?:voor|op)\s*@|vastgesteld\s+op\s*@|vindt\s+plaats", -6),
]
# "Betaaltermijn: 14 dagen" says the same as "binnen 14 dagen"
_TERM = re.compile(
    r"(?:betaal)?termijn\s*(?:is|van)?\s*:?\s*(\d{1,2})\s*(?:dagen|kalenderdagen)", re.I
)
_PERIOD_CUE = re.compile(
    r"^\s*(?:\(\s*\w+\s*\)\s*)?(?:na|vanaf|van|gerekend\s+vanaf)\s+(?:de\s+)?(?:dagtekening|datum|verzenddatum|ontvangst|heden|betekening|dit\s+exploot|deze\s+brief|vandaag)",
    re.IGNORECASE,
)


def _deadline(lines: list[Line], spans: list[dates.DateSpan], letter: date | None) -> _Dated | None:
    candidates: list[_Dated] = []
    for span in spans:
        value = dates.with_year(span, letter) if letter else span.value
        if not span.has_year and letter is None:
            continue
        context = _context(lines, span.line, span.start)
        score = 0.0
        for pattern, weight in _DEADLINE_CUES:
            if re.search(pattern, context):
                score += weight
        if score <= 0:
            continue
        sentence = _sentence_of(lines, span.line, span.start, span.end)
        for pattern, weight in _DEADLINE_PENALTIES:
            if re.search(pattern, sentence):
                score += weight
        if not _plausible(value, letter):
            continue
        candidates.append(_Dated(value, span.line, score))
    if letter is not None:
        for period in _periods(lines):
            sentence = _sentence_of(lines, period.line, period.start, period.end)
            if re.search(r"bezwaar|beroep|herzien|verzet|hoger\s+beroep", sentence):
                continue
            anchored = _PERIOD_CUE.search(_with_next(lines, period.line)[period.end :])
            score = 5.0 if anchored else 3.5
            if re.search(r"betaal|betalen|voldoen|overmaken|reageer|reageren|contact", sentence):
                score += 0.5
            value = dates.add_period(letter, period)
            candidates.append(_Dated(value, period.line, score, computed=True))
        for line in lines:
            for term in _TERM.finditer(line.text):
                period = dates.Period(
                    int(term.group(1)), False, line.index, term.start(), term.end()
                )
                candidates.append(
                    _Dated(dates.add_period(letter, period), line.index, 4.0, computed=True)
                )
    strong = [c for c in candidates if c.score >= 3]
    if not strong:
        return None
    best_score = max(c.score for c in strong)
    best = [c for c in strong if c.score >= best_score - 0.5]
    printed = [c for c in best if not c.computed]
    return min(printed or best, key=lambda c: c.value)


_EVENT_CUES = [
    (
        r"(?:terecht)?zitting|rolzitting|verschijnen|mondelinge\s+behandeling|kantonrechter|rechtbank",
        6,
    ),
    (r"ontruim\w*|uit\s*huis\s*zetting|huisuitzetting", 6),
    (
        r"afsluit\w*|afgesloten|sluiten\s+(?:\w+\s+){0,7}af|onderbr\w*|levering\s+(?:\w+\s+){0,3}(?:stop|beëindig)\w*|stoppen\s+(?:\w+\s+){0,2}levering",
        6,
    ),
    (r"openbare\s+verkoop|veiling|verkocht|verkoop", 5),
]


def _event(lines: list[Line], spans: list[dates.DateSpan], letter: date | None) -> _Dated | None:
    candidates: list[_Dated] = []
    for span in spans:
        if not span.has_year and letter is None:
            continue
        value = dates.with_year(span, letter) if letter else span.value
        if not _plausible(value, letter):
            continue
        label = lines[span.line].text[: span.start]
        if re.search(r"(?:^|\s)(?:datum|dagtekening)\s*:?\s*$", label, re.I):
            continue  # "Datum: 9 december 2025" is the letter's date ("Afsluitdatum" is not)
        sentence = _sentence_of(lines, span.line, span.start, span.end)
        before = sentence.split(" @ ")[0][-90:]
        after = sentence.split(" @ ")[1][:60] if " @ " in sentence else ""
        score = 0.0
        for pattern, weight in _EVENT_CUES:
            if re.search(pattern, before):
                score += weight
                break
        else:
            for pattern, weight in _EVENT_CUES:
                if re.search(pattern, after):
                    score += weight - 2
                    break
        if score <= 0:
            continue
        if re.search(r"\bom\s+\d{1,2}[.:]\d{2}|\buur\b", after[:25]):
            score += 2
        if re.search(r"(?:vóór|voor|uiterlijk|tot)\s*(?:\w+dag\s*)?$", before) and not re.search(
            r"(?:gepland|vastgesteld|bepaald|verschoven)\s+(?:\w+\s+)?(?:voor|tot)\s*(?:\w+dag\s*)?$",
            before,
        ):
            score -= 5
        if re.search(r"\bop\s*(?:\w+dag\s*)?$|datum\s*:?\s*$|:\s*$", before):
            score += 1
        candidates.append(_Dated(value, span.line, score))
    strong = [c for c in candidates if c.score >= 5]
    if not strong:
        return None
    return max(strong, key=lambda c: (c.score, -c.value.toordinal()))


def _plausible(value: date, letter: date | None) -> bool:
    if letter is None:
        return 2000 <= value.year <= 2100
    return letter - timedelta(days=1) <= value <= letter + timedelta(days=400)


def _amount(lines: list[Line]) -> tuple[Decimal | None, float]:
    spans = [span for line in lines for span in amounts.find_amounts(line)]
    if not spans:
        return None, 0.0
    scored = []
    for span in spans:
        score = amounts.score_amount(span, lines)
        if _is_sum_above(span, lines):
            score += 3
        scored.append((score, span))
    best_score = max(score for score, _ in scored)
    if best_score >= 2:
        top = [span for score, span in scored if score >= best_score - 0.5]
        chosen = max(top, key=lambda s: s.value)
        confidence = min(1.0, 0.55 + best_score / 20)
        return chosen.value, round(confidence, 2)
    with_currency = [span for score, span in scored if span.has_currency and score > -2]
    if not with_currency:
        return None, 0.0
    values = {span.value for span in with_currency}
    chosen = max(with_currency, key=lambda s: s.value)
    return chosen.value, 0.5 if len(values) == 1 else 0.3


def _is_sum_above(span: amounts.AmountSpan, lines: list[Line]) -> bool:
    """The amount is the sum of the amounts on the lines just above it (a table's total)."""
    parts: list[Decimal] = []
    for index in range(span.line - 1, max(-1, span.line - 9), -1):
        found = amounts.find_amounts(lines[index])
        if len(found) != 1:
            break
        parts.append(found[0].value)
        if len(parts) >= 2 and sum(parts) == span.value:
            return True
    return False


def _iban(lines: list[Line]) -> str | None:
    found: list[identifiers.IbanSpan] = []
    for i, line in enumerate(lines):
        found += identifiers.find_ibans(line)
        if i + 1 < len(lines) and re.search(r"\b[A-Z]{2}[\s.]?\d{2}[\sA-Z0-9]{0,20}$", line.text):
            # an IBAN broken over two lines: "... op NL88" / "ABNA 5156 5795 04."
            joined = replace(line, text=line.text + " " + lines[i + 1].text[:40])
            found += [s for s in identifiers.find_ibans(joined) if s.start < len(line.text)]
    if not found:
        return None

    def score(span: identifiers.IbanSpan) -> float:
        before = _context(lines, span.line, span.start, 60)
        value = 0.0
        if re.search(
            r"iban|rekening|overmaken|over\s+te\s+maken|betaal|t\.n\.v|bankrekening|storten", before
        ):
            value += 2
        if re.search(r"(?:uw|je|jouw)\s+(?:bank)?rekening|beslag\s+op|van\s+uw", before):
            value -= 3
        return value

    return max(found, key=score).value


def _date_confidence(found: _Dated | None) -> float:
    if found is None:
        return 0.0
    return round(min(1.0, 0.5 + found.score / 14), 2)


def _ocr_quality(lines: list[Line]) -> float:
    weight = sum(len(line.text) for line in lines)
    if not weight:
        return 0.0
    return round(sum(line.score * len(line.text) for line in lines) / weight, 2)
