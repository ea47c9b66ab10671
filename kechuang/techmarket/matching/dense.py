"""Optional dense re-ranking with a sentence-transformers model read from a local directory.

Off by default. Never downloads: the model must already be on disk at the configured path, and
`sentence_transformers` is imported only when a reranker is built (it is not a dependency of the project).
Loading passes `local_files_only=True`, and HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set for the load.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class DenseModelUnavailable(RuntimeError):
    """Dense re-ranking was asked for but no usable local model is configured."""


class DenseReranker:
    def __init__(self, model_path: str | os.PathLike | None) -> None:
        if not model_path:
            raise DenseModelUnavailable(
                "dense re-ranking needs a local sentence-transformers model directory: set "
                "MatchOptions.dense_model_path (models are never downloaded)"
            )
        path = Path(model_path)
        if not path.is_dir():
            raise DenseModelUnavailable(
                f"dense model path {str(path)!r} is not a directory (models are never downloaded)"
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise DenseModelUnavailable(
                "dense re-ranking needs the optional package sentence-transformers, which is not installed"
            ) from exc
        saved = {key: os.environ.get(key) for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
        os.environ.update({key: "1" for key in saved})
        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def similarities(self, query: str, texts: Sequence[str]) -> list[float]:
        """Cosine similarity of the query to each text."""
        if not texts:
            return []
        vectors = self._model.encode([query, *texts], normalize_embeddings=True, convert_to_numpy=True)
        return [float(x) for x in vectors[1:] @ vectors[0]]
