"""What kind of letter it is, and what kind of organisation sent it.

Each kind has weighted word patterns. A pattern in the subject line ("Betreft: …") or a title
("AANZEGGING ONTRUIMING") counts triple. A pattern in a threat ("Als u niet betaalt, kunnen
wij beslag leggen") counts a quarter: a reminder that mentions an eviction is not an eviction.
Then the kinds are ranked: an urgent step (summons, attachment, eviction, disconnection) comes
first, then the debt's own kind (CJIB fine, benefits, student loan, premium, rent), then a
formal demand (sommatie), then a plain reminder (aanmaning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.letters.layout import Line

KINDS = (
    "aanmaning", "sommatie", "cjib", "terugvordering_toeslag", "dagvaarding", "beslag",
    "ontruiming", "afsluiting", "premie_achterstand", "studieschuld", "terugvordering_bijstand",
    "huurachterstand", "other",
)  # fmt: skip
URGENT_KINDS = frozenset({"dagvaarding", "beslag", "ontruiming", "afsluiting"})
_TOPIC_KINDS = (
    "cjib", "terugvordering_toeslag", "terugvordering_bijstand", "studieschuld",
    "premie_achterstand", "huurachterstand",
)  # fmt: skip
SENDER_KINDS = (
    "energiebedrijf", "waterbedrijf", "incassobureau", "deurwaarder", "cjib", "belastingdienst",
    "zorgverzekeraar", "cak", "duo", "gemeente", "verhuurder", "other",
)  # fmt: skip

_KIND_PATTERNS: dict[str, list[tuple[str, float]]] = {
    "dagvaarding": [
        (r"\bdagvaarding\b|\bgedagvaard\b|\bdagvaar\b", 5),
        (
            r"(?:oproep\w*|opgeroepen)\s+(?:om\s+)?(?:te\s+)?verschijnen|te\s+verschijnen\s+(?:ter|op|voor|bij)",
            5,
        ),
        (r"ter\s+(?:terecht)?zitting|\brolzitting\b|mondelinge\s+behandeling", 3),
        (r"\bkantonrechter\b|\brechtbank\b|\bkanton\b", 2),
        (r"\bgedaagde\b|\beiseres?\b|\bverweer\b|\bverstek\b", 3),
    ],
    "beslag": [
        (
            r"proces[- ]?verbaal\s+van\s+(?:beslag|inbeslagneming)|exploot\s+van\s+(?:\w+\s+){0,2}beslag|beslagexploot",
            7,
        ),
        (
            r"beslag\s+(?:ge)?legd|beslag\s+(?:heb|hebben)\s+(?:ik|wij|we)|(?:heb|hebben)\s+(?:ik|wij|we)\s+(?:\w+\s+){0,6}beslag",
            6,
        ),
        (
            r"(?:loon|derden|bank|executori\w*|conservatoir\w*|inboedel|roerende\s+zaken|vorderings?)[- ]?beslag|beslag\s+op\s+(?:uw|je|het|de)",
            4,
        ),
        (r"\bbeslaglegging\b|\bbeslagen\b|in\s+beslag\s+genomen", 4),
        (r"beslagvrije\s+voet|\bbeslag\b", 2),
        (r"openbare\s+verkoop|executieveiling|executoriale\s+verkoop", 3),
    ],
    "ontruiming": [
        (
            r"aanzegging\s+(?:tot\s+|van\s+(?:de\s+)?)?ontruiming|ontruimingsaanzegging|bevel\s+tot\s+ontruiming",
            8,
        ),
        (
            r"(?:ontruiming|uithuiszetting|huisuitzetting)\s+(?:\w+\s+){0,4}(?:zal|vindt|wordt|is|staat)\s+(?:\w+\s+){0,6}(?:plaats|gepland|uitgevoerd)",
            6,
        ),
        (
            r"\bontruiming\b|\bontruimen\b|\bontruimd\b|uit\s*huis\s*zetting|huisuitzetting|uit\s+(?:uw|je)\s+huis\s+gezet",
            3,
        ),
        (r"ontruimingsvonnis|vonnis\s+(?:\w+\s+){0,8}ontruim", 3),
    ],
    "afsluiting": [
        (
            r"(?:vooraankondiging|aankondiging|mededeling)\s+(?:van\s+(?:de\s+)?)?(?:afsluiting|onderbreking)|afsluitdatum",
            8,
        ),
        (
            r"onderbreking\s+van\s+(?:uw|je|de)\s+(?:\w+\s+)?(?:levering|drinkwater\w*|gas|stroom|energie\w*)",
            6,
        ),
        (r"\bafsluit(?:ing|en)\b|\bafgesloten\b|\bafsluiten\b|\bsluiten\s+(?:\w+\s+){0,7}af\b", 4),
        (
            r"(?:levering|toevoer)\s+(?:van\s+)?(?:\w+\s+){0,3}(?:stop|stoppen|beëindig\w*|onderbr\w*|afsluiten)",
            4,
        ),
        (
            r"\bonderbre(?:ken|king)\b|\bstopzetting\b|stoppen\s+(?:\w+\s+){0,3}(?:levering|leveren)|levering\s+(?:\w+\s+){0,4}stopzetten",
            3,
        ),
    ],
    "cjib": [
        (r"\bcjib\b|centraal\s+justitieel\s+incassobureau", 8),
        (
            r"wet\s+mulder|verkeersboete|verkeersovertreding|administratieve\s+sanctie|strafbeschikking|\bbekeuring\b",
            4,
        ),
        (r"\bverhoging\b|\bverhoogd\b", 1),
    ],
    "terugvordering_toeslag": [
        (
            r"(?:toeslag|kindgebonden\s+budget)\w*\b[^.]{0,90}(?:terug|te\s+veel)|(?:terug\w*|te\s+veel)\b[^.]{0,90}(?:toeslag|kindgebonden\s+budget)",
            6,
        ),
        (r"terugvorderingsbeschikking|dienst\s+toeslagen|belastingdienst\s*/?\s*toeslagen", 4),
        (r"(?:zorg|huur|kinderopvang)toeslag|kindgebonden\s+budget", 2),
    ],
    "terugvordering_bijstand": [
        (
            r"(?:bijstand|uitkering|levensonderhoud)\w*\b[^.]{0,90}(?:terug|te\s+veel)|(?:terug\w*|te\s+veel)\b[^.]{0,90}(?:bijstand|levensonderhoud)",
            6,
        ),
        (r"participatiewet|\bbijstand\w*", 2),
        (r"besluit\s+(?:tot\s+)?terugvordering|terugvordering", 2),
    ],
    "studieschuld": [
        (r"\bduo\b|dienst\s+uitvoering\s+onderwijs", 6),
        (
            r"studieschuld|studiefinanciering|studielening|studievoorschot|lesgeld|collegegeld(?:krediet)?",
            4,
        ),
        (r"aflos\w*|maandtermijn|terugbetaling", 1),
    ],
    "premie_achterstand": [
        (
            r"premieachterstand|achterstallige\s+premie|premie\s*achterstand|achterstand\s+(?:in|van)\s+(?:de\s+)?premie|bestuursrechtelijke\s+premie|wanbetalersregeling",
            7,
        ),
        (
            r"(?:zorg)?premie\b[^.]{0,60}(?:niet|nog\s+niet)\s+(?:betaald|ontvangen)|onbetaalde\s+premie",
            5,
        ),
        (r"\bzorgverzeker\w+|\bcak\b|\bpremie\b", 2),
    ],
    "huurachterstand": [
        (
            r"huurachterstand|huurschuld|achterstand\s+in\s+(?:de|uw|je)\s+huur\w*|achterstallige\s+huur|huur\s+(?:\w+\s+){0,4}(?:niet|nog\s+niet)\s+(?:betaald|ontvangen)",
            6,
        ),
        (r"\bhuur\b|\bhuurpenningen\b", 1),
    ],
    "sommatie": [
        (r"\bsommatie\b|\bsommeren\b|\bsommeer\b|\bgesommeerd\b", 7),
        (r"ingebrekestelling|in\s+gebreke", 5),
        (r"laatste\s+(?:waarschuwing|kans|herinnering|aanmaning|verzoek|mogelijkheid)", 3),
        (
            r"(?:gerechtelijke|juridische|rechtelijke)\s+(?:stappen|procedure|maatregelen)|zonder\s+(?:verdere\s+)?(?:aankondiging|waarschuwing)",
            2,
        ),
    ],
    "aanmaning": [
        (
            r"\baanmaning\b|betalingsherinnering|\bherinnering\b|veertiendagenbrief|14[- ]?dagen\s*brief",
            4,
        ),
        (
            r"(?:nog\s+)?niet\s+(?:\w+\s+){0,2}(?:betaald|ontvangen)|openstaande?\s+(?:factuur|facturen|bedrag|rekening|nota)",
            2,
        ),
    ],
}
_COMPILED = {
    kind: [(re.compile(p, re.IGNORECASE), w) for p, w in patterns]
    for kind, patterns in _KIND_PATTERNS.items()
}
_THREAT = re.compile(
    r"\b(?:als|indien|wanneer|zodra|tenzij)\s+(?:u|je|jij|wij|we|het)\b|\bvoorkomen\b|\banders\b|"
    r"\b(?:kunnen|kan|zullen|zal|gaan)\s+(?:wij|we|zij|de\s+\w+)\b|\bgenoodzaakt\b|\bovergaan\s+tot\b|"
    r"\bmogelijk(?:heid)?\b|\bvolgende\s+stap|\bkan\s+leiden\b|\bte\s+vermijden\b|\bdreig\w*|"
    r"\bkunnen\s+(?:\w+\s+){0,3}(?:laten|overgaan)|\bworden\s+ingeschakeld|\binschakelen\b",
    re.IGNORECASE,
)
_SUBJECT = re.compile(r"^\s*(?:betreft|onderwerp|inzake|betr\.?|ons\s+onderwerp|re)\s*[:.]", re.I)
_DATE_ON = re.compile(
    r"(?<!vóór )(?<!voor )(?<!uiterlijk )(?<!tot )(?:op\s+|om\s+|datum\s*:?\s*)"
    r"(?:\w+dag\s+)?\d{1,2}(?:\s+[a-z]{3,9}|[-./]\d{1,2}[-./]\d{2,4})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class KindResult:
    """The kind, how sure we are (0..1), and every kind's score (for tests and tuning)."""

    kind: str
    confidence: float
    scores: dict[str, float]


def sentences(lines: list[Line]) -> list[tuple[str, bool]]:
    """The letter as sentences, each with whether it is a subject line or title."""
    out: list[tuple[str, bool]] = []
    buffer: list[str] = []
    for line in lines:
        text = line.text.strip()
        if is_title(line):
            if buffer:
                out.append((" ".join(buffer), False))
                buffer = []
            out.append((text, True))
            continue
        buffer.append(text)
        if re.search(r"[.!?:]\s*$", text) or len(text) < 25:
            out.append((" ".join(buffer), False))
            buffer = []
    if buffer:
        out.append((" ".join(buffer), False))
    return out


def is_title(line: Line) -> bool:
    """A subject line, or a short line mostly in capitals near the top of the first page."""
    text = line.text.strip()
    if _SUBJECT.match(text):
        return True
    letters = [c for c in text if c.isalpha()]
    return (
        line.page == 0
        and line.top < 0.6
        and 1 <= len(text.split()) <= 6
        and len(letters) >= 6
        and sum(c.isupper() for c in letters) / len(letters) > 0.75
    )


def classify(lines: list[Line]) -> KindResult:
    """The kind of letter."""
    scores = dict.fromkeys(_KIND_PATTERNS, 0.0)
    for sentence, title in sentences(lines):
        threat = not title and bool(_THREAT.search(sentence)) and not _DATE_ON.search(sentence)
        factor = 3.0 if title else 0.25 if threat else 1.0
        for kind, patterns in _COMPILED.items():
            for pattern, weight in patterns:
                hits = len(pattern.findall(sentence))
                if hits:
                    scores[kind] += factor * weight * min(hits, 2)
    kind = _rank(scores)
    ordered = sorted(scores.values(), reverse=True)
    best = scores.get(kind, 0.0)
    runner_up = max((v for k, v in scores.items() if k != kind), default=0.0)
    if kind == "other":
        confidence = 0.5 if ordered[0] < 3 else 0.3
    else:
        margin = (best - runner_up) / max(best, 1.0)
        confidence = min(1.0, 0.45 + 0.35 * min(best / 12.0, 1.0) + 0.3 * max(margin, 0.0))
    return KindResult(kind, round(confidence, 2), scores)


def _rank(scores: dict[str, float]) -> str:
    urgent = max(URGENT_KINDS, key=lambda k: scores[k])
    if scores[urgent] >= 8:
        return urgent
    topic = max(_TOPIC_KINDS, key=lambda k: scores[k])
    if scores[topic] >= 6:
        return topic
    if scores["sommatie"] >= 6:
        return "sommatie"
    if scores["aanmaning"] >= 4:
        return "aanmaning"
    candidates = {k: v for k, v in scores.items() if v >= 4}
    return max(candidates, key=lambda k: candidates[k]) if candidates else "other"


_SENDER_PATTERNS: dict[str, list[tuple[str, float]]] = {
    "cjib": [(r"\bcjib\b|centraal\s+justitieel\s+incassobureau", 10)],
    "duo": [(r"\bduo\b|dienst\s+uitvoering\s+onderwijs", 10)],
    "cak": [(r"\bcak\b|centraal\s+administratie\s*kantoor", 10)],
    "belastingdienst": [(r"belastingdienst|dienst\s+toeslagen|\btoeslagen\b", 8)],
    "deurwaarder": [
        (
            r"gerechtsdeurwaarder\w*|deurwaarder\w*|\bexploot\b|\bexploit\b|\bflanderijn\b|\bggn\b",
            7,
        ),
        (r"\bten\s+verzoeke\s+van\b|\bbetekend\b|\bbetekening\b|kandidaat[- ]deurwaarder", 3),
    ],
    "incassobureau": [
        (
            r"incasso\s*bureau|incasso\w*|\bcollect\w*|credit\s*management|debiteurenbeheer|\bintrum\b|\blowell\b|\bgroenestein\b|\bcoeo\b|\bcannock\b|\bvesting\s+finance\b|\bhoist\b|\bebh\b",
            6,
        ),
    ],
    "gemeente": [
        (
            r"\bgemeente\b|college\s+van\s+burgemeester|sociale\s+dienst|werk\s+en\s+inkomen|\bparticipatiewet\b|\bsociaal\s+domein\b|\bkredietbank\b",
            6,
        ),
    ],
    "zorgverzekeraar": [
        (
            r"zorgverzeker\w+|\bzilveren\s+kruis\b|\bvgz\b|\bmenzis\b|\bdsw\b|\bonvz\b|\bzorg\s+en\s+zekerheid\b|\bunivé\b|\bunive\b|\bfbto\b|\bditzo\b|\bizz\b|\bohra\b|\bde\s+friesland\b|\bsalland\b|\bpnoz\b|\beno\b|\binterpolis\b|\bstad\s+holland\b|\bzekur\b|\bcz\b|\bziekenfonds\b|\bverzekerde\b",
            6,
        ),
    ],
    "waterbedrijf": [
        (
            r"waterbedrijf|drinkwater\w*|\bwaterleiding\w*|\bvitens\b|\bevides\b|\bbrabant\s+water\b|\bwml\b|\bpwn\b|\bdunea\b|\bwaternet\b|\boasen\b|\bwmd\b|\bwaterbedrijf\s+groningen\b|\bwater\b",
            5,
        ),
    ],
    "energiebedrijf": [
        (
            r"energie\w*|\beneco\b|\bvattenfall\b|\bessent\b|\bgreenchoice\b|\bengie\b|\bvandebron\b|\boxxio\b|\bnle\b|\belektriciteit\b|\bstroom\w*|\bgas\b|\bkwh\b|\bwarmte\b|\bstadsverwarming\b",
            4,
        ),
    ],
    "verhuurder": [
        (
            r"woningcorporatie|woning\w*stichting|woonstichting|woningbouw\w*|\bwonen\b|\bwoon\w+|\bverhuur\w*|vastgoed|\bstaedion\b|\bymere\b|\beigen\s+haard\b|\bportaal\b|\bde\s+alliantie\b|\bmitros\b|\bhavensteder\b|\bwoonbron\b|\bparteon\b|\bstadgenoot\b|\brochdale\b|\bvidomes\b|\btalis\b|\blefier\b|\bwoonbedrijf\b|\bwoonzorg\b|\bwooncorporatie\b|\bhuisvesting\b|\bhuurder\w*\b|\bhuurovereenkomst\b",
            4,
        ),
    ],
}
_SENDER_COMPILED = {
    kind: [(re.compile(p, re.IGNORECASE), w) for p, w in patterns]
    for kind, patterns in _SENDER_PATTERNS.items()
}
# the creditor a bailiff or collection agency works for is named, but did not write the letter
_ON_BEHALF = re.compile(
    r"(?:eiser(?:es)?\s*:|namens|in\s+opdracht\s+van|ten\s+verzoeke\s+van|opdrachtgever\w*|uw\s+schuldeiser|cliënte?|client(?:e)?|ingeschakeld\s+door|vordering\s+van)\s*:?\s*(.{0,60})",
    re.IGNORECASE,
)
_ORG_MARK = re.compile(
    r"\b(?:B\.?\s?V\.?|N\.?\s?V\.?|V\.O\.F\.?|Gemeente\s+[A-Z]\w+|Belastingdienst\w*|CJIB|"
    r"Centraal\s+Justitieel\s+Incassobureau|DUO|Dienst\s+Uitvoering\s+Onderwijs|CAK|"
    r"\w*[Dd]eurwaarder\w*|\w*[Ii]ncasso\w*|[Ww]oning\w*|\w*[Ww]onen\b|[Ww]oon\w+|\w*[Ww]ater\w*|"
    r"\w*[Ee]nergie\w*|[Zz]org\w*|[Ss]tichting|[Aa]dvocaten|Toeslagen|Kredietbank|\w*[Vv]erzeker\w*|"
    r"[Vv]astgoed|Collect\w*|Intrum|Vattenfall|Eneco|Essent|Vitens|Evides|Zilveren\s+Kruis|Menzis|VGZ|CZ|"
    r"\w*[Zz]iekenhuis\w*|Zorggroep|Apotheek|\w*[Bb]ank\b|Mobiel|Telecom|\w*[Bb]ureau|\w*[Kk]antoor|"
    r"Groep|Services|Dienst\w*|Rechtbank|Hogeschool|Universiteit|Holding)\b"
)
_NOT_ORG = re.compile(
    r"\b\d{4}\s?[A-Z]{2}\b|postbus|telefoon|tel\.|www\.|@|\bdhr\b|\bmevr\b|de\s+heer|mevrouw|"
    r"t\.a\.v|\bkvk\b|\biban\b|\bbic\b|datum|kenmerk|betreft|onderwerp|pagina|\bstraat\b|\bweg\s+\d|"
    r"eiser|opdrachtgever|schuldeiser|inzake|namens|cli[eë]nt|kosten|nummer|\bnr\b|\buw\b|\bu\b|:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SenderResult:
    """Who wrote the letter."""

    kind: str
    name: str | None
    confidence: float


_CLOSING = re.compile(
    r"^\s*(?:met\s+vriendelijke\s+groet\w*|hoogachtend|vriendelijke\s+groet\w*|groet)", re.I
)


def _zone_weights(lines: list[Line]) -> list[float]:
    """Letterhead 3, signature 2.5, footer 1.5, body 0.5 (the body names other parties)."""
    last_page = lines[-1].page
    weights = []
    signature_left = 0
    for line in lines:
        if _CLOSING.match(line.text):
            signature_left = 4
            weights.append(0.5)
            continue
        if line.page == 0 and line.top < 0.28:
            weights.append(3.0)
        elif signature_left > 0:
            weights.append(2.5)
        elif line.page == last_page and line.top > 0.9:
            weights.append(1.5)
        else:
            weights.append(0.5)
        signature_left -= 1
    return weights


def find_sender(lines: list[Line], kind: str) -> SenderResult:
    """The sender's kind and name, from the letterhead first, then signature and footer."""
    if not lines:
        return SenderResult("other", None, 0.0)
    scores = dict.fromkeys(_SENDER_PATTERNS, 0.0)
    for line, weight in zip(lines, _zone_weights(lines), strict=True):
        text = line.text
        behalf = _ON_BEHALF.search(text)
        if behalf:
            text = text[: behalf.start()] + " " + text[behalf.end() :]
        text = re.sub(r"centraal\s+justitieel\s+incassobureau", "CJIB", text, flags=re.I)
        for sender_kind, patterns in _SENDER_COMPILED.items():
            for pattern, w in patterns:
                if pattern.search(text):
                    scores[sender_kind] += weight * w
    # the letter's kind is evidence too: a summons comes from a bailiff, a CJIB letter from the CJIB
    hint = {
        "dagvaarding": "deurwaarder", "beslag": "deurwaarder", "ontruiming": "deurwaarder",
        "cjib": "cjib", "studieschuld": "duo", "terugvordering_toeslag": "belastingdienst",
        "terugvordering_bijstand": "gemeente", "huurachterstand": "verhuurder",
    }.get(kind)  # fmt: skip
    if hint:
        scores[hint] += 6
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 6:
        sender_kind, confidence = "other", 0.3
    else:
        ordered = sorted(scores.values(), reverse=True)
        margin = (ordered[0] - ordered[1]) / ordered[0]
        sender_kind, confidence = best, round(min(1.0, 0.5 + 0.5 * margin), 2)
    return SenderResult(sender_kind, sender_name(lines, sender_kind), confidence)


_FIXED_NAMES = {
    "cjib": "Centraal Justitieel Incassobureau (CJIB)",
    "duo": "DUO",
    "cak": "CAK",
    "belastingdienst": "Belastingdienst",
}


def sender_name(lines: list[Line], sender_kind: str) -> str | None:
    """The organisation's name as printed in the letterhead, the signature or the footer."""
    head: list[Line] = []
    for line in lines:
        if (
            line.page != 0
            or line.top > 0.4
            or _OPENING.match(line.text)
            or _SUBJECT.match(line.text)
        ):
            break
        head.append(line)
    signature: list[Line] = []
    for i, line in enumerate(lines):
        if _CLOSING.match(line.text):
            signature = lines[i + 1 : i + 5]
    footer = [line for line in lines if line.page == lines[-1].page and line.top > 0.9]
    own = _SENDER_COMPILED.get(sender_kind, [])
    for zone in (head, signature, footer):
        candidates = []
        for line in zone:
            for part in re.split(r"\s{3,}|\s\|\s|\s·\s", line.text):
                part = part.strip(" ,:;-|")
                if not part or _NOT_ORG.search(part) or len(part.split()) > 7:
                    continue
                if _ORG_MARK.search(part) and not re.search(r"\d{3,}", part):
                    candidates.append(_tidy(part))
        for candidate in candidates:
            if any(pattern.search(candidate) for pattern, _ in own):
                return candidate
        if candidates:
            return candidates[0]
    fixed = _FIXED_NAMES.get(sender_kind)
    if fixed:
        return fixed
    # a letterhead without a telling word: its first line that is not an address or a person
    for line in head[:3]:
        part = re.split(r"\s{3,}", line.text)[0].strip(" ,:;-|")
        if (
            2 <= len(part) <= 60
            and len(part.split()) <= 6
            and not re.search(r"\d", part)
            and not _NOT_ORG.search(part)
            and not _PERSON.match(part)
            and part[:1].isupper()
        ):
            return _tidy(part)
    return None


_PERSON = re.compile(r"^(?:dhr|mevr|mw|de\s+heer|mevrouw|aan|t\.a\.v)\b", re.I)


def _split_glued(match: re.Match[str]) -> str:
    """OCR glues words of a letterhead: "VanLeeuwenIncasso" becomes "Van Leeuwen Incasso"."""
    word = match.group(0)
    bounds = len(re.findall(r"[a-z][A-Z]", word))
    if bounds >= 2 or (bounds == 1 and len(word) >= 14):
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", word)
    return word


_OPENING = re.compile(r"^\s*(?:geachte|beste|betreft|onderwerp|inzake|l\.s\.|heden)\b", re.I)


def _tidy(name: str) -> str:
    name = re.sub(r"\s*&\s*", " & ", name)
    name = re.sub(r"\b[A-Z]\w+\b", _split_glued, name)
    name = re.sub(r"^(?:met\s+vriendelijke\s+groet\w*|namens)\s*,?\s*", "", name, flags=re.I)
    return re.sub(r"\s+", " ", name).strip()
