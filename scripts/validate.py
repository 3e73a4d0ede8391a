"""`make validate`: rasa data validate, failing on every warning but one justified kind.

Rasa warns about responses that no story or rule uses. Some responses are used only by code
(custom actions, the gateway, the console): those names appear as string literals in `actions/`
or `bot/`. This script allows exactly those, found from the source, and fails on anything else.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
# Rasa reports data problems as UserWarnings and errors; library deprecation noise is not ours.
WARNING = re.compile(r"UserWarning|\bERROR\b")


def responses_used_in_code() -> set[str]:
    """Every `utter_…` name written as a string literal in our Python code."""
    names: set[str] = set()
    for folder in ("actions", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"[\"'](utter_\w+)[\"']", path.read_text(encoding="utf-8")))
    return names


def responses_used_by_rasa() -> set[str]:
    """Responses Rasa itself calls: `utter_ask_<slot>` of form slots, and `utter_default`."""
    import yaml

    names = {"utter_default"}  # uttered by action_default_fallback
    for path in (ROOT / "domain").rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for form in (data.get("forms") or {}).values():
            names.update(f"utter_ask_{slot}" for slot in (form or {}).get("required_slots") or [])
    return names


def allowed(name: str, used: set[str]) -> bool:
    """True when ``name`` is used by code (written out in full, so it can be found)."""
    return name in used


def main() -> int:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    cmd = [str(RASA), "data", "validate", "--domain", "domain", "--data", "nlu_data", "stories",
           "--config", "config.yml"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    output = proc.stdout + proc.stderr
    used = responses_used_in_code() | responses_used_by_rasa()
    problems, allowed_names = [], []
    for line in output.splitlines():
        match = UNUSED.search(line)
        if match:
            (allowed_names if allowed(match.group(1), used) else problems).append(line.strip())
        elif WARNING.search(line) and "is not used in any story" not in line:
            problems.append(line.strip())
    for name in allowed_names:
        print(f"allowed (used by code): {name}")
    if proc.returncode != 0 or problems:
        print(output[-6000:])
        print("\nrasa data validate is not clean:")
        for line in problems:
            print(f"  {line}")
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
