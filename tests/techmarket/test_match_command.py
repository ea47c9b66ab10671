"""The `match` management command, run without settings or a database."""

import io
import json

import pytest
from django.core.management.base import CommandError

from kechuang.techmarket.management.commands.match import Command
from kechuang.techmarket.matching import BUNDLED_CSL


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
    results = run("--query", target["title"], "--k", "3", "--corpus", str(corpus))
    assert len(results) == 3
    assert results[0]["id"] == target["id"]
    first = results[0]
    assert {"id", "score", "matched_terms", "explanation"} <= set(first)
    assert first["matched_terms"] and first["explanation"]["snippet"]


def test_match_without_index_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="build it first"):
        run("--query", "陶瓷", "--index-dir", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="no such file"):
        run("--query", "陶瓷", "--corpus", str(tmp_path / "missing.jsonl"))


def test_match_uses_the_shipped_defaults(tmp_path):
    corpus = tmp_path / "mini.jsonl"
    corpus.write_text("\n".join(BUNDLED_CSL.read_text(encoding="utf-8").splitlines()[:300]) + "\n", encoding="utf-8")
    with_prf = run("--query", "锂离子电池", "--corpus", str(corpus))
    without = run("--query", "锂离子电池", "--corpus", str(corpus), "--no-prf")
    assert with_prf[0]["explanation"]["prf_terms"]  # RM3 feedback is on, as in the benchmark
    assert not without[0]["explanation"]["prf_terms"]


def test_bundled_check_queries_on_bundled_corpus():
    """The bureau's demand-style checks, in colloquial Chinese: each has an answering record in the top 10."""
    report = run("--check", "--corpus", str(BUNDLED_CSL))
    assert report["checks"] == report["checks_with_relevant_records"] >= 20
    assert report["hit_rate@10"] >= 0.95
    assert report["mrr@10"] >= 0.85
    failed = [r["query"] for r in report["results"] if r["passed"] is False]
    assert len(failed) <= 1, failed


def test_check_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "checks.jsonl"
    bad.write_text('{"query": "陶瓷烧结", "any": ["烧结"]}\n{"query": "", "any": ["x"]}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"checks.jsonl:2: a check needs a non-empty \"query\""):
        run("--check", str(bad), "--corpus", str(BUNDLED_CSL))
    with pytest.raises(CommandError, match="no such file"):
        run("--check", str(tmp_path / "none.jsonl"), "--corpus", str(BUNDLED_CSL))


def test_query_and_check_are_exclusive():
    with pytest.raises(CommandError):
        run("--query", "陶瓷", "--check")
    with pytest.raises(CommandError):
        run("--k", "3")
