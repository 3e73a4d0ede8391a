"""Deduce as `bot/privacy/deidentify.py` builds it: the exact pin, and every part of Deduce we
rely on (its constructor's keywords, its packaged config and lists, the lookup structures and
annotations we read). A new Deduce version that moves any of them fails here, not in production."""

from __future__ import annotations

import inspect
import json
import tomllib
from importlib import metadata, resources
from pathlib import Path

from bot.privacy import deidentify

ROOT = Path(__file__).resolve().parents[2]


def pinned(name: str) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if d.split("==")[0].strip().lower() == name]
    assert len(pins) == 1 and "==" in pins[0], f"{name} must be pinned exactly: {pins}"
    return pins[0].split("==")[1].split(";")[0].strip()


def test_deduce_and_docdeid_are_the_pinned_versions() -> None:
    assert metadata.version("deduce") == pinned("deduce")
    assert metadata.version("docdeid") == pinned("docdeid")


def test_the_constructor_takes_the_keywords_we_pass() -> None:
    import deduce

    parameters = inspect.signature(deduce.Deduce.__init__).parameters
    for keyword in ("load_base_config", "config", "lookup_data_path", "cache_path"):
        assert keyword in parameters, keyword


def test_the_packaged_config_names_the_annotators_we_leave_out() -> None:
    raw = resources.files("deduce").joinpath("base_config.json").read_text(encoding="utf-8")
    annotators = json.loads(raw)["annotators"]
    assert set(annotators) >= deidentify.LEFT_OUT
    kept = deidentify.lean_config()["annotators"]
    assert set(kept) == set(annotators) - deidentify.LEFT_OUT
    # no annotator we keep looks up an emptied list (it would silently find nothing)
    for name, spec in kept.items():
        lookup = str(spec.get("args", {}).get("lookup_values", ""))
        assert not any(emptied in lookup for emptied in deidentify.EMPTIED_LISTS), name


def test_the_lists_we_empty_and_the_ones_we_read_are_packaged() -> None:
    lists = {p.name for p in deidentify.source_lists().glob("*/lst_*")}
    for emptied in deidentify.EMPTIED_LISTS:
        assert any(emptied in name for name in lists), emptied
    for kept in ("lst_first_name", "lst_surname", "lst_interfix", "lst_common_word"):
        assert kept in lists, kept


def test_the_lean_model_finds_what_redaction_needs() -> None:
    model = deidentify.dutch()
    found = model.annotate("Ik ben Jan de Vries, Dorpsstraat 12, geboren op 01-01-1970.")
    tags = {(f.tag, f.text) for f in found}
    assert ("persoon", "Jan de Vries") in tags
    assert ("locatie", "Dorpsstraat 12") in tags
    assert ("datum", "01-01-1970") in tags
    for struct in deidentify.STRUCTS:
        assert struct in model._structs, struct
    assert model.is_first_name("jan") and model.is_surname("vries")
    assert model.is_interfix("de") and model.is_common_word("huur")
    assert not model.is_first_name("huur")
