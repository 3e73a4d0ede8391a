"""Urgency flags from what the resident wrote, and whether to offer a person first.

A flag marks a threat with a date or happening now (Wgs: first contact within 3 working days for
a threatening eviction or disconnection; bot/conversations/deadlines.py):

- ``bailiff``: a bailiff who came, wrote, seized or served a writ (exploot, dagvaarding,
  beslag, dwangbevel); a court summons counts here too (a bailiff serves it);
- ``eviction``: an eviction with a date, a court case or judgement about the home, already put
  out, the locks changed;
- ``cutoff``: energy or water cut off, or a cut-off with a date or an announcement;
- ``no_food``: no food today.

Fear without a date ("ik ben bang dat we uit ons huis moeten") is no flag: it is not urgent, but
when the resident is distressed a person is offered all the same (``person_offer``). A flag
makes the assistant offer a person right away, before any directory help; it never forces a
handover. Dutch with the English words residents use; lowercase, accents removed.
"""

from __future__ import annotations

import re
import unicodedata

from rasa_addons.safety_rules import NONE, assess

EVICTION = "eviction"
CUTOFF = "cutoff"
BAILIFF = "bailiff"
NO_FOOD = "no_food"
URGENT_OFFER = "urgent"
DISTRESS_OFFER = "distress"

_DAY = (
    r"(?:vandaag|vanavond|vannacht|morgen|overmorgen|maandag|dinsdag|woensdag|donderdag|vrijdag|"
    r"zaterdag|zondag|volgende week|deze week|komende week|over \d+ (?:dag|dagen|week|weken)|"
    r"binnen \d+ (?:dag|dagen|week|weken)|(?:op|per|voor) (?:de )?\d{1,2}(?:e|ste|de)?(?:[-/ ]"
    r"(?:\d{1,2}|jan\w*|feb\w*|maart|mrt|apr\w*|mei|jun\w*|jul\w*|aug\w*|sep\w*|okt\w*|nov\w*|"
    r"dec\w*))?|\d{1,2}[-/]\d{1,2}|\d{1,2} (?:jan\w*|feb\w*|maart|mrt|apr\w*|mei|jun\w*|jul\w*|"
    r"aug\w*|sep\w*|okt\w*|nov\w*|dec\w*)|today|tomorrow|next week)"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    BAILIFF: re.compile(
        r"deurwa+r?der\w*\W+(?:\w+\W+){0,6}?(?:staat|komt|komen|wil|gaat|dreigt|stuurt|belt|heeft|"
        r"stuurde|gestuurd|brief|brieven|"
        r"morgen|vandaag|overmorgen|volgende week|langs|aan de deur|voor de deur|ophalen|spullen|"
        r"aanzegging|exploot|betekend|beslag (?:leggen|komen)|ontruimen)|"
        r"(?:brief|brieven|exploot|dagvaarding|aanzegging|dwangbevel|bericht|aankondiging)\W+"
        r"(?:\w+\W+){0,4}?(?:van|door) (?:de|een) (?:gerechts)?deurwa+r?der|"
        r"(?:heb|kreeg|kregen|gekregen|ontvangen|gehad)\W+(?:\w+\W+){0,4}?(?:deurwa+r?der|"
        r"dagvaarding|exploot|aanzegging|dwangbevel)|"
        r"(?:deurwa+r?der|dagvaarding|exploot|aanzegging|dwangbevel)\W+(?:\w+\W+){0,4}?"
        r"(?:gekregen|ontvangen|gehad|binnen|op de mat|in de bus)|"
        r"(?:gaan|gaat|wil|willen|zal|zullen|dreigt|dreigen|komt|komen)\W+(?:\w+\W+){0,4}?beslag"
        r"\W+(?:\w+\W+){0,3}?(?:leggen|op (?:mijn|onze|de) (?:spullen|inboedel|auto|meubels))|"
        r"beslag op (?:mijn|mn|ons|onze|de) (?:spullen|inboedel|meubels|auto|loon|salaris|"
        r"uitkering|inkomen|toeslag\w*|rekening|bankrekening)|loonbeslag|executieveiling|gedagvaard|"
        r"bailiffs? (?:is |are |has |have )?(?:coming|come|came|visited|at (?:my|the) door)|"
        r"court summons"
    ),
    EVICTION: re.compile(
        r"ontruimingsvonnis|ontruimingsdatum|aanzegging (?:tot )?ontruiming|"
        r"(?:ontruim\w*|uitzet\w*|uitgezet|eruit|huis uit)\W+(?:\w+\W+){0,5}?"
        + _DAY
        + r"|"
        + _DAY
        + r"\W+(?:\w+\W+){0,6}?(?:ontruimd|ontruiming|uitgezet|eruit|het huis uit|de woning uit)|"
        r"(?:brief|bericht|vonnis|uitspraak)\W+(?:\w+\W+){0,6}?(?:uit (?:huis|de woning) "
        r"(?:wordt|worden|word|moet|moeten)|uitgezet|ontruim\w*)|"
        r"(?:zijn|ben|werden|zijn we) (?:\w+ ){0,2}(?:ontruimd|uitgezet)\b(?!.*\b(?:als|bang|dreig))|"
        r"sloten\s+(?:\w+\s+){0,2}(?:vervang\w*|veranderd|gewisseld)|"
        r"(?:dagvaard\w*|kantonrechter|vonnis)\W+(?:\w+\W+){0,8}?"
        r"(?:huur\w*|woning\w*|verhuurder|corporatie|ontruim\w*)|"
        r"(?:huur\w*|woning\w*|verhuurder|corporatie)\W+(?:\w+\W+){0,8}?(?:(?:ge)?dagvaard\w*|"
        r"kantonrechter|vonnis)|eviction (?:date|notice)|(?:being|be|getting) evicted "
        r"(?:on|next|tomorrow|today|this)"
    ),
    CUTOFF: re.compile(
        r"(?:is|zijn|werd|al|hebben|heeft)\s+(?:\w+\s+){0,3}?afgesloten"
        r"(?!\s+(?:lening|contract|abonnement))|"
        r"afsluit(?:brief|datum|ing\s+(?:op|per))|"
        r"(?:afsluit\w*|afgesloten|dichtgedraaid)\W+(?:\w+\W+){0,4}?"
        + _DAY
        + r"|"
        + _DAY
        + r"\W+(?:\w+\W+){0,5}?(?:afgesloten|afsluiten|dichtgedraaid|eraf)|"
        r"dichtgedraaid|zonder\s+(?:stroom|gas|water|licht|verwarming)|"
        r"geen\s+(?:stroom|gas|warm\s+water|licht|verwarming)\s+(?:meer|in\s+huis)|"
        r"stroom\s+(?:is\s+)?eraf|meter\s+(?:af|eruit)|(?:power|gas|water) (?:was |is )?cut off"
    ),
    NO_FOOD: re.compile(
        r"geen\s+(?:eten|voedsel|boodschappen)\s+(?:meer|in\s+huis|vandaag|voor\s+vandaag|"
        r"voor\s+vanavond)|ni(?:ks|ets)\s+(?:meer\s+)?(?:te\s+eten|in\s+huis|in\s+de\s+koelkast)|"
        r"(?:(?:kinderen|kids|kind|zoon|dochter|baby|kleintjes)|ik|we|wij)\s+(?:\w+\s+){0,3}?honger\b|koelkast\s+(?:is\s+)?(?:helemaal\s+)?leeg|"
        r"(?:niet|niks|niets)\s+(?:meer\s+)?gegeten|"
        r"vandaag\s+(?:\w+\s+){0,4}?(?:geen|niks|niets)\s+(?:\w+\s+){0,2}?eten|"
        r"zonder\s+eten|no food|nothing to eat|(?:didnt|did not|havent|have not) (?:eat|eaten)"
        r" (?:anything|a thing)"
    ),
}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"(?<=\w)'(?=\w)", "", text)


# A general question ("wat houdt een dagvaarding in?") without the resident's own situation
_QUESTION = re.compile(r"^\s*(?:wat|mag|hoe|wanneer|waarom|wie|welke|is|kan|what|can|how|when)\b")
_OWN = re.compile(r"\b(?:ik|me|mij|mijn|m'n|we|wij|ons|onze|i|my|our|us)\b")


def detect_urgency(text: str | None) -> list[str]:
    """Return the urgency flags found in ``text``, in a fixed order."""
    if not text or text.startswith("/"):
        return []
    norm = _normalise(text)
    if _QUESTION.search(norm) and not _OWN.search(norm):
        return []
    return [flag for flag, pattern in _PATTERNS.items() if pattern.search(norm)]


def distressed(text: str | None) -> bool:
    """True when the safety rules read distress in ``text`` (fear of losing the home, despair)."""
    if not text or text.startswith("/"):
        return False
    return assess(text).distress


def person_offer(text: str | None, offers: list[str]) -> str | None:
    """Which person offer comes first after an answer: urgent, distress, or none.

    Urgent when a flag is found; distress when the resident is distressed without a crisis tier
    (a crisis tier brings its own answer and offer). Each offer once per conversation.
    """
    if detect_urgency(text) and URGENT_OFFER not in offers:
        return URGENT_OFFER
    if (
        distressed(text)
        and assess(text or "").tier == NONE
        and DISTRESS_OFFER not in offers
        and URGENT_OFFER not in offers
    ):
        return DISTRESS_OFFER
    return None
