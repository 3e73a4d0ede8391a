"""The kind of letter and who sent it, from the words of short letters."""

from __future__ import annotations

import pytest

from bot.letters.extract import extract
from bot.letters.layout import lines_from_text

CASES = [
    (
        "aanmaning",
        "Betalingsherinnering\nWij hebben uw betaling voor factuur 2025-11 nog niet ontvangen.",
    ),
    (
        "sommatie",
        "SOMMATIE\nWij sommeren u om de vordering te voldoen. Anders volgen gerechtelijke stappen.",
    ),
    (
        "cjib",
        "Centraal Justitieel Incassobureau\nEerste aanmaning\nU heeft uw verkeersboete niet betaald.",
    ),
    (
        "terugvordering_toeslag",
        "Belastingdienst/Toeslagen\nU heeft te veel zorgtoeslag gekregen. U moet dit terugbetalen.",
    ),
    (
        "dagvaarding",
        "DAGVAARDING\nU wordt opgeroepen om te verschijnen ter zitting van de kantonrechter.",
    ),
    ("beslag", "Betreft: loonbeslag\nWij hebben beslag gelegd op uw loon bij uw werkgever."),
    (
        "ontruiming",
        "AANZEGGING ONTRUIMING\nDe ontruiming van de woning vindt plaats op 12 mei 2025.",
    ),
    ("afsluiting", "Aankondiging afsluiting\nWij sluiten uw gas en stroom af op 6 februari 2025."),
    (
        "premie_achterstand",
        "Betreft: premieachterstand\nU heeft de premie van uw zorgverzekering niet betaald.",
    ),
    ("studieschuld", "DUO\nU heeft een achterstand in het terugbetalen van uw studieschuld."),
    (
        "terugvordering_bijstand",
        "Gemeente Zwolle\nU heeft te veel bijstand ontvangen. Wij vorderen dit terug.",
    ),
    ("huurachterstand", "Betreft: huurachterstand\nDe huur van mei en juni is nog niet betaald."),
    ("other", "Gemeente Zwolle\nWij nodigen u uit voor een gesprek over uw aanvraag."),
]


@pytest.mark.parametrize(("kind", "text"), CASES, ids=[c[0] for c in CASES])
def test_kind(kind: str, text: str) -> None:
    assert extract(lines_from_text(text)).kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "Herinnering\nAls u niet betaalt, kunnen wij beslag leggen op uw loon.",
        "Aanmaning\nBetaalt u niet, dan kunnen wij u afsluiten. Dat willen wij voorkomen.",
        "Tweede herinnering huurachterstand\nAls u niet reageert, kunnen wij een ontruimingsprocedure starten.",
        "Laatste sommatie\nAnders zullen wij een dagvaarding laten uitbrengen.",
    ],
)
def test_a_threat_is_not_the_step_itself(text: str) -> None:
    reading = extract(lines_from_text(text))
    assert not reading.urgent, reading.kind


@pytest.mark.parametrize(
    ("text", "sender_kind"),
    [
        (
            "Gerechtsdeurwaarders Jansen\nNamens uw verhuurder Woonstichting De Linde vorderen wij de huur.",
            "deurwaarder",
        ),
        (
            "Incassobureau Noord B.V.\nIn opdracht van Energie Noord B.V. innen wij deze factuur.",
            "incassobureau",
        ),
        ("Woonstichting De Linde\nU heeft een huurachterstand.", "verhuurder"),
        ("Vitens\nUw drinkwaternota is nog niet betaald.", "waterbedrijf"),
        ("Eneco\nUw energierekening is nog niet betaald.", "energiebedrijf"),
        ("CAK\nU betaalt een bestuursrechtelijke premie.", "cak"),
        (
            "Belnet Mobiel B.V.\nUw abonnement is niet betaald. Anders gaat het naar een incassobureau.",
            "other",
        ),
    ],
)
def test_sender_kind_comes_from_the_letterhead(text: str, sender_kind: str) -> None:
    assert extract(lines_from_text(text)).sender_kind == sender_kind
