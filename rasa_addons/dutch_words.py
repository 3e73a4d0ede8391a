"""Dutch word normalisation for the NLU: spelling variants, abbreviations, compounds.

Pure (no Rasa import). `normal_form(token)` returns what the featurizers should count for a
token: the token itself, plus the concept behind an abbreviation or organisation name
("cjib" -> "cjib boete overheid"), the standard spelling of a common low-literate or English
variant ("nie" -> "niet", "bailiff" -> "deurwaarder"), and the parts of a compound
("huurachterstand" -> "huurachterstand huur achterstand"). Measured in docs/nlu.md.
"""

from __future__ import annotations

import unicodedata

# organisations and abbreviations -> the concept words residents also use
CONCEPTS: dict[str, str] = {
    "cjib": "boete overheid",
    "duo": "studieschuld overheid",
    "cak": "zorgverzekering premie",
    "bkr": "schulden lening",
    "uwv": "uitkering",
    "svb": "uitkering kinderbijslag aow",
    "ww": "uitkering",
    "wia": "uitkering",
    "wajong": "uitkering",
    "aow": "uitkering pensioen",
    "wsnp": "schuldsanering schulden",
    "bsgw": "belasting",
    "ozb": "belasting",
    "rdw": "belasting",
    "lbio": "alimentatie overheid",
    "uht": "toeslagen",
    "belastingdienst": "belasting",
    "toeslagen": "toeslag",
    "eneco": "energie",
    "vattenfall": "energie",
    "essent": "energie",
    "greenchoice": "energie",
    "liander": "energie",
    "stedin": "energie",
    "enexis": "energie",
    "vitens": "water",
    "evides": "water",
    "waternet": "water",
    "pwn": "water",
    "dunea": "water",
    "zilveren": "zorgverzekering",
    "menzis": "zorgverzekering",
    "vgz": "zorgverzekering",
    "cz": "zorgverzekering",
    "dsw": "zorgverzekering",
    "onvz": "zorgverzekering",
    "zorgverzekeraar": "zorgverzekering",
    "intrum": "incassobureau",
    "lowell": "incassobureau",
    "flanderijn": "deurwaarder",
    "ggn": "deurwaarder",
    "cannock": "incassobureau",
    "klarna": "rekening achterstand",
    "afterpay": "rekening achterstand",
    "ymere": "woningcorporatie huur",
    "vivare": "woningcorporatie huur",
    "portaal": "woningcorporatie huur",
    "vestia": "woningcorporatie huur",
    "woonbron": "woningcorporatie huur",
    "woningbouw": "woningcorporatie huur",
    "corporatie": "woningcorporatie huur",
    "huisbaas": "verhuurder",
    "digid": "gemeente dienst",
    # English words in Dutch messages
    "debt": "schuld",
    "debts": "schulden",
    "bailiff": "deurwaarder",
    "rent": "huur",
    "landlord": "verhuurder",
    "allowance": "toeslag",
    "bill": "rekening",
    "bills": "rekeningen",
    "fine": "boete",
    "income": "inkomen",
    "benefit": "uitkering",
    "welfare": "bijstand",
    "job": "werk",
    "food": "eten",
    "insurance": "verzekering",
    "energy": "energie",
    "electricity": "stroom",
    "reminder": "herinnering",
}
# frequent low-literate and phonetic spellings -> the standard spelling
SPELLING: dict[str, str] = {
    "nie": "niet",
    "gen": "geen",
    "hep": "heb",
    "ken": "kan",
    "mot": "moet",
    "me": "mijn",
    "mn": "mijn",
    "schult": "schuld",
    "scholde": "schulden",
    "schulde": "schulden",
    "schuldn": "schulden",
    "deurwarder": "deurwaarder",
    "deurwaader": "deurwaarder",
    "deurwaarde": "deurwaarder",
    "blastingdienst": "belastingdienst",
    "belasing": "belasting",
    "toeslage": "toeslagen",
    "rekeninge": "rekeningen",
    "brieve": "brieven",
    "betale": "betalen",
    "betaalt": "betaald",
    "krijge": "krijgen",
    "helpe": "helpen",
    "kinder": "kinderen",
    "boodschappe": "boodschappen",
    "afgeslote": "afgesloten",
    "achterstant": "achterstand",
    "bijstant": "bijstand",
    "zorgverzekring": "zorgverzekering",
}
# parts compounds are built from (the longest split wins; a linking "s" is allowed)
_PARTS = """
    huur achterstand schuld schulden zorg toeslag toeslagen energie rekening rekeningen belasting
    water gas stroom premie boete beslag loon kind kinder opvang bijstand uitkering studie
    woning incasso bureau verzekering verzekeraar aflossing betaling regeling
    herinnering afrekening jaar eind termijn bedrag geld zorgen huis uitzetting afsluiting
    voedsel bank pakket budget beheer coach hulp verlening sanering krediet achterstallig
    gemeente aanslag inkomen inkomsten lening kosten brief brieven post administratie werk
    vrij voet voorschot eigen risico aanmaning
"""
PARTS = frozenset(_PARTS.split())
MIN_COMPOUND = 8


def _plain(token: str) -> str:
    token = unicodedata.normalize("NFKD", token)
    return "".join(c for c in token if not unicodedata.combining(c)).lower()


def split_compound(word: str) -> list[str]:
    """The known parts of a compound ("huurachterstand" -> ["huur", "achterstand"]) or []."""
    if len(word) < MIN_COMPOUND or word in PARTS:
        return []
    for cut in range(len(word) - 3, 2, -1):
        head, tail = word[:cut], word[cut:]
        if tail not in PARTS:
            continue
        for candidate in (head, head[:-1] if head.endswith("s") else ""):
            if candidate in PARTS:
                return [candidate, tail]
            inner = split_compound(candidate) if candidate else []
            if inner:
                return [*inner, tail]
    return []


def normal_form(token: str) -> str:
    """The words the featurizers count for ``token`` (space-separated, the token first)."""
    word = _plain(token)
    word = SPELLING.get(word, word)
    extra = [CONCEPTS[word]] if CONCEPTS.get(word) else []
    extra += split_compound(word)
    return " ".join([word, *extra])
