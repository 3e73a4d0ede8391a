"""A reading in plain Dutch (B1) for the chat: Van wie, Wat staat erin, Wat kun je doen,
Voor wanneer, and "Klopt dit?" before anything depends on it.

All words live in domain/letters.yml; this module only chooses responses and fills in what
the letter said. A figure the letter did not give (or we could not read) is never filled in:
the text says it was not read. Low confidence asks for a sharper photo or offers a person;
an urgent letter first says that a person can help.
"""

from __future__ import annotations

from bot.letters.amounts import format_amount
from bot.letters.dates import format_date
from bot.letters.errors import (
    FileTooLarge,
    ImageTooLarge,
    LetterError,
    PdfTooLarge,
    UnsupportedFile,
)
from bot.letters.reading import LetterReading
from bot.texts import Text, TextCatalog

# each response named in full, so `make validate` finds them in the code
_FROM = {
    "energiebedrijf": "utter_letter_from_energiebedrijf",
    "waterbedrijf": "utter_letter_from_waterbedrijf",
    "incassobureau": "utter_letter_from_incassobureau",
    "deurwaarder": "utter_letter_from_deurwaarder",
    "cjib": "utter_letter_from_cjib",
    "belastingdienst": "utter_letter_from_belastingdienst",
    "zorgverzekeraar": "utter_letter_from_zorgverzekeraar",
    "cak": "utter_letter_from_cak",
    "duo": "utter_letter_from_duo",
    "gemeente": "utter_letter_from_gemeente",
    "verhuurder": "utter_letter_from_verhuurder",
    "other": "utter_letter_from_other",
}
_WHAT = {
    "aanmaning": "utter_letter_what_aanmaning",
    "sommatie": "utter_letter_what_sommatie",
    "cjib": "utter_letter_what_cjib",
    "terugvordering_toeslag": "utter_letter_what_terugvordering_toeslag",
    "dagvaarding": "utter_letter_what_dagvaarding",
    "beslag": "utter_letter_what_beslag",
    "ontruiming": "utter_letter_what_ontruiming",
    "afsluiting": "utter_letter_what_afsluiting",
    "premie_achterstand": "utter_letter_what_premie_achterstand",
    "studieschuld": "utter_letter_what_studieschuld",
    "terugvordering_bijstand": "utter_letter_what_terugvordering_bijstand",
    "huurachterstand": "utter_letter_what_huurachterstand",
    "other": "utter_letter_what_other",
}
_TODO = {
    "aanmaning": "utter_letter_todo_aanmaning",
    "sommatie": "utter_letter_todo_sommatie",
    "cjib": "utter_letter_todo_cjib",
    "terugvordering_toeslag": "utter_letter_todo_terugvordering_toeslag",
    "dagvaarding": "utter_letter_todo_dagvaarding",
    "beslag": "utter_letter_todo_beslag",
    "ontruiming": "utter_letter_todo_ontruiming",
    "afsluiting": "utter_letter_todo_afsluiting",
    "premie_achterstand": "utter_letter_todo_premie_achterstand",
    "studieschuld": "utter_letter_todo_studieschuld",
    "terugvordering_bijstand": "utter_letter_todo_terugvordering_bijstand",
    "huurachterstand": "utter_letter_todo_huurachterstand",
    "other": "utter_letter_todo_other",
}
_EVENT = {
    "dagvaarding": "utter_letter_event_dagvaarding",
    "ontruiming": "utter_letter_event_ontruiming",
    "afsluiting": "utter_letter_event_afsluiting",
    "beslag": "utter_letter_event_beslag",
}


def explain(
    reading: LetterReading,
    texts: TextCatalog,
    channel: str | None = None,
    language: str | None = None,
) -> list[Text]:
    """The chat's messages for one reading, in order; the last one asks "Klopt dit?".

    ``language`` is the conversation's (None or "nl": Dutch), as `TextCatalog.render` takes it.
    """
    if reading.low_confidence:
        return [texts.render("utter_letter_unsure", channel=channel, language=language)]
    messages = []
    if reading.urgent:
        messages.append(texts.render("utter_letter_urgent", channel=channel, language=language))
    messages.append(
        texts.render(
            "utter_letter_summary",
            channel=channel,
            language=language,
            sender=_sender(reading, texts, language),
            what=_what(reading, texts, language),
            todo=texts.render(_TODO[reading.kind], language=language).text,
            when=_when(reading, texts, language),
        )
    )
    return messages


def after_confirmation(
    reading: LetterReading, confirmed: bool, texts: TextCatalog, language: str | None = None
) -> Text:
    """The reply to "Klopt dit?": a person first for an urgent letter, a new photo when wrong."""
    if not confirmed:
        return texts.render("utter_letter_not_right", language=language)
    if reading.urgent:
        return texts.render("utter_letter_confirmed_urgent", language=language)
    return texts.render("utter_letter_confirmed", language=language)


def error_reply(error: LetterError, texts: TextCatalog, language: str | None = None) -> Text:
    """What to say about a file we did not read (the error's details stay in the logs)."""
    if isinstance(error, FileTooLarge | ImageTooLarge | PdfTooLarge):
        return texts.render("utter_letter_file_too_large", language=language)
    if isinstance(error, UnsupportedFile):
        return texts.render("utter_letter_file_unsupported", language=language)
    return texts.render("utter_letter_file_broken", language=language)


def _sender(reading: LetterReading, texts: TextCatalog, language: str | None) -> str:
    if not reading.sender_name:
        return texts.render("utter_letter_from_unknown", language=language).text
    text = texts.render(
        _FROM[reading.sender_kind], language=language, name=reading.sender_name
    ).text
    return text.replace("..", ".")  # "B.V." at the end of a sentence


def _what(reading: LetterReading, texts: TextCatalog, language: str | None) -> str:
    what = texts.render(_WHAT[reading.kind], language=language).text
    if reading.amount_due is not None:
        amount = texts.render(
            "utter_letter_amount", language=language, amount=format_amount(reading.amount_due)
        )
    else:
        amount = texts.render("utter_letter_amount_unknown", language=language)
    return f"{what} {amount.text}"


def _when(reading: LetterReading, texts: TextCatalog, language: str | None) -> str:
    parts = []
    if reading.deadline is not None:
        name = (
            "utter_letter_when_deadline_computed"
            if reading.deadline_computed
            else "utter_letter_when_deadline"
        )
        parts.append(
            texts.render(name, language=language, deadline=format_date(reading.deadline)).text
        )
    if reading.event_date is not None and reading.kind in _EVENT:
        parts.append(
            texts.render(
                _EVENT[reading.kind], language=language, date=format_date(reading.event_date)
            ).text
        )
    if not parts:
        parts.append(texts.render("utter_letter_when_none", language=language).text)
    return " ".join(parts)
