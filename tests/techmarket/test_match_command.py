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
