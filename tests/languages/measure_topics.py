"""Topic accuracy per language on tests/languages/data/topic_messages.yml, with the trained model.

Run in Rasa's environment (docs/languages.md):

    .venv-rasa/bin/python tests/languages/measure_topics.py models/geldhulp.tar.gz
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.yamlfile import parse_yaml

HERE = Path(__file__).resolve().parent


async def main(model: str, data: dict) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    total = right = 0
    for language, rows in data.items():
        ok, misses = 0, []
        for text, intent in rows:
            parse = await agent.parse_message(text)
            got = (parse.get("intent") or {}).get("name")
            ok += got == intent
            if got != intent:
                misses.append(f"{intent}->{got}: {text}")
            detected = parse.get("language")
            if detected != language:
                misses.append(f"language {detected}: {text}")
        total += len(rows)
        right += ok
        print(f"{language}: {ok}/{len(rows)} = {ok / len(rows):.2f}  {misses}")
    print(f"all five: {right}/{total} = {right / total:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))  # rasa_addons, for the model's own components
    rows = parse_yaml((HERE / "data" / "topic_messages.yml").read_text(encoding="utf-8"))
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "models/geldhulp.tar.gz", rows))
