"""The rules every directory entry is held to: a next step for today, its purpose, its freshness.

Pure functions over a help service (the table row or anything with the same attributes), so the
chat, the public page, the dashboard and the data tests apply exactly the same rules.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol
from urllib.parse import urlsplit

PERSONAL = "personal"  # help a resident can ask for themselves
PROFESSIONALS = "professionals"  # trains or advises professionals, or takes requests only from them
PURPOSES = (PERSONAL, PROFESSIONALS)
FRESH_FOR = timedelta(days=365)  # an entry not checked for more than a year is stale
CHECK_LIMIT_DAYS = 180  # a municipality's own limit unless it sets one (flagged on the dashboard)

WALK_IN = "walk_in"
PHONE = "phone"
CHAT = "chat"
WEBSITE = "website"


class ServiceLike(Protocol):
    """The attributes of a help service the rules read."""

    scope: str
    purpose: str
    phone: str | None
    website: str | None
    chat: str | None
    address: str | None
    walk_in: str | None
    walk_in_place: bool | None
    opening_hours: dict[str, list[list[str]]] | None
    verified: bool
    last_checked: date | None
    expires: date | None


def is_exact_page(url: str | None) -> bool:
    """True for a web address that points at a page, not just at a site's front door."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.path not in ("", "/")


def is_walk_in(service: ServiceLike) -> bool:
    """A place to walk in without an appointment, with its address (hours known or not)."""
    return bool((service.walk_in_place or service.walk_in) and service.address)


def walk_in_hours_known(service: ServiceLike) -> bool:
    """A walk-in place whose hours are known (otherwise: "kijk op de website")."""
    return is_walk_in(service) and bool(service.walk_in or service.opening_hours)


def next_steps(service: ServiceLike) -> list[str]:
    """The ways to reach the service today, walk-in first (a walk-in only with its hours)."""
    steps = []
    if walk_in_hours_known(service):
        steps.append(WALK_IN)
    if service.phone:
        steps.append(PHONE)
    if service.chat:
        steps.append(CHAT)
    if is_exact_page(service.website):
        steps.append(WEBSITE)
    return steps


def has_next_step(service: ServiceLike) -> bool:
    """True when a resident can take a step today with what the entry itself says."""
    return bool(next_steps(service))


def is_personal_help(service: ServiceLike) -> bool:
    """True when the entry is help a resident can ask for themselves (from its source)."""
    return (service.purpose or PERSONAL) == PERSONAL


def is_expired(service: ServiceLike, today: date) -> bool:
    """True when the entry's end date has passed."""
    return bool(service.expires and service.expires < today)


def is_stale(service: ServiceLike, today: date) -> bool:
    """True when nobody checked the entry in the last year (or ever)."""
    return service.last_checked is None or today - service.last_checked > FRESH_FOR


def is_checked(service: ServiceLike, today: date) -> bool:
    """True when the entry may be shown as a fact: verified, checked within a year, not expired."""
    return (
        bool(service.verified) and not is_stale(service, today) and not is_expired(service, today)
    )


def is_overdue(service: ServiceLike, today: date, limit_days: int | None = None) -> bool:
    """True when nobody checked the entry within the municipality's limit (or ever)."""
    limit = timedelta(days=limit_days or CHECK_LIMIT_DAYS)
    return service.last_checked is None or today - service.last_checked > limit


def checked_on(service: ServiceLike, today: date) -> date | None:
    """The date a person checked the entry, when it may be shown as a fact; else None."""
    return service.last_checked if is_checked(service, today) else None
