"""The safety layer's rules: is a message a crisis, how sure are we, and which kind is it.

Standard library only, so Rasa's NLU component (Python 3.10) and the gateway (Python 3.11) screen
with the very same rules. Tuned for recall first: a missed crisis can cost a life, a false alarm
costs one extra line. Where unsure (a figure of speech, a negation, a general question) the tier
is *possible*: the topic answer plus one gentle line with 113 and 112. See docs/safety.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

NONE, POSSIBLE, CERTAIN = "none", "possible", "certain"
TIERS = (NONE, POSSIBLE, CERTAIN)
SUICIDE, LOAN_SHARK, VIOLENCE, HOMELESS, NO_FOOD = (
    "suicide",
    "loan_shark",
    "violence",
    "homeless",
    "no_food",
)
# When one message shows several kinds, the first in this order decides the answer: the answer
# for suicidal thoughts also names 112; a threatening lender is more specific than "a threat".
KINDS = (SUICIDE, LOAN_SHARK, VIOLENCE, HOMELESS, NO_FOOD)
CRISIS_INTENT = "crisis"

# The classifier (DIET) never makes a message *certain*, alone or with a hint of the rules: its
# crisis confidence is not graded (1.0 for "mijn telefoon is dood" and for "ik hou het zo niet
# vol" alike, measured on tests/safety/data/, see docs/safety.md), so only the rules decide
# *certain*. When it ranks `crisis` first with at least CLASSIFIER_POSSIBLE and the rules found
# nothing, the message gets the *possible* tier: the gentle line, never a missed hint.
CLASSIFIER_POSSIBLE = 0.5


@dataclass(frozen=True)
class Assessment:
    """The outcome of screening one message.

    Attributes:
        tier: ``none``, ``possible`` or ``certain``.
        kind: one of ``KINDS`` when known, else None.
        rule: the name of the rule that decided (for tests and analysis; never message text).
    """

    tier: str = NONE
    kind: str | None = None
    rule: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The form Rasa's parse carries as ``"safety"``."""
        return {"tier": self.tier, "kind": self.kind}


# --- normalisation --------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CONTRACTIONS = (
    (re.compile(r"\bm'n\b"), "mijn"),
    (re.compile(r"\bz'n\b"), "zijn"),
    (re.compile(r"\bd'r\b"), "haar"),
    (re.compile(r"(?:^|(?<=\s))'t\b"), "het"),
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\bi've\b"), "i have"),
    (re.compile(r"\b(\w+)n't\b"), r"\1nt"),
)
_TOKEN_MAP = {
    "mn": "mijn",
    "mijne": "mijn",
    "zn": "zijn",
    "k": "ik",
    "ikke": "ik",
    "kwil": "ik wil",
    "kweet": "ik weet",
    "kben": "ik ben",
    "kan't": "kan niet",
    "nie": "niet",
    "ni": "niet",
    "nit": "niet",
    "neit": "niet",
    "nied": "niet",
    "et": "het",
    "t": "het",
    "ut": "het",
    "da": "dat",
    "ff": "even",
    "zitte": "zitten",
    "leve": "leven",
    "lefen": "leven",
    "doot": "dood",
    "dooi": "dood",
    "wl": "wil",
    "mer": "meer",
    "gn": "geen",
    "nix": "niks",
    "hep": "heb",
    "kinders": "kinderen",
    "kindere": "kinderen",
    "kinderren": "kinderen",
    "vanacht": "vannacht",
    "vannag": "vannacht",
    "vanavont": "vanavond",
    "vandaach": "vandaag",
    "im": "i am",
    "ive": "i have",
    "selfmoord": "zelfmoord",
    "zelmoord": "zelfmoord",
    "suiside": "suicide",
    "mezelve": "mezelf",
}
# Long key words whose typos (one letter off or two swapped) are corrected before matching.
_FUZZY_WORDS = (
    "zelfmoord",
    "zelfdoding",
    "suicidaal",
    "suicidale",
    "levensmoe",
    "mishandeld",
    "mishandelt",
    "gewelddadig",
    "agressief",
    "bedreigd",
    "bedreigt",
    "gedreigd",
    "woekeraar",
    "geldschieter",
    "nachtopvang",
    "daklozenopvang",
    "vannacht",
    "vanavond",
    "ontruimd",
    "overdosis",
    "afscheidsbrief",
    "gechanteerd",
    "uitzichtloos",
    "wanhopig",
    "hopeloos",
    "opgehangen",
    "ophangen",
    "buitengezet",
    "huiselijk",
    "vermoorden",
    "vermoordt",
)
_COMPOUND_HEADS = ("zelfmoord", "zelfdoding")
_PUNCTUATION = re.compile(r"[.!?;:,()\[\]{}\"/\\|\u2026\n\r\t*_+=<>~^-]+")
_OTHER = re.compile(r"[^a-z0-9 .]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")

# Figures of speech with "dood"/"zelfmoord" that only intensify, masked before matching.
_IDIOMS = re.compile(
    r"\b(?:schrok|schrik|schrikken|schrokken|schaam|schaamde|schamen|lach|lachte|lachen|"
    r"verveel|verveelde|vervelen|erger|ergerde|ergeren|werk|werkte|werken|zoek|zocht|zoeken|"
    r"maak|maakte|wachten|wacht|betaal|betaalde|betalen|zweet|zweette)"
    r" (?:me|mij|mezelf|ons|je|zich|hem|haar|jezelf)(?: [a-z0-9]+){0,2} dood\b"
    r"|\bdood (?:moe|op|ziek|ongerust|eng|simpel|normaal|stil|leuk|zonde|serieus|saai|bang|graag)\b"
    r"|\bzelfmoord(?:actie|acties|missie|missies|opdracht|rit|stunt|beleid)\b"
    r"|\bdoodsbang voor (?:de|het|die|een) (?!man|vrouw|vriend|partner|ex|vader|moeder)\w+"
)


def _distance_at_most_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one edit (or one swap of neighbours)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    """The token, or the key word it is a typo of."""
    mapped = _TOKEN_MAP.get(token)
    if mapped is not None:
        return mapped
    if len(token) < 7 or token in _FUZZY_WORDS:
        return token
    for word in _FUZZY_WORDS:
        if _distance_at_most_one(token, word):
            return word
    for head in _COMPOUND_HEADS:  # "zelfmoortgedachten", "zelfmordpoging"
        if token.startswith(head):
            return token
        for size in (len(head), len(head) - 1, len(head) + 1):
            if len(token) > size + 2 and _distance_at_most_one(token[:size], head):
                return head + token[size:]
    return token


def normalise(text: str) -> str:
    """Lowercase, no accents, chat spelling and typos of key words corrected.

    Punctuation becomes a clause mark ``" . "``, so patterns never reach across sentences.
    """
    text = unicodedata.normalize("NFKD", (text or "").translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = text.replace("'", "")
    text = re.sub(r"(?<=\d)[.,](?=\d)", "", text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", "", text)
    text = text.replace("\u20ac", " euro ")
    text = _PUNCTUATION.sub(" . ", text)
    text = _OTHER.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    tokens = [_correct(t) for t in text.split()]
    text = " ".join(tokens)
    text = re.sub(r"\b(?:me|mij) zelf\b", "mezelf", text)
    text = re.sub(r"\bzich zelf\b", "zichzelf", text)
    text = re.sub(r"\bzelf moord", "zelfmoord", text)
    text = re.sub(r"(?:\. )+", ". ", text)
    return text.strip(" .")


# --- rules ----------------------------------------------------------------------------------

W = r"[a-z0-9]+"


def _g(n: int) -> str:
    """Up to ``n`` words (never across a clause mark)."""
    return rf"(?:{W} ){{0,{n}}}"


G1, G2, G3, G4, G5 = (_g(n) for n in range(1, 6))
NOW = (
    r"(?:vannacht|vanavond|vandaag|nu|meteen|morgen|vanochtend|vanmorgen|vanmiddag|deze nacht|"
    r"sinds gisteren|gisteren|net|zojuist|tonight|today|now|al (?:[a-z0-9]+ ){0,2}"
    r"(?:dagen|nachten|weken|dag|nacht))"
)
KIDS = (
    r"(?:kinderen|kids|kindjes|kindje|kind|zoon|zoontje|dochter|dochtertje|baby|babys|jongens|"
    r"meiden|kleintjes|gezin)"
)
PERSON = (
    r"(?:man|vrouw|vriend|vriendin|vriendje|partner|ex|exman|exvrouw|echtgenoot|echtgenote|"
    r"vader|moeder|stiefvader|stiefmoeder|zoon|dochter|broer|zus|schoonvader|schoonmoeder|"
    r"schoonfamilie|familie|vent|hij|hem|oom|tante|neef|huisgenoot|husband|wife|boyfriend|iemand|"
    r"schoonzoon|schoondochter|kleinzoon|kleindochter|stiefzoon|stiefdochter|buurman|"
    r"girlfriend)"
)
INSTITUTION = (
    r"(?:gemeente|belastingdienst|toeslagen|uwv|svb|bank|deurwaarder|incasso\w*|bewindvoerder|"
    r"werkgever|cjib|duo|cak|verhuurder|woningcorporatie|woningbouw|energie\w*|"
    r"zorgverzekeraar|schuldeiser\w*|kredietbank|schuldhulp\w*)"
)
REFLEXIVE = r"(?:mezelf|mijzelf|zichzelf|hemzelf|haarzelf|myself)"
LENDER = (
    r"(?:woekeraar\w*|geldschieter\w*|geldlener\w*|illegale? (?:lening|geldlener|lener)|"
    r"zwart (?:geld )?geleend|"
    r"geleend (?:van|bij) (?:een|iemand|zon|die|mensen|foute|een paar|jongens|gasten|"
    r"criminelen|een kennis)|(?:van|bij) (?:iemand|een man|een vent|een gast|een kennis|zon gast|"
    r"mensen|jongens) (?:{G2})?geleend|waar (?:ik|we) {G2}(?:aan )?schuldig|"
    r"van wie (?:ik|we|hij|ze|mijn \w+) {G2}(?:geleend|leende|leenden|leen)|waar (?:ik|we) {G2}"
    r"van {G2}(?:geleend|leende|leen)|"
    r"geld dat (?:ik|we) {G2}geleend|heeft me geld geleend|hebben me geld geleend|"
    r"leende \d+ (?:euro )?(?:van|bij)|criminele|onderwereld|foute mensen|"
    r"dat (?:ik|we) {G2}geleend heb\w*|(?:drugs)?dealer\w*|die (?:mij|me|ons) (?:\w+ )?geld "
    r"(?:heeft )?(?:leende|geleend)|leende (?:me|mij|ons) geld|eist {G2}geld terug|"
    r"rente {G2}(?:per|elke|iedere) (?:week|dag)|pay (?:it |him |them )?back|lent me|"
    r"(?:gasten|mannen|jongens|types|lui|mensen|gast|man|vent) van (?:de|die|het) (?:lening|geld)|"
    r"borrowed|loan shark)"
)
# Owing someone, without saying who: a lender only together with a violent threat.
LENDER_WEAK = (
    r"(?:heb (?:ze|hem|haar) nog \d+|(?:nog )?geld (?:aan )?schuldig|schuld bij (?:hem|ze|die)|"
    r"schuldig (?:ben|was|bent))"
)
THREAT = (
    r"(?:dreig\w*|bedreig\w*|gedreigd|komen (?:me|mij|ons) halen|(?:weten|weet) waar (?:ik|we) "
    r"(?:woon|wonen)|(?:staat|staan|stond|stonden) (?:[a-z0-9]+ ){0,3}voor (?:mijn|de|onze) "
    r"deur|in elkaar|knie\w*|kapot|pijn doen|iets aan(?: te)? ?doen|wat (?:ga |gaat )?meemaken|"
    r"iets (?:ga |gaat )?meemaken|weten te vinden|weet te vinden|zoeken (?:me|mij|ons)|"
    r"langs ?komt|langskomen|komt langs|fotos van mijn huis|in brand|vermoord\w*|gezicht|"
    r"threat\w*|hurt|durf niet|(?:ga|gaat|zal|gaan|zult) (?:het )?merken|(?:aan|bij) (?:de|mijn) deur|"
    r"(?:komt|komen) (?:me|mij|ons) {G1}halen|(?:me|mij|ons) (?:komt|komen|gaat|gaan) halen|"
    r"opzoeken|weet (?:op )?welke school|weet waar (?:mijn|de) kinderen|(?:staan|staat|stond) "
    r"(?:[a-z0-9]+ ){0,2}(?:bij|voor) (?:mijn|ons) huis|doen (?:ze|hij) (?:me|mij|ons) (?:iets|wat)|"
    r"(?:me|mij) (?:iets|wat) (?:aan )?doen|anders gebeurt er (?:wat|iets)|gevolgd|achtervolgd|"
    r"ingegooid|vernield|bekrast|kapotgemaakt|iets aan ?doe\w*|wat aan ?doe\w*|(?:ga|gaat|zal|"
    r"gaan) (?:het )?voelen)"
)
# Violent threats only (a weak lender needs one of these, not a letter that "threatens").
THREAT_VIOLENT = (
    r"(?:in elkaar|knie\w*|kapot (?:maken|te maken)|maken (?:me|ons) kapot|pijn doen|iets aan(?: te)? "
    r"?doen|vermoord\w*|in brand|ingegooid|vernield|bekrast|gezicht|lichaam|weten waar (?:ik|we) "
    r"(?:woon|wonen)|komen (?:me|mij|ons) halen|(?:me|mij|ons) (?:komt|komen) halen|"
    r"(?:me|mij) kapot maakt|iets aan ?doe\w*)"
)


@dataclass(frozen=True)
class Rule:
    """One rule: a pattern on the normalised text, the tier and kind it gives.

    ``requires`` must also match somewhere in the text (else the rule does not apply); when
    ``unless`` matches the rule gives ``otherwise`` instead of ``tier``; when the match is negated
    (``negatable``: ``before`` or ``around`` the match) it gives *possible*.
    """

    name: str
    kind: str | None
    tier: str
    pattern: re.Pattern[str]
    negatable: str = ""
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    otherwise: str = POSSIBLE


_FRAGMENTS = {
    "{LENDER_WEAK}": LENDER_WEAK,
    "{LENDER}": LENDER,
    "{THREAT_VIOLENT}": THREAT_VIOLENT,
    "{THREAT}": THREAT,
    "{NOW}": NOW,
    "{KIDS}": KIDS,
    "{PERSON}": PERSON,
    "{INSTITUTION}": INSTITUTION,
    "{REFLEXIVE}": REFLEXIVE,
    "{G1}": G1,
    "{G2}": G2,
    "{G3}": G3,
    "{G4}": G4,
    "{G5}": G5,
    "{W}": W,
}


def _re(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` after filling in the named fragments ({NOW}, {G2}, ...)."""
    for name, fragment in _FRAGMENTS.items():
        pattern = pattern.replace(name, fragment)
    if "{" in pattern.replace("{0,", ""):
        raise ValueError(f"unknown fragment in {pattern[:60]}")
    return re.compile(pattern)


def _rule(
    name: str,
    kind: str | None,
    tier: str,
    pattern: str,
    *,
    negatable: str = "",
    requires: str | None = None,
    unless: str | None = None,
    otherwise: str = POSSIBLE,
) -> Rule:
    return Rule(
        name,
        kind,
        tier,
        _re(pattern),
        negatable,
        _re(requires) if requires else None,
        _re(unless) if unless else None,
        otherwise,
    )


C, P = CERTAIN, POSSIBLE
# Negation: NO = not checked; BEFORE = a negation in the three words before the match ("ik ben
# nog niet dakloos"); AROUND = also inside the match ("ik wil niet dood").
NO, BEFORE, AROUND = "", "before", "around"
_PERSONAL_ACTOR = r"\b{PERSON}\b"
_NO_CONSENT = (
    r"\b(?:zonder (?:dat ik|mijn|toestemming|te vragen|het te vragen)|stiekem|achter mijn rug|"
    r"dwingt|dwong|gedwongen|boos|agressief|moest|bang|durf|dreig\w*|bedreig\w*)"
)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule, built once on first use (never at import)."""
    return (
        # --- suicidal thoughts, self-harm ---------------------------------------------------
        _rule(
            "suicide_word",
            SUICIDE,
            C,
            r"\b(?:zelfmoord\w*|zelfdoding\w*|su[iy][cs]id\w*|suisid\w*|zelfbeschadiging|"
            r"automutilatie|zelfverwonding|self ?harm\w*)",
            negatable=AROUND,
            unless=r"\bzelfmoord (?:gepleegd|heeft gepleegd)|\bpleegde zelfmoord|"
            r"\bdoor zelfmoord (?:overleden|verloren|gestorven)|\b(?:hoe vaak|hoeveel mensen|"
            r"cijfers|statistiek\w*|onderzoek|percentage)\b",
        ),
        _rule(
            "wish_dead",
            SUICIDE,
            C,
            r"\b(?:wil|wilde|wou|willen|wens|wenste) {G4}(?:dood|doodgaan|dood gaan|sterven|"
            r"overlijden)\b|\bdood (?:wil|wilde|willen|wou|wilt)\b|\bals ik (?:er )?(?:dood|weg) "
            r"(?:ben|was|zou zijn|zijn)\b|\bdood (?:zijn|wezen|gaan) {G2}(?:beter|fijner|"
            r"makkelijker|rustiger|een oplossing)\b",
            negatable=AROUND,
        ),
        _rule(
            "rather_dead",
            SUICIDE,
            C,
            r"\b(?:was|ben|waren|lag) (?:ik |we )?maar dood\b|\bliever dood\b|"
            r"\bbeter (?:af )?dood\b|\bdood ?gaan {G2}beter\b|\bom dood te gaan\b|"
            r"\b(?:over|aan) (?:doodgaan|dood gaan|dood willen|sterven)\b|"
            r"\bdenk\w* {G3}aan (?:doodgaan|dood gaan|sterven|de dood)\b|\baan (?:de dood|doodgaan|"
            r"dood gaan|sterven) {G1}(?:denk|denkt|dacht|te denken)\b|\b(?:dood|sterven|overlijden|"
            r"dood gaan|doodgaan) {G3}(?:van|door|met) (?:{W} )?(?:pillen|medicijnen|tabletten|"
            r"slaappillen|paracetamol|pijnstillers|gas)\b|\bhoeveel (?:pillen|tabletten|medicijnen|"
            r"paracetamol|slaappillen) {G4}(?:dood|dodelijk|overlijden|sterven)\b",
            negatable=AROUND,
        ),
        _rule(
            "not_live",
            SUICIDE,
            C,
            r"\b(?:wil|wilde|wou|willen|hoef|hoeft|kan|kun|zie|zou)\w* {G4}niet meer "
            r"(?:(?!zo\b){W} )?(?:leven|bestaan|verder ?leven|doorleven)\b"
            r"(?! (?:van|zoals|zo|op|onder|als)\b)|\bniet meer (?:wil|wilt|willen|hoef|kan) "
            r"(?:leven|bestaan)\b|(?:^|\. )(?:ik )?(?:niet|nooit) meer (?:willen )?(?:leven|"
            r"bestaan)(?= \.|$)|"
            # "hoeven te leven" is about living at all: "zo" after it does not make it milder
            r"\bhoef\w* {G2}niet meer te (?:leven|bestaan)\b(?! (?:van|op|onder|als)\b)",
        ),
        _rule(
            "not_there",
            SUICIDE,
            C,
            r"\ber {G2}niet meer (?:(?:willen|wil|wilt|wilde|wou|kunnen|kan|kon|hoeven|hoef|echt|zo|"
            r"graag|beter|hier|gewoon|langer) )?(?:zijn|wezen|zou zijn|ben|was|te zijn)\b",
        ),
        _rule(
            "better_off",
            SUICIDE,
            C,
            r"\bbeter af {G4}(?:zonder (?:mij|me)\b|als ik er niet (?:meer )?(?:ben|was|zou zijn)|"
            r"als ik (?:weg|dood) (?:ben|was))|\bzonder (?:mij|me) {G2}beter af\b|"
            r"\bbetter off without me\b|\bzonder (?:mij|me) {G4}(?:beter|makkelijker|gelukkiger)\b|"
            r"\bbeter af zonder (?:hun|hen|haar|zijn|hem|onze) "
            r"(?:moeder|vader|mama|papa|mam|pap|ouders)\b",
        ),
        _rule(
            "nobody_misses",
            SUICIDE,
            C,
            r"\bniemand (?:zou|zal|gaat) {G2}(?:me|mij) {G1}missen\b|\bniemand mist (?:me|mij)\b|"
            r"\bniemand (?:me|mij) {G1}(?:zou|zal|gaat) {G1}missen\b",
        ),
        _rule(
            "burden",
            SUICIDE,
            C,
            r"\bben {G2}(?:alleen maar|enkel|maar|gewoon) (?:een )?last\b|"
            r"\bben iedereen (?:alleen maar )?(?:tot )?(?:een )?last\b",
        ),
        _rule(
            "burden_possible", SUICIDE, P, r"\btot last\b|\bnergens (?:meer )?(?:plezier|zin) in\b"
        ),
        _rule(
            "step_out",
            SUICIDE,
            C,
            r"\b(?:manier|plan|plannen|hoe ik|methode) {G3}(?:er ?uit|ertussenuit) (?:te )?(?:stappen|"
            r"stap|gaan)\b",
        ),
        _rule(
            "life_and_despair",
            SUICIDE,
            P,
            r"\b(?:niet meer|nooit meer|geen zin|geen nut|waarom|klaar|moe|zat|hoeft niet|liever|"
            r"liefst|wou dat|was ik maar|opgeven|op geven) {G5}(?:leven|bestaan|dood|doodgaan|"
            r"sterven|wakker)\b|\b(?:leven|bestaan|dood|doodgaan|sterven) {G5}(?:niet meer|nooit "
            r"meer|geen zin|geen nut|klaar|zat|hoeft niet|opgeven)\b",
            unless=r"\b(?:leven|leef) van\b|\bis dood\b|\bdood van (?:mijn|de|haar|zijn)\b",
            otherwise=NONE,
        ),
        _rule(
            "suicide_lexicon",
            SUICIDE,
            P,
            r"\b(?:er ?uit|ertussenuit) (?:te )?stappen\b|\bafscheid {G2}(?:genomen|nemen|neem)\b"
            r"(?! van (?:mijn|de|het|ons|onze) (?!kinderen|familie|ouders|vrienden))|"
            r"\btestament\b|\b(?:slaap)?pillen {G2}(?:geslikt|ingenomen|genomen)\b|\bdoden\b|"
            r"\bsterven\b|\bniet meer (?:verder|doorgaan)\b|\bwil {G2}verdwijnen\b|\bophouden\b|"
            r"\bzinloos\b",
        ),
        _rule(
            "end_life",
            SUICIDE,
            C,
            r"\b(?:eind|einde|end) (?:aan|van) (?:mijn|zijn|haar|het|dit|ons) leven\b|"
            r"\b(?:eind|einde) aan (?:alles|het allemaal)\b|\bstoppen met (?:het |mijn )?leven\b|"
            r"\bklaar met (?:het |mijn |dit )?leven\b|\b(?:het |dit )?leven (?:moe|zat|beu)\b|"
            r"\bmoe van (?:het |dit |mijn )?leven\b|\b(?:opgeven|opgegeven|geef het op) (?:\. )?"
            r"(?:het |mijn )?leven\b|\b(?:hou|houd) (?:dit |het |mijn )?leven {G2}niet (?:meer )?"
            r"vol\b|\b(?:stoppen|ophouden|kappen|weg|slapen) (?:\. )?(?:voorgoed|voor altijd)\b|"
            r"\b(?:voorgoed|voor altijd) (?:\. )?{G1}(?:stoppen|ophouden|weg|slapen|gaan)\b|"
            r"\bklaar mee (?:\. )?met (?:het|mijn|dit) "
            r"leven\b|\b(?:het|mijn) leven (?:meer dan )?zat\b|\blevensmoe\w*|"
            r"\buit het leven (?:te )?(?:stappen|stap|gaan|treden)\b|"
            r"\bvan (?:het|t) leven {G1}(?:te )?(?:beroven|beroofd|beroof)\b|"
            r"\bvan kant {G1}(?:te )?(?:maken|gemaakt|maak)\b",
            negatable=AROUND,
        ),
        _rule(
            "end_it",
            SUICIDE,
            C,
            r"\ber {G2}(?:een |n )?(?:eind|einde|eindje) aan {G1}(?:maken|maak|maakt|gemaakt|"
            r"te maken)\b",
            negatable=AROUND,
            unless=r"\baan (?:die|de|mijn|het|dat|deze|dit) {W} ?(?:{W} )?(?:bedoel|hoor)|"
            r"\baan (?:die|de|mijn|het|dat|deze|dit) \w*(?:schuld|lening|abonnement|rekening|"
            r"contract|situatie|relatie|baan|ellende)\w*",
        ),
        _rule(
            "full_stop",
            SUICIDE,
            C,
            r"\ber {G2}(?:een )?punt achter {G1}(?:zetten|zet|gezet|te zetten)\b|\bhet mag (?:van "
            r"mij|voor mij) {G2}(?:ophouden|stoppen|over zijn|voorbij zijn)\b",
            negatable=AROUND,
            unless=r"\bpunt achter (?:mijn|de|die|het|dat|deze|dit) ",
        ),
        _rule(
            "no_meaning",
            SUICIDE,
            C,
            r"\b(?:wat|waarom) {G3}(?:leven|bestaan) {G2}(?:voor )?(?:zin|nut)\b|"
            r"\bleven {G4}(?:geen|weinig) zin\b|\b(?:wat|welk|welke) (?:voor )?(?:zin|nut) {G4}"
            r"(?:leven|bestaan)\b|\b(?:geen|nergens) (?:meer )?plezier\b.*\bleven\b|\bgeen zin (?:meer )?in (?:het|mijn|dit) leven\b|"
            r"\bnut (?:van|om) {G1}(?:leven|te leven|doorgaan|door te gaan|verder te gaan)\b|"
            r"\bleven {G3}(?:niks|niets) (?:meer )?(?:voor|waard)\b|\bwaarom (?:leef|besta) ik "
            r"(?:nog|eigenlijk|nog langer)\b|\bgeen zin (?:meer )?in {G2}(?:\. )?in (?:het|mijn|dit) "
            r"leven\b|\b(?:point|reason) (?:of|in|to) (?:living|live|go on|going on)\b|"
            r"\bwaarom (?:zou|moet) ik (?:nog )?(?:doorgaan|verder ?gaan|leven|door gaan|"
            r"verder leven|blijven leven|nog leven)\b|\bgeen (?:reden|zin) (?:meer )?om (?:te leven|door "
            r"te gaan|verder te gaan|nog te leven)\b|\bgeen plezier (?:meer )?in (?:het|mijn|dit) "
            r"leven\b|\bleven {G2}geen plezier\b|\b(?:leven|bestaan) {G3}(?:zinloos|nutteloos|"
            r"niks waard|niets waard|een hel|geen waarde)\b|\blife (?:has no|is) (?:meaning|point|"
            r"purpose|pointless|meaningless)\b|\bno reason to live\b",
        ),
        _rule(
            "no_waking",
            SUICIDE,
            C,
            r"\bniet meer (?:wakker|op) (?:te )?(?:worden|word|wordt)\b|\bnooit meer wakker\b",
        ),
        _rule(
            "all_stop_forever",
            SUICIDE,
            C,
            r"\b(?:wil|wens|hoop) {G3}(?:dat )?(?:het|alles) (?:allemaal )?(?:ophoudt|stopt|"
            r"voorbij is|over is) (?:\. )?(?:en )?(?:voor altijd|voorgoed|nooit meer)\b",
        ),
        _rule(
            "all_stop",
            SUICIDE,
            P,
            r"\b(?:wil|wens|hoop) {G3}(?:dat )?(?:het|alles) (?:allemaal )?(?:ophoudt|stopt|"
            r"voorbij is|over is)\b",
        ),
        _rule(
            "disappear_forever",
            SUICIDE,
            C,
            r"\b(?:verdwijnen|weggaan) {G2}(?:voor altijd|voorgoed|nooit meer terug\w*)|"
            r"\bwil {G2}verdwijnen(?= \.|$)",
        ),
        _rule(
            "want_no_more",
            SUICIDE,
            C,
            r"\bik (?:{W} )?wil (?:gewoon |echt |het )?niet meer(?= \.|$| en\b| ik\b| hoor\b| he\b| "
            r"joh\b| nou\b| echt\b)|"
            r"\bkan niet meer en (?:ik )?wil niet meer\b|\bwil (?:gewoon |echt )?niet meer verder"
            r"(?= \.|$| en\b| ik\b)",
        ),
        _rule(
            "needs_not_anymore",
            SUICIDE,
            C,
            r"\bhet hoeft (?:voor mij|allemaal|voor mij allemaal|allemaal voor mij|van mij) "
            r"(?:{W} )?niet meer\b|\b(?:voor|van) mij hoeft (?:het|het allemaal) {G1}niet meer\b",
        ),
        _rule(
            "despair_sit",
            SUICIDE,
            C,
            r"\bzie\w* {G3}niet meer zitten\b|\bniet meer (?:zie|ziet|zien|zag) zitten\b|"
            r"\bwaarom ik (?:nog|eigenlijk) (?:leef|besta|hier ben)\b|\b(?:geen|niet genoeg) "
            r"(?:kracht|energie|zin) (?:meer )?om {G1}door te gaan met (?:het |mijn |dit )?leven\b|"
            r"\b(?:naar|langs) het spoor\b|\bhet spoor op\b",
        ),
        _rule(
            "no_way_out",
            SUICIDE,
            C,
            r"\bgeen (?:andere )?uitweg\b",
            unless=r"\buitweg (?:meer )?uit (?:mijn|de|die|deze|het|dit) ",
        ),
        _rule(
            "method",
            SUICIDE,
            C,
            r"\b(?:alle|al mijn|een doos|een strip|een hand vol|handvol|een heleboel|veel) "
            r"pillen\b|\b(?:pillen|medicijnen|tabletten|slaappillen|pijnstillers|paracetamol) {G2}"
            r"(?:gespaard|opgespaard|verzameld|klaar|klaarliggen|klaar liggen|om in te nemen|"
            r"allemaal innemen|allemaal in|bij elkaar gelegd|bij elkaar gezocht|bij elkaar gezet)\b|\b(?:potje|pot|doos|doosje|strip|strips|handvol|hoop|stapel) {G1}"
            r"(?:slaap)?(?:pillen|tabletten|medicijnen)\b|\bpillen {G2}(?:gespaard|opgespaard|"
            r"verzameld|sparen|in te nemen|"
            r"innemen om|nemen om)\b|\bafscheid {G2}(?:genomen|nemen|neem) (?:van )?(?:iedereen|mijn "
            r"kinderen|de kinderen|mijn familie|mijn ouders|het leven)\b|\boverdos[ie]s?\b|\boverdose\b|"
            r"\b(?:het |een )?touw (?:al )?(?:gekocht|klaar|opgehangen|gehaald|ligt)\b|\bstrop\b|"
            r"\b(?:me|mij|mezelf|zich|zichzelf|hem|haar) (?:{W} ){0,2}(?:op ?hangen|ophangen|"
            r"opgehangen|verhangen|op ?knopen|opknopen|opgeknoopt)\b|"
            r"\bvoor (?:de|een) (?:trein|vrachtwagen|auto|bus|tram|metro) {G1}(?:springen|spring|gooien|"
            r"gooi|te springen|te gooien|liggen|lopen|stappen)\b|\b(?:springen|spring|gooien|"
            r"gooi|stappen|liggen) voor (?:de|een) (?:trein|vrachtwagen|bus|tram|metro)\b|\bop het spoor\b|"
            r"\b(?:heeft|hebben) (?:{W} ){0,3}(?:pillen|medicijnen|tabletten|slaappillen) geslikt\b|"
            r"\b(?:alle|al mijn|veel|te veel|een hoop|een heleboel) (?:{W} )?(?:pillen|medicijnen|"
            r"tabletten|slaappillen) (?:{W} ){0,2}(?:geslikt|ingenomen)\b|"
            r"\b(?:alle|al mijn|al de) (?:{W} )?(?:pillen|medicijnen|tabletten|slaappillen|"
            r"pijnstillers) (?:{W} ){0,4}(?:gespaard|opgespaard|verzameld|bij elkaar gelegd|"
            r"bij elkaar gezocht|bij elkaar gezet|bij elkaar gespaard)\b|"
            r"\b(?:brug|spoor|dak|flat) (?:al )?(?:opgezocht|op gezocht)\b|"
            r"\bdit (?:is|wordt) (?:{W} ){0,2}mijn laatste (?:bericht|berichtje|appje)\b|"
            r"\b(?:van|vanaf|af) (?:het|een|de|mijn|ons) (?:dak|flat|brug|balkon|gebouw|toren|"
            r"parkeergarage|viaduct|raam) {G2}(?:springen|spring|te springen|springt|gooien|af)\b|"
            r"\b(?:sta|zit|staan|ben) (?:nu |hier )?(?:op|bij) (?:de|het|een) (?:brug|dak|spoor|"
            r"rand|viaduct|balkon)\b|\bik {G2}(?:een )?mes {G1}(?:gepakt|vast|klaar|gehaald|in "
            r"mijn hand)\b|\bafscheidsbrie\w*|\bafscheidsbericht\w*",
        ),
        _rule(
            "self_harm",
            SUICIDE,
            C,
            r"\b(?:snij|snijd|snijden|kras|krassen|sneed|gesneden|bekrast|brand|verbrand) {G2}"
            r"(?:mezelf|mijzelf|zichzelf|me|zich|mijn (?:armen|arm|polsen|pols|benen|been))\b|"
            r"\b{REFLEXIVE} {G1}(?:snijden|gesneden|krassen|gekrast|verwonden|beschadigen|"
            r"pijn (?:doen|gedaan|te doen)|pijn)\b|\b(?:doe|deed|gedaan|doen|doet) {G1}{REFLEXIVE} "
            r"{G1}pijn\b|\bpols\w* (?:{W} )?\w*(?:gesneden|snijden|sneed)\b|"
            r"\b(?:{REFLEXIVE}|zich) {G2}(?:iets|wat|wat ergs|iets ergs) {G1}(?:aan ?doen|"
            r"aandoe\w*|aan te doen|aan gaat doen|aan gaan doen|aan)\b|"
            r"\bik {G2}me {G1}(?:iets|wat) {G1}(?:aan ?doe|aandoe\w*|aan ga doen|aan te doen)\b|"
            r"\b(?:{REFLEXIVE}|zich) {G1}(?:te )?(?:doden|dood (?:te )?maken|om (?:te )?brengen|"
            r"ombrengen|om het leven (?:te )?brengen)\b|\b(?:armen|arm|polsen|pols|benen|been) {G1}"
            r"\w*(?:gekrast|gesneden|krassen|snijden)\b|"
            r"\b(?:cut|cutting|hurt|hurting|kill|killing) myself\b|\bkill me\b",
            negatable=AROUND,
        ),
        _rule(
            "english_die",
            SUICIDE,
            C,
            r"\b(?:want|wanna|going|wish) (?:to )?die\b|\bend (?:my|it) (?:life|all)\b|"
            r"\bdont want to (?:live|be here|wake up)\b|\b(?:done|finished) with (?:life|living|it "
            r"all)\b|\btired of (?:living|life)\b",
            negatable=BEFORE,
        ),
        _rule(
            "helpline_113_contact",
            SUICIDE,
            C,
            r"\b113 {G2}(?:gebeld|bellen|bel|gechat|chatten|gesproken|called|call)\b|"
            r"\b(?:bel|bellen|gebeld|chat|chatten|call|called) {G2}113\b",
            unless=r"\b(?:huisnummer|nummer|nr|postcode|bus|lijn|kamer|code|artikel|euro) {G2}113"
            r"\b|\b113 (?:euro|eur|cent|procent|dagen|keer)\b|\bwat {G2}113\b",
            otherwise=POSSIBLE,
        ),
        _rule(
            "helpline_113",
            SUICIDE,
            P,
            r"\b113\b",
            unless=r"\b(?:huisnummer|nummer|nr|postcode|bus|lijn|kamer|code|artikel|euro) {G2}113"
            r"\b|\b113 (?:euro|eur|cent|procent|dagen|keer)\b",
            otherwise=NONE,
        ),
        # --- acute danger, violence at home, coercion, financial abuse ----------------------
        _rule(
            "hit",
            VIOLENCE,
            C,
            r"\b(?:slaat|sloeg|schopt|schopte|mishandelt|mishandelde|wurgt|wurgde|stompt|stompte|"
            r"trapt|trapte|duwt|duwde|knijpt|bijt|verkracht\w*|misbruikt|slaan|schoppen|hits|"
            r"hit|beats|beat|kicks|chokes) {G1}(?:me|mij|ons|(?:mijn|zijn|haar|hun|de) (?:moeder|vader|"
            r"kinderen|kind|zoon|dochter|vrouw|man|zus|broer|vriendin|vriend)|haar|hem|the kids)\b",
            negatable=AROUND,
            unless=r"\bsla\w* (?:me|mij|ons|hem|haar) over\b",
            otherwise=NONE,
        ),
        _rule(
            "hurt_passive",
            VIOLENCE,
            C,
            r"\b(?:word|wordt|werd|worden|ben|is|zijn|zit|zat) {G3}(?:mishandeld|geslagen|"
            r"geschopt|gewurgd|verkracht|misbruikt|aangerand|opgesloten|bedreigd|gestalkt|"
            r"gechanteerd|afgeperst|uitgebuit|gedwongen)\b|\b(?:heeft|hebben) (?:me|mij|haar|hem) "
            r"{G5}(?:geslagen|geschopt|gewurgd|bedreigd|verkracht|mishandeld|opgesloten|geduwd|"
            r"geknepen|pijn gedaan|getrapt|gestompt)\b|\bsluit (?:me|mij|ons|de kinderen) {G1}op\b|"
            r"\bblauw(?:e)? (?:oog|ogen|plek|plekken)\b|\b(?:gooit|gooide|smijt|smeet) {G1}met "
            r"(?:spullen|dingen|borden|stoelen|glazen)\b|\b(?:me|mij|ons) {G1}kapot (?:maakt|maken|"
            r"te maken)\b",
            negatable=AROUND,
            unless=r"\bbedreigd met (?!(?:de dood|geweld|een mes|een wapen|slaag|een pistool))",
            otherwise=NONE,
        ),
        _rule(
            "afraid_of_person",
            VIOLENCE,
            C,
            r"\b(?:doods)?bang (?:voor|van) (?:mijn |haar |zijn |die |de |onze )?(?:man|vrouw|"
            r"vriend|vriendin|partner|ex|exman|exvrouw|echtgenoot|echtgenote|vader|moeder|"
            r"stiefvader|zoon|dochter|broer|zus|vent|schoonfamilie|schoonvader|hem|haar)\b|"
            r"\b(?:scared|afraid) of (?:my|him|her)\b",
            negatable=AROUND,
        ),
        _rule(
            "afraid_possible",
            VIOLENCE,
            P,
            r"\bbang (?:voor|van) {G3}(?:man|vrouw|vriend|vriendin|partner|ex|vader|zoon|hem)\b",
        ),
        _rule(
            "unsafe",
            VIOLENCE,
            C,
            r"\b(?:niet veilig|onveilig) {G3}(?:thuis|huis|bij hem|bij haar)\b|\bthuis {G2}"
            r"(?:niet veilig|onveilig)\b|\b(?:ben|zijn|zit|zitten) {G2}in (?:gevaar|levensgevaar)"
            r"\b|\bvoel me (?:hier )?niet veilig\b|\bhuiselijk geweld\b|\bgeweld (?:thuis|in huis|"
            r"in (?:ons|mijn|het) huis|bij ons|van (?:mijn|haar|zijn))\b|\b(?:ben|zijn|voel) {G2}"
            r"(?:niet veilig|onveilig)(?= \.|$| hier| thuis| meer)|\bnot safe\b|\bdreig\w* met "
            r"(?:geweld|de dood|een mes|een wapen|slaag)\b|\bthuis geweld\b|\bdomestic (?:violence|abuse)\b|"
            r"\bgewelddadig\w*|\bloverboy\w*|\bmensenhandel\b|\buitbuiting\b|\bchantage\b|"
            r"\bchanteert\b|\bafpersing\b|\bsextortion\b|\bstalk\w*|\bblijf ?van ?mijn ?lijf",
            negatable=BEFORE,
        ),
        _rule(
            "aggressive_person",
            VIOLENCE,
            C,
            r"\b{PERSON} {G3}(?:agressief|gewelddadig)\b|\bagressief {G4}bang\b|"
            r"\b(?:wordt|werd) (?:hij|ze|zij) (?:heel )?(?:agressief)\b",
            negatable=AROUND,
        ),
        _rule("aggressive_possible", VIOLENCE, P, r"\bagressie\w*|\bgeweld\w*"),
        _rule(
            "threat_to_harm",
            VIOLENCE,
            C,
            r"\b(?:dreig\w*|gedreigd|bedreig\w*|zegt|zei|zeggen) {G3}(?:{W} )?(?:iets|wat) {G1}"
            r"(?:aan te doen|aan ?doe\w*|aan gaat doen)\b|\b(?:hij|ze|zij|die) {G2}(?:me|mij|ons|"
            r"mijn kinderen|de kinderen) {G1}(?:iets|wat) {G1}(?:aan ?doe\w*|aan te doen|aan gaat "
            r"doen)\b|\b(?:vermoordt|vermoorden|vermoord|vermoordde|doodmaken|dood maken|dood te "
            r"maken|doodslaan|dood slaan|dood te slaan|afmaken|af te maken)\b|\bin elkaar {G1}"
            r"(?:slaan|sla|slaat|geslagen|te slaan|trappen|getrapt)\b|\b(?:met|heeft|pakt|pakte|"
            r"trok|hield|houdt|has) (?:een |zijn |haar |a )?(?:mes|pistool|wapen|vuurwapen|knife|"
            r"gun)\b|\bknie\w* (?:te )?(?:breken|brak|gebroken)\b|\b(?:in brand|brand) {G1}"
            r"(?:steken|te steken|stichten)\b",
            negatable=AROUND,
            unless=r"\b(?:wil|ga|gaat) {G2}(?:mijn |de |het |die )?(?:schuld\w*|lening\w*|"
            r"abonnement\w*|contract\w*|rekening\w*) (?:af te maken|afmaken)\b",
            otherwise=NONE,
        ),
        _rule(
            "person_threatens",
            VIOLENCE,
            C,
            r"\b(?:bedreigt|bedreigde|bedreigen|dreigt|dreigde|dreigen|threatens) (?:me|mij|ons)\b",
            requires=_PERSONAL_ACTOR,
            unless=r"\b(?:dreig\w*|bedreig\w*) (?:me|mij|ons) met (?!(?:de dood|geweld|een mes|een "
            r"wapen|slaag))|\b(?:de |het )?{INSTITUTION}\b",
            otherwise=NONE,
            negatable=AROUND,
        ),
        _rule(
            "pursued",
            VIOLENCE,
            C,
            r"\b(?:zit|zitten|zat) achter (?:me|mij) aan\b|\bvolgt (?:me|mij)\b|\bgevlucht\b|"
            r"\bvluchten voor\b",
            requires=r"\b(?:{PERSON}|bang|dreig\w*|bedreig\w*|kinderen)\b",
            unless=r"\b(?:de |het )?{INSTITUTION}\b",
            otherwise=POSSIBLE,
            negatable=AROUND,
        ),
        _rule(
            "person_harms",
            VIOLENCE,
            C,
            r"\b(?:hij|ze|zij|die) (?:me|mij|ons|de kinderen) (?:wat|iets) {G1}(?:doet|doen|aandoet|"
            r"aan doet)\b|\b(?:dreigt|dreigde) dat\b",
            requires=r"\b(?:bang|dreig\w*|{PERSON})\b",
            unless=r"\b(?:de |het )?{INSTITUTION}\b",
            otherwise=NONE,
        ),
        _rule(
            "afraid_home",
            VIOLENCE,
            C,
            r"\bdurf {G2}niet (?:meer )?(?:naar huis|thuis|naar binnen)\b",
            negatable=NO,
        ),
        _rule(
            "afraid_out",
            VIOLENCE,
            P,
            r"\bdurf {G2}niet (?:meer )?(?:naar buiten|de deur uit)\b",
        ),
        _rule(
            "money_taken",
            VIOLENCE,
            C,
            r"\b(?:pakt|pakte|neemt|nam|houdt|hield|steelt|stal|jat|pikt|afgepakt|afgenomen|"
            r"ingepikt|gestolen|afpakken|leeggehaald|leeghaalt|haalt) {G3}(?:al )?(?:mijn|haar|"
            r"ons|onze) (?:{W} )?(?:geld|loon|salaris|uitkering|toeslag\w*|pensioen|aow|"
            r"bankpas|pinpas|pas|pincode|creditcards?|rekening|spaargeld|kinderbijslag|digid|"
            r"inkomen|studiefinanciering)\b|\b(?:pakt|neemt|houdt|steelt|haalt) (?:het|de) "
            r"(?:pensioen|uitkering|aow|geld|bankpas|pinpas|spaargeld|loon|salaris) van (?:mijn|haar|"
            r"zijn) {W}\b|\b(?:mijn|haar|ons) (?:{W} )?(?:geld|loon|salaris|"
            r"uitkering|pensioen|bankpas|pinpas|pas|pincode|creditcards?|rekening|spaargeld|"
            r"digid) {G2}(?:afgepakt|afgenomen|ingepikt|gestolen|ingenomen|leeggehaald|af)\b",
            requires=_PERSONAL_ACTOR,
            unless=r"\b(?:de |het |mijn )?{INSTITUTION} {G3}(?:pakt|neemt|houdt|haalt|int|heeft)",
            otherwise=POSSIBLE,
        ),
        _rule(
            "money_control",
            VIOLENCE,
            C,
            r"\b(?:mag|mocht) {G2}niet (?:zelf )?(?:pinnen|betalen|aan (?:mijn|ons|het) geld|bij "
            r"(?:mijn|ons|de) (?:geld|rekening)|werken|de deur uit|naar buiten|weg)\b|\blaat "
            r"(?:me|mij) niet (?:werken|pinnen|weg|de deur uit)\b|\bgeen toegang (?:meer )?tot "
            r"(?:mijn|ons|onze|de) (?:eigen )?(?:rekening|geld|bank\w*|pas)\b|\bcontroleert "
            r"{G2}(?:elke|iedere|al mijn|alles|mijn) {G1}(?:cent|euro|uitgave\w*|aankoop\w*|"
            r"telefoon)\b|\bmoet {G3}(?:al )?(?:mijn) (?:{W} )?(?:loon|salaris|uitkering|geld|inkomen) "
            r"{G2}(?:aan|afgeven|inleveren|afstaan|geven)\b|\bmag {G2}(?:niks|niets|nooit) (?:zelf )?"
            r"(?:kopen|uitgeven|pinnen|betalen)\b|\b(?:geeft|gaf) {G1}(?:me|mij) "
            r"(?:geen|nooit) (?:cent|geld|euro)\b|\bfinancie\w* (?:misbruik|uitbuiting|geweld)\b",
            requires=_PERSONAL_ACTOR,
            unless=r"\b(?:de |het |mijn )?{INSTITUTION}\b",
            otherwise=POSSIBLE,
        ),
        _rule(
            "coerced_loans",
            VIOLENCE,
            C,
            r"\b(?:dwingt|dwong|dwingen|gedwongen|verplicht|verplichtte|onder druk (?:gezet|"
            r"zetten|zet)|(?:moest|moet) van (?:hem|haar|mijn {W})) {G4}(?:lening\w*|krediet\w*|lenen|"
            r"abonnement\w*|op (?:mijn|haar) naam|tekenen|te tekenen|af te sluiten|afsluiten|"
            r"leasen|lease|geld)\b",
            requires=_PERSONAL_ACTOR,
            unless=r"\b(?:de |het )?{INSTITUTION} (?:dwingt|verplicht|zet)",
            otherwise=POSSIBLE,
        ),
        _rule(
            "coerced_passive",
            VIOLENCE,
            C,
            r"\b(?:word|wordt|werd|ben) {G2}(?:gedwongen|onder druk gezet) {G4}(?:lening\w*|krediet\w*|"
            r"lenen|abonnement\w*|op (?:mijn|haar) naam|tekenen|te tekenen|af te sluiten|geld)\b",
            unless=r"\b(?:door )?(?:de |het )?{INSTITUTION}\b",
        ),
        _rule(
            "loans_in_my_name",
            VIOLENCE,
            C,
            r"\bop (?:mijn|haar) naam {G3}(?:afgesloten|aangevraagd|genomen|gezet|gekocht|"
            r"geleend|gemaakt|aangegaan)\b|\b(?:afgesloten|aangevraagd|genomen|gekocht|geleend|aan|aanvragen|"
            r"afsluiten) {G3}op (?:mijn|haar) naam\b",
            requires=_PERSONAL_ACTOR,
            unless=r"^(?!.*" + _NO_CONSENT + r")",
            otherwise=POSSIBLE,
        ),
        _rule(
            "unknown_loan",
            VIOLENCE,
            P,
            r"\bop mijn naam\b {G4}(?:niet ken|niks van weet|niet van weet|nooit (?:heb )?"
            r"afgesloten)|\bheeft (?:mijn) (?:digid|inloggegevens|wachtwoord|bankpas|pinpas|"
            r"pincode)\b",
        ),
        _rule(
            "control_possible",
            VIOLENCE,
            P,
            r"\b(?:man|vrouw|partner|vriend|vriendin|ex) {G2}(?:wil|laat) (?:niet|me niet) "
            r"(?:dat ik|toe dat ik|me)? ?{G3}(?:hulp|schuldhulp|werk|werken|praat|bel)\b",
        ),
        # --- a lender who threatens ---------------------------------------------------------
        _rule("loan_shark", LOAN_SHARK, C, r"\b{LENDER}\b", requires=r"\b{THREAT}"),
        _rule(
            "owing_threatened",
            LOAN_SHARK,
            C,
            r"\b{LENDER_WEAK}\b",
            requires=r"\b{THREAT_VIOLENT}",
            unless=r"\b{INSTITUTION}\b",
        ),
        _rule(
            "pay_or_else",
            LOAN_SHARK,
            C,
            r"\bals (?:ik|we) {G1}niet {G1}(?:terug ?betaal|terug ?betalen|betaal|betalen|"
            r"betaald)\b",
            requires=r"\b(?:in elkaar|kapot|komen (?:me|mij|ons) halen|pijn|iets aan(?: te)? ?doen|"
            r"in brand|knie\w*|vermoord\w*|weten waar|weten (?:{W} ){0,3}te vinden|"
            r"(?:mijn|de|je) kinderen (?:weten|kunnen) (?:te )?vinden|doen (?:ze|hij) (?:me|mij|ons) (?:iets|wat)|"
            r"(?:me|mij) (?:iets|wat) (?:aan )?doen)",
            otherwise=NONE,
            unless=r"\b{INSTITUTION}\b",
        ),
        _rule(
            "pay_with_body",
            LOAN_SHARK,
            C,
            r"\bmet (?:mijn|je|haar) lichaam {G2}(?:terug ?betalen|betalen|afbetalen)\b",
        ),
        _rule("lender_possible", LOAN_SHARK, P, r"\b(?:woekeraar\w*|geldschieter\w*)"),
        _rule(
            "lender_angry",
            LOAN_SHARK,
            P,
            r"\b(?:schuld|geld) {G3}(?:bij|aan|van) (?:een |mijn )?(?:vriend|kennis|iemand|"
            r"familie\w*|man|vent|gast) {G4}(?:boos|agressief|dreig\w*|bedreig\w*|bang)\b",
        ),
        # --- on the street tonight -----------------------------------------------------------
        _rule(
            "on_the_street",
            HOMELESS,
            C,
            r"\b(?:sta|staan|stond|stonden|slaap|slapen|sliep|sliepen|leef|leven|ben|zijn|zit|"
            r"zitten|beland|belanden|gezet|gegooid|terechtgekomen|woon|wonen|staat|zat) {G5}op "
            r"(?:de )?straat\b(?! (?:te|kom|komen))|\bop (?:de )?straat (?:sta|staan|staat|slaap|"
            r"slapen|leef|leven)\b",
            negatable=AROUND,
            unless=r"\b(?:kom|komen|komt|kan|kunnen|zou|zal|zullen|gaan|ga|bang|voorkom\w*|dreig\w*|"
            r"als|straks|anders|misschien|binnenkort|voordat|hoe lang|later) {G3}op (?:de )?straat"
            r"|\bop (?:de )?straat (?:kom|komen|te staan|terecht te komen)|\bvoordat\b|"
            r"\bhoe lang\b",
        ),
        _rule(
            "street_future",
            HOMELESS,
            P,
            r"\bop (?:de )?straat (?:te staan|kom|komen|terecht)|\b(?:kom|komen|komt) {G2}op "
            r"(?:de )?straat\b|\b(?:sta|staan|staat) {G3}op (?:de )?straat\b|\bop (?:de )?straat "
            r"(?:sta|staan|staat)\b",
        ),
        _rule(
            "thrown_out",
            HOMELESS,
            C,
            r"\b(?:buiten ?gezet|buitengezet|eruit ?gezet|uit (?:huis|de woning|het huis) ?gezet|"
            r"eruit gegooid|uit huis gegooid|de deur uit ?gezet|op straat gezet|buiten gegooid|"
            r"spullen buiten|kicked out)\b",
            negatable=AROUND,
            unless=r"\b(?:werk|baan|school|opleiding|club|groep|app|winkel|les|klas|team)\b|"
            r"\b(?:gaan|gaat|worden|word|dreig\w*|bang|als|kunnen|kan|zal|zou) {G3}(?:gezet|"
            r"gegooid)|\bgezet (?:te )?worden\b",
        ),
        _rule(
            "nowhere_to_sleep",
            HOMELESS,
            C,
            r"\b(?:nergens|geen plek|geen plaats|geen plekje|geen slaapplek|geen slaapplaats|"
            r"geen onderdak|geen bed) {G3}(?:om )?(?:te |kan |kunnen )?(?:slapen|heen|naartoe|"
            r"naar toe|overnachten)\b|\b(?:nergens|geen) {G2}(?:plek|plaats|slaapplek|"
            r"slaapplaats|onderdak|bed)\b {G5}(?:slapen|overnachten)\b|\bwaar {G3}(?:vannacht|"
            r"vanavond|vandaag|deze nacht) {G2}(?:slapen|overnachten|heen|naartoe|blijven)\b|"
            r"\bwaar {G3}(?:slapen|overnachten) {G2}(?:vannacht|vanavond|vandaag)\b|\bweet "
            r"{G1}niet waar (?:ik|we|wij) (?:{W} )?(?:moet|moeten|kan|kunnen)? ?(?:slapen|heen|"
            r"naartoe|blijven|overnachten)\b|\bgeen (?:dak boven|slaapplek|slaapplaats|onderdak)"
            r"\b|\bgeen dak (?:meer )?boven\b|\bnergens {G2}(?:een )?(?:bed|slaapplek|plek)\b|"
            r"\bgeen (?:huis|woning|thuis) meer\b|\bwhere (?:can|do|should|will) (?:i|we) "
            r"sleep\b|\bnowhere to (?:sleep|go|stay)\b",
            negatable=BEFORE,
        ),
        _rule(
            "no_place_tonight",
            HOMELESS,
            C,
            r"\b(?:geen|nergens) {G2}(?:plek|plaats|woning|huis|kamer|onderdak)\b {G4}(?:te )?"
            r"(?:wonen|blijven|slapen)\b|\b(?:ergens|een plek|plek|plaats|bed) {G3}(?:om te slapen|"
            r"slapen|overnachten)\b|\bgeen (?:huis|woning|dak)\b.*\b(?:koud|kou|buiten|straat|"
            r"nacht|regen)\b",
            requires=r"\b(?:{NOW}|koud|kou|buiten|straat|nacht)\b",
        ),
        _rule(
            "wandering",
            HOMELESS,
            C,
            r"\b(?:zwerf|zwerven|zwerft|zwierf|rondzwerven|zwerver)\b",
            negatable=AROUND,
        ),
        _rule(
            "sleeping_rough",
            HOMELESS,
            C,
            r"\b(?:slaap|slapen|sliep|sliepen|overnacht\w*|woon|wonen|leef|leven|zit|zitten|"
            r"sleep|sleeping) {G4}(?:in (?:de|mijn|onze|een|het) (?:auto|bus|tent|park|portiek|"
            r"trappenhuis|fietsenstalling|schuur|garage|bos|car)|op (?:het|een) (?:station|"
            r"bankje)|onder (?:een|de) brug)\b|\b(?:slaap|slapen|sliep|sliepen) {G3}buiten\b|"
            r"\bbuiten (?:te )?(?:slapen|slaap|overnachten|sliep|sliepen)\b|"
            r"\bbuiten {G3}(?:in de kou|in de regen|s nachts)\b",
            negatable=AROUND,
        ),
        _rule(
            "homeless_word",
            HOMELESS,
            C,
            r"\b(?:ik|we|wij) {G3}(?:dakloos|thuisloos)\b|\b(?:i am|we are|im) {G2}homeless\b",
            negatable=AROUND,
            unless=r"\b(?:geweest|was|waren|vroeger|ooit|worden|word|raak|raken|dreig\w*|bang|"
            r"voorkom\w*)\b",
            otherwise=NONE,
        ),
        _rule(
            "homeless_possible",
            HOMELESS,
            P,
            r"\b(?:dakloos|thuisloos|homeless)\b",
            unless=r"\b(?:geweest|was|waren|vroeger|ooit)\b",
            otherwise=NONE,
        ),
        _rule(
            "shelter",
            HOMELESS,
            C,
            r"\b(?:nachtopvang|daklozenopvang|noodopvang|crisisopvang|opvang voor daklozen|"
            r"maatschappelijke opvang|homeless shelter)\b",
        ),
        _rule(
            "evicted_now",
            HOMELESS,
            C,
            r"\b(?:zijn|ben|worden|word|werden|is|zijn we|worden we|heeft|hebben) {G3}(?:ontruimd|"
            r"uitgezet)\b|"
            r"\bsinds de ontruiming\b|\b(?:slot|sloten) {G2}(?:vervangen|veranderd|gewisseld)\b|"
            r"\b(?:kunnen|kan) {G2}niet (?:meer )?(?:naar )?(?:binnen|in (?:mijn|ons|het) huis)\b",
            unless=r"\b(?:als|dreig\w*|bang|misschien|kunnen we|kan ik|volgende|over (?:{W} )?"
            r"(?:weken|maanden))\b",
        ),
        _rule(
            "must_leave",
            HOMELESS,
            C,
            r"\b(?:moet|moeten) {NOW} {G2}(?:het huis uit|uit (?:mijn|ons|het) huis|weg|(?:mijn|de|"
            r"onze|ons) (?:kamer|woning|huis) uit)\b|\b{NOW} (?:moet|moeten) {G3}(?:het huis uit|uit "
            r"(?:mijn|ons|het) huis|(?:mijn|de|onze|ons) (?:kamer|woning|huis) uit)\b",
        ),
        _rule(
            "must_leave_possible",
            HOMELESS,
            P,
            r"\b(?:moet|moeten) {G4}(?:het huis uit|uit (?:mijn|ons|het) huis)\b|\buit (?:huis|"
            r"de woning) {G2}(?:zetten|gezet)\b",
        ),
        _rule(
            "couch_ends",
            HOMELESS,
            C,
            r"\b(?:slaap|sliep|logeer|logeerde|verblijf|verbleef) {G3}bij (?:vrienden|een vriend|"
            r"een vriendin|familie|kennissen|mijn {W})\b",
            requires=r"\b(?:mag {G2}niet meer|moet {G2}(?:weg|eruit)|niet meer welkom)\b",
            unless=r"^(?!.*\b{NOW}\b)",
        ),
        # --- no food for the children today --------------------------------------------------
        _rule(
            "no_food",
            NO_FOOD,
            C,
            r"\b(?:geen|niks|niets) (?:meer )?(?:te )?eten\b|\bno food\b|\bnothing to eat\b|"
            r"\bvragen om eten\b|\bom eten (?:vragen|vraagt|huilen)\b",
            negatable=NO,
        ),
        _rule(
            "no_food_had",
            NO_FOOD,
            C,
            r"\b(?:geen|niks|niets) {G2}(?:eten|gegeten) {G1}gehad\b|\bniks gehad\b|\b(?:niks|niets) om "
            r"{G3}(?:te )?eten\b|\b(?:niks|niets) (?:meer )?in (?:de|het|mijn) (?:koelkast|kast|kastjes|"
            r"vriezer)\b|\bzonder (?:eten|ontbijt|avondeten|lunch) {G2}naar (?:school|bed)\b|"
            r"\bniet (?:kunnen )?eten\b|\b(?:geen|niks|niets) (?:melk|eten|voeding|flesvoeding|"
            r"babyvoeding) {G2}(?:geven|kopen|voor)\b|\bgeen (?:avondeten|ontbijt|lunch|warm eten|"
            r"maaltijd|warme maaltijd)\b|\b(?:hoe|waar) {G3}{NOW} {G1}eten\b",
            requires=r"\b(?:{NOW}|{KIDS}|honger|koelkast|kast|kastjes|school|bed)\b",
        ),
        _rule(
            "only_water",
            NO_FOOD,
            C,
            r"\balleen (?:maar )?(?:water|thee|kraanwater|droog brood) {G2}(?:gehad|gegeten|"
            r"gedronken)\b",
            requires=r"\b(?:al {G2}(?:dagen|dag)|{KIDS}|honger|sinds)\b",
        ),
        _rule(
            "not_eaten",
            NO_FOOD,
            C,
            r"\b(?:niks|niets|niet|geen) {G2}gegeten\b|\bhavent eaten\b|\bnot eaten\b",
            unless=r"\bgegeten (?:bij|van)\b",
        ),
        _rule(
            "not_eating_for_days",
            NO_FOOD,
            C,
            r"\b(?:eten|aten|eet) {G3}(?:niet|niks|niets)\b",
            requires=r"\bal {G2}(?:dagen|dag)\b|\bsinds\b|\bhonger\b",
        ),
        _rule(
            "hunger",
            NO_FOOD,
            C,
            r"\bhonger\w*|\bhungry\b|\bstarving\b",
            requires=r"\b(?:{KIDS}|{NOW}|geen geld|niks|niets|geen eten)\b",
            unless=r"\bhonger naar (?!bed)",
            otherwise=POSSIBLE,
            negatable=AROUND,
        ),
        _rule(
            "hunger_possible",
            NO_FOOD,
            P,
            r"\bhonger\w*|\bhungry\b",
            unless=r"\bhonger naar (?!bed)",
            otherwise=NONE,
        ),
        _rule(
            "no_money_food",
            NO_FOOD,
            C,
            r"\bgeen (?:geld|cent|euro) {G2}(?:voor|om) {G2}(?:eten|boodschappen|brood|melk|"
            r"luiers|babyvoeding|voeding|melkpoeder|flesvoeding)\b",
            requires=r"\b(?:{NOW}|honger)\b",
        ),
        _rule(
            "empty_cupboards",
            NO_FOOD,
            C,
            r"\b(?:koelkast|kast|kasten|kastjes|keukenkast\w*|voorraadkast) {G2}(?:is |zijn )?"
            r"(?:helemaal )?leeg\b|\blege (?:koelkast|kast\w*)\b",
        ),
        _rule(
            "food_gone",
            NO_FOOD,
            C,
            r"\b(?:eten|brood|boodschappen|melk|voedsel|babyvoeding) {G5}(?:is |zijn )?(?:ook )?"
            r"op(?= \.|$| en\b| maar\b)",
        ),
        _rule(
            "food_today",
            NO_FOOD,
            C,
            r"\b{NOW} {G3}(?:aan eten|eten kopen|eten halen|eten geven|voedselpakket|eten "
            r"krijgen|geen eten)\b|\b(?:aan eten|eten kopen|voedselpakket) {G3}{NOW}\b|\b{NOW} "
            r"{G5}(?:niks|niets)\b",
            requires=r"\b(?:eten|maaltijd\w*|honger|voedsel\w*|boodschappen)\b",
        ),
        _rule(
            "food_possible",
            NO_FOOD,
            P,
            r"\bgeen (?:geld|cent) {G2}(?:voor|om) {G2}(?:eten|boodschappen|brood|melk|luiers|"
            r"babyvoeding)\b|\bmaaltijden over\b",
        ),
        # --- distress without a kind: the gentle line ---------------------------------------
        _rule(
            "distress",
            None,
            P,
            r"^(?:ik )?(?:dood|doodgaan|sterven|dead)$|\bgeen (?:kracht|energie) meer\b|"
            r"\b(?:ik ga|ga ik|gaan we) {G2}dood\b|\bwordt {G2}(?:mijn|m) dood\b|\b(?:ik|me|mij|"
            r"mezelf) {G2}dood\b|\b(?:kan|kun) (?:het )?niet meer\b(?! (?:{W} )?(?:betalen|"
            r"betaal|bijhouden|volgen|overzien|vinden|bereiken|aan|in|op|naar|bellen|pinnen|"
            r"lenen|werken|rondkomen|missen|wachten))|\btrek (?:het |dit )?(?:echt )?niet "
            r"meer\b|\b(?:hou|houd) (?:het|dit) {G2}niet (?:meer )?vol\b|\bten einde raad\b|"
            r"\bwanhopig\w*|\bwanhoop\b|\bhopeloos\b|\buitzichtloos\b|\bzinloos\b|\bweet het "
            r"(?:echt |allemaal |gewoon )?niet meer\b|\bweet niet meer hoe (?:ik )?verder\b|"
            r"\bonderdoor\b|\bkapot van\b|\bga (?:er )?kapot\b|\bben kapot\b|\bpuinhoop\b|"
            r"\bniet meer zo leven\b|\bniet meer leven (?:zoals|zo)\b|\bgeen toekomst\b|"
            r"\bsomber\w*|\balles {G1}(?:misgaat|mis gaat|fout gaat)\b|\bkilling me\b|"
            r"\bdepressie\w*|\bdepressief\b|\bik ben op\b|\bzie het niet meer\b",
        ),
    )


def _tokens_before(text: str, start: int, count: int) -> list[str]:
    """Up to ``count`` words before ``start``, within the same clause."""
    clause = text[:start].rsplit(" . ", 1)[-1]
    return clause.split()[-count:]


_NEGATIONS = frozenset({"niet", "geen", "nooit", "not", "never", "no", "dont", "nee", "niks"})
_NEGATION_BREAKERS = frozenset({"dan", "behalve", "maar", "alleen", "want"})


def _negated(text: str, match: re.Match[str], mode: str) -> bool:
    """True when a negation word stands before (or inside) the match ("ik wil niet dood")."""
    window = _tokens_before(text, match.start(), 3)
    if mode == AROUND:
        window += match.group(0).split()
    for i, word in enumerate(window):
        if word in _NEGATIONS:
            rest = window[i + 1 :]
            if rest[:1] == ["meer"] and word == "niet" and "meer" in match.group(0):
                continue  # "niet meer" is part of the crisis phrase ("wil niet meer leven")
            if not _NEGATION_BREAKERS.intersection(rest):
                return True
    return False


def _apply(rule: Rule, text: str) -> str:
    """The tier ``rule`` gives ``text`` (``none`` when it does not apply)."""
    match = rule.pattern.search(text)
    if match is None:
        return NONE
    if rule.requires is not None and rule.requires.search(text) is None:
        return NONE
    if rule.unless is not None and rule.unless.search(text):
        return rule.otherwise
    if rule.negatable and _negated(text, match, rule.negatable):
        return POSSIBLE
    return rule.tier


def _rank(tier: str, kind: str | None) -> tuple[int, int]:
    order = KINDS.index(kind) if kind in KINDS else len(KINDS)
    return (TIERS.index(tier), -order)


def assess(text: str) -> Assessment:
    """Screen ``text`` with the rules alone. Button payloads ("/...") are never a crisis."""
    if not text or text.lstrip().startswith("/"):
        return Assessment()
    normalised = _IDIOMS.sub(" idiom ", normalise(text))
    best = Assessment()
    suicide_cues = 0
    for rule in rules():
        tier = _apply(rule, normalised)
        if tier == POSSIBLE and rule.kind == SUICIDE:
            suicide_cues += len({m.group(0) for m in rule.pattern.finditer(normalised)})
        if tier != NONE and _rank(tier, rule.kind) > _rank(best.tier, best.kind):
            best = Assessment(tier, rule.kind, rule.name)
    if suicide_cues >= 2 and best.tier != CERTAIN:
        # two separate hints of suicidal thoughts in one message ("testament", "afscheid")
        best = Assessment(CERTAIN, SUICIDE, "suicide_cues")
    return best


def combine(rules_said: Assessment, ranking: Iterable[tuple[str, float]] = ()) -> Assessment:
    """Add the intent classifier's view to the rules' assessment.

    Args:
        rules_said: what ``assess`` found.
        ranking: the classifier's (intent, confidence) pairs, best first.

    Returns:
        The rules' assessment, raised to *possible* when the classifier ranks ``crisis`` first
        with at least ``CLASSIFIER_POSSIBLE`` and the rules found nothing. The classifier never
        makes a message *certain* and never lowers what the rules found.
    """
    pairs = list(ranking)
    if rules_said.tier != NONE or not pairs:
        return rules_said
    name, confidence = pairs[0]
    if name == CRISIS_INTENT and confidence >= CLASSIFIER_POSSIBLE:
        return Assessment(POSSIBLE, None, "classifier")
    return rules_said


def screen(text: str, ranking: Sequence[tuple[str, float]] = ()) -> Assessment:
    """Rules and classifier together: what both Rasa's component and the gateway use."""
    return combine(assess(text), ranking)


def stronger(a: Assessment, b: Assessment) -> Assessment:
    """The more serious of two assessments (tier first, then the kind's order)."""
    return b if _rank(b.tier, b.kind) > _rank(a.tier, a.kind) else a
