"""Check queries: the rule that says which records answer a check, the file format and the scores."""

import pytest

from kechuang.techmarket.matching import MatchDoc
from kechuang.techmarket.matching.checks import BUNDLED_CHECKS, CheckQuery, load_checks, run_checks, score_checks

DOC = MatchDoc(
    id="a", title="高导热氧化铝陶瓷基板的低温烧结", text="正文不参与判断：锂离子电池", keywords=["流延成型", "ＬＥＤ"]
)


@pytest.mark.parametrize(
    ("any_terms", "all_terms", "expected"),
    [
        (("烧结",), (), True),
        (("烧成", "烧结"), (), True),
        (("烧成",), (), False),
        (("锂离子电池",), (), False),  # the body text does not answer a check: title and keywords do
        (("流延成型",), (), True),
        (("led",), (), True),  # full-width, case-insensitive
        (("烧结",), ("氧化铝", "陶瓷"), True),
        (("烧结",), ("氮化硅",), False),
        ((), ("基板",), True),
    ],
)
def test_rule(any_terms, all_terms, expected):
    assert CheckQuery("q", any_terms, all_terms).answers(DOC) is expected


def test_bundled_checks_load():
    checks = load_checks(BUNDLED_CHECKS)
    assert len(checks) >= 20 and all(c.query and (c.any_terms or c.all_terms) for c in checks)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "checks.jsonl:2: not a JSON object"),
        ('{"any": ["x"]}', 'checks.jsonl:2: a check needs a non-empty "query"'),
        ('{"query": "陶瓷"}', 'checks.jsonl:2: a check needs "any" or "all" terms'),
    ],
)
def test_bad_check_file(tmp_path, line, message):
    path = tmp_path / "checks.jsonl"
    path.write_text('{"query": "陶瓷", "any": ["陶瓷"]}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_checks(path)


def test_scores():
    docs = [MatchDoc(id=i, title=t) for i, t in (("1", "陶瓷烧结"), ("2", "锂电池"), ("3", "烧结矿"))]
    checks = [CheckQuery("烧窑", ("烧结",)), CheckQuery("电池", ("电池",)), CheckQuery("没有的", ("氢能",))]
    answers = {"烧窑": [("2", ""), ("3", ""), ("1", "")], "电池": [("1", "")], "没有的": [("1", "")]}
    report = score_checks(checks, docs, lambda text, k: answers[text], k=2)
    by_query = {r["query"]: r for r in report["results"]}
    assert by_query["烧窑"]["relevant_ranks"] == [2] and by_query["烧窑"]["passed"] is True
    assert by_query["电池"]["passed"] is False
    assert by_query["没有的"]["passed"] is None  # nothing in this corpus answers it: not scored
    assert report["checks_with_relevant_records"] == 2 and report["passed"] == 1
    assert report["hit_rate@2"] == 0.5 and report["mrr@2"] == 0.25 and report["precision@2"] == 0.25


def test_run_checks_on_an_engine(fixture_engine):
    report = run_checks(fixture_engine, [CheckQuery("特氟龙 微孔膜", ("聚四氟乙烯",))], k=3)
    result = report["results"][0]
    assert result["relevant_in_corpus"] == 1 and result["relevant_ranks"] == [1]
    assert result["top"][0]["id"] == "a-ptfe"
