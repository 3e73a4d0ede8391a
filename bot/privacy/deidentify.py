"""Deduce, the de-identification library made for Dutch text, loaded lean and once per process.

Deduce finds names (from its lists of Dutch first names and surnames and from patterns such as
initials and titles), street patterns with house numbers, postcodes, dates and identifiers. Its
full lookup structures include a trie of every Dutch street and place, which takes minutes to
load; we need neither (place names are not personal data here, streets are caught by patterns),
so we build the other structures from Deduce's own source lists, cache them under
``var/cache/`` (``make`` warms it; the first use builds it, in seconds) and leave out the
annotators that need the big ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle  # noqa: S403 - our own cache file, written by this module
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.settings import ROOT

logger = logging.getLogger(__name__)
CACHE_DIR = ROOT / "var" / "cache"
# annotators that need the street, place and institution tries (and ages, which we keep)
LEFT_OUT = frozenset({"placename", "street_lookup", "hospital", "institution", "age"})
TRIES = ("first_name", "surname", "eponymous_disease")
SKIPPED_LISTS = ("street", "placename", "hospital", "healthcare_institution")

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

    def __init__(self, deduce: Any, structs: Any) -> None:
        self._deduce = deduce
        self._structs = structs

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


def _cache_file() -> Path:
    return CACHE_DIR / f"deduce-{metadata.version('deduce')}-lean.pickle"


def _build_structs(deduce: Any, tokenizer: Any) -> Any:
    import docdeid as dd
    from deduce import lookup_structs
    from deduce.data.lookup.src import all_lists
    from deduce.deduce import _LOOKUP_LIST_PATH

    lists = [name for name in all_lists if not any(skip in name for skip in SKIPPED_LISTS)]
    raw = lookup_structs.load_raw_itemsets(base_path=_LOOKUP_LIST_PATH, subdirs=lists)
    structs = dd.ds.DsCollection()
    plain = (
        set(raw)
        - set(lookup_structs._LOOKUP_SET_LOADERS)
        - set(lookup_structs._LOOKUP_TRIE_LOADERS)
    )
    for name in plain:
        items = dd.ds.LookupSet()
        items.add_items_from_iterable(raw[name])
        structs[name] = items
    for name, loader in lookup_structs._LOOKUP_SET_LOADERS.items():
        structs[name] = loader(raw)
    for name in TRIES:
        structs[name] = lookup_structs._LOOKUP_TRIE_LOADERS[name](raw, tokenizer)
    del deduce
    return structs


def _load_structs(deduce: Any, tokenizer: Any) -> Any:
    path = _cache_file()
    if path.exists():
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)  # noqa: S301 - written by _build_structs below
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            logger.warning("deduce cache unreadable, building it again")
    structs = _build_structs(deduce, tokenizer)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    with partial.open("wb") as handle:
        pickle.dump(structs, handle)
    partial.replace(path)
    return structs


def _create() -> Dutch:
    deduce = _import_deduce()
    from deduce.deduce import _BASE_CONFIG_FILE, _LOOKUP_LIST_PATH, _DeduceProcessorLoader
    from frozendict import frozendict

    config = json.loads(Path(_BASE_CONFIG_FILE).read_text(encoding="utf-8"))
    config["annotators"] = {k: v for k, v in config["annotators"].items() if k not in LEFT_OUT}
    model = deduce.Deduce.__new__(deduce.Deduce)
    import docdeid as dd

    dd.DocDeid.__init__(model)
    model.config = frozendict(config)
    model.lookup_data_path = model.cache_path = _LOOKUP_LIST_PATH
    tokenizer = deduce.Deduce._initialize_tokenizer(_LOOKUP_LIST_PATH)
    model.tokenizers = {"default": tokenizer}
    structs = _load_structs(deduce, tokenizer)
    model.lookup_structs = structs
    extras = {"tokenizer": tokenizer, "ds": structs}
    model.processors = _DeduceProcessorLoader().load(config=model.config, extras=extras)
    return Dutch(model, structs)


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
