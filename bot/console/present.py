"""What staff read, in words: queue rows, the summary, messages, alerts and callbacks as Dutch
view models (labels from `bot/labels.nl.yml`), the same for the pages and the live socket.

No code ever reaches a screen: an unknown code shows the section's "unknown" label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from bot.console import told
from bot.conversations.assignment import TZ
from bot.conversations.deadlines import first_contact
from bot.conversations.tables import Conversation, Handover, Message
from bot.labels import Labels
from bot.staff import StaffAlert, StaffUser, Team
from bot.texts import TextCatalog

TOPIC_PREFIX = "utter_"


@cache
def labels() -> Labels:
    """The label file, read once (on first use, not at import)."""
    return Labels.load()


def L(key: str, /, **values: Any) -> str:  # noqa: N802 - the templates' short name
    """One label."""
    return labels().label(key, **values)


def word(section: str, code: str | None) -> str:
    """The label of a code in a section, or the section's 'unknown' label."""
    found = labels().get(f"{section}.{code}") if code else None
    return found or labels().label(f"{section}.unknown")


def words(section: str, codes: Iterable[str] | None) -> list[str]:
    """Labels for codes, without duplicates."""
    out: list[str] = []
    for code in codes or ():
        text = word(section, code)
        if text not in out:
            out.append(text)
    return out


def moment(at: datetime | None) -> str:
    """A moment staff read at a glance: "ma 10 mrt 09:00"."""
    if at is None:
        return ""
    local = at.astimezone(TZ)
    day = L(f"console.weekday.{local.weekday()}")
    month = L(f"console.month.{local.month}")
    return f"{day} {local.day} {month} {local:%H:%M}"


def day_text(day: date) -> str:
    """A date: "do 14 mrt 2025"."""
    return f"{L(f'console.weekday.{day.weekday()}')} {day.day} {L(f'console.month.{day.month}')} {day.year}"


def minutes_between(start: datetime | None, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end`` (0 when unknown)."""
    return max(0, int((end - start).total_seconds() // 60)) if start else 0


def reason_text(handover: Handover | None) -> str:
    """'Gevraagd door inwoner, dringend' (crisis says crisis)."""
    if handover is None:
        return word("reason", None)
    reason = word("reason", handover.reason)
    if handover.urgent and handover.reason not in ("crisis", "urgent"):
        return L("console.conversation.reason_urgent", reason=reason)
    return reason


def role_text(role: str | None) -> str:
    return word("role", role) if role else L("console.author.human_unknown")


def person_text(staff: StaffUser | None) -> str:
    """'Sanne (demo), ervaringsdeskundige'."""
    if staff is None:
        return L("console.author.human_unknown")
    return L("console.author.human", name=staff.name, role=role_text(staff.role))


def crisis_words(conv: Conversation, handover: Handover | None) -> list[str]:
    """The crisis flags of the conversation, in words."""
    kinds = list((conv.summary or {}).get("crisis") or [])
    if handover is not None and handover.crisis_kind and handover.crisis_kind not in kinds:
        kinds.append(handover.crisis_kind)
    found = words("signal.crisis", kinds)
    if handover is not None and handover.possible_crisis_at and not found:
        found.append(L("signal.possible_crisis"))
    return found


def deadline_text(handover: Handover, flags: Sequence[str]) -> str:
    """The Wgs first-contact deadline in words."""
    deadline = first_contact(handover.requested_at, list(flags))
    key = f"console.conversation.deadline_{deadline.rule}"
    return L(key, date=day_text(deadline.due))


def queue_row(
    handover: Handover,
    conv: Conversation,
    *,
    now: datetime,
    assignee: StaffUser | None,
    new_count: int,
    viewer_id: int,
) -> dict[str, Any]:
    """One row of the queue, every cell in words."""
    summary = conv.summary or (conv.handover or {}).get("summary") or {}
    crisis = handover.crisis_at is not None
    priority = "crisis" if crisis else "urgent" if handover.urgent else "normal"
    flags = []
    if handover.out_of_hours:
        flags.append(L("console.queue.out_of_hours"))
    if handover.overdue_at and handover.assigned_to is None:
        flags.append(L("console.queue.overdue"))
    if handover.contact_consent and handover.assigned_to is None:
        flags.append(L("console.queue.callback"))
    if handover.left_message:
        flags.append(L("console.queue.left_message"))
    mine = handover.assigned_to == viewer_id
    taken = handover.assigned_to is not None
    return {
        "id": conv.id,
        "handover_id": handover.id,
        "number": L("console.queue.number", number=handover.id),
        "url": f"/console/c/{conv.id}",
        "priority": priority,
        "priority_label": L(f"console.queue.{priority}"),
        "crisis": crisis,
        "urgent": handover.urgent,
        "crisis_words": crisis_words(conv, handover),
        "waiting_minutes": minutes_between(handover.requested_at, now),
        "waiting_label": L(
            "console.queue.minutes", minutes=minutes_between(handover.requested_at, now)
        ),
        "reason_label": reason_text(handover),
        "kind_label": word("console.kind", handover.kind or "none"),
        "topics": words("topic", summary.get("topics")),
        "signals": words("signal", summary.get("urgency_flags")),
        "municipality": summary.get("municipality_name")
        or conv.municipality_code
        or L("console.conversation.municipality_none"),
        "channel_label": word("console.channel", conv.channel),
        "deadline": deadline_text(handover, summary.get("urgency_flags") or []),
        "flags": flags,
        "new_count": new_count,
        "new_label": L("console.queue.new_messages", count=new_count) if new_count else "",
        "taken": taken,
        "mine": mine,
        "overdue": bool(handover.overdue_at and handover.assigned_to is None),
        "channel": conv.channel,
        "language": conv.language or "nl",
        "language_label": language_word(conv.language),
        "labels": list(summary.get("labels") or []),
        "search": " ".join(
            [*(summary.get("wants") or []), *words("topic", summary.get("topics"))]
        ).lower(),
        "wants": (list(summary.get("wants") or []) or [""])[0][:120],
        "taken_by": L("console.queue.taken_by", name=assignee.name) if assignee else "",
        "open_label": L(
            "console.queue.continue"
            if mine
            else "console.queue.view"
            if taken
            else "console.queue.open"
        ),
    }


@cache
def _knowledge_topics() -> dict[str, str]:
    """The topic of each knowledge-base answer (its metadata), so a summary names it."""
    catalog = TextCatalog.load()
    found: dict[str, str] = {}
    for name in catalog.names():
        if name.startswith("utter_kb_"):
            for variant in catalog.variants(name):
                topic = (dict(variant).get("metadata") or {}).get("topic")
                if topic:
                    found[name] = str(topic)
                    break
    return found


def told_words(told: Iterable[str]) -> list[str]:
    """'Uitleg over Huurachterstand' for each topic response the assistant sent (a knowledge-base
    answer counts for its topic)."""
    out: list[str] = []
    for name in told or ():
        code = _knowledge_topics().get(name) or (
            name[len(TOPIC_PREFIX) :] if name.startswith(TOPIC_PREFIX) else ""
        )
        topic = labels().get(f"topic.{code}") if code else None
        text = (
            L("console.conversation.told_topic", topic=topic)
            if topic
            else L("console.conversation.told_other")
        )
        if text not in out:
            out.append(text)
    return out


def told_lines(messages: Sequence[Message]) -> list[str]:
    """What the assistant told, read from the texts it sent: crisis answers, topic answers,
    the help options (by the service's name) and every phone number given."""
    out: list[str] = []
    for item in told.said(messages):
        if item.name in told.CRISIS_ANSWERS:
            kind = item.name[len("utter_crisis_") :] if item.name != "utter_crisis" else "crisis"
            line = L("console.conversation.told_crisis", kind=word("signal.crisis", kind))
        elif item.name in told.HELP_OPTIONS:
            line = L("console.conversation.told_service", name=item.values.get("name", ""))
        else:
            line = told_words([item.name])[0]
        if line not in out:
            out.append(line)
    numbers = told.phones(messages)
    if numbers:
        out.append(L("console.conversation.told_phones", numbers=", ".join(numbers)))
    return out


def offered_words(codes: Iterable[str]) -> list[str]:
    """The choices the resident got, in words; a code without a word is left out."""
    return words("console.choice", [c for c in codes if labels().get(f"console.choice.{c}")])


def language_word(code: str | None) -> str:
    """The resident's language in words ('Arabisch'); Dutch when not known."""
    return word("console.language", code or "nl")


def summary_view(
    conv: Conversation,
    handover: Handover | None,
    now: datetime,
    messages: Sequence[Message] | None = None,
) -> dict[str, Any]:
    """The summary that reads in ten seconds, in words (lists stay lists for the template).
    With the transcript, 'told' and 'offered' come from what the assistant really sent."""
    s = conv.summary or (conv.handover or {}).get("summary") or {}
    none = L("console.conversation.told_none")
    sent_codes = told.offered_codes(messages) if messages is not None else []
    offered = [
        L("console.conversation.offer_person", reason=word("reason", code))
        for code in s.get("offers") or []
    ] + offered_words([*sent_codes, *(s.get("suggested") or [])])
    told_list = told_words(s.get("told") or [])
    for line in told_lines(messages or []):
        if line not in told_list:
            told_list.append(line)
    crisis = crisis_words(conv, handover)
    signals = words("signal", s.get("urgency_flags"))
    if crisis:
        urgency = L("console.conversation.urgency_crisis", kinds=", ".join(crisis))
    elif signals:
        urgency = L("console.conversation.urgency_because", why=", ".join(signals))
    elif handover is not None and handover.urgent:
        urgency = reason_text(handover)
    else:
        urgency = L("console.conversation.urgency_none")
    waited = ""
    if handover is not None:
        if handover.assigned_at is not None:
            minutes = minutes_between(handover.requested_at, handover.assigned_at)
            waited = L("console.conversation.waited_taken", minutes=minutes)
        else:
            minutes = minutes_between(handover.requested_at, now)
            waited = L("console.conversation.waited_minutes", minutes=minutes)
    edited = s.get("edited") or None
    return {
        "wants": list(s.get("wants") or []),
        "topics": words("topic", s.get("topics")),
        "urgency": urgency,
        "crisis": crisis,
        "reason": reason_text(handover),
        "kind": word("console.kind", (handover.kind if handover else None) or "none"),
        "municipality": s.get("municipality_name")
        or conv.municipality_code
        or L("console.conversation.municipality_none"),
        "told": told_list or [none],
        "language": language_word(conv.language),
        "offered": offered or [L("console.conversation.offered_none")],
        "waited": waited,
        "asked_at": moment(handover.requested_at) if handover else "",
        "deadline": deadline_text(handover, s.get("urgency_flags") or []) if handover else "",
        "status": word("status", conv.status),
        "edited_text": (edited or {}).get("text") or "",
        "edited_note": L(
            "console.conversation.edited_by",
            name=(edited or {}).get("by", ""),
            moment=moment(datetime.fromisoformat(edited["at"]))
            if edited and edited.get("at")
            else "",
        )
        if edited
        else "",
    }


def message_view(
    m: Message, staff: dict[int, StaffUser], *, new_after: int | None, requested_at: datetime | None
) -> dict[str, Any]:
    """One message with its author in words, 'nieuw' and 'niet bezorgd' marks."""
    if m.sender_type == "human":
        author = person_text(staff.get(int((m.data or {}).get("staff_id") or 0)))
    else:
        author = word("console.author", m.sender_type)
    new = m.direction == "in" and (
        (new_after is not None and m.id > new_after)
        or (new_after is None and requested_at is not None and m.created_at >= requested_at)
    )
    screening = (m.data or {}).get("screening") or {}
    flag = ""
    if screening.get("tier") == "certain":
        flag = word("signal.crisis", screening.get("kind") or "crisis")
    elif screening.get("tier") == "possible":
        flag = L("signal.possible_crisis")
    text = m.text
    if m.direction == "in" and text.startswith("/") and " " not in text.strip():
        code = text.strip()[1:].split("{", 1)[0]  # a button press: its meaning, not its code
        text = L("console.button", choice=word("console.choice", code))
    return {
        "id": m.id,
        "author": author,
        "author_type": m.sender_type,
        "text": text,
        "time": moment(m.created_at),
        "new": new,
        "new_label": L("console.conversation.new") if new else "",
        "failed": m.direction == "out" and m.delivery == "failed",
        "failed_label": L("console.conversation.not_delivered")
        if m.direction == "out" and m.delivery == "failed"
        else "",
        "flag": flag,
    }


def alert_view(alert: StaffAlert) -> dict[str, Any]:
    """An open alert in words, with a link when it is about a conversation."""
    ref = alert.ref or ""
    return {
        "id": alert.id,
        "label": word("alert", alert.kind),
        "crisis": alert.kind == "crisis",
        "url": f"/console/c/{ref}" if len(ref) == 36 else "",
        "time": moment(alert.created_at),
    }


def crisis_view(
    handover: Handover,
    conv: Conversation,
    *,
    now: datetime,
    assignee: StaffUser | None,
    viewer_id: int,
) -> dict[str, Any]:
    """One banner line per conversation in crisis: 'Crisis in gesprek 12, wacht 2 min'
    (the number is the request's, as in the list), or with whom the chat is."""
    minutes = minutes_between(handover.crisis_at or handover.requested_at, now)
    number = handover.id
    label = (
        L("console.alerts.crisis_with", number=number, name=assignee.name, minutes=minutes)
        if assignee is not None
        else L("console.alerts.crisis_waiting", number=number, minutes=minutes)
    )
    return {
        "id": conv.id,
        "number": number,
        "url": f"/console/c/{conv.id}",
        "label": label,
        "kinds": crisis_words(conv, handover),
        "mine": handover.assigned_to == viewer_id,
    }


def earlier_view(conv: Conversation, handover: Handover | None) -> dict[str, Any]:
    """An earlier chat of the same resident: when, how it ended, about what."""
    summary = conv.summary or (conv.handover or {}).get("summary") or {}
    outcome = word("outcome", handover.outcome) if handover and handover.outcome else ""
    return {
        "id": conv.id,
        "url": f"/console/c/{conv.id}",
        "when": moment(conv.created_at),
        "status": word("status", conv.status),
        "outcome": outcome,
        "topics": words("topic", summary.get("topics")),
    }


def callback_view(handover: Handover, conv: Conversation, now: datetime) -> dict[str, Any]:
    """A promised callback: whom, about what, from when."""
    due = handover.callback_due_at or handover.requested_at
    late = due < now and minutes_between(due, now) > 60
    summary = conv.summary or {}
    return {
        "id": conv.id,
        "url": f"/console/c/{conv.id}",
        "due": L("console.callbacks.late", moment=moment(due))
        if late
        else L("console.callbacks.due", moment=moment(due)),
        "late": late,
        "topics": words("topic", summary.get("topics")),
        "channel_label": word("console.channel", conv.channel),
        "due_at": due.isoformat(),
    }


def presence_word(presence: str, team: Team | None, team_open: bool) -> str:
    """Honest presence: nobody is 'beschikbaar' while the team is closed."""
    if presence == "available" and team is not None and not team_open:
        return L("console.presence.closed")
    return word("console.presence", presence)
