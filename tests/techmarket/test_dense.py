"""The optional dense re-ranking stage, with a stand-in for sentence-transformers (the real package is not a
dependency and models are never downloaded): the stage's wiring, mixing and setting are what is tested here."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from django.core.checks import run_checks
from django.test import override_settings

from kechuang.techmarket import index
from kechuang.techmarket.matching import MatchEngine, MatchOptions

from .conftest import FIXTURE_DOCS


class CharacterModel:
    """Embeds a text as its normalised character counts over a fixed alphabet (similar text, similar vector)."""

    loaded: list[tuple[str, dict]] = []

    def __init__(self, path: str, **kwargs) -> None:
        self.loaded.append((path, kwargs))

    def encode(self, texts, normalize_embeddings=True, convert_to_numpy=True):
        alphabet = sorted({c for d in FIXTURE_DOCS for c in d.title + d.text})
        rows = np.array([[t.count(c) for c in alphabet] for t in texts], dtype=np.float32) + 1e-6
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def fake_sentence_transformers(monkeypatch):
    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = CharacterModel
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    CharacterModel.loaded.clear()
    return CharacterModel


def test_dense_stage_reranks_and_explains(tmp_path, fake_sentence_transformers):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    options = MatchOptions(dense_rerank=True, dense_model_path=str(model_dir), dense_weight=1.0)
    engine = MatchEngine(tmp_path / "index", options=options)
    engine.rebuild(FIXTURE_DOCS)
    # loaded from the local directory only, never from a hub
    assert fake_sentence_transformers.loaded == [(str(model_dir), {"device": "cpu", "local_files_only": True})]
    query = "聚四氟乙烯微孔膜 陶瓷"
    results = engine.search(query, k=3)
    sims = [m.explanation.dense_similarity for m in results]
    assert all(s is not None for s in sims)
    assert sims == sorted(sims, reverse=True)  # weight 1.0: the model's order alone
    assert results[0].id == "a-ptfe"

    lexical = MatchEngine(tmp_path / "lexical", options=MatchOptions())
    lexical.rebuild(FIXTURE_DOCS)
    assert all(m.explanation.dense_similarity is None for m in lexical.search(query, k=3))


def test_dense_setting_switches_the_stage_on(tmp_path, settings):
    settings.TECHMARKET_DENSE_MODEL_PATH = ""
    assert index.engine_options().dense_rerank is False
    settings.TECHMARKET_DENSE_MODEL_PATH = str(tmp_path)
    options = index.engine_options()
    assert options.dense_rerank is True and options.dense_model_path == str(tmp_path)


def _errors(ids):
    return [e for e in run_checks() if e.id in ids]


def test_system_check_names_a_missing_model_directory(tmp_path):
    with override_settings(TECHMARKET_DENSE_MODEL_PATH=str(tmp_path / "nowhere")):
        errors = _errors({"techmarket.E001"})
    assert errors and "KECHUANG_MATCH_DENSE_MODEL" in errors[0].msg


def test_system_check_needs_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with override_settings(TECHMARKET_DENSE_MODEL_PATH=str(tmp_path)):
        assert _errors({"techmarket.E002"})


def test_system_check_quiet_when_off_or_usable(tmp_path, fake_sentence_transformers, monkeypatch):
    with override_settings(TECHMARKET_DENSE_MODEL_PATH=""):
        assert not _errors({"techmarket.E001", "techmarket.E002"})
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: object())
    with override_settings(TECHMARKET_DENSE_MODEL_PATH=str(tmp_path)):
        assert not _errors({"techmarket.E001", "techmarket.E002"})
