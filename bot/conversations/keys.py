"""Typed app keys of the use-case core, for the screens and the edge that call into it.

The channels give messages to the `INTAKE`; the console carries out its actions through the
`HANDOVER` service and wakes the outbox through `WAKEUPS` after its transaction commits. `TYPING` carries typing indicators both ways.
"""

from __future__ import annotations

from aiohttp import web

from bot.conversations.callback_phone import CallbackPhones
from bot.conversations.handover import HandoverService
from bot.conversations.intake import Intake, Wakeups
from bot.conversations.typing import TypingSignals

INTAKE = web.AppKey("intake", Intake)
WAKEUPS = web.AppKey("wakeups", Wakeups)
HANDOVER = web.AppKey("handover", HandoverService)
TYPING = web.AppKey("typing", TypingSignals)  # typing indicators both ways (no content)
# a web-chat resident's callback number, opened only for the team that has the chat
CALLBACK_PHONES = web.AppKey("callback_phones", CallbackPhones)
