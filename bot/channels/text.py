"""Text helpers shared by the channels."""

from __future__ import annotations


def split_text(text: str, limit: int = 4096) -> list[str]:
    """Split a long text at paragraph or sentence ends so each part fits the channel limit."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(". ", 0, limit) + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    parts.append(rest)
    return [p for p in parts if p]
