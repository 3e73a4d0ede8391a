"""The summary is true (issue 18): 'Al verteld' comes from the texts the assistant really sent
(the crisis answer, the topic answers, the help options and their phone numbers), 'Al aangeboden'
from the buttons it sent, named by their meaning; the resident's language is shown."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.console.present import summary_view
from bot.conversations.tables import Conversation, Message
from bot.texts import TextCatalog

TEXTS = TextCatalog.load()
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def out(
    response: str, /, *, language: str | None = None, sender: str = "bot", **values: str
) -> Message:
    text = TEXTS.render(response, language=language, **values)
    return Message(
        direction="out",
        sender_type=sender,
        text=text.text,
        data={"buttons": [list(b) for b in text.buttons]},
        created_at=NOW,
    )


def option(name: str, phone: str) -> Message:
    how = TEXTS.render("utter_help_how_phone", phone=phone).text
    return out(
        "utter_help_option", name=name, where="in Groningen", what="Helpt met geld.", how=how
    )


def test_after_113_and_three_services_the_summary_names_them_all() -> None:
    conv = Conversation(id="c" * 36, channel="telegram", status="waiting_for_human", summary={})
    messages = [
        Message(direction="in", sender_type="contact", text="ik wil dood", data={}, created_at=NOW),
        out("utter_crisis_suicide"),
        out("utter_rent_housing"),
        option("Schuldhulp Groningen (demo)", "050-1234567"),
        option("Voedselbank Groningen (demo)", "050-7654321"),
        option("Geldfit", "0800-8115"),
    ]
    view = summary_view(conv, None, NOW, messages)
    told = view["told"]
    assert "Nog niets" not in told
    assert "Crisisantwoord: Denkt aan zelfdoding of zelfbeschadiging" in told
    assert "Uitleg over Huurachterstand" in told
    for name in ("Schuldhulp Groningen (demo)", "Voedselbank Groningen (demo)", "Geldfit"):
        assert f"Hulp genoemd: {name}" in told
    phones = next(line for line in told if line.startswith("Telefoonnummers gegeven"))
    for number in ("113", "0800-0113", "050-1234567", "0800-8115"):
        assert number in phones
    assert view["language"] == "Nederlands"


def test_a_crisis_answer_in_arabic_counts_and_the_language_is_shown() -> None:
    conv = Conversation(id="d" * 36, channel="web", status="bot", summary={}, language="ar")
    view = summary_view(conv, None, NOW, [out("utter_crisis_suicide", language="ar")])
    assert "Crisisantwoord: Denkt aan zelfdoding of zelfbeschadiging" in view["told"]
    assert view["language"] == "Arabisch"


def test_offered_is_what_the_buttons_meant_not_their_titles() -> None:
    conv = Conversation(id="e" * 36, channel="web", status="bot", summary={}, language="en")
    sent = out("utter_offer_human", language="en")
    assert sent.data["buttons"], "utter_offer_human has buttons"
    view = summary_view(conv, None, NOW, [sent])
    titles = {b[0] for b in sent.data["buttons"]}
    assert not titles & set(view["offered"])  # no English button titles
    assert view["offered"] != ["Nog niets"]
    assert all("_" not in line for line in view["offered"])


def test_without_anything_told_it_says_so() -> None:
    conv = Conversation(id="f" * 36, channel="web", status="bot", summary={})
    assert summary_view(conv, None, NOW, [])["told"] == ["Nog niets"]
