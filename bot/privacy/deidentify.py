"""Deduce, the de-identification library made for Dutch text, loaded lean and once per process.

Deduce finds names (from its lists of Dutch first names and surnames and from patterns such as
initials and titles), street patterns with house numbers, postcodes, dates and identifiers. Its
full lookup structures include a trie of every Dutch street and place, which takes minutes to
build; we need neither (place names are not personal data here, streets are caught by
patterns). So we build Deduce through its public constructor only: its packaged base config
without the annotators that need those lists, and ``lookup_data_path`` pointing at a copy of
its source lists (``var/cache/deduce-<version>/``) in which those lists are empty. Deduce caches
the structures it builds there (its own ``cache_path``): seconds the first time, then a load.
`tests/privacy/test_deduce.py` fails when the pin, the config or the lists we rely on move.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import shutil
import threading
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from bot.settings import ROOT

logger = logging.getLogger(__name__)
CACHE_DIR = ROOT / "var" / "cache"
# annotators that need the street, place and institution lists (and ages, which we keep)
LEFT_OUT = frozenset({"placename", "street_lookup", "hospital", "institution", "age"})
# the source lists emptied in our copy (every list whose path contains one of these)
EMPTIED_LISTS = ("street", "placename", "hospital", "healthcare_institution")
# the lookup structures `Dutch` queries directly
STRUCTS = ("first_name", "surname", "interfix", "common_word", "stop_word", "whitelist")

_lock = threading.Lock()
_model: Dutch | None = None


@dataclass(frozen=True)
class Found:
    """One piece of personal data Deduce found: where, and its Deduce tag."""

    start: int
    end: int
    tag: str
    text: str


class Dutch:
    """A loaded Deduce with the name lists we query directly (for names written in lower case)."""

    def __init__(self, deduce: Any) -> None:
        self._deduce = deduce
        self._structs = deduce.lookup_structs

    def annotate(self, text: str) -> list[Found]:
        """Everything Deduce marks in ``text``."""
        doc = self._deduce.deidentify(text)
        return [Found(a.start_char, a.end_char, a.tag, a.text) for a in doc.annotations]

    def is_first_name(self, word: str) -> bool:
        """True when ``word`` (any case) is on Deduce's list of first names."""
        return [word.title()] in self._structs["first_name"]

    def is_surname(self, word: str) -> bool:
        """True when ``word`` (any case) is on Deduce's list of surnames."""
        return [word.title()] in self._structs["surname"]

    def is_interfix(self, word: str) -> bool:
        """True for "van", "de", "der", "el" … (parts of a surname)."""
        return word.lower() in self._structs["interfix"]

    def is_common_word(self, word: str) -> bool:
        """True for ordinary Dutch words (Deduce's common words, stop words and whitelist)."""
        low = word.lower()
        return (
            low in self._structs["common_word"]
            or low in self._structs["stop_word"]
            or low in self._structs["whitelist"]
        )


def _import_deduce() -> Any:
    """Import deduce without letting it reconfigure our logging (it calls basicConfig)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import deduce
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return deduce


def lean_config() -> dict[str, Any]:
    """Deduce's packaged base config without the annotators that need the emptied lists."""
    raw = resources.files("deduce").joinpath("base_config.json").read_text(encoding="utf-8")
    config: dict[str, Any] = json.loads(raw)
    config["annotators"] = {k: v for k, v in config["annotators"].items() if k not in LEFT_OUT}
    return config


def source_lists() -> Path:
    """Deduce's packaged source lists (``data/lookup/src``)."""
    return Path(str(resources.files("deduce").joinpath("data", "lookup", "src")))


def lean_lookup_path() -> Path:
    """Our copy of Deduce's lookup lists with the big ones emptied (made once per version)."""
    target = CACHE_DIR / f"deduce-{metadata.version('deduce')}"
    if (target / "src").is_dir():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source_lists(), partial / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in sorted((partial / "src").glob("*/lst_*")):
        if any(name in folder.name for name in EMPTIED_LISTS):
            shutil.rmtree(folder)
            folder.mkdir()
            (folder / "items.txt").write_text("", encoding="utf-8")
    partial.rename(target)
    return target


def _create() -> Dutch:
    deduce = _import_deduce()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # one process builds the copy and Deduce's cache of it; the others wait, then load it
    with (CACHE_DIR / "deduce.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = lean_lookup_path()
        model = deduce.Deduce(
            load_base_config=False,
            config=lean_config(),
            lookup_data_path=path,
            cache_path=path,
        )
    return Dutch(model)


def dutch() -> Dutch:
    """The process's Deduce (loaded on first use, thread-safe; seconds, not minutes)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = _create()
    return _model


def warm() -> None:
    """Build the cache and load Deduce now (``make`` and the app's start-up call this)."""
    dutch().annotate("Warm: Jan de Vries, Dorpsstraat 1, 01-01-1970.")


async def warm_at_start(stop: asyncio.Event) -> None:
    """Load Deduce in a thread at start-up, so the first redaction does not wait for it (a loop
    of the app that ends when loaded; ``stop`` is not needed)."""
    del stop
    try:
        await asyncio.to_thread(warm)
    except Exception:  # noqa: BLE001 - redaction loads it on first use instead
        logger.exception("could not load Deduce at start-up")
