"""Route one accepted inbound message: to Rasa (bot), or keep it for a human (handover).

Everything for one message happens in one transaction: the stored message, the replies in the
outbox, the state change and the analytics events. The inbox item is marked done in the same
transaction, so a crash before commit means the message is simply processed again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName, record_event, record_unanswered
from bot.conversations import forgetting, store
from bot.conversations.attending import Attending
from bot.conversations.models import IGNORED, MEDIA, Inbound, Reply
from bot.conversations.rasa import RasaClient, RasaTurn
from bot.conversations.safety import screen
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, InboxItem
from bot.errors import RasaUnavailable
from bot.privacy.pseudonym import pseudonym
from bot.texts import TextCatalog
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

# Called when the assistant decided on a handover: (session, conversation, decision, identity).
HandoverHook = Callable[
    [AsyncSession, Conversation, dict[str, Any], ChannelIdentity], Awaitable[list[Reply]]
]


@dataclass
class Router:
    """Decides what happens with each inbound message."""

    rasa: RasaClient
    texts: TextCatalog
    pseudonym_key: str
    attending: Attending
    on_handover: HandoverHook | None = None

    def _reply(self, name: str, channel: str, **values: Any) -> Reply:
        text = self.texts.render(name, channel=channel, **values)
        return Reply(text.text, text.buttons)

    def ref(self, conv: Conversation) -> str:
        """The analytics pseudonym of a conversation."""
        return pseudonym(self.pseudonym_key, conv.id)

    async def handle(self, session: AsyncSession, item: InboxItem) -> None:
        """Process one inbox item inside ``session`` (the caller commits)."""
        inbound = Inbound.from_json(item.body)
        identity = await store.identity_for(
            session, inbound.channel, item.sender_hash, inbound.address
        )
        conv, new = await store.open_conversation(session, identity)
        if new:
            await record_event(
                session,
                EventName.CONVERSATION_STARTED,
                channel=conv.channel,
                conversation_ref=self.ref(conv),
            )
        if inbound.kind == IGNORED:
            item.status = "done"
            return
        if new:  # AI Act art. 50: the first message says a computer answers, whatever came in
            store.prefix_first_reply(
                session, conv, self._reply("utter_disclosure", conv.channel).text
            )
        if not item.body.get("stored"):  # a retry after Rasa was down stored it already
            message = await store.add_inbound_message(
                session, conv, inbound, {"kind": inbound.kind, "media_type": inbound.media_type}
            )
            if message is None:  # the same channel message again
                item.status = "done"
                return
        if inbound.kind == "group":
            store.enqueue_reply(
                session, conv, identity, self._reply("utter_gateway_group", conv.channel)
            )
        elif conv.status != Status.BOT:
            # not with the assistant: a person answers, and the safety layer screens everything
            screening = screen(inbound.payload or inbound.text or "")
            await self.attending.handle(session, conv, identity, inbound, screening)
        elif inbound.kind == MEDIA:
            name = MEDIA_RESPONSES.get(inbound.media_type or "", "utter_gateway_other")
            store.enqueue_reply(session, conv, identity, self._reply(name, conv.channel))
        else:
            await self._to_rasa(session, conv, identity, inbound, item)
        item.status = "done"

    async def _to_rasa(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        inbound: Inbound,
        item: InboxItem,
    ) -> None:
        text = inbound.payload or inbound.text
        if text.startswith("p:"):  # a Telegram button whose payload was too long for callback_data
            text = await store.expand_payload(session, text) or "/something_else"
        try:
            turn = await self.rasa.send(conv.id, text, {"channel": conv.channel})
        except RasaUnavailable:
            if not item.body.get("told_waiting"):
                # tell the resident at once; the message stays in the inbox and is retried
                store.enqueue_reply(
                    session, conv, identity, self._reply("utter_gateway_busy", conv.channel)
                )
                item.body = {**item.body, "told_waiting": True}
            raise
        await self._record_parse(session, conv, inbound, turn)
        for reply in turn.replies:
            store.enqueue_reply(session, conv, identity, reply)
        for custom in turn.custom:
            if "handover" in custom:
                await self._handover(session, conv, identity, custom["handover"])
            if custom.get("forget_me"):
                await self._forget(session, conv)
        if not turn.replies and not turn.custom:
            store.enqueue_reply(
                session, conv, identity, self._reply("utter_gateway_busy", conv.channel)
            )

    async def _record_parse(
        self, session: AsyncSession, conv: Conversation, inbound: Inbound, turn: RasaTurn
    ) -> None:
        code = turn.slots.get("municipality_code")
        if code and not conv.municipality_code:
            conv.municipality_code = str(code)
        topic = turn.intent if turn.intent in TOPICS else None
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
        if not inbound.payload and (turn.intent in ("nlu_fallback", "out_of_scope") or low):
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
        if self.on_handover is not None:
            for reply in await self.on_handover(session, conv, decision, identity):
                store.enqueue_reply(session, conv, identity, reply, sender_type="system")
        else:
            store.enqueue_reply(
                session,
                conv,
                identity,
                self._reply("utter_gateway_handover_waiting", conv.channel),
                sender_type="system",
            )

    async def _forget(self, session: AsyncSession, conv: Conversation) -> None:
        """Delete the transcript and the channel address once the confirmation is sent."""
        conv.handover = None
        await forgetting.forget_identity(session, conv)
        store.move(session, conv, Status.CLOSED, "resident", "forget_me")
        await record_event(
            session,
            EventName.CONVERSATION_CLOSED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=self.ref(conv),
            outcome="forgotten",
        )
