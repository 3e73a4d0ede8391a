"""What a resident's message gets while the conversation is not with the assistant.

The state table of docs/console.md in code: for each state (waiting for a person in hours, out
of hours, with a callback promised, after the crisis answer; with a person) and each kind of
message (`commands.Kind`), exactly one answer, or the message reaches the person (stored in the
transcript, marked new in the console), never both silence and nobody. The router stores the
message first and passes the safety layer's screening; this module only writes rows and
enqueues replies (no network I/O), in the router's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName, record_event
from bot.conversations import callback_phone, meanwhile, store, summary
from bot.conversations.callback_phone import CallbackPhones
from bot.conversations.commands import Kind, classify
from bot.conversations.forget_me import ForgetMe
from bot.conversations.handover import HandoverService
from bot.conversations.models import Inbound, Reply
from bot.conversations.presenter import Audience, Presenter, audience
from bot.conversations.rasa import RasaTurn
from bot.conversations.safety import Screening
from bot.conversations.states import Status
from bot.conversations.tables import (
    ChannelIdentity,
    Conversation,
    ConversationEvent,
    Handover,
    InboxItem,
    Message,
)
from bot.conversations.waiting import team_is_there
from bot.privacy.pseudonym import pseudonym
from bot.privacy.retention import RetentionPolicy
from bot.settings import Settings
from bot.staff import Team
from bot.storage.base import utcnow

ACK_REPEAT = timedelta(minutes=10)  # "ook dit bericht staat klaar" at most this often
CRISIS_REPEAT = timedelta(minutes=15)  # the full crisis answer again after this long
POSSIBLE_REPEAT = timedelta(minutes=15)
WEB = "web"
# a handover the assistant made without the resident choosing it (a crisis answer hands over
# at once): a "nee" to it is asked about once ("Wil je je plek houden?")
AUTOMATIC_REASONS = frozenset({"crisis"})
KEEP_PLACE_ASKED, KEEP_PLACE_ANSWERED = "waiting.keep_place_asked", "waiting.keep_place_answered"


@dataclass
class Turn:
    """One resident message in a non-assistant state, with what it needs to be answered."""

    session: AsyncSession
    conv: Conversation
    identity: ChannelIdentity
    inbound: Inbound
    screening: Screening
    kind: Kind
    handover: Handover | None
    team: Team | None
    now: datetime
    message: Message | None
    # the assistant's answer to a question it can answer while the resident waits
    answers: list[Reply] = field(default_factory=list)
    asks: str | None = None  # the slot the assistant's answer asks for (the place)

    @property
    def to(self) -> Audience:
        """The resident's channel and language, for the texts of this turn."""
        return audience(self.conv)


@dataclass
class Attending:
    """Answers messages typed while a person is on the way or in the chat."""

    presenter: Presenter
    pseudonym_key: str
    handover: HandoverService
    forget_me: ForgetMe
    # how long a transcript is kept: what the web chat tells a resident who may not come back
    retention: RetentionPolicy | None = None
    # a phone number for a web-chat callback, sealed (None: the web chat offers no phone)
    phones: CallbackPhones | None = None

    # --- small helpers -----------------------------------------------------------------------

    def _say(self, t: Turn, response: str, **values: Any) -> None:
        reply = self.presenter.reply(response, t.to, **values)
        store.enqueue_reply(t.session, t.conv, t.identity, reply, sender_type="system")

    def _team_name(self, t: Turn) -> str:
        return self.presenter.team_name(t.team, t.to)

    def _offers(self) -> frozenset[str]:
        return meanwhile.offer_texts(self.presenter.texts)

    # --- entry point -------------------------------------------------------------------------

    async def handle(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        inbound: Inbound,
        screening: Screening,
        *,
        turn: RasaTurn | None = None,
    ) -> None:
        """Answer (or keep for the person) one stored message; the caller commits.

        ``turn`` is the assistant's turn for a question it can answer while the resident
        waits (bot/conversations/meanwhile.py): its replies go out with a line that the person
        is still coming.
        """
        service = self.handover
        handover = await service.open_handover(session, conv)
        team = await session.get(Team, handover.team_id) if handover and handover.team_id else None
        message = await session.scalar(
            select(Message)
            .where(Message.conversation_id == conv.id, Message.direction == "in")
            .order_by(Message.id.desc())
            .limit(1)
        )
        kind = classify(inbound, screening)
        if message is not None and screening.tier != "none":
            message.data = {
                **(message.data or {}),
                "screening": {"tier": screening.tier, "kind": screening.kind},
            }
        t = Turn(
            session, conv, identity, inbound, screening, kind, handover, team, utcnow(), message
        )
        if turn is not None:
            t.answers = meanwhile.without_person_offers(turn.replies, self._offers())
            asks = turn.slots.get("requested_slot")
            t.asks = str(asks) if asks else None
        if kind == Kind.CRISIS:
            await self._crisis(t)
        elif kind in (Kind.FORGET, Kind.FORGET_CONFIRM, Kind.FORGET_CANCEL):
            await self._forget(t)
        elif conv.status == Status.WITH_HUMAN:
            await self._with_person(t)
        else:
            await self._waiting(t)

    # --- crisis, in every state ----------------------------------------------------------------

    async def _crisis(self, t: Turn) -> None:
        """The crisis answer for its kind at once; urgent, on top, the team alerted."""
        kind = t.screening.kind
        handover = t.handover
        recent = (
            handover is not None
            and handover.crisis_at is not None
            and handover.crisis_kind == (kind or "crisis")
            and t.now - handover.crisis_at < CRISIS_REPEAT
            and await self._crisis_answered_since(t, kind or "crisis", t.now - CRISIS_REPEAT)
        )
        if recent:
            if t.conv.status == Status.WITH_HUMAN:
                pass  # a person has the chat and is alerted; the crisis answer came minutes ago
            elif handover is not None and not await self._there(t):
                back = self.presenter.back(t.team, t.now, t.to)
                self._say(t, "utter_crisis_again_closed", team=self._team_name(t), back=back)
            else:
                self._say(t, "utter_crisis_again")
        else:
            self._say(t, self.presenter.crisis_answer(kind))
            store.add_event(t.session, t.conv, "crisis.answered", "system", kind=kind or "crisis")
        if handover is None:
            return
        pool = await self.handover.mark_crisis(t.session, t.conv, handover, kind, t.now)
        if recent:
            return
        if t.conv.status == Status.WITH_HUMAN:
            person = await self.handover.assignee(t.session, handover)
            if person is not None:
                name = self.presenter.author(person, t.to)["name"]
                self._say(t, "utter_crisis_person_reads", name=name)
            return
        if pool is not None:
            self._say(t, "utter_crisis_pool", team=self._team_name(t), pool=pool.name)
        elif await team_is_there(t.session, t.team, handover.kind, t.now):
            self._say(t, "utter_crisis_on_top", team=self._team_name(t))
        else:
            back = self.presenter.back(t.team, t.now, t.to)
            self._say(t, "utter_crisis_nobody", team=self._team_name(t), back=back)

    async def _crisis_answered_since(self, t: Turn, kind: str, since: datetime) -> bool:
        """True when this conversation got the full crisis answer for ``kind`` since then."""
        rows = (
            await t.session.scalars(
                select(ConversationEvent.data).where(
                    ConversationEvent.conversation_id == t.conv.id,
                    ConversationEvent.name == "crisis.answered",
                    ConversationEvent.created_at >= since,
                )
            )
        ).all()
        return any((data or {}).get("kind") == kind for data in rows)

    # --- forget me, in every state -------------------------------------------------------------

    async def _forget(self, t: Turn) -> None:
        """Ask once to confirm, then erase everything about the resident and close."""
        if t.kind == Kind.FORGET:
            self._say(t, "utter_forget_me_confirm")
            return
        if t.kind == Kind.FORGET_CANCEL:
            self._say(t, "utter_forget_me_cancelled")
            return
        # the confirmation is queued first: its outbox item keeps the address until it is sent
        self._say(t, "utter_forget_me_done")
        await self.forget_me.forget(t.session, t.conv)

    # --- waiting for a person ----------------------------------------------------------------

    async def _there(self, t: Turn) -> bool:
        kind = t.handover.kind if t.handover else None
        return await team_is_there(t.session, t.team, kind, t.now)

    async def _waiting(self, t: Turn) -> None:
        handover, kind = t.handover, t.kind
        if handover is None:  # nothing to wait for any more: back to the assistant
            store.move(t.session, t.conv, Status.BOT, "system", "no open request")
            self._say(t, "utter_handover_cancelled")
            return
        if kind in (Kind.REFUSE, Kind.AGREE) and await self._answer_yes_no(t):
            return
        if kind == Kind.TEXT and await self._number_asked(t):
            await self._phone_given(t)
            return
        if kind in (Kind.CANCEL, Kind.STOP, Kind.END_CHAT):
            await self._cancel(t)
        elif kind in (Kind.CONTACT_ME, Kind.NO_CONTACT):
            await self._consent(t, kind == Kind.CONTACT_ME)
        elif kind == Kind.CALLBACK_WAY:
            await self._callback_way(t)
        elif kind == Kind.LEAVE_MESSAGE:
            handover.left_message = True
            handover.acked_at = t.now
            self._say(t, "utter_wait_leave_message", team=self._team_name(t))
            if handover.contact_consent is None:
                self._say(t, "utter_handover_ask_consent")
        elif kind == Kind.WHO_READS:
            self._say(t, "utter_handover_who_reads_waiting", team=self._team_name(t))
        elif kind == Kind.MEDIA:
            self._say(t, "utter_handover_media")
        elif kind in (Kind.KEEP_WAITING, Kind.CONTINUE_CHAT):
            await self._keep_place_answered(t)
            if await self._there(t):
                line = await self.handover.line(t.session, handover, t.to, t.now)
                self._say(t, "utter_wait_keep", place=line["place"])
            else:
                await self._status(t)
        elif kind == Kind.WAIT_QUESTION:
            await self._status(t)
        elif kind == Kind.POSSIBLE_CRISIS and self._possible_due(t):
            handover.possible_crisis_at = t.now
            self._say(t, "utter_crisis_possible")
        else:  # a story, a question, a thank-you: it waits for the person; tell them, not always
            t.conv.summary = summary.add_message(
                t.conv.summary, t.inbound.text, intent=t.screening.intent
            )
            if t.answers:  # a question the assistant can answer: answered now, the person comes
                await self._answer_meanwhile(t)
            else:
                await self._acknowledge(t)

    async def _answer_meanwhile(self, t: Turn) -> None:
        """The assistant's answer, after one line that the person is still coming."""
        if await self._there(t):
            self._say(t, "utter_wait_still_coming", team=self._team_name(t))
        else:
            back = self.presenter.back(t.team, t.now, t.to)
            self._say(t, "utter_wait_still_coming_closed", team=self._team_name(t), back=back)
        last = len(t.answers) - 1
        for index, reply in enumerate(t.answers):
            data = {meanwhile.ASKS: t.asks} if index == last and t.asks else None
            store.enqueue_reply(t.session, t.conv, t.identity, reply, data=data)

    # --- "nee" and "ja" while waiting ------------------------------------------------------------

    async def _answer_yes_no(self, t: Turn) -> bool:
        """A "nee" or "ja" answers what was asked last; False when it answers nothing (then it
        is a message like any other).

        After a handover the resident did not choose (the crisis answer hands over at once), a
        first "nee" is asked about once: "Wil je je plek houden?". The answer to that question
        is honoured (keep the place, or leave it); out of hours without an answer about a
        callback, "ja" and "nee" answer that question.
        """
        handover = t.handover
        assert handover is not None
        refuse = t.kind == Kind.REFUSE
        asked = await self._event_data(t, KEEP_PLACE_ASKED)
        answered = await self._event_data(t, KEEP_PLACE_ANSWERED)
        if asked is not None and answered is None:  # the answer to "Wil je je plek houden?"
            await self._keep_place_answered(t)
            if refuse:
                await self._cancel(t)
            elif await self._there(t):
                line = await self.handover.line(t.session, handover, t.to, t.now)
                self._say(t, "utter_wait_keep", place=line["place"])
            else:
                await self._status(t)
            return True
        if refuse and asked is None and handover.reason in AUTOMATIC_REASONS:
            store.add_event(t.session, t.conv, KEEP_PLACE_ASKED, "system", handover=handover.id)
            self._say(t, "utter_wait_keep_place", team=self._team_name(t))
            return True
        if handover.contact_consent is None and not await self._there(t):
            await self._consent(t, not refuse)
            return True
        return False

    # --- a callback promised ---------------------------------------------------------------------

    async def _consent(self, t: Turn, allowed: bool) -> None:
        """The resident says whether the team may write later; a web chat promise asks how the
        answer reaches them (only this browser, or a link to keep) and what happens otherwise.
        """
        reply = await self.handover.consent(t.session, t.conv, allowed)
        store.enqueue_reply(t.session, t.conv, t.identity, reply, sender_type="system")
        if allowed and t.conv.channel == WEB:
            self._say(t, "utter_webchat_callback_how", days=self._days(t))

    async def _callback_way(self, t: Turn) -> None:
        """The web chat's choice: a link to keep (made by the page from its own key, never sent
        or stored), a phone number with consent, or this browser only; each with what happens
        when they do not come back."""
        payload = (t.inbound.payload or "").strip()
        handover, phones = t.handover, self.phones
        assert handover is not None
        if t.conv.channel != WEB:
            self._say(t, "utter_webchat_callback_none", days=self._days(t))
        elif payload == "/callback_link":
            self._say(t, "utter_webchat_callback_link")
            store.add_event(t.session, t.conv, "callback.link_shown", "resident")
        elif payload == "/callback_phone" and phones is not None:
            store.add_event(t.session, t.conv, callback_phone.ASKED, "system", handover=handover.id)
            self._say(t, "utter_webchat_callback_phone_ask")
        elif payload == "/callback_phone_yes" and phones is not None:
            number = await phones.confirm(t.session, handover)
            if number is None:  # nothing kept (declined meanwhile): ask again
                store.add_event(
                    t.session, t.conv, callback_phone.ASKED, "system", handover=handover.id
                )
                self._say(t, "utter_webchat_callback_phone_ask")
                return
            store.add_event(
                t.session, t.conv, callback_phone.DONE, "resident", handover=handover.id
            )
            when = (
                self.presenter.text("utter_back_soon", t.to)
                if await self._there(t)
                else self.presenter.back(t.team, t.now, t.to)
            )
            self._say(t, "utter_webchat_callback_phone_saved", team=self._team_name(t), back=when)
        elif payload == "/callback_phone_no" and phones is not None:
            await phones.drop(t.session, t.conv.id)
            store.add_event(
                t.session, t.conv, callback_phone.DONE, "resident", handover=handover.id
            )
            self._say(t, "utter_webchat_callback_phone_dropped")
        else:
            if phones is not None and await phones.asked(t.session, handover):
                await phones.drop(t.session, t.conv.id)
                store.add_event(
                    t.session, t.conv, callback_phone.DONE, "resident", handover=handover.id
                )
            self._say(t, "utter_webchat_callback_none", days=self._days(t))

    async def _number_asked(self, t: Turn) -> bool:
        """True when this message answers the web chat's question for a phone number."""
        text = t.inbound.text or ""
        return (
            self.phones is not None
            and t.conv.channel == WEB
            and t.handover is not None
            and callback_phone.looks_like_number(text)
            and await self.phones.asked(t.session, t.handover)
        )

    async def _phone_given(self, t: Turn) -> None:
        """Check the number; a valid one is sealed and confirmed with the resident first. The
        transcript keeps a note instead of the number (the person sees it after the consent)."""
        assert self.phones is not None and t.handover is not None
        hidden = self.presenter.text("utter_webchat_callback_phone_hidden", t.to)
        if t.message is not None:
            t.message.text = hidden
            # the inbox keeps its copy of a handled message until retention: not this number
            await t.session.execute(
                update(InboxItem)
                .where(InboxItem.message_id == t.message.id)
                .values(body=replace(t.inbound, text=hidden).to_json())
                .execution_options(synchronize_session=False)
            )
        e164 = callback_phone.parse_number(t.inbound.text or "")
        if e164 is None:
            self._say(t, "utter_webchat_callback_phone_invalid")
            return
        await self.phones.keep(t.session, t.handover, e164)
        name = "utter_webchat_callback_phone_confirm"
        reply = self.presenter.reply(name, t.to, number=callback_phone.readable(e164))
        message, _item = store.enqueue_reply(
            t.session, t.conv, t.identity, reply, sender_type="system"
        )
        # the transcript keeps the question without the number (only the sent text has it)
        message.text = self.presenter.text(name, t.to, number=hidden)

    def _days(self, t: Turn) -> int:
        policy = self.retention or RetentionPolicy(Settings.transcript_retention_days)
        return policy.days(t.conv.municipality_code)

    async def _event_data(self, t: Turn, name: str) -> dict[str, Any] | None:
        """The data of this handover's event ``name`` (None when it did not happen)."""
        handover = t.handover
        assert handover is not None
        rows = (
            await t.session.scalars(
                select(ConversationEvent.data).where(
                    ConversationEvent.conversation_id == t.conv.id,
                    ConversationEvent.name == name,
                )
            )
        ).all()
        return next((d for d in rows if (d or {}).get("handover") == handover.id), None)

    async def _keep_place_answered(self, t: Turn) -> None:
        handover = t.handover
        if handover is None or await self._event_data(t, KEEP_PLACE_ASKED) is None:
            return
        if await self._event_data(t, KEEP_PLACE_ANSWERED) is None:
            store.add_event(
                t.session, t.conv, KEEP_PLACE_ANSWERED, "resident", handover=handover.id
            )

    def _possible_due(self, t: Turn) -> bool:
        seen = t.handover.possible_crisis_at if t.handover else None
        return seen is None or t.now - seen >= POSSIBLE_REPEAT

    async def _cancel(self, t: Turn) -> None:
        store.move(t.session, t.conv, Status.BOT, "resident", "cancelled")
        await record_event(
            t.session,
            EventName.HANDOVER_CANCELLED,
            channel=t.conv.channel,
            municipality_code=t.conv.municipality_code,
            conversation_ref=pseudonym(self.pseudonym_key, t.conv.id),
        )
        self._say(t, "utter_handover_cancelled")
        await self.handover.cancel(t.session, t.conv)

    async def _status(self, t: Turn) -> None:
        """Where the resident is: the place in line and the measured wait, or when we're back."""
        handover = t.handover
        assert handover is not None
        if await self._there(t):
            if handover.crisis_at is not None:
                self._say(t, "utter_wait_ack_crisis", team=self._team_name(t))
                return
            line = await self.handover.line(t.session, handover, t.to, t.now)
            self._say(t, "utter_wait_status", team=self._team_name(t), **line)
            return
        back = self.presenter.back(t.team, t.now, t.to)
        if handover.crisis_at is not None:  # nobody there now: the help of day and night first
            self._say(t, "utter_wait_ack_crisis_closed", team=self._team_name(t), back=back)
            return
        self._say(t, "utter_wait_status_closed", team=self._team_name(t), back=back)

    async def _acknowledge(self, t: Turn) -> None:
        """'Je bericht staat klaar voor …' once, a short line after a while, else nothing (the
        message is in the transcript, marked new for the person who takes the chat)."""
        handover = t.handover
        assert handover is not None
        recent = handover.acked_at is not None and t.now - handover.acked_at < ACK_REPEAT
        if recent and not await self._previous_unanswered(t):
            return  # kept for the person; the message before this one was answered
        first = handover.acked_at is None
        handover.acked_at = t.now
        team = self._team_name(t)
        if not first:
            self._say(t, "utter_wait_ack_short", team=team)
            return
        if await self._there(t):
            if handover.crisis_at is not None:
                self._say(t, "utter_wait_ack_crisis", team=team)
            else:
                line = await self.handover.line(t.session, handover, t.to, t.now)
                self._say(t, "utter_wait_ack", team=team, **line)
            return
        back = self.presenter.back(t.team, t.now, t.to)
        if handover.crisis_at is not None:  # nobody there now: the help of day and night first
            self._say(t, "utter_wait_ack_crisis_closed", team=team, back=back)
        elif handover.contact_consent:
            self._say(t, "utter_wait_ack_callback", team=team, back=back)
            return
        else:
            self._say(t, "utter_wait_ack_closed", team=team, back=back)
        if handover.contact_consent is None:
            self._say(t, "utter_handover_ask_consent")

    async def _previous_unanswered(self, t: Turn) -> bool:
        """True when the resident's message before this one got no answer: no message goes
        unanswered twice in a row."""
        if t.message is None:
            return False
        previous = await t.session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == t.conv.id,
                Message.direction == "in",
                Message.id < t.message.id,
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        if previous is None:
            return False
        answer = await t.session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == t.conv.id,
                Message.direction == "out",
                Message.id > previous,
                Message.id < t.message.id,
            )
            .limit(1)
        )
        return answer is None

    # --- with a person -------------------------------------------------------------------------

    async def _with_person(self, t: Turn) -> None:
        service = self.handover
        person = await service.assignee(t.session, t.handover)
        name = self.presenter.author(person, t.to)["name"] if person else self._team_name(t)
        kind = t.kind
        if kind in (Kind.CANCEL, Kind.STOP):
            self._say(t, "utter_handover_stop_confirm", name=name)  # the person reads it too
        elif kind == Kind.END_CHAT:
            self._say(t, "utter_handover_resident_left", name=name)
            await service.finish(t.session, t.conv, None, to=Status.BOT, outcome="resident_left")
        elif kind == Kind.CONTINUE_CHAT:
            self._say(t, "utter_handover_continue", name=name)
        elif kind == Kind.WHO_READS:
            role = self.presenter.author(person, t.to)["role"] if person else ""
            self._say(
                t, "utter_handover_who_reads_person", name=name, role=role, team=self._team_name(t)
            )
        elif kind == Kind.MEDIA:
            self._say(t, "utter_handover_media")
        elif kind in (Kind.KEEP_WAITING, Kind.LEAVE_MESSAGE, Kind.CONTACT_ME, Kind.NO_CONTACT):
            if kind in (Kind.CONTACT_ME, Kind.NO_CONTACT) and t.handover is not None:
                t.handover.contact_consent = kind == Kind.CONTACT_ME
            self._say(t, "utter_handover_person_here", name=name)
        elif kind == Kind.POSSIBLE_CRISIS and t.handover is not None:
            t.handover.possible_crisis_at = t.now  # flagged for the person, who reads it now
        # anything else reaches the person: it is in the transcript, marked new, live
