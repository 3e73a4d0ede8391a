"""Names shared by the actions: intents, slots, responses, payload keys."""

from __future__ import annotations

from bot.topics import TOPIC_INTENTS

# Topics that are money problems (count towards "three or more problems at once").
PROBLEM_TOPICS = frozenset(TOPIC_INTENTS) - {"privacy_trust", "crisis", "ask_human", "work_future"}
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
FALLBACK_INTENTS = frozenset({FALLBACK_INTENT, OUT_OF_SCOPE_INTENT})

SLOT_TOPICS = "topics"
SLOT_URGENCY = "urgency_flags"
SLOT_TOLD = "told"
SLOT_OFFERS = "handover_offers"
SLOT_HANDOVER_REASON = "handover_reason"
SLOT_HANDOVER_KIND = "handover_kind"
SLOT_MUNICIPALITY_CODE = "municipality_code"
SLOT_MUNICIPALITY_NAME = "municipality_name"

KIND_COUNSELLOR = "counsellor"
KIND_PEER = "peer"

REASON_ASKED = "asked"
REASON_CRISIS = "crisis"
REASON_DISTRUST = "distrust"
REASON_COMPLEXITY = "complexity"
REASON_URGENT = "urgent"
REASON_BOT_FAILED = "bot_failed"

COMPLEXITY_TOPIC_COUNT = 3
FALLBACKS_BEFORE_OFFER = 2
