"""Per language, end to end through the web chat: a greeting, a money question, asking for a
person and a crisis, answered by the trained model in that language; and Arabic shown
right-to-left in Chromium (axe-core clean).

The languages are switched on for this run (tests/languages/conftest.py). After the resident
chooses a person, the texts come from the gateway itself (the conversation keeps Rasa's
`language` slot): the handover reply and the crisis answer while waiting are in the language too.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.texts import TextCatalog, pick_variant
from tests.support.browser import launch

pytestmark = pytest.mark.rasa
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CATALOG = TextCatalog.load()
WAIT = 180  # seconds: a busy 2-core machine, never a fixed sleep

# Written by the team for this test; none of them is a training example.
CONVERSATIONS = {
    "en": {
        "greet": "Hello there, good evening",
        "money": (
            "My landlord sent a letter because I am three months behind with the rent",
            "utter_rent_housing",
        ),
        "person": "Can I please talk with a real person about this",
        "crisis": "I don't see any way out anymore, I want to end my life",
    },
    "tr": {
        "greet": "Merhaba, iyi akşamlar size",
        "money": (
            "Ev sahibime üç aylık kira borcum var, tahliye mektubu geldi",
            "utter_rent_housing",
        ),
        "person": "Lütfen gerçek bir insanla konuşmak istiyorum",
        "crisis": "Artık dayanamıyorum, intihar etmeyi düşünüyorum",
    },
    "pl": {
        "greet": "Dzień dobry, witam serdecznie",
        "money": (
            "Mam trzy miesiące zaległości z czynszem i boję się eksmisji",
            "utter_rent_housing",
        ),
        "person": "Chciałabym porozmawiać z prawdziwym człowiekiem",
        "crisis": "Nie daję już rady, chcę odebrać sobie życie",
    },
    "uk": {
        "greet": "Добрий вечір, вітаю вас",
        "money": (
            "У мене борг за оренду за три місяці, власник хоче виселити",
            "utter_rent_housing",
        ),
        "person": "Будь ласка, я хочу поговорити з живою людиною",
        "crisis": "Я більше не можу, думаю про самогубство",
    },
    "ar": {
        "greet": "مساء الخير، أهلا بكم جميعا",
        "money": (
            "عندي متأخرات في الإيجار ثلاثة أشهر وصاحب البيت يريد إخراجي",
            "utter_rent_housing",
        ),
        "person": "من فضلك أريد أن أتكلم مع إنسان حقيقي",
        "crisis": "لا أستطيع التحمل أكثر، أفكر في الانتحار",
    },
}


def first_lines(name: str, language: str, **slots: str | None) -> list[str]:
    """The first line of each variant Rasa may choose for ``name`` in ``language``."""
    variants = [dict(v) for v in CATALOG.variants(name)]
    chosen = pick_variant(variants, slots={"language": language, **slots})
    same = [v for v in variants if v.get("condition") == chosen.get("condition")]
    return [str(v["text"]).strip().splitlines()[0] for v in same]


def answer_lines(topic_response: str, language: str) -> list[str]:
    """The first lines of the topic's answer and of every knowledge-base answer of that topic
    (a specific question gets its entry: docs/knowledge.md), in ``language``."""
    topic = topic_response.removeprefix("utter_")
    wanted = first_lines(topic_response, language)
    for name in CATALOG.names():
        if name.startswith("utter_kb_") and any(
            (v.get("metadata") or {}).get("topic") == topic for v in CATALOG.variants(name)
        ):
            wanted += first_lines(name, language)
    return wanted


# what the gateway may answer a request for a person (in hours, out of hours, no team)
HANDOVER_REPLIES = (
    "utter_handover_queued_counsellor",
    "utter_handover_out_of_hours",
    "utter_handover_ask_consent",
)


def opening_words(names: tuple[str, ...], language: str) -> list[str]:
    """The fixed words before the first placeholder of each response, in ``language``."""
    return [line.split("{")[0].strip() for name in names for line in first_lines(name, language)]


def every_first_line(language: str) -> list[str]:
    """The first line of every variant in ``language`` (any answer in that language)."""
    return [
        str(v["text"]).strip().splitlines()[0]
        for name in CATALOG.names()
        for v in CATALOG.variants(name)
        if _language(dict(v)) == language and str(v.get("text", "")).strip()
    ]


def _language(variant: dict) -> str:
    for condition in variant.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition["value"])
    return "nl" if not variant.get("condition") else "?"


async def receive_until(ws, wanted: list[str], timeout: float = WAIT) -> list[dict]:  # type: ignore[no-untyped-def]
    """Messages until one contains one of ``wanted`` (bounded)."""
    seen: list[dict] = []
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            data = json.loads(msg.data)
            seen.append(data)
            if any(w in str(data.get("text") or "") for w in wanted):
                return seen


async def say(ws, number: int, text: str, wanted: list[str]) -> list[dict]:  # type: ignore[no-untyped-def]
    await ws.send_json({"type": "message", "id": f"m{number}", "text": text})
    return await receive_until(ws, wanted)


@pytest.mark.parametrize("language", list(CONVERSATIONS))
async def test_greeting_money_person_and_crisis_in_the_language(gateway, language: str) -> None:  # type: ignore[no-untyped-def]
    lines = CONVERSATIONS[language]
    client = await gateway()
    origin = f"http://{client.host}:{client.port}"
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": None})
    welcome = json.loads((await ws.receive()).data)
    assert welcome["type"] == "welcome"

    # a greeting of three words switches the conversation and asks once whether to go on in it
    seen = await say(ws, 1, lines["greet"], first_lines("utter_greet", language))
    offer = [m for m in seen if first_lines("utter_language_offer", language)[0] in m["text"]]
    assert offer, [m["text"] for m in seen]
    assert offer[0]["buttons"][0]["payload"] == f'/switch_language{{"language":"{language}"}}'

    # a money question: the topic's answer, in the language (no second offer)
    text, topic = lines["money"]
    seen = await say(ws, 2, text, answer_lines(topic, language))
    assert not any(first_lines("utter_language_offer", language)[0] in m["text"] for m in seen)

    # asking for a person: the choice of a person, honest about the team's language
    seen = await say(ws, 3, lines["person"], first_lines("utter_offer_human", language))
    offered = [m for m in seen if m.get("buttons")]
    assert [b["payload"] for b in offered[-1]["buttons"]] == [
        "/choose_counsellor",
        "/choose_peer",
        "/deny",
    ]

    # choosing a person: the gateway routes the chat and answers in the language (not Dutch)
    wanted = opening_words(HANDOVER_REPLIES, language)
    dutch = opening_words(HANDOVER_REPLIES, "nl")
    seen = await say(ws, 4, "/choose_counsellor", wanted)
    gateway_texts = [m["text"] for m in seen if any(w and w in m["text"] for w in wanted)]
    assert gateway_texts and not any(d and d in t for d in dutch for t in gateway_texts)

    # a crisis while waiting: the gateway's crisis answer for its kind, in the language
    crisis_lines = first_lines("utter_crisis_suicide", language) + first_lines(
        "utter_crisis", language, crisis_kind="suicide"
    )
    seen = await say(ws, 5, lines["crisis"], crisis_lines)
    crisis = [m for m in seen if "113" in m["text"]]
    assert crisis and "112" in " ".join(m["text"] for m in seen)
    await ws.close()


async def test_the_language_button_switches_and_keeps_it(gateway) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    origin = f"http://{client.host}:{client.port}"
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": None})
    assert json.loads((await ws.receive()).data)["type"] == "welcome"
    await ws.send_json(
        {"type": "message", "id": "t1", "text": "", "title": "Taal", "payload": "/choose_language"}
    )
    seen = await receive_until(ws, first_lines("utter_choose_language", "nl"))
    menu = [m for m in seen if m.get("buttons")][-1]
    assert '/switch_language{"language":"pl"}' in [b["payload"] for b in menu["buttons"]]
    await ws.send_json(
        {
            "type": "message",
            "id": "t2",
            "text": "",
            "title": "Polski",
            "payload": '/switch_language{"language":"pl"}',
        }
    )
    await receive_until(ws, first_lines("utter_language_switched", "pl"))
    # "ok" and a Dutch sentence do not switch back: the resident chose Polish
    polish = [line for line in every_first_line("pl") if len(line) > 12]
    seen = await say(ws, 3, "ok", polish)
    assert not any(
        line in m["text"] for m in seen for line in every_first_line("nl") if len(line) > 12
    )
    await say(
        ws,
        4,
        "ik heb een brief van de deurwaarder gekregen",
        first_lines("utter_debt_collector", "pl"),
    )
    await ws.close()


@pytest.mark.browser
async def test_arabic_is_shown_right_to_left(gateway) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    client = await gateway()
    url = f"http://{client.host}:{client.port}/chat"
    ARTIFACTS.mkdir(exist_ok=True)
    switched = first_lines("utter_language_switched", "ar")[0]
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 360, "height": 740})
        await page.goto(url)
        assert await page.evaluate("document.documentElement.dir") == "ltr"
        await page.click("#language")
        await page.click(".choices button:has-text('العربية')", timeout=WAIT * 1000)
        await page.wait_for_function(
            "t => [...document.querySelectorAll('.msg--bot .text')].some(e => e.textContent.includes(t))",
            arg=switched,
            timeout=WAIT * 1000,
        )
        await page.fill("#input", "عندي ديون كثيرة للبلدية ولا أعرف ماذا أفعل")
        await page.press("#input", "Enter")
        await page.wait_for_function(
            # the answer to the debt question: in Arabic, with its phone number
            "() => document.querySelector('.msg--bot[lang=ar] .keep') !== null",
            timeout=WAIT * 1000,
        )
        page_dir = await page.evaluate("document.documentElement.dir")
        page_lang = await page.evaluate("document.documentElement.lang")
        bubble = await page.evaluate(
            "() => { const b = [...document.querySelectorAll('.msg--bot')].pop();"
            " return {dir: getComputedStyle(b).direction, attr: b.dir}; }"
        )
        mine = await page.evaluate(
            "() => { const m = [...document.querySelectorAll('.msg--me')].pop().getBoundingClientRect();"
            " return {left: m.left, right: m.right, width: document.documentElement.clientWidth}; }"
        )
        keep = await page.evaluate(
            "() => [...document.querySelectorAll('.msg--bot[lang=ar] .keep')]"
            ".map(e => [e.textContent, e.dir, getComputedStyle(e).whiteSpace])"
        )
        assert page_dir == "rtl" and page_lang == "ar"
        # a phone number in Arabic text stays whole and left-to-right (the answer has one)
        assert any(text[:4].isdigit() and d == "ltr" and ws == "nowrap" for text, d, ws in keep)
        assert bubble == {"dir": "rtl", "attr": "rtl"}
        # mirrored: the resident's own bubble sits on the left in a right-to-left page
        assert mine["left"] < mine["width"] - mine["right"]
        await page.screenshot(path=str(ARTIFACTS / "webchat-arabic.png"), full_page=True)
        results = await Axe().run(
            page,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
            },
        )
        assert results.response["violations"] == [], results.generate_report()
        await browser.close()
