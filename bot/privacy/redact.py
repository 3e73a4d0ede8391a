"""Remove personal data from text before it is stored for analytics (and from log lines).

`redact` combines Deduce (names, streets with house numbers, postcodes, dates; see
`bot.privacy.deidentify`) with our own checks for what Deduce does not know or we check better:
BSN (elfproef, `python-stdnum`), IBAN (`python-stdnum`), phone numbers (`phonenumbers`),
e-mail, names written in lower case after "ik ben", "mijn naam is" or a greeting, a signed name
at the end of a message, licence plates, CJIB and other case numbers, birth dates, addresses.
It errs on the side of removing: a 9-digit number that fails the elfproef is still masked as a
number. Public service numbers (0800-, 0900-, 112, 113, 14 0xx), place names and the names of
organisations (Belastingdienst, Zilveren Kruis …) stay: they identify nobody.

`redact_patterns` is the part without Deduce (no lists to load): for log lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as std_iban
from stdnum.nl import bsn as std_bsn

STREET_SUFFIX = (
    r"(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|park|pad|steeg|markt|"
    r"wal|veld|erf|baan|ring|allee|boulevard|kwartier|oord|zijde|hoven|plantsoen|burg|haven)"
)
MONTHS = (
    r"(?:jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|aug(?:ustus)?|"
    r"sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
PHONE = re.compile(
    r"(?<![\w])(?:(?:\+|00)\s?31[\s.-]?(?:\(0\))?[\s.-]?|\(0\)\s?|0)"
    r"(?:6[\s.-]?(?:\d[\s.-]?){7}\d|[1-9](?:[\s.-]?\d){8})(?![\d])"
)
SERVICE_NUMBER = re.compile(r"^(?:0800|0900|0906|0909|14\d{3}$|112$|113$|1400$)")
POSTCODE_HOUSE = re.compile(
    r"(?<![\d-])\b[1-9]\d{3}\s?[A-Za-z]{2}\b[\s,]*(?:(?:nr\.?|nummer|huisnummer)\s*)?\d{1,5}\s?[A-Za-z]?\b"
    r"|(?<![\d-])\b\d{1,5}\s?[A-Za-z]?[\s,]+[1-9]\d{3}\s?[A-Za-z]{2}\b",
    re.IGNORECASE,
)
POSTCODE = re.compile(r"(?<![\d-])\b[1-9]\d{3}\s?(?!SS|SA|SD)[A-Za-z]{2}\b")
ADDRESS = re.compile(
    rf"\b[A-Z][\w'.-]*(?:\s[A-Za-z][\w'.-]*){{0,3}}{STREET_SUFFIX}\s+\d{{1,5}}(?:\s?[-]?\s?[A-Za-z]{{1,2}}\b|\s?-\s?\d+)?"
    rf"|\b[a-z][\w'-]*{STREET_SUFFIX}\s+\d{{1,5}}[a-zA-Z]?\b",
)
DATE = re.compile(
    rf"\b(?:[0-3]?\d[-/.][01]?\d[-/.](?:19|20)?\d{{2}}|[0-3]?\d\s+{MONTHS}\.?\s+(?:19|20)\d{{2}}|(?:19|20)\d{{2}}-[01]\d-[0-3]\d)\b",
    re.IGNORECASE,
)
# Dutch licence plates (sidecodes 1-14, with dashes), or any plate-like token after "kenteken"
PLATE = re.compile(
    r"\b(?:[A-Z]{2}-\d{2}-\d{2}|\d{2}-\d{2}-[A-Z]{2}|\d{2}-[A-Z]{2}-\d{2}|[A-Z]{2}-\d{2}-[A-Z]{2}"
    r"|[A-Z]{2}-[A-Z]{2}-\d{2}|\d{2}-[A-Z]{2}-[A-Z]{2}|\d{2}-[A-Z]{3}-\d|\d-[A-Z]{3}-\d{2}"
    r"|[A-Z]{2}-\d{3}-[A-Z]|[A-Z]-\d{3}-[A-Z]{2}|[A-Z]{3}-\d{2}-[A-Z]|[A-Z]-\d{2}-[A-Z]{3}"
    r"|\d-[A-Z]{2}-\d{3}|\d{3}-[A-Z]{2}-\d)\b",
    re.IGNORECASE,
)
PLATE_CUE = re.compile(
    r"\bkenteken(?:nummer)?(?:\s*(?:is|nr\.?|:))?\s*(?P<number>(?=[A-Z-]*\d)(?=[\d-]*[A-Z])[A-Z0-9-]{6,8})\b",
    re.IGNORECASE,
)
# a case number after its name (CJIB, beschikking, dossier …): the tokens with digits after it
CASE_NUMBER = re.compile(
    r"(?:(?:betalings)?kenmerk|zaaknummer|zaaknr|dossiernummer|dossiernr|beschikkingsnummer|"
    r"beschikking|klantnummer|klantnr|referentie(?:nummer)?|factuurnummer|vorderingsnummer|"
    r"polisnummer|contractnummer|cjib-nummer|cjib\s+nummer|aanslagnummer|relatienummer)"
    r"\s*(?:is|nr\.?|:|#)?\s*"
    r"(?P<number>[A-Z]{0,4}[-\s]?\d[\dA-Z]*(?:[\s./-]\d[\dA-Z]*)*)",
    re.IGNORECASE,
)
NINE_DIGITS = re.compile(r"(?<![\d])(\d[\s.]?){8}\d(?![\d])")
GROUPED_NUMBER = re.compile(r"(?<![\d])\d{3,5}(?:[ .-]\d{3,5}){2,}(?![\d])")
LONG_NUMBER = re.compile(r"(?<![\d])\d{7,}(?![\d])")
NAME_CUE = re.compile(
    r"(?i:\b(?:mijn\s+naam\s+is|ik\s+ben|ik\s+heet|naam\s*:|dit\s+is|met\s+vriendelijke\s+groet(?:en)?"
    r"|vriendelijke\s+groet(?:en)?|hartelijke\s+groet(?:en)?|groet(?:en|jes)?|gr(?:tz|oet)?\.?|mvg|m\.v\.g\.?"
    r"|liefs|doei|dank\s*je\s*wel|dankjewel|bedankt)\b)[\s,:.!-]*"
)
WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]*")
# words after "ik ben" that are not names (Deduce's common words cover most; these are extra)
NOT_NAMES = {
    "bang",
    "blij",
    "boos",
    "ziek",
    "moe",
    "op",
    "alleen",
    "gescheiden",
    "werkloos",
    "student",
    "zwanger",
    "moeder",
    "vader",
    "getrouwd",
    "zzp",
    "zzp'er",
    "mantelzorger",
    "ondernemer",
    "weduwe",
    "weduwnaar",
    "gepensioneerd",
    "arbeidsongeschikt",
    "dakloos",
    "wanhopig",
    "radeloos",
    "benieuwd",
    "klaar",
    "gewoon",
    "het",
    "er",
    "nu",
}
# organisations Deduce may take for a person: kept, they identify nobody
ORGANISATIONS = {
    "zilveren kruis",
    "belastingdienst",
    "toeslagen",
    "dienst toeslagen",
    "cjib",
    "duo",
    "uwv",
    "svb",
    "cak",
    "bkr",
    "menzis",
    "vgz",
    "cz",
    "dsw",
    "onvz",
    "eneco",
    "vattenfall",
    "essent",
    "greenchoice",
    "budget energie",
    "vitens",
    "evides",
    "ziggo",
    "kpn",
    "odido",
    "vodafone",
    "klarna",
    "riverty",
    "afterpay",
    "intrum",
    "flanderijn",
    "geldfit",
    "nibud",
    "schuldhulpmaatje",
    "humanitas",
    "leger des heils",
    "voedselbank",
    "juridisch loket",
    "rabobank",
    "abn amro",
    "ing",
    "sns",
}
DEDUCE_LABELS = {
    "persoon": "[naam]",
    "patient": "[naam]",
    "locatie": "[adres]",
    "straat": "[adres]",
    "datum": "[datum]",
    "bsn": "[BSN]",
    "id": "[nummer]",
    "telefoonnummer": "[telefoon]",
    "emailadres": "[e-mail]",
    "url": "[link]",
}


@dataclass(frozen=True)
class Span:
    """A piece of ``text`` to replace by ``label``; higher ``rank`` wins a tie of length."""

    start: int
    end: int
    label: str
    rank: int = 0


def bsn_valid(digits: str) -> bool:
    """The BSN elfproef (python-stdnum): 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11."""
    return len(digits) == 9 and digits.isdigit() and bool(std_bsn.is_valid(digits))


def iban_valid(text: str) -> bool:
    """ISO 13616 mod-97 check (python-stdnum)."""
    return bool(std_iban.is_valid(text))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _regex_spans(
    pattern: re.Pattern[str], text: str, label: str | Callable[[str], str | None], rank: int
) -> Iterable[Span]:
    for match in pattern.finditer(text):
        name = label(match.group(0)) if callable(label) else label
        if name:
            yield Span(match.start(), match.end(), name, rank)


def _phone_label(found: str) -> str | None:
    return None if SERVICE_NUMBER.match(_digits(found)) else "[telefoon]"


def _phone_spans(text: str) -> Iterable[Span]:
    yield from _regex_spans(PHONE, text, _phone_label, 8)
    for match in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID):
        national = str(match.number.national_number)
        if SERVICE_NUMBER.match(national) or SERVICE_NUMBER.match("0" + national):
            continue
        yield Span(match.start, match.end, "[telefoon]", 8)


def _group_spans(pattern: re.Pattern[str], text: str, label: str, rank: int) -> Iterable[Span]:
    for match in pattern.finditer(text):
        yield Span(match.start("number"), match.end("number"), label, rank)


def _pattern_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    spans += _regex_spans(EMAIL, text, "[e-mail]", 10)
    spans += _regex_spans(URL, text, "[link]", 9)
    spans += _regex_spans(
        IBAN,
        text,
        lambda s: "[IBAN]" if iban_valid(s) else ("[nummer]" if re.search(r"\d{6}", s) else None),
        9,
    )
    spans += _phone_spans(text)
    spans += _regex_spans(DATE, text, "[datum]", 7)
    spans += _regex_spans(PLATE, text, "[kenteken]", 7)
    spans += _group_spans(PLATE_CUE, text, "[kenteken]", 7)
    spans += _group_spans(CASE_NUMBER, text, "[nummer]", 6)
    spans += _regex_spans(POSTCODE_HOUSE, text, "[postcode]", 6)
    spans += _regex_spans(POSTCODE, text, "[postcode]", 5)
    spans += _regex_spans(ADDRESS, text, "[adres]", 6)
    spans += _regex_spans(
        NINE_DIGITS, text, lambda s: "[BSN]" if bsn_valid(_digits(s)) else "[nummer]", 7
    )
    spans += _regex_spans(GROUPED_NUMBER, text, "[nummer]", 4)
    spans += _regex_spans(LONG_NUMBER, text, "[nummer]", 4)
    return spans


def _name_after(text: str, pos: int, *, closing: bool) -> Span | None:
    """The name that starts at ``pos`` (after a cue), if the words there look like one."""
    from bot.privacy.deidentify import dutch

    model = dutch()
    words: list[re.Match[str]] = []
    for match in WORD.finditer(text, pos):
        gap = text[(words[-1].end() if words else pos) : match.start()]
        if words and (gap.strip(" ") or len(gap) > 2) or (not words and gap.strip(" \n\t,:")):
            break
        words.append(match)
        if len(words) == 4:
            break
    if not words:
        return None
    first = words[0].group(0)
    low = first.lower()
    if low in NOT_NAMES or model.is_interfix(low):
        return None
    known = model.is_first_name(first) or model.is_surname(first)
    capital = first[0].isupper() and not model.is_common_word(first)
    if not known and not capital and not (closing and not model.is_common_word(first)):
        return None
    if model.is_common_word(first) and not known:
        return None
    end, after_interfix = words[0].end(), False
    for word in words[1:]:
        token = word.group(0)
        if model.is_interfix(token):
            after_interfix = True  # "de", "van der", "el": the surname follows
            continue
        if after_interfix or (
            (model.is_surname(token) or token[0].isupper()) and not model.is_common_word(token)
        ):
            end, after_interfix = word.end(), False
        else:
            break
    return Span(words[0].start(), end, "[naam]", 3)


def _cue_name_spans(text: str) -> list[Span]:
    spans = []
    for cue in NAME_CUE.finditer(text):
        closing = not re.match(r"(?i)mijn|ik|naam|dit", cue.group(0))
        span = _name_after(text, cue.end(), closing=closing)
        if span is not None:
            spans.append(span)
    return spans


def _signature_spans(text: str) -> list[Span]:
    """A name alone on the last line ("…\\nkarin", "…\\nJan de Vries")."""
    from bot.privacy.deidentify import dutch

    lines = text.rstrip().split("\n")
    if len(lines) < 2:
        return []
    last = lines[-1].strip(" -–,.!")
    words = WORD.findall(last)
    model = dutch()
    if not 1 <= len(words) <= 4 or " ".join(words) != " ".join(last.split()):
        return []
    if not (model.is_first_name(words[0]) or model.is_surname(words[0])):
        return []
    if model.is_common_word(words[0]) and not words[0][0].isupper():
        return []
    start = text.rstrip().rfind(last)
    return [Span(start, start + len(last), "[naam]", 3)]


def _lowercase_full_names(text: str) -> list[Span]:
    """A first name followed by a surname, both lower case ("piet jansen", "jan de vries")."""
    from bot.privacy.deidentify import dutch

    model = dutch()
    spans = []
    words = list(WORD.finditer(text))
    for i, word in enumerate(words[:-1]):
        first = word.group(0)
        if not first.islower() or not model.is_first_name(first) or model.is_common_word(first):
            continue
        j = i + 1
        while j < len(words) - 1 and model.is_interfix(words[j].group(0)):
            j += 1
        last = words[j].group(0)
        if model.is_surname(last) and not model.is_common_word(last):
            spans.append(Span(word.start(), words[j].end(), "[naam]", 2))
    return spans


def _deduce_spans(text: str) -> list[Span]:
    from bot.privacy.deidentify import dutch

    spans = []
    for found in dutch().annotate(text):
        label = DEDUCE_LABELS.get(found.tag)
        if (
            found.tag.startswith(("persoon", "patient", "voornaam", "achternaam"))
            or "naam" in found.tag
        ):
            label = "[naam]"
            if found.text.strip().lower() in ORGANISATIONS:
                continue
        if label is None:
            continue
        if label == "[adres]" and not re.search(r"\d", found.text):
            continue  # a place or street name without a number identifies nobody
        if label == "[adres]" and re.fullmatch(r"[1-9]\d{3}\s?[A-Za-z]{2}", found.text.strip()):
            label = "[postcode]"
        if label in ("[telefoon]", "[nummer]") and SERVICE_NUMBER.match(_digits(found.text)):
            continue
        spans.append(Span(found.start, found.end, label, 1))
    return spans


def _apply(text: str, spans: list[Span]) -> str:
    """Replace the spans; of overlapping spans the longest wins (then the higher rank)."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), -s.rank, s.start)):
        if span.end <= span.start:
            continue
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    out, pos = [], 0
    for span in sorted(chosen, key=lambda s: s.start):
        out.append(text[pos : span.start])
        out.append(span.label)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def redact_patterns(text: str) -> str:
    """Our own patterns only (no Deduce): e-mail, links, IBAN, phone, BSN, numbers, plates,
    dates, postcodes, addresses. Fast and without lists to load, for log lines."""
    if not text:
        return ""
    return _apply(text, _pattern_spans(text))


def redact(text: str) -> str:
    """Return ``text`` with personal data replaced by placeholders ([naam], [telefoon] …)."""
    if not text:
        return ""
    spans = _pattern_spans(text)
    spans += _cue_name_spans(text)
    spans += _signature_spans(text)
    spans += _lowercase_full_names(text)
    spans += _deduce_spans(text)
    return _apply(text, spans)
