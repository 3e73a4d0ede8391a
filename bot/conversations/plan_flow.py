"""The plan in the chat: offered after a topic or a letter, accepted with a button, asked for
in any state ("wat was mijn plan?"), ticked with "klaar" (docs/plan.md).

The router asks `claims` in ``prepare`` whether a message is about the plan (a button payload
``/plan_*``, or a whole message in one of the six languages); such a message never goes to Rasa
and is answered by `answer` in ``record``. After the assistant's turn, `after_turn` remembers
what the plan could take steps from (the topic, the local help shown with its number) and
offers the plan once per conversation: as one more button under the turn's last choice when it
has one (never two questions in a row), else as its own short question. After a letter's
"Klopt dit?" was answered, `after_letter` does the same with the letter's deadline.

What a plan says is never logged; events carry kinds only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import store
from bot.conversations.commands import normalise
from bot.conversations.models import Reply
from bot.conversations.presenter import Audience, Presenter, audience
from bot.conversations.rasa import RasaTurn
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, ConversationEvent, Message
from bot.media import files_of
from bot.plan import Happened, Plan, PlanService, PlanStep, StepDraft, propose
from bot.plan.service import TOPIC_STEPS
from bot.plan.words import step_text
from bot.privacy.pseudonym import pseudonym

# conversation events (kept with the conversation, deleted with it)
OFFERED, DECLINED, SEEN_TOPIC, SEEN_HELP, ADD_OFFERED = (
    "plan.offered",
    "plan.declined",
    "plan.seen_topic",
    "plan.seen_help",
    "plan.add_offered",
)


class Ask(StrEnum):
    """What a message about the plan asks for."""

    ACCEPT = "accept"
    DECLINE = "decline"
    ADD = "add"
    SHOW = "show"
    DONE = "done"  # the button: ticks in every state
    DONE_WORD = "done_word"  # "klaar" typed: ticks an open step (with a person: see claims)
    LINK = "link"
    SHARE_YES = "share_yes"
    SHARE_NO = "share_no"
    REMIND_YES = "remind_yes"
    REMIND_NO = "remind_no"


DONE_PAYLOAD = "/plan_done"
SEEN = frozenset({"sent", "delivered", "read"})  # a message the resident may have seen
PAYLOADS = {
    "/plan_accept": Ask.ACCEPT,
    "/plan_decline": Ask.DECLINE,
    "/plan_add": Ask.ADD,
    "/plan_show": Ask.SHOW,
    DONE_PAYLOAD: Ask.DONE,
    "/plan_link": Ask.LINK,
    "/plan_share_yes": Ask.SHARE_YES,
    "/plan_share_no": Ask.SHARE_NO,
    "/plan_remind_yes": Ask.REMIND_YES,
    "/plan_remind_no": Ask.REMIND_NO,
}
SHOW_PHRASES = (
    # nl
    "wat was mijn plan",
    "wat is mijn plan",
    "wat was m'n plan",
    "wat is m'n plan",
    "mijn plan",
    "laat mijn plan zien",
    "wat waren mijn stappen",
    "wat zijn mijn stappen",
    # en
    "what was my plan",
    "what is my plan",
    "what's my plan",
    "my plan",
    "show my plan",
    # tr
    "planım neydi",
    "planim neydi",
    "planım ne",
    "planım",
    # pl
    "jaki był mój plan",
    "jaki jest mój plan",
    "mój plan",
    # uk
    "який був мій план",
    "який мій план",
    "мій план",
    # ar
    "ما هي خطتي",
    "ما كانت خطتي",
    "خطتي",
)
DONE_PHRASES = (
    "klaar",
    "stap klaar",
    "stap is klaar",
    "gedaan",
    "gelukt",
    "done",
    "step done",
    "bitti",
    "yaptım",
    "zrobione",
    "gotowe",
    "виконано",
    "готово",
    "تم",
)


@functools.cache
def _phrases() -> dict[str, Ask]:
    """The whole messages, normalised as `commands.normalise` does (built on first use)."""
    found = {normalise(p): Ask.SHOW for p in SHOW_PHRASES}
    found.update({normalise(p): Ask.DONE_WORD for p in DONE_PHRASES})
    return found


def asked(text: str) -> Ask | None:
    """What a message asks of the plan (a payload, or a whole message), or None."""
    text = (text or "").strip()
    if text.startswith("/"):
        return PAYLOADS.get(text.split("{", 1)[0])
    return _phrases().get(normalise(text))


def numbered(lines: list[str]) -> str:
    """Steps as a numbered list (digits, one a line)."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


@dataclass(frozen=True)
class PlanFlow:
    """The plan's part of the conversation (called by the router, in its transaction)."""

    presenter: Presenter
    plans: PlanService
    public_url: str
    pseudonym_key: str = ""

    # --- helpers --------------------------------------------------------------------------------

    def _say(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        response: str,
        **values: Any,
    ) -> None:
        reply = self.presenter.reply(response, audience(conv), **values)
        sender = "bot" if conv.status == Status.BOT else "system"
        store.enqueue_reply(session, conv, identity, reply, sender_type=sender)

    def url(self, token: str) -> str:
        """The plan page of a token."""
        return f"{self.public_url.rstrip('/')}/hulp/plan/{token}"

    def step_line(self, step: PlanStep, to: Audience) -> str:
        """One step in the resident's words, with its date."""
        line = step_text(self.presenter.texts, step, to.language)
        shown = step.due_on.strftime("%d-%m-%Y") if step.due_on is not None else ""
        if shown and shown not in line:  # the date once (a letter's step says it already)
            due = self.presenter.text("utter_plan_due", to, date=shown)
            line = f"{line} ({due})"
        return line

    async def _events(self, session: AsyncSession, conv: Conversation) -> list[ConversationEvent]:
        return list(
            (
                await session.scalars(
                    select(ConversationEvent)
                    .where(
                        ConversationEvent.conversation_id == conv.id,
                        ConversationEvent.name.like("plan.%"),
                    )
                    .order_by(ConversationEvent.id)
                )
            ).all()
        )

    async def happened(self, session: AsyncSession, conv: Conversation) -> Happened:
        """What this conversation did that a plan can take steps from."""
        topic: str | None = None
        helps: list[tuple[str, str]] = []
        for event in await self._events(session, conv):
            data = event.data or {}
            if event.name == SEEN_TOPIC:
                topic = str(data.get("topic") or "") or topic
            elif event.name == SEEN_HELP and data.get("service") and data.get("phone"):
                helps.append((str(data["service"]), str(data["phone"])))
        deadline: date | None = None
        for row in await files_of(session, conv.id):
            reading = row.reading or {}
            if reading.get("answer") == "yes" and reading.get("deadline"):
                try:
                    deadline = date.fromisoformat(str(reading["deadline"]))
                except ValueError:
                    continue
        waiting = conv.status in (Status.WAITING_FOR_HUMAN, Status.WITH_HUMAN)
        return Happened(topic, tuple(helps[-1:]), deadline, waiting)

    # --- 1. in prepare: is this message ours? --------------------------------------------------

    async def claims(self, session: AsyncSession, conv: Conversation, text: str) -> bool:
        """True when the plan answers this message (no Rasa turn, no attending). Called after
        the message was stored (the router's ``prepare``)."""
        ask = asked(text)
        if ask is None:
            return False
        if ask != Ask.DONE_WORD:
            return True
        # "klaar" typed: only with an open step; with the assistant that is enough
        if conv.identity_id is None:
            return False
        plan = await self.plans.plan_of(session, conv.identity_id)
        if plan is None or await self.plans.open_count(session, plan) == 0:
            return False
        if conv.status == Status.BOT:
            return True
        # a person on the way or in the chat: "klaar" means stop, unless it answers a step
        if conv.status in (Status.WAITING_FOR_HUMAN, Status.WITH_HUMAN):
            return await self._answers_a_step(session, conv)
        return False

    async def _answers_a_step(self, session: AsyncSession, conv: Conversation) -> bool:
        """True when the message before this one is a step the resident saw with its "Klaar"
        button (a reminder, or the plan they asked for), with nothing in between: then "klaar"
        can only be about that step. Anything else in between (a person's reply, the waiting
        line, another message of theirs) and it keeps its meaning."""
        latest = (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conv.id)
                .order_by(Message.id.desc())
                .limit(2)
            )
        ).all()
        if len(latest) < 2 or latest[0].direction != "in":
            return False
        before = latest[1]
        buttons = (before.data or {}).get("buttons") or []
        return (
            before.direction == "out"
            and before.delivery in SEEN
            and any(len(b) > 1 and b[1] == DONE_PAYLOAD for b in buttons)
        )

    # --- 3. in record: the answer --------------------------------------------------------------

    async def answer(
        self, session: AsyncSession, conv: Conversation, identity: ChannelIdentity, text: str
    ) -> None:
        """Answer a message about the plan (exactly one reply, or two when consent is next)."""
        ask = asked(text)
        plan = await self.plans.plan_of(session, identity.id)
        to = audience(conv)
        ref = pseudonym(self.pseudonym_key, conv.id)
        if plan is not None and plan.municipality_code is None and conv.municipality_code:
            plan.municipality_code = conv.municipality_code  # known later in the chat
        if ask == Ask.DECLINE:
            store.add_event(session, conv, DECLINED, "resident")
            self._say(session, conv, identity, "utter_plan_declined")
        elif ask in (Ask.ACCEPT, Ask.ADD):
            await self._accept(session, conv, identity, plan, ref)
        elif plan is None:
            self._say(session, conv, identity, "utter_plan_none")
        elif ask == Ask.SHOW:
            await self._show(session, conv, identity, plan)
        elif ask in (Ask.DONE, Ask.DONE_WORD):
            step = await self.plans.tick(session, plan, ref=ref)
            if step is None:
                self._say(session, conv, identity, "utter_plan_all_done")
                return
            self._say(session, conv, identity, "utter_plan_ticked", step=self.step_line(step, to))
            rest = await self.plans.open_steps(session, plan)
            if rest:
                self._say(
                    session, conv, identity, "utter_plan_next", step=self.step_line(rest[0], to)
                )
            else:
                self._say(session, conv, identity, "utter_plan_all_done")
        elif ask == Ask.LINK:
            token = await self.plans.new_link(session, plan)
            self._say(session, conv, identity, "utter_plan_link", url=self.url(token))
        elif ask in (Ask.SHARE_YES, Ask.SHARE_NO):
            plan.share_with_team = ask == Ask.SHARE_YES
            self._say(session, conv, identity, f"utter_plan_{ask}")
            if any(s.due_on for s in await self.plans.open_steps(session, plan)):
                self._say(session, conv, identity, "utter_plan_ask_reminders")
        elif ask in (Ask.REMIND_YES, Ask.REMIND_NO):
            plan.reminders = ask == Ask.REMIND_YES
            self._say(session, conv, identity, f"utter_plan_{ask}")

    async def _show(
        self, session: AsyncSession, conv: Conversation, identity: ChannelIdentity, plan: Plan
    ) -> None:
        to = audience(conv)
        steps = await self.plans.open_steps(session, plan)
        if not steps:
            self._say(session, conv, identity, "utter_plan_all_done")
            return
        lines = numbered([self.step_line(s, to) for s in steps])
        self._say(session, conv, identity, "utter_plan_show", steps=lines)

    async def _accept(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        plan: Plan | None,
        ref: str,
    ) -> None:
        to = audience(conv)
        drafts = propose(await self.happened(session, conv))
        if plan is None:
            plan, token = await self.plans.create(
                session,
                identity_id=identity.id,
                channel=conv.channel,
                municipality_code=conv.municipality_code,
                language=conv.language,
                drafts=drafts,
                ref=ref,
            )
            steps = await self.plans.open_steps(session, plan)
            lines = numbered([self.step_line(s, to) for s in steps])
            self._say(session, conv, identity, "utter_plan_made", steps=lines, url=self.url(token))
            self._say(session, conv, identity, "utter_plan_ask_share")
            return
        if plan.municipality_code is None and conv.municipality_code:
            plan.municipality_code = conv.municipality_code
        before = await self.plans.open_count(session, plan)
        added = await self.plans.add_all(session, plan, drafts)
        if not added and before >= 3:
            self._say(session, conv, identity, "utter_plan_full")
            return
        if added:
            self._say(session, conv, identity, "utter_plan_added")
        await self._show(session, conv, identity, plan)

    # --- after the assistant's turn: remember, and offer -------------------------------------

    async def after_turn(
        self, session: AsyncSession, conv: Conversation, turn: RasaTurn
    ) -> list[Reply]:
        """The turn's replies, with the plan offered when this is the moment (see module doc)."""
        replies = list(turn.replies)
        if any("handover" in c or c.get("forget_me") for c in turn.custom):
            return replies  # a person is coming or everything is erased: not now
        if turn.safety and turn.safety.get("crisis"):
            return replies
        seen = False
        for custom in turn.custom:
            for option in custom.get("plan_help") or []:
                if isinstance(option, dict) and option.get("name") and option.get("phone"):
                    store.add_event(
                        session,
                        conv,
                        SEEN_HELP,
                        "bot",
                        service=str(option["name"])[:120],
                        phone=str(option["phone"])[:40],
                    )
                    seen = True
                    break
        if turn.intent in TOPIC_STEPS:
            store.add_event(session, conv, SEEN_TOPIC, "bot", topic=turn.intent)
            seen = True
        if not seen or not replies:
            return replies
        offer = await self._offer(session, conv)
        if offer is None:
            return replies
        return _with_offer(replies, offer, self.presenter, audience(conv))

    async def after_letter(
        self, session: AsyncSession, conv: Conversation, identity: ChannelIdentity
    ) -> None:
        """After "Klopt dit?" was answered yes: offer to keep the letter's date in a plan."""
        happened = await self.happened(session, conv)
        if happened.deadline is None:
            return
        offer = await self._offer(session, conv)
        if offer is not None:
            self._say(session, conv, identity, offer)

    async def _offer(self, session: AsyncSession, conv: Conversation) -> str | None:
        """Which offer fits now (once per conversation; never after a "no"), or None."""
        names = {e.name for e in await self._events(session, conv)}
        if DECLINED in names or conv.identity_id is None:
            return None
        plan = await self.plans.plan_of(session, conv.identity_id)
        if plan is None:
            if OFFERED in names:
                return None
            store.add_event(session, conv, OFFERED, "bot")
            return "utter_plan_offer"
        drafts = propose(await self.happened(session, conv))
        steps = await self.plans.steps(session, plan)
        new = [d for d in drafts if not any(d.same_as(s) for s in steps)]
        if not new or await self.plans.open_count(session, plan) >= 3:
            return None
        keys = {_key(d) for d in new}
        offered = {
            str((e.data or {}).get("key"))
            for e in await self._events(session, conv)
            if e.name == ADD_OFFERED
        }
        if keys <= offered:
            return None
        for key in keys - offered:
            store.add_event(session, conv, ADD_OFFERED, "bot", key=key)
        return "utter_plan_offer_add"


def _key(draft: StepDraft) -> str:
    return f"{draft.kind}:{draft.response}:{sorted(draft.values.items())}"


def _with_offer(
    replies: list[Reply], offer: str, presenter: Presenter, to: Audience
) -> list[Reply]:
    """One more button under the last reply's choices, or the offer as its own question."""
    rendered = presenter.reply(offer, to)
    last = replies[-1]
    if last.buttons and rendered.buttons:
        title, payload = rendered.buttons[0]
        button = (presenter.text("utter_plan_offer_button", to), payload)
        return [*replies[:-1], Reply(last.text, (*last.buttons, button), last.author)]
    return [*replies, rendered]


__all__ = ["Ask", "PlanFlow", "asked"]
