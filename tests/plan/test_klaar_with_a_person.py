""" "klaar" while a person is on the way or in the chat (docs/plan.md): it ticks the current step
only when it answers a step the resident just saw with its "Klaar" button (the plan they asked
for, a reminder) with nothing in between; otherwise it keeps its meaning there: stop (waiting:
back to the assistant; with a person: "do you want to stop?"). Telegram fake, both backends."""

from __future__ import annotations

from datetime import date, timedelta

from bot.conversations.states import Status
from tests.conversations.conftest import PASSWORD
from tests.plan.conftest import TOPIC_TEXT, PlanSite, new_chat, said
from tests.plan.test_end_to_end import add_counsellor_step
from tests.support.staff_login import login_csrf

STAFF_STEP = "Bel de woningcorporatie terug."
JSON = {"Accept": "application/json"}  # as console.js posts


def ticked(text: str) -> bool:
    return text.startswith(said("utter_plan_ticked", step="x")[:-1].rstrip())


async def plan_with_two_steps_then_a_person(site: PlanSite) -> int:
    """A resident with two open steps (local help, the topic), shared, waiting for a person."""
    chat = new_chat()
    await site.telegram_text(chat, TOPIC_TEXT)
    await site.telegram_press(chat, "/find_local_help")
    await site.telegram_press(chat, "/plan_accept")
    await site.telegram_press(chat, "/plan_share_yes")
    await site.telegram_press(chat, "/ask_human")
    conv = await site.conversation_of(str(chat))
    assert conv.status == Status.WAITING_FOR_HUMAN
    return chat


async def open_steps(site: PlanSite) -> int:
    return sum(1 for s in await site.steps() if s.done_at is None)


async def test_while_waiting_klaar_ticks_right_after_the_plan_else_it_stops(
    site: PlanSite,
) -> None:
    chat = await plan_with_two_steps_then_a_person(site)
    shown = await site.telegram_text(chat, "wat was mijn plan?")
    assert "/plan_done" in str(site.telegram.sent(chat)[-1].get("reply_markup"))
    assert len(shown) == 1
    # right after the plan with its "Klaar" button: the step, and the person still comes
    got = await site.telegram_text(chat, "klaar")
    assert ticked(got[0]), got
    assert await open_steps(site) == 1
    conv = await site.conversation_of(str(chat))
    assert conv.status == Status.WAITING_FOR_HUMAN
    # now the message before is "your next step" (no button): "klaar" means stop, as before
    got = await site.telegram_text(chat, "Klaar!")
    assert got == [said("utter_handover_cancelled")]
    assert await open_steps(site) == 1
    conv = await site.conversation_of(str(chat))
    assert conv.status == Status.BOT
    assert "klaar" not in [m.lower() for m in site.rasa.messages]  # never sent to Rasa


async def test_while_waiting_klaar_after_the_waiting_line_stops(site: PlanSite) -> None:
    chat = await plan_with_two_steps_then_a_person(site)
    got = await site.telegram_text(chat, "klaar")
    assert got == [said("utter_handover_cancelled")]
    assert await open_steps(site) == 2


async def test_with_a_person_klaar_ticks_after_a_reminder_and_stops_after_their_reply(
    site: PlanSite,
) -> None:
    chat = await plan_with_two_steps_then_a_person(site)
    due = date.today() + timedelta(days=1)
    await add_counsellor_step(site, str(chat), STAFF_STEP, due)
    await site.telegram_press(chat, "/plan_remind_yes")
    conv = await site.conversation_of(str(chat))
    csrf = await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    taken = await site.client.post(f"/console/c/{conv.id}/take", data={"csrf": csrf}, headers=JSON)
    assert taken.status == 200, await taken.text()
    await site.settle()
    conv = await site.conversation_of(str(chat))
    assert conv.status == Status.WITH_HUMAN
    # the reminder (with its "Klaar" button) arrives in the chat with the person
    assert await site.remind() == 1
    assert STAFF_STEP in site.telegram.sent(chat)[-1]["text"]
    got = await site.telegram_text(chat, "klaar")
    assert ticked(got[0]) and STAFF_STEP in got[0]
    assert await open_steps(site) == 2
    conv = await site.conversation_of(str(chat))
    assert conv.status == Status.WITH_HUMAN
    # the person writes: now "klaar" is about the chat, as before (do you want to stop?)
    replied = await site.client.post(
        f"/console/c/{conv.id}/reply",
        data={"csrf": csrf, "text": "Hoe ging het gesprek?"},
        headers=JSON,
    )
    assert replied.status == 200, await replied.text()
    await site.settle()
    got = await site.telegram_text(chat, "klaar")
    assert len(got) == 1 and not ticked(got[0])
    assert got[0].startswith("Wil je stoppen met het gesprek met")  # utter_handover_stop_confirm
    assert await open_steps(site) == 2
