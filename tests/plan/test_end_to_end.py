"""Issue 20 end to end: a topic -> the plan offered -> accepted -> the page opened through its
link (real HTTP) -> a step ticked on the page is done in the chat -> a counsellor (with consent)
adds a step -> a reminder before its date -> forget-me, and the link answers 404.

Through Telegram (its fake), the web chat (its websocket) and WhatsApp (the Graph fake: the
plan template outside the 24-hour window, a normal message inside it); both backends.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.conversations.tables import Conversation, OutboxItem
from bot.plan import PlanService, StepDraft
from bot.storage.base import utcnow
from tests.gateway.conftest import fixture, sign
from tests.plan.conftest import (
    HELP_NAME,
    HELP_PHONE,
    TOPIC_TEXT,
    PlanSite,
    new_chat,
    open_web_chat,
    said,
)

LINK = re.compile(r"/hulp/plan/([A-Za-z0-9_-]{20,64})")


def link_in(texts: list[str]) -> str:
    for text in texts:
        found = LINK.search(text)
        if found:
            return found.group(0)
    raise AssertionError(f"no plan link in {texts}")


async def add_counsellor_step(site: PlanSite, address: str, text: str, due: date) -> None:
    """What the console does when the resident shared the plan (tests/plan/test_console.py
    drives the console itself)."""
    async with site.factory() as s:
        plan = await site.plan_of(address)
        assert plan is not None and plan.share_with_team
        plan = await s.get(type(plan), plan.id)
        assert plan is not None
        await PlanService().add_step(s, plan, StepDraft("staff", text=text, due_on=due), "staff:1")
        await s.commit()


async def test_telegram_topic_plan_page_tick_reminder_and_forget_me(site: PlanSite) -> None:
    chat = new_chat()
    await site.telegram_text(chat, TOPIC_TEXT)
    markup = str(site.telegram.sent(chat)[-1].get("reply_markup"))
    # offered once, as one more choice under the topic's own question (not a second question)
    assert "/plan_accept" in markup and "/find_local_help" in markup
    assert said("utter_plan_offer_button") in markup
    got = await site.telegram_press(chat, "/find_local_help")
    assert not any(
        "/plan_accept" in str(m.get("reply_markup")) for m in site.telegram.sent(chat)[-len(got) :]
    )
    got = await site.telegram_press(chat, "/plan_accept")
    assert got[-1] == said("utter_plan_ask_share")
    made = got[0]
    assert f"Bel {HELP_NAME}. Nummer: {HELP_PHONE}" in made  # the number the chat showed
    assert said("utter_plan_step_debt_collector") in made
    path = link_in(got)
    got = await site.telegram_press(chat, "/plan_share_yes")
    assert got == [said("utter_plan_share_yes")]  # no date in the plan yet: no reminder question

    # the page, through its link, over real HTTP
    page = await site.client.get(path)
    html = await page.text()
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert HELP_PHONE in html and said("utter_plan_step_debt_collector") in html
    help_step = next(s for s in await site.steps() if s.kind == "help")
    ticked = await site.client.post(f"{path}/stap/{help_step.id}", allow_redirects=False)
    assert ticked.status == 303
    # ticked on the page: done in the chat
    got = await site.telegram_text(chat, "wat was mijn plan?")
    assert said("utter_plan_step_debt_collector") in got[0]
    assert HELP_PHONE not in got[0]
    assert site.rasa.messages.count("wat was mijn plan?") == 0  # the gateway answers it

    # a counsellor adds a step with a date (the resident shared the plan)
    due = date.today() + timedelta(days=2)
    await add_counsellor_step(site, str(chat), "Neem je loonstrook mee naar het gesprek.", due)
    got = await site.telegram_text(chat, "wat was mijn plan?")
    assert "Neem je loonstrook mee" in got[0] and due.strftime("%d-%m-%Y") in got[0]
    # reminders only with consent
    assert await site.remind() == 0
    got = await site.telegram_press(chat, "/plan_remind_yes")
    assert got == [said("utter_plan_remind_yes")]
    assert await site.remind() == 1
    reminder = site.telegram.sent(chat)[-1]
    assert "Neem je loonstrook mee" in reminder["text"] and "/plan_done" in str(reminder)
    assert await site.remind() == 0  # once
    # "klaar" ticks the current step (the one with the date comes first)
    got = await site.telegram_text(chat, "klaar")
    assert got[0].startswith(said("utter_plan_ticked", step="x")[:-1].rstrip())
    assert "Neem je loonstrook mee" in got[0]

    # forget-me: the plan and its link are gone; the link answers the 404 of a guessed one
    await site.telegram_text(chat, "verwijder mijn gegevens")
    assert await site.plan_of(str(chat)) is None and await site.steps() == []
    gone = await site.client.get(path)
    guessed = await site.client.get("/hulp/plan/" + "A" * 32)
    assert gone.status == guessed.status == 404
    assert await gone.text() == await guessed.text()


async def test_web_chat_plan_and_the_page(site: PlanSite) -> None:
    chat = await open_web_chat(site)
    got = await chat.say(TOPIC_TEXT)
    assert any(b["payload"] == "/plan_accept" for m in got for b in m.get("buttons", []))
    got = await chat.say(said("utter_plan_offer_button"), payload="/plan_accept")
    texts = [m["text"] for m in got]
    path = link_in(texts)
    assert said("utter_plan_step_debt_collector") in texts[0]
    page = await site.client.get(path)
    assert page.status == 200
    [step] = await site.steps()
    await site.client.post(f"{path}/stap/{step.id}", allow_redirects=False)
    got = await chat.say("Wat was mijn plan?")
    assert [m["text"] for m in got] == [said("utter_plan_all_done")]
    # local help after the plan: asked once whether to add it, then it is in the plan
    got = await chat.say("Hulp in de buurt", payload="/find_local_help")
    assert got[-1]["text"] == said("utter_plan_offer_add")
    got = await chat.say("Ja, graag", payload="/plan_add")
    assert got[0]["text"] == said("utter_plan_added")
    assert HELP_PHONE in got[1]["text"]
    # revoked on the page: the link answers the same 404 as a guessed one
    confirm = await site.client.get(f"{path}/intrekken")
    assert confirm.status == 200
    assert (await site.client.post(f"{path}/intrekken")).status == 200
    revoked = await site.client.get(path)
    guessed = await site.client.get("/hulp/plan/" + "B" * 32)
    assert revoked.status == guessed.status == 404
    assert await revoked.text() == await guessed.text()
    # the steps stay in the chat; a new link works
    got = await chat.say("", payload="/plan_link")
    fresh = link_in([m["text"] for m in got])
    assert fresh != path and (await site.client.get(fresh)).status == 200
    await chat.ws.close()


async def test_declined_is_not_asked_again(site: PlanSite) -> None:
    chat = new_chat()
    await site.telegram_text(chat, TOPIC_TEXT)
    got = await site.telegram_press(chat, "/plan_decline")
    assert got == [said("utter_plan_declined")]
    await site.telegram_text(chat, TOPIC_TEXT)
    assert "/plan_accept" not in str(site.telegram.sent(chat)[-1].get("reply_markup"))
    got = await site.telegram_text(chat, "wat was mijn plan")
    assert got == [said("utter_plan_none")]
    # without a plan "klaar" is not ours: it goes to the assistant
    await site.telegram_text(chat, "klaar")
    assert site.rasa.messages[-1] == "klaar"


def wa_text(wa_id: str, wamid: str, text: str) -> dict[str, Any]:
    body = copy.deepcopy(fixture("wa_msg_text"))
    value = body["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    value["contacts"][0]["wa_id"] = message["from"] = wa_id
    message["id"], message["text"] = wamid, {"body": text}
    return body


def wa_button(wa_id: str, wamid: str, payload: str) -> dict[str, Any]:
    body = copy.deepcopy(fixture("wa_msg_interactive_button_reply"))
    value = body["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    value["contacts"][0]["wa_id"] = message["from"] = wa_id
    message["id"] = wamid
    message["interactive"]["button_reply"] = {"id": payload, "title": "Ja"}
    return body


async def wa_send(site: PlanSite, body: dict[str, Any]) -> None:
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = (
        site.graph.phone_number_id
    )
    raw = json.dumps(body).encode()
    response = await site.client.post(
        "/webhooks/whatsapp",
        data=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw)},
    )
    assert response.status == 200
    await site.settle()


async def test_whatsapp_reminder_template_outside_the_window_text_inside(site: PlanSite) -> None:
    wa_id = "31655500011"
    await wa_send(site, wa_text(wa_id, "wamid.p1", TOPIC_TEXT))
    await wa_send(site, wa_button(wa_id, "wamid.p2", "/plan_accept"))
    await wa_send(site, wa_button(wa_id, "wamid.p3", "/plan_share_yes"))
    due = date.today() + timedelta(days=1)
    await add_counsellor_step(site, wa_id, "Bel de woningcorporatie terug.", due)
    await wa_send(site, wa_button(wa_id, "wamid.p4", "/plan_remind_yes"))
    # a day and more without a message from the resident: the window is closed
    async with site.factory() as s:
        for conv in (await s.scalars(select(Conversation))).all():
            conv.last_inbound_at = utcnow() - timedelta(hours=25)
        await s.commit()
    site.graph.closed.add(wa_id)
    before = len(site.graph.sent)
    assert await site.remind() == 1
    [template] = site.graph.sent[before:]
    assert template["type"] == "template"
    assert template["template"]["name"] == "geldhulp_plan_herinnering"
    params = template["template"]["components"][0]["parameters"]
    assert params == [{"type": "text", "text": due.strftime("%d-%m-%Y")}]
    assert "woningcorporatie" not in json.dumps(template)  # nothing of the plan goes to Meta
    async with site.factory() as s:
        parked = (
            await s.scalars(select(OutboxItem).where(OutboxItem.status == "awaiting_reply"))
        ).all()
    assert len(parked) == 1
    # the resident answers: the reminder itself goes out
    await wa_send(site, wa_text(wa_id, "wamid.p5", "hoi"))
    assert any("woningcorporatie" in json.dumps(m) for m in site.graph.sent[before + 1 :])

    # inside the window: a normal message
    wa_two = "31655500022"
    await wa_send(site, wa_text(wa_two, "wamid.q1", TOPIC_TEXT))
    await wa_send(site, wa_button(wa_two, "wamid.q2", "/plan_accept"))
    await wa_send(site, wa_button(wa_two, "wamid.q3", "/plan_share_yes"))
    await add_counsellor_step(site, wa_two, "Stuur de brief door.", due)
    await wa_send(site, wa_button(wa_two, "wamid.q4", "/plan_remind_yes"))
    before = len(site.graph.sent)
    assert await site.remind() == 1
    [reminder] = site.graph.sent[before:]
    assert reminder["type"] == "interactive" and "Stuur de brief door." in json.dumps(reminder)
