"""The conversation state machine: one table of allowed moves, one function that moves.

See states.mmd for the diagram. Every move records a ConversationEvent (who, when, why).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a conversation is."""

    BOT = "bot"
    WAITING_FOR_HUMAN = "waiting_for_human"
    WITH_HUMAN = "with_human"
    CLOSED = "closed"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BOT: frozenset({Status.WAITING_FOR_HUMAN, Status.CLOSED}),
    # the resident cancels ("toch niet"), or nobody is there and the resident goes back
    Status.WAITING_FOR_HUMAN: frozenset({Status.WITH_HUMAN, Status.BOT, Status.CLOSED}),
    # a human hands back to the bot, transfers (back to waiting), or closes
    Status.WITH_HUMAN: frozenset({Status.BOT, Status.WAITING_FOR_HUMAN, Status.CLOSED}),
    Status.CLOSED: frozenset(),  # a new message starts a new conversation
}


class InvalidTransition(ValueError):
    """A move the table does not allow."""

    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"cannot go from {current} to {target}")
        self.current, self.target = current, target


def check_transition(current: Status | str, target: Status | str) -> Status:
    """Return ``target`` as a Status if the move is allowed; raise InvalidTransition if not."""
    cur, tgt = Status(current), Status(target)
    if tgt not in TRANSITIONS[cur]:
        raise InvalidTransition(cur, tgt)
    return tgt
