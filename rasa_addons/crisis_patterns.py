"""Dutch expressions of suicidal thoughts, self-harm and acute danger (no Rasa import).

Used by the CrisisGuard NLU component so that an obvious crisis message always gets the crisis
answer (113 / 112), even when the classifier is unsure. Errs on the side of safety: a false
positive shows help numbers once; a false negative can cost a life.
"""

from __future__ import annotations

import re
import unicodedata

_PATTERNS = [
    # wanting to die / not wanting to live
    r"\bwil\w*\s+(?:\w+\s+){0,3}dood\b(?!\s*(?:ongerust|moe|ziek|op))",
    r"\b(?:ik\s+)?wil\s+(?:gewoon\s+|echt\s+)?dood\b",
    r"\bniet\s+meer\s+(?:\w+\s+)?(?:leven|bestaan)\b",
    r"\bnie\s+meer\s+leven\b",
    r"\ber\s+niet\s+meer\s+(?:willen\s+)?zijn\b",
    r"\ber\s+(?:\w+\s+){0,2}niet\s+meer\s+(?:\w+\s+)?zijn\b",
    r"\b(?:ben|was|zijn)\s+(?:\w+\s+)?beter\s+(?:af\s+)?dood\b",
    r"\bhoef\s+(?:\w+\s+)?niet\s+meer\s+te\s+leven\b",
    r"\bwil\s+(?:gewoon\s+|het\s+liefst\s+|echt\s+)?verdwijnen(?:\s+voor\s+altijd)?\s*$",
    r"\bverdwijnen\s+voor\s+altijd\b",
    r"\bdood\s+(?:te\s+)?willen\b",
    r"\bkan\s+niet\s+meer\s+en\s+(?:ik\s+)?wil\s+niet\s+meer\b",
    r"\bhet\s+hoeft\s+voor\s+mij\s+(?:\w+\s+)?niet\s+meer\b",
    r"\bmezelf\s+(?:\w+\s+)?pijn\b",
    r"\bvan\s+(?:een|de)\s+(?:brug|flat|dak)\s+(?:te\s+)?(?:springen|spring|af)\b",
    r"\bbeter\s+af\s+(?:is|zijn|zou\s+zijn|zijn\s+geweest)\s+zonder\s+mij\b",
    r"\bagressief\b.*\bbang\b",
    r"\bbang\s+voor\s+(?:mijn\s+|m'n\s+|mn\s+)?(?:man|vrouw|vriend|vriendin|partner|ex|hem)\b",
    r"\bwil\s+er\s+niet\s+meer\s+zijn\b",
    r"\bzie\s+het\s+(?:echt\s+|allemaal\s+)?niet\s+meer\s+zitten\b",
    r"\b(?:een\s+)?(?:eind|einde)\s+(?:aan\s+)?(?:mijn|m'n|mn|het)\s+leven\b",
    r"\ber\s+een\s+(?:eind|einde)\s+aan\s+(?:maken|te\s+maken)\b",
    r"\b(?:eind|einde)\s+aan\s+maken\b",
    r"\bzelf\s?moord\w*",
    r"\bzelfdoding\w*",
    r"\bsui[cï]id\w*",
    r"\bsuicid\w*",
    r"\bmezelf\s+(?:iets\s+|wat\s+|pijn\s+)?(?:aan\s*doen|aandoe\w*|pijn\s+doen|snijden)\b",
    r"\bmezelf\s+(?:iets|wat)\s+aan\b",
    r"\bmezelf\s+(?:gesneden|opgehangen)\b",
    r"\bvoor\s+(?:de|een)\s+trein\s+(?:springen|spring|gaan\s+liggen)\b",
    r"\bvan\s+(?:een|de)\s+(?:brug|flat)\s+(?:springen|spring|af)\b",
    r"\bpillen\s+(?:gespaard|verzameld|innemen\s+om)\b",
    r"\btouw\s+(?:al\s+)?klaar\b",
    r"\bnooit\s+meer\s+wakker\s+(?:worden|te\s+worden)\b",
    r"\bbeter\s+af\s+(?:zijn\s+)?(?:zonder\s+mij|als\s+ik\s+er\s+niet\s+(?:meer\s+)?ben)\b",
    r"\bgeen\s+reden\s+(?:meer\s+)?om\s+te\s+leven\b",
    r"\bleven\s+heeft\s+geen\s+zin\s+meer\b",
    r"\bgeen\s+uitweg\s+meer\b",
    r"\bi\s+want\s+to\s+die\b",
    r"\bkill\s+myself\b",
    # acute danger, violence
    r"\b(?:slaat|schopt|mishandelt|wurgt)\s+(?:me|mij)\b",
    r"\bword\s+(?:\w+\s+)?(?:mishandeld|geslagen|bedreigd)\b",
    r"\bhuiselijk\s+geweld\b",
    r"\bben\s+(?:hier\s+|thuis\s+)?(?:niet\s+veilig|in\s+gevaar)\b",
    r"\bniet\s+veilig\s+thuis\b",
    r"\bgedreigd\s+(?:om\s+)?(?:me|mij)\s+(?:iets|wat)\s+aan\s+te\s+doen\b",
    r"\bbedreig\w*\s+(?:me|mij)\s+met\s+(?:geweld|een\s+mes|de\s+dood)\b",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def normalise(text: str) -> str:
    """Lowercase, strip accents and collapse whitespace, so patterns stay simple."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.lower()).strip()


def is_crisis(text: str) -> bool:
    """True when ``text`` expresses suicidal thoughts, self-harm or acute danger."""
    return bool(_REGEX.search(normalise(text or "")))
