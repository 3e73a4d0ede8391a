"""What the assistant really told and offered, read from the texts it sent (issue 18).

The assistant's own summary only knows the topic answers it gave through its slots; the crisis
answer, the help options of the directory and the phone numbers in them were missing ("Al
verteld: Nog niets" after 113 and three services). Here every outgoing message of the assistant
is matched against the domain responses (every language): a topic or knowledge-base answer,
a crisis answer for its kind, a help option (with the service's name), and the phone numbers in
any of them. "Offered" is what the resident could press: the buttons the assistant sent, named
by their meaning (the payload's intent), never by their title in the resident's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from bot.conversations.tables import Message
from bot.texts import TextCatalog

# the responses whose sending is worth a line in the summary (placeholders become groups)
TOPIC_PREFIXES = ("utter_kb_",)
CRISIS_KINDS = ("suicide", "violence", "loan_shark", "homeless", "no_food")
CRISIS_ANSWERS = frozenset({"utter_crisis", *(f"utter_crisis_{k}" for k in CRISIS_KINDS)})
HELP_OPTIONS = ("utter_help_option", "utter_help_option_check")
# Dutch phone numbers as the domain writes them: 113, 112, 0800-0113, 088-1234567, 020 123 4567
PHONE = re.compile(r"(?<![\d-])(?:0\d{2,3}[- ]?\d{3,4}(?:[- ]?\d{2,4})?|11[23])(?![\d-])")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Said:
    """One response the assistant sent, with what filled its placeholders."""

    name: str
    values: dict[str, str]


def _regex(text: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(text)
    out, seen = [], set()
    for index, part in enumerate(parts):
        if index % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:
            out.append("(?:.+?)")
        else:
            seen.add(part)  # a name may hold brackets itself: up to the last " (" of its line
            out.append(f"(?P<{part}>[^\n]+)" if part == "name" else f"(?P<{part}>.+?)")
    return re.compile("(?s)" + "".join(out))


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Every variant (every language) of the responses that tell something, longest first."""
    catalog = TextCatalog.load()
    topics = {f"utter_{code}" for code in _topic_codes()}
    chosen = [
        name
        for name in catalog.names()
        if name in topics
        or name.startswith(TOPIC_PREFIXES)
        or name in CRISIS_ANSWERS
        or name in HELP_OPTIONS
    ]
    found = [
        (name, str(variant.get("text") or ""))
        for name in chosen
        for variant in catalog.variants(name)
        if variant.get("text")
    ]
    # the most fixed text first; the general crisis answer last among equals (a kind's answer
    # may read the same in a language)
    found.sort(key=lambda item: (-len(PLACEHOLDER.sub("", item[1])), item[0] == "utter_crisis"))
    return tuple((name, _regex(text.strip())) for name, text in found)


@cache
def _topic_codes() -> frozenset[str]:
    from bot.topics import TOPIC_INTENTS

    return frozenset(TOPIC_INTENTS)


def recognise(text: str) -> Said | None:
    """The telling response ``text`` is (the disclosure may stand before it), or None."""
    text = (text or "").strip()
    candidates = [text]
    if "\n\n" in text:  # the first reply of a conversation starts with the disclosure
        candidates.append(text.split("\n\n", 1)[1].strip())
    for name, pattern in _patterns():
        for candidate in candidates:
            match = pattern.fullmatch(candidate)
            if match:
                return Said(name, {k: v.strip() for k, v in match.groupdict().items()})
    return None


def _assistant(messages: Iterable[Message]) -> list[Message]:
    return [m for m in messages if m.direction == "out" and m.sender_type in ("bot", "system")]


def phones(messages: Iterable[Message]) -> list[str]:
    """Every phone number the assistant gave, in order, each once."""
    out: list[str] = []
    for m in _assistant(messages):
        for number in PHONE.findall(m.text or ""):
            if number not in out:
                out.append(number)
    return out


def said(messages: Iterable[Message]) -> list[Said]:
    """The telling responses the assistant sent, in order."""
    return [s for m in _assistant(messages) if (s := recognise(m.text)) is not None]


def offered_codes(messages: Sequence[Message]) -> list[str]:
    """The meanings of the buttons the assistant sent ('find_local_help'), each once."""
    out: list[str] = []
    for m in _assistant(messages):
        for button in (m.data or {}).get("buttons") or []:
            payload = str(button[1] if len(button) > 1 else "")
            if not payload.startswith("/"):
                continue
            code = payload[1:].split("{", 1)[0].strip()
            if code and code not in out:
                out.append(code)
    return out
