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
sys.path.insert(0, str(ROOT))
# Rasa's command line with the fast YAML reader, as every Rasa of ours (rasa_addons/rasa_main.py)
from bot.supervise import RASA_COMMAND  # noqa: E402

UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
# Rasa reports data problems as UserWarnings and errors; library deprecation noise is not ours.
WARNING = re.compile(r"UserWarning|\bERROR\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def responses_used_in_code() -> dict[str, str]:
    """Every `utter_…` name written as a string literal in our Python code, with one file using it."""
    names: dict[str, str] = {}
    for folder in ("actions", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in re.findall(r"[\"'](utter_\w+)[\"']", path.read_text(encoding="utf-8")):
                names.setdefault(name, str(path.relative_to(ROOT)))
    return names


# Responses no code sends any more (the name fallbacks between merged features are gone); they
# wait for the domain's owners to delete them from domain/, then for this list to be emptied.
RETIRED = {
    "utter_handover_forget_confirm": "retired: utter_forget_me_confirm is used",
    "utter_handover_forget_cancelled": "retired: utter_forget_me_cancelled is used",
    "utter_handover_crisis_reminder": "retired: utter_crisis_possible is used",
    "utter_gateway_handover_waiting": "retired: the handover service always answers",
}


def responses_of_the_knowledge_base() -> dict[str, str]:
    """The knowledge-base answers (domain/knowledge/): actions/knowledge.py says `utter_kb_<id>`
    for the entry the matcher names, so their names are built in code, not written out."""
    import yaml

    names = {}
    for path in sorted((ROOT / "domain" / "knowledge").glob("*.yml")):
        for name in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}:
            names[name] = "actions/knowledge.py (kb_response: one per knowledge-base entry)"
    return names


def responses_of_the_plan() -> dict[str, str]:
    """The plan's texts (domain/plan.yml) are rendered by the gateway (bot/conversations/plan_flow.py,
    bot/plan/words.py, the plan page), some with names built from a topic or a choice
    (`utter_plan_step_<topic>`, `utter_plan_share_<yes|no>`): never by a story or rule."""
    import yaml

    data = yaml.safe_load((ROOT / "domain" / "plan.yml").read_text(encoding="utf-8")) or {}
    return {
        name: "bot/conversations/plan_flow.py (the plan)" for name in data.get("responses") or {}
    }


def responses_used_by_rasa() -> dict[str, str]:
    """Responses Rasa itself calls: `utter_ask_<slot>` of form slots, and `utter_default`."""
    import yaml

    names = {"utter_default": "Rasa's action_default_fallback"}
    for path in (ROOT / "domain").rglob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for form_name, form in (data.get("forms") or {}).items():
            for slot in (form or {}).get("required_slots") or []:
                names[f"utter_ask_{slot}"] = f"form {form_name} asks for slot {slot}"
    return names


def main() -> int:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    cmd = [
        *RASA_COMMAND,
        "data",
        "validate",
        "--domain",
        "domain",
        "--data",
        "nlu_data",
        "stories",
        "--config",
        "config.yml",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    output = proc.stdout + proc.stderr
    used = {
        **responses_used_in_code(),
        **responses_of_the_knowledge_base(),
        **responses_of_the_plan(),
        **responses_used_by_rasa(),
        **RETIRED,
    }
    problems: list[str] = []
    allowed_names: dict[str, str] = {}
    for line in output.splitlines():
        match = UNUSED.search(line)
        if match and match.group(1) in used:
            allowed_names[match.group(1)] = used[match.group(1)]
        elif match or WARNING.search(line):
            problems.append(ANSI.sub("", line).strip())
    kb = {n for n, where in allowed_names.items() if where.startswith("actions/knowledge.py (")}
    if kb:
        print(
            f"allowed: {len(kb)} knowledge-base answers (utter_kb_<id>) used by actions/knowledge.py"
        )
    for name, where in sorted(allowed_names.items()):
        if name not in kb:
            print(f"allowed: {name} is unused by stories but used in {where}")
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
