"""Route one claimed inbox item in three steps: prepare, call, record.

1. ``prepare`` (a short transaction, written only while the claim is still ours): the
   resident's identity and conversation, the stored message (once: the inbox item remembers
   it), and the decision where it goes.
2. ``call`` (no transaction open): Rasa's turn for the assistant, or only the NLU parse for a
   message that goes to a person (Rasa down: the shared crisis rules alone).
3. ``record`` (a short transaction, only while the claim is still ours): replies into the
   outbox, state changes, analytics events, and the item marked done, all at once.

A crash between the steps loses nothing: the lease runs out, the item is claimed again, the
stored message is not stored twice, and Rasa answers the repeated idempotency key from its
tracker instead of running the turn again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analytics import EventName, record_event, record_unanswered
from bot.conversations import csat, meanwhile, queue, store
from bot.conversations.attending import Attending
from bot.conversations.forget_me import ForgetMe
from bot.conversations.handover import HandoverService
from bot.conversations.media_flow import MediaFlow, Received
from bot.conversations.models import IGNORED, MEDIA, Inbound, Reply
from bot.conversations.plan_flow import PlanFlow
from bot.conversations.presenter import Audience, Presenter, audience
from bot.conversations.rasa import RasaClient, RasaParse, RasaTurn
from bot.conversations.safety import Screening, clear_language, screen
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, InboxItem, OutboxItem
from bot.errors import RasaUnavailable
from bot.privacy.pseudonym import pseudonym
from bot.staff import raise_alert
from bot.storage.base import utcnow
from bot.topics import TOPIC_INTENTS

logger = logging.getLogger(__name__)
TOPICS = frozenset(TOPIC_INTENTS)
UNANSWERED_CONFIDENCE = 0.5
MEDIA_RESPONSES = {
    "voice": "utter_gateway_voice",
    "audio": "utter_gateway_voice",
    "photo": "utter_gateway_image",
    "image": "utter_gateway_image",
    "video": "utter_gateway_image",
    "sticker": "utter_gateway_sticker",
    "document": "utter_gateway_document",
    "location": "utter_gateway_location",
    "contact": "utter_gateway_other",
}
# where a message goes
SKIP, GROUP, MEDIA_REPLY, ASSISTANT, PERSON = "skip", "group", "media", "assistant", "person"
LETTER_ANSWER = "letter_answer"  # Ja/Nee under a letter's explanation (media_flow.py)
PLAN = "plan"  # a plan button or "wat was mijn plan?" (plan_flow.py), in every state


def screening_for(text: str, source: RasaTurn | RasaParse | None) -> Screening:
    """The safety layer's screening, with Rasa's parse and safety finding when there was one."""
    if source is None:
        return screen(text)
    return screen(text, intent=source.intent, confidence=source.confidence, safety=source.safety)


@dataclass
class Plan:
    """What ``prepare`` decided for one item; ``call`` and ``record`` follow it."""

    item_id: int
    route: str
    conversation_id: str = ""
    channel: str = ""
    text: str = ""
    inbound: Inbound | None = None
    turn: RasaTurn | None = None
    parse: RasaParse | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # whether a later message of the same resident waits behind this one (``record`` reads it;
    # True until then: the worker looks for more work when the item is done)
    behind: bool = True


@dataclass
class Router:
    """Decides what happens with each inbound message."""

    rasa: RasaClient
    presenter: Presenter
    pseudonym_key: str
    attending: Attending
    handover: HandoverService
    forget_me: ForgetMe
    media: MediaFlow | None = None  # residents' files and letters (None: the old kind answer)
    plan: PlanFlow | None = None  # the resident's plan (None: never offered)

    def _reply(self, name: str, to: Audience, **values: Any) -> Reply:
        return self.presenter.reply(name, to, **values)

    def ref(self, conv: Conversation) -> str:
        """The analytics pseudonym of a conversation."""
        return pseudonym(self.pseudonym_key, conv.id)

    # --- 1. prepare ---------------------------------------------------------------------------

    async def prepare(
        self, factory: async_sessionmaker[AsyncSession], claim: queue.Claim, owner: str
    ) -> Plan | None:
        """Store the message and decide its route (one short transaction); None: not ours.

        The item is what its claim read (`queue.claim_inbox` returns the body and the stored
        message); the lease check is folded into the transaction's one write to the item
        (`queue.settle_inbox`), so a prepare that is no longer ours rolls back whole."""
        async with factory() as session:
            body, message_id = claim.body, claim.message_id
            if body is None:  # a claim that did not read its item: read it (and check it)
                item = await queue.held(session, InboxItem, claim.id, owner)
                if item is None:
                    return None
                body, message_id = dict(item.body), item.message_id
            plan, values = await self._prepare(session, claim, body, message_id)
            if not await queue.settle_inbox(session, claim.id, owner, **values):
                await session.rollback()  # taken over meanwhile: the new holder prepares it
                return None
            await session.commit()
        return plan

    async def _prepare(
        self,
        session: AsyncSession,
        claim: queue.Claim,
        body: Mapping[str, Any],
        message_id: int | None,
    ) -> tuple[Plan, dict[str, Any]]:
        """The plan, and what to write to the inbox item (its conversation, its stored message,
        or done)."""
        inbound = Inbound.from_json(dict(body))
        found = await store.resident(
            session, inbound.channel, claim.key, inbound.address, inbound.channel_message_id
        )
        identity = found.identity
        answered = await csat.take_answer(session, self.presenter, identity, inbound)
        if answered is not None:  # the question after a closed chat (no new conversation)
            plan = Plan(claim.id, SKIP, answered.id, answered.channel, inbound=inbound)
            return plan, {"conversation_id": answered.id, **queue.done_values()}
        new = found.conversation is None
        conv = found.conversation or await store.start_conversation(session, identity)
        if new:
            await record_event(
                session,
                EventName.CONVERSATION_STARTED,
                channel=conv.channel,
                conversation_ref=self.ref(conv),
            )
        plan = Plan(claim.id, SKIP, conv.id, conv.channel, inbound=inbound)
        done = {"conversation_id": conv.id, **queue.done_values()}
        if inbound.kind == IGNORED:
            return plan, done
        if message_id is None:
            message = await store.add_inbound_message(
                session,
                conv,
                inbound,
                {"kind": inbound.kind, "media_type": inbound.media_type},
                seen=found.seen,
            )
            if message is None:  # the same channel message again
                return plan, done
            message_id = message.id
            if found.parked:
                await _reopen_parked(session, conv)
        text = inbound.payload or inbound.text or ""
        if text.startswith("p:"):  # a Telegram button whose payload was too long
            text = await store.expand_payload(session, text) or "/something_else"
        plan.text = text
        if inbound.kind == "group":
            plan.route = GROUP
        elif conv.status != Status.BOT:
            plan.route = PERSON
            if conv.status == Status.WAITING_FOR_HUMAN:  # the assistant may still answer
                plan.extra["waiting"] = True
                plan.extra["asking"] = await meanwhile.assistant_asking(session, conv)
        elif inbound.kind == MEDIA:
            plan.route = MEDIA_REPLY
        elif self.media is not None and await self.media.pending(session, conv, text):
            plan.route = LETTER_ANSWER
        else:
            plan.route = ASSISTANT
        if (
            plan.route in (ASSISTANT, PERSON)
            and self.plan is not None
            and await self.plan.claims(session, conv, text)
        ):
            plan.route = PLAN
        if self._has_file(plan.route, inbound):  # a web chat upload is opened here
            assert self.media is not None
            plan.extra["upload"] = await self.media.open_upload(session, inbound)
        return plan, {"conversation_id": conv.id, "message_id": message_id}

    # --- 2. call (no transaction open) ----------------------------------------------------------

    async def call(self, plan: Plan) -> None:
        """The network part: Rasa's turn, or the parse for a person. May raise RasaUnavailable."""
        inbound = plan.inbound
        if inbound is not None and self._has_file(plan.route, inbound):
            assert self.media is not None  # fetched, checked, a letter read (in a thread)
            plan.extra["media"] = await self.media.receive(
                inbound, for_bot=plan.route == MEDIA_REPLY, upload=plan.extra.get("upload")
            )
        if plan.route == ASSISTANT:
            plan.turn = await self.rasa.send(
                plan.conversation_id,
                plan.text,
                {"channel": plan.channel},
                message_id=f"inbox-{plan.item_id}",
            )
        elif (
            plan.route == PERSON
            and plan.text
            and not plan.text.startswith("/")
            and not meanwhile.kept_from_rasa(plan.channel, plan.text)  # a callback number
        ):
            try:
                plan.parse = await self.rasa.parse(plan.text, key=plan.conversation_id)
            except RasaUnavailable:
                plan.parse = None  # the shared crisis rules alone
        if plan.route == PERSON and plan.extra.get("waiting") and inbound is not None:
            plan.turn = await meanwhile.answer(
                self.rasa,
                plan.conversation_id,
                plan.channel,
                inbound,
                plan.text,
                plan.parse,
                asking=bool(plan.extra.get("asking")),
                message_id=f"inbox-{plan.item_id}",
            )

    # --- 3. record ------------------------------------------------------------------------------

    async def record(
        self, factory: async_sessionmaker[AsyncSession], plan: Plan, owner: str
    ) -> bool:
        """Write the outcome and mark the item done, if the claim is still ours."""
        if plan.route == SKIP:
            return True
        async with factory() as session:
            # the item (locked, ours), its conversation and identity, and whether it was
            # answered before: one read
            held = await store.held_turn(session, plan.item_id, owner, plan.conversation_id)
            if held is None:
                return False  # another instance took over (our lease ran out): it records
            item, conv, identity = held.item, held.conversation, held.identity
            plan.behind = held.behind
            if conv is None or identity is None:  # forgotten meanwhile: nobody to answer
                _done(item)
                await session.commit()
                return True
            await self._disclose_if_first(session, conv, answered=held.answered)
            if item.body.get("flood_notice"):
                store.enqueue_reply(
                    session,
                    conv,
                    identity,
                    self._reply("utter_delivery_slow_down", audience(conv)),
                    sender_type="system",
                )
            inbound = plan.inbound or Inbound.from_json(item.body)
            route = plan.route
            if route == ASSISTANT and conv.status != Status.BOT:
                route = PERSON  # a person took the conversation while Rasa was thinking
            received = plan.extra.get("media")
            if route == GROUP:
                reply = self._reply("utter_gateway_group", audience(conv))
                store.enqueue_reply(session, conv, identity, reply)
            elif route in (MEDIA_REPLY, PERSON) and isinstance(received, Received):
                assert self.media is not None
                await self.media.record(session, conv, identity, inbound, received, item.message_id)
            elif route == LETTER_ANSWER:
                assert self.media is not None
                await self.media.answer(session, conv, identity, plan.text)
                if self.plan is not None:  # keep the letter's date in a plan?
                    await self.plan.after_letter(session, conv, identity)
            elif route == PLAN:
                assert self.plan is not None
                await self.plan.answer(session, conv, identity, plan.text)
            elif route == MEDIA_REPLY:
                name = MEDIA_RESPONSES.get(inbound.media_type or "", "utter_gateway_other")
                store.enqueue_reply(session, conv, identity, self._reply(name, audience(conv)))
            elif route == PERSON:
                screening = screening_for(plan.text, plan.turn or plan.parse)
                if plan.turn is not None:  # the assistant answered while the resident waits
                    await self._record_parse(session, conv, inbound, plan.turn)
                await self.attending.handle(
                    session, conv, identity, inbound, screening, turn=plan.turn
                )
            else:
                assert plan.turn is not None
                await self._record_turn(session, conv, identity, inbound, plan.turn)
            _done(item)
            await session.commit()
        return True

    async def record_rasa_down(
        self, factory: async_sessionmaker[AsyncSession], plan: Plan, owner: str, retry_in: float
    ) -> None:
        """Rasa could not answer: say once that the answer comes, and retry the item later.

        A message the shared crisis rules find certain does not wait for Rasa: the resident
        gets the crisis answer (113, 112) at once and the chat goes to a person, urgently, as
        Rasa's crisis turn would have done; the item is done and never goes to Rasa."""
        async with factory() as session:
            item = await queue.held(session, InboxItem, plan.item_id, owner)
            if item is None:
                return
            assert isinstance(item, InboxItem)
            if await self._crisis_without_rasa(session, plan):
                _done(item)
                await session.commit()
                return
            if not item.body.get("told_waiting"):
                conv = await session.get(Conversation, plan.conversation_id)
                if conv is not None and conv.identity_id is not None:
                    identity = await session.get(ChannelIdentity, conv.identity_id)
                    if identity is not None:
                        await self._disclose_if_first(session, conv)
                        reply = self._reply("utter_gateway_busy", audience(conv))
                        store.enqueue_reply(session, conv, identity, reply)
                item.body = {**item.body, "told_waiting": True}
            queue.release(item, after=retry_in)
            await session.commit()

    async def _crisis_without_rasa(self, session: AsyncSession, plan: Plan) -> bool:
        """The crisis answer and an urgent handover for a certain crisis while Rasa is away."""
        if plan.route != ASSISTANT or not plan.text:
            return False
        screening = screen(plan.text)  # the shared rules: no Rasa needed
        if screening.tier != "certain":
            return False
        conv = await session.get(Conversation, plan.conversation_id)
        if conv is None or conv.identity_id is None or conv.status != Status.BOT:
            return False
        identity = await session.get(ChannelIdentity, conv.identity_id)
        if identity is None:
            return False
        if conv.language is None:  # a first message in English, Arabic, ...: answered in it
            conv.language = clear_language(plan.text)
        await self._disclose_if_first(session, conv)
        kind = screening.kind
        for name in (self.presenter.crisis_answer(kind), "utter_handover_crisis"):
            store.enqueue_reply(session, conv, identity, self._reply(name, audience(conv)))
        decision: dict[str, Any] = {
            "kind": None,
            "reason": "crisis",
            "urgent": True,
            "summary": {},
            "crisis_kind": kind,
        }
        await self._handover(session, conv, identity, decision)
        logger.warning("rasa unavailable; crisis answered by the gateway (item %s)", plan.item_id)
        return True

    async def set_aside(
        self, factory: async_sessionmaker[AsyncSession], item_id: int, error: str
    ) -> None:
        """A poison message: take it out of the queue visibly and still answer the resident."""
        async with factory() as session:
            item = await session.get(InboxItem, item_id, with_for_update=True)
            if item is None or item.status != queue.PENDING:
                return
            item.status, item.last_error = "set_aside", error[:200]
            item.lease_owner = item.lease_until = None
            conv = (
                await session.get(Conversation, item.conversation_id)
                if item.conversation_id
                else None
            )
            # visible for a person: an alert to the administrators (the message is kept)
            await raise_alert(
                session,
                kind="set_aside",
                audience="admin",
                municipality_code=conv.municipality_code if conv else None,
                ref=item.conversation_id,
            )
            await session.commit()
        logger.error("inbox item %s set aside after repeated failures: %s", item_id, error)
        try:
            await self._answer_set_aside(factory, item_id)
        except Exception:  # noqa: BLE001 - the item is set aside; the answer is best effort
            logger.exception("could not answer the resident of set-aside item %s", item_id)

    async def _answer_set_aside(
        self, factory: async_sessionmaker[AsyncSession], item_id: int
    ) -> None:
        """One kind line that a person will look at it, also when the message never got as far
        as a conversation (it failed in ``prepare``): the resident is found from the item."""
        async with factory() as session:
            item = await session.get(InboxItem, item_id)
            if item is None:
                return
            conv = (
                await session.get(Conversation, item.conversation_id)
                if item.conversation_id
                else None
            )
            identity = (
                await session.get(ChannelIdentity, conv.identity_id)
                if conv is not None and conv.identity_id is not None
                else None
            )
            if conv is None:
                inbound = Inbound.from_json(item.body).cleaned()
                identity = await store.identity_for(
                    session, inbound.channel, item.sender_hash, inbound.address
                )
                conv, _ = await store.open_conversation(session, identity)
                item.conversation_id = conv.id
            if identity is None:  # forgotten meanwhile: nobody to answer
                return
            await self._disclose_if_first(session, conv)
            reply = self._reply("utter_gateway_set_aside", audience(conv))
            store.enqueue_reply(session, conv, identity, reply, sender_type="system")
            await session.commit()

    # --- helpers --------------------------------------------------------------------------------

    def _has_file(self, route: str, inbound: Inbound) -> bool:
        """A photo, document or voice note for the media flow (assistant or person)."""
        return (
            self.media is not None
            and route in (MEDIA_REPLY, PERSON)
            and self.media.handles(inbound)
        )

    async def _disclose_if_first(
        self, session: AsyncSession, conv: Conversation, *, answered: bool | None = None
    ) -> None:
        """AI Act art. 50: the first reply of a conversation says that a computer answers.
        ``answered``: whether the conversation had a reply, when the caller read it already."""
        if answered is None:
            answered = bool(await session.scalar(store.answered_before(conv.id)))
        if not answered:
            store.prefix_first_reply(
                session, conv, self._reply("utter_disclosure", audience(conv)).text
            )

    async def _record_turn(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        inbound: Inbound,
        turn: RasaTurn,
    ) -> None:
        await self._record_parse(session, conv, inbound, turn)
        replies = turn.replies
        if self.plan is not None:  # the plan offered after a topic or local help
            replies = await self.plan.after_turn(session, conv, turn)
        for reply in replies:
            store.enqueue_reply(session, conv, identity, reply)
        for custom in turn.custom:
            if "handover" in custom:
                await self._handover(session, conv, identity, custom["handover"])
            if custom.get("forget_me"):  # the confirmation is among the replies above
                await self.forget_me.forget(session, conv)
        if not turn.replies and not turn.custom:
            store.enqueue_reply(
                session, conv, identity, self._reply("utter_gateway_busy", audience(conv))
            )

    async def _record_parse(
        self, session: AsyncSession, conv: Conversation, inbound: Inbound, turn: RasaTurn
    ) -> None:
        code = turn.slots.get("municipality_code")
        if code and not conv.municipality_code:
            conv.municipality_code = str(code)
        language = turn.slots.get("language")
        if isinstance(language, str) and language != (conv.language or "nl"):
            # the resident's language as Rasa keeps it: the gateway's own texts follow it
            conv.language = None if language == "nl" else language
        # a follow-up answered from the topic just answered counts as that topic, whatever its
        # own unsure intent (and was understood: it is no question for the analysts' review)
        topic = turn.context_topic or turn.intent
        topic = topic if topic in TOPICS else None
        await record_event(
            session,
            EventName.MESSAGE_RECEIVED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=self.ref(conv),
            topic=topic,
            confidence=turn.confidence,
            data={"intent": turn.intent},
        )
        low = turn.confidence is not None and turn.confidence < UNANSWERED_CONFIDENCE
        understood = turn.context_topic is not None
        if (
            not inbound.payload
            and not understood
            and (turn.intent in ("nlu_fallback", "out_of_scope") or low)
        ):
            await record_unanswered(
                session,
                inbound.text,
                municipality_code=conv.municipality_code,
                channel=conv.channel,
                intent_guess=turn.intent,
                confidence=turn.confidence,
            )

    async def _handover(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        decision: dict[str, Any],
    ) -> None:
        summary = decision.get("summary") or {}
        if summary.get("municipality_code"):
            conv.municipality_code = summary["municipality_code"]
        if self.media is not None:  # an urgent letter makes the request urgent
            decision = await self.media.enrich_handover(session, conv, decision)
        conv.handover = decision
        store.move(session, conv, Status.WAITING_FOR_HUMAN, "bot", str(decision.get("reason")))
        await record_event(
            session,
            EventName.HANDOVER_REQUESTED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=self.ref(conv),
            reason=decision.get("reason"),
            kind=decision.get("kind"),
            data={"urgent": bool(decision.get("urgent"))},
        )
        for reply in await self.handover.request(session, conv, decision, identity):
            store.enqueue_reply(session, conv, identity, reply, sender_type="system")
        if self.media is not None:  # the summary names the files the resident sent
            await self.media.after_handover(session, conv)


def _done(item: InboxItem) -> None:
    item.status, item.done_at = "done", utcnow()
    item.lease_owner = item.lease_until = None


async def _reopen_parked(session: AsyncSession, conv: Conversation) -> None:
    """The resident answered: WhatsApp replies parked behind a template may go out now."""
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.conversation_id == conv.id, OutboxItem.status == store.PARKED)
        .values(status=queue.PENDING, next_attempt_at=utcnow(), lease_owner=None, lease_until=None)
    )
