"""Which out-of-scope answer fits: a legal question, a municipal service, or anything else.

The NLU decides that a message is out of scope; these word lists only pick the place it points
to: Het Juridisch Loket for rights (tenancy disputes, work, purchases, family law), the
municipality for its services (DigiD, waste, passports, permits). Anything else (chit-chat,
spam) gets the plain out-of-scope answer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from actions.constants import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT

LEGAL = "legal"
MUNICIPAL = "municipal"
OTHER = "other"

_LEGAL = re.compile(
    r"\b(?:"
    # tenancy disputes: deposit, maintenance, landlord's rights, rent rules
    r"borg\w*|waarborgsom|onderhoud|lekkage|lekt|lek|schimmel|vocht\w*|reparatie\w*|"
    r"repare\w+|cv[ -]?ketel|ketel|huurcommissie|huurverhoging|opzegtermijn|"
    r"huisbaas\s+(?:\w+\s+){0,3}binnen\w*|huurcontract\s+(?:\w+\s+){0,3}opzeg\w*|"
    # work
    r"werkgever\w*|baas|ontslag\w*|ontslaan|vaststellingsovereenkomst|vakantiegeld|"
    r"vakantiedagen|overuren|uitzendbureau|arbeidscontract|cao|proeftijd|"
    r"concurrentiebeding|contract\s+(?:\w+\s+){0,2}verleng\w*|"
    # purchases and contracts
    r"garantie|webshop|webwinkel|bestelling|bestelt|besteld|retour\w*|terugbrengen|"
    r"ontbind\w*|koopcontract|koopovereenkomst|aanbetaling|verkoper|winkel|levert|geleverd|"
    r"aan\s+de\s+deur|colportage|zonnepanelen|garage|bedenktijd|opzegging|"
    # family law and other rights
    r"omgangsregeling|testament|erfenis|advocaat|rechtsbijstand|juridisch\w*|"
    # the creditor's side: a landlord, a business or a lender who wants money owed to them
    r"mijn\s+(?:ex-?|vorige\s+|oude\s+)?huurders?|onderhuurders?|mijn\s+klant(?:en)?|een\s+klant|"
    r"opdrachtgevers?|uitgeleend|geleend\s+aan|schuldbekentenis|wanbetalers?"
    r")\b"
)
_MUNICIPAL = re.compile(
    r"\b(?:"
    r"digid|paspoort|id[ -]?kaart|identiteitskaart|rijbewijs|verhuizing|verhuisd|"
    r"adreswijziging|uittreksel|brp|basisregistratie|afval|container|kliko|grofvuil|"
    r"oud\s+papier|milieustraat|vuilnis\w*|\w*vergunning|parkeerkaart|lantaarnpaal|"
    r"straatverlichting|riool|stoep|trouwen|huwelijk"
    r")\b"
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def scope_kind(text: str | None) -> str:
    """`legal`, `municipal` or `other` for an out-of-scope message."""
    norm = _normalise(text or "")
    if _MUNICIPAL.search(norm):
        return MUNICIPAL
    if _LEGAL.search(norm):
        return LEGAL
    return OTHER


def leaned_out_of_scope(parse: dict[str, Any] | None) -> bool:
    """A fallback whose best guess was out of scope: torn between "not ours" and a topic."""
    parse = parse or {}
    if ((parse.get("intent") or {}).get("name")) != FALLBACK_INTENT:
        return False
    ranked = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    return bool(ranked) and ranked[0].get("name") == OUT_OF_SCOPE_INTENT


def pointed_place(parse: dict[str, Any] | None, text: str | None) -> str | None:
    """`legal` or `municipal` when the message gets a pointer to that place (Het Juridisch
    Loket, the municipality): out of scope, or leaning that way, with words that name the place.
    Such a message was understood; it is no misunderstanding. Else None."""
    name = (((parse or {}).get("intent")) or {}).get("name")
    if name != OUT_OF_SCOPE_INTENT and not leaned_out_of_scope(parse):
        return None
    kind = scope_kind(text)
    return None if kind == OTHER else kind
