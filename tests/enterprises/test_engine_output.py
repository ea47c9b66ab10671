"""Output format (ladder-facts-format.md), gaps, reserve pool, rule registry and the sample fixtures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kechuang.enterprises.ladder import (
    STATUSES,
    TIERS,
    FactsError,
    evaluate,
    evaluate_bulk,
    evaluate_record_json,
    evaluate_records_json,
    failed_count,
    next_tier,
    reserve_pool,
    reserve_pool_frame,
    rule_set_for,
    rule_sets,
)
from kechuang.enterprises.ladder.rules import RuleSet, register

from .helpers import BASE, crit, record, tier

FIXTURES = Path(__file__).parent / "fixtures"
CRITERION_KEYS = {
    "id",
    "name",
    "kind",
    "clause",
    "passed",
    "value",
    "threshold",
    "points",
    "gap",
    "missing",
    "unverified",
}


def test_json_output_shape():
    out = evaluate_record_json(BASE)
    json.dumps(out, ensure_ascii=False)  # serialisable as is
    assert out["credit_code"] == BASE["credit_code"] and out["assessment_date"] == "2026-09-30"
    assert list(out["tiers"]) == list(TIERS)
    assert out["rules"] == {t: out["tiers"][t]["rule_version"] for t in TIERS}
    for result in out["tiers"].values():
        assert result["status"] in STATUSES
        assert {"status", "score", "route", "criteria", "missing", "rule_version"} <= set(result)
        for c in result["criteria"]:
            assert set(c) >= CRITERION_KEYS
            assert c["kind"] in {"hard", "score", "line", "route"}
            assert c["clause"] or c["kind"] == "line"


def test_clauses_cite_documents():
    r = tier(record(), "tech_sme")
    assert r.criterion("employees_max_500").clause == "国科发政〔2017〕115号 第六条（二）"
    assert tier(record(), "high_tech").criterion("rd_ratio_3y").clause == "国科发火〔2016〕32号 第十一条（五）"
    assert all("〔" in c.clause for c in r.criteria)


def test_gap_sentence_and_data_for_rd_ratio():
    """The brief's example: 研发费用占比 3.4% → 4.0%：按当前营业收入需增加研发投入 72 万元."""
    rec = record({"rd_expense_wan.2025": 408, "domestic_rd_expense_wan.2025": 408})
    gap = crit(rec, "tech_sme", "rd_input").gap
    assert gap["text"] == "研发费用占比 3.4% → 4.0%：按当前营业收入需增加研发投入 72 万元（20 → 30 分）"
    assert (gap["field"], gap["current"], gap["target"], gap["change"], gap["unit"]) == (
        "rd_expense_wan.2025",
        408.0,
        480.0,
        72.0,
        "万元",
    )


def test_gap_for_a_failed_hard_condition_and_none_when_passed():
    r = tier(record({"employees_total": 620, "st_staff": 60}), "tech_sme")
    gap = r.criterion("employees_max_500").gap
    assert gap["change"] == -120 and "需减少 120 人" in gap["text"]
    assert r.criterion("revenue_max_20000").gap is None
    r = tier(record({"total_liabilities_wan.2025": 12600}), "specialized_sme")  # 84% > 80%
    gap = r.criterion("debt_ratio_max_80").gap
    assert gap["change"] == -600 and gap["text"] == "资产负债率 84.0% → 80.0%：按当前资产总额需减少负债 600 万元"


def test_missing_lists_every_unevaluable_input_with_year_paths():
    r = tier(record(drop=["st_staff", "rd_expense_wan.2025", "ip"]), "tech_sme")
    assert r.status == "not_evaluable" and r.score is None
    assert r.missing == ["st_staff", "rd_expense_wan.2025", "ip.class_I", "ip.class_II"]
    out = evaluate_record_json(record(drop=["st_staff"]))
    assert out["tiers"]["tech_sme"]["missing"] == ["st_staff"]


def test_score_is_reported_even_when_a_hard_condition_fails():
    r = tier(record({"employees_total": 900, "st_staff": 300}), "tech_sme")
    assert (r.status, r.score) == ("not_eligible", 100)


def test_no_rule_version_before_the_earliest_text():
    results = evaluate(record({"assessment_date": "2016-06-30", "registration_date": "2010-01-01"}))
    by = {r.tier: r for r in results}
    assert by["tech_sme"].rule_version is None and by["tech_sme"].status == "not_evaluable"
    assert by["high_tech"].rule_version == "high_tech/2016-32"


def test_registry_is_versioned_by_effective_date_and_refuses_clashes():
    assert [v.version for v in rule_sets("specialized_sme")] == [
        "specialized_sme/2022-63-annex2",
        "specialized_sme/2026-2",
    ]
    assert rule_set_for("specialized_sme", date(2026, 3, 31)).version == "specialized_sme/2022-63-annex2"
    assert rule_set_for("tech_sme", date(2010, 1, 1)) is None
    current = rule_set_for("tech_sme", date(2026, 9, 30))
    with pytest.raises(ValueError):
        register(
            RuleSet(
                tier="tech_sme",
                version="tech_sme/dup",
                effective_from=current.effective_from,
                documents=(),
                criteria=[],
            )
        )


def test_evaluate_records_json_reports_invalid_records_in_place():
    out = evaluate_records_json([BASE, {"credit_code": "BAD", "assessment_date": "2026-02-30"}])
    assert out[0]["tiers"]["tech_sme"]["status"] == "eligible"
    assert out[1] == {
        "record": "#1 (BAD)",
        "errors": [{"field": "assessment_date", "message": "not a valid calendar date: '2026-02-30'"}],
    }


def test_failed_count_and_reserve_pool():
    one = record({"credit_code": "ONE", "is_sme_per_2011_standard": False})
    two = record({"credit_code": "TWO", "is_sme_per_2011_standard": False, "abnormal_or_serious_dishonesty_list": True})
    three = record(
        {
            "credit_code": "THREE",
            "is_sme_per_2011_standard": False,
            "abnormal_or_serious_dishonesty_list": True,
            "prohibited_or_restricted_product": True,
        }
    )
    # fails one hard condition but only by a little: 2026 专精特新 debt ratio 80.5% (relative gap small)
    close = record({"credit_code": "CLOSE", "total_liabilities_wan.2025": 12075})
    recs = [BASE, one, two, three, close]
    evaluated = [(r["credit_code"], evaluate(r)) for r in recs]
    assert [failed_count(next(t for t in res if t.tier == "innovative_sme")) for _, res in evaluated] == [0, 1, 2, 3, 0]
    pool = reserve_pool(evaluated, "innovative_sme")
    assert [e.key for e in pool] == ["ONE", "TWO"]
    assert pool[0].failing == ("sme",)
    pool = reserve_pool(evaluated, "specialized_sme", max_failed=1)
    assert [e.key for e in pool] == ["CLOSE", "ONE"]  # same count (1): smaller relative shortfall first
    frame = evaluate_bulk(recs).frame
    assert reserve_pool_frame(frame, "innovative_sme")["credit_code"].to_list() == ["ONE", "TWO"]


def test_next_tier_follows_the_ladder():
    assert next_tier(evaluate(BASE)) is None
    rec = record({"holds_valid_specialized_sme_title": False})
    assert next_tier(evaluate(rec)) == "little_giant"
    assert next_tier(evaluate(record({"employees_total": 900}))) == "tech_sme"


def _load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_valid_fixtures_evaluate_to_their_expected_statuses():
    records = _load("facts-valid.json")
    statuses = set()
    for rec in records:
        got = {r.tier: r.status for r in evaluate(rec)}
        assert got == rec["_expected"], rec["credit_code"]
        statuses |= set(got.values())
    assert statuses == set(STATUSES)
    single = _load("facts-single-record.json")
    assert evaluate_record_json(single)["tiers"]["tech_sme"]["score"] == 64


def test_invalid_fixtures_name_every_bad_field():
    for rec in _load("facts-invalid.json"):
        with pytest.raises(FactsError) as exc:
            evaluate(rec)
        assert exc.value.record == rec["credit_code"]
        assert set(rec["_expected_errors"]) <= {f for f, _ in exc.value.errors}


def test_bulk_can_skip_invalid_records():
    result = evaluate_bulk([*_load("facts-valid.json"), *_load("facts-invalid.json")], skip_invalid=True)
    assert result.frame.height == 5 and len(result.errors) == 4
    assert result.frame["record_index"].to_list() == [0, 1, 2, 3, 4]
    with pytest.raises(FactsError):
        evaluate_bulk(_load("facts-invalid.json"))
