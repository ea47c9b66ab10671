"""The T2A task on the bundled Apache-2.0 part of CSL: a correctness regression check (no timing)."""

import json

from kechuang.techmarket.matching import BUNDLED_CSL, MatchEngine
from kechuang.techmarket.matching.corpus import read_jsonl
from kechuang.techmarket.matching.evaluation import evaluate, query_metrics, task_docs, task_queries


def test_bundled_corpus_is_only_the_apache_part():
    records = list(read_jsonl(BUNDLED_CSL))
    assert len(records) == 2000
    assert all(r["id"].startswith("csl-bench-") for r in records)
    notice = (BUNDLED_CSL.parent / "NOTICE.md").read_text()
    assert "Apache License" in notice and "0f1ac06" in notice and "COLING 2022" in notice
    assert (BUNDLED_CSL.parent / "LICENSE-Apache-2.0.txt").exists()


def test_metrics_on_a_known_ranking():
    m = query_metrics(["x", "a", "y", "b"], {"a": 2, "b": 1, "c": 1})
    assert m["recall@1"] == 0 and abs(m["recall@10"] - 2 / 3) < 1e-9
    assert m["mrr@10"] == 0.5
    assert 0 < m["ndcg@10"] < 1
    assert abs(m["map@100"] - (1 / 2 + 2 / 4) / 3) < 1e-9


def test_t2a_ndcg_on_bundled_csl(tmp_path):
    records = list(read_jsonl(BUNDLED_CSL))
    keywords = [kw for r in records for kw in r["keywords"]]
    engine = MatchEngine(tmp_path / "t2a", dictionary_words=keywords)
    engine.rebuild(task_docs(records, "T2A"))
    queries = task_queries(records, "T2A", sample=500)
    metrics = evaluate(lambda q, depth: [m.id for m in engine.search(q.text, depth, explain=False)], queries)
    assert metrics["ndcg@10"] >= 0.9, json.dumps(metrics)
