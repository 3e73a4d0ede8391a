"""The public topic list: the 15 topic intents that dashboards and evaluations use (one place)."""

from __future__ import annotations

TOPIC_INTENTS: tuple[str, ...] = (
    "debt_help",
    "payment_arrears",
    "rent_housing",
    "energy_water",
    "health_insurance",
    "debt_collector",
    "benefits_toeslagen",
    "income_support",
    "food_basic_needs",
    "budgeting_admin",
    "tax_government_debt",
    "work_future",
    "privacy_trust",
    "crisis",
    "ask_human",
)

# the twelve money topics (the public list without privacy_trust, crisis and ask_human); the same
# twelve as rasa_addons/money_topics.py inside Rasa, which cannot import the gateway's packages
MONEY_TOPICS: frozenset[str] = frozenset(
    t for t in TOPIC_INTENTS if t not in {"privacy_trust", "crisis", "ask_human"}
)
