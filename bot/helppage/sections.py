"""Arrange a municipality's help for the page: urgent help, walk-in places, then by problem.

Pure: takes the options the directory's selection gives (`bot.directory.repository.select_help`,
the same the chat uses) and puts each entry in exactly one section, so the page stays one A4.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.directory.repository import HelpOption

URGENT = "crisis"
FOOD_ROUTE = "voedselbank_in_de_buurt"
BROAD = 5  # an entry that helps with this many kinds of problem goes under "all money worries"
# kinds of problem in the order of the page (the topic intents)
PROBLEMS = (
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
)
ALL_TOPICS = (*PROBLEMS, URGENT)


@dataclass
class Section:
    """A heading key and its entries (in the directory's order: local first)."""

    key: str  # "urgent", "walk_in", "general" or a topic intent
    options: list[HelpOption] = field(default_factory=list)


def arrange(options: list[HelpOption]) -> list[Section]:
    """Sections in page order; every entry once; empty topic sections left out."""
    urgent, walk_in, general = Section("urgent"), Section("walk_in"), Section("general")
    by_topic = {t: Section(t) for t in PROBLEMS}
    for option in options:
        categories = list(option.service.categories or [])
        if URGENT in categories or option.service.id == FOOD_ROUTE:
            urgent.options.append(option)
        elif option.walk_in:
            walk_in.options.append(option)
        elif len([c for c in categories if c in PROBLEMS]) >= BROAD:
            general.options.append(option)
        else:
            first = next((c for c in categories if c in PROBLEMS), PROBLEMS[0])
            by_topic[first].options.append(option)
    topics = [s for s in by_topic.values() if s.options]
    return [urgent, walk_in, general, *topics]
