"""Button payloads as residents' channels send them: `/intent`, `/intent{"entity": "value"}`.

Pure (no Rasa import), so the gateway and the tests can use it too.
"""

from __future__ import annotations

import re

PAYLOAD = re.compile(r"^/([A-Za-z_][\w-]*)\s*(?:@[0-9.]+)?\s*(?:\{.*\})?\s*$", re.DOTALL)


def payload_intent(text: str) -> str | None:
    """The intent name of a `/intent{…}` payload, or None when the text is not one."""
    match = PAYLOAD.match(text.strip())
    return match.group(1) if match else None
