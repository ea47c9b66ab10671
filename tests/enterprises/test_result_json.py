"""The JSON shape of a verdict (engine.to_json), field by field: what the API and the stored detail carry.

Written for mutmut survivors in TierResult.to_json / CriterionResult.to_json (docs/mutation.md)."""

from __future__ import annotations

import json
from datetime import date

from kechuang.enterprises.ladder import evaluate
from tests.enterprises.helpers import BEFORE_2026, record

TIER_KEYS = {
    "title",
    "rule_version",
    "status",
    "score",
    "score_upper",
    "score_breakdown",
    "route",
    "failed",
    "criteria",
    "missing",
    "documents",
    "notes",
}


def test_tier_result_json_carries_each_field_under_its_name():
    for rec in (record(), record({"employees_total": 900}), record(drop=["st_staff"])):
        for r in evaluate(rec):
            out = json.loads(json.dumps(r.to_json(), default=str))
            assert set(out) == TIER_KEYS, r.tier
            assert (out["title"], out["rule_version"], out["status"]) == (r.title, r.rule_version, r.status)
            assert (out["score"], out["score_upper"], out["route"], out["failed"]) == (
                r.score,
                r.score_upper,
                r.route,
                r.failed,
            )
            assert out["score_breakdown"] == r.score_breakdown and out["missing"] == r.missing
            assert out["documents"] == list(r.documents) and out["notes"] == list(r.notes)
            assert [c["id"] for c in out["criteria"]] == [c.id for c in r.criteria]


def test_criterion_json_omits_only_an_empty_note_and_detail():
    for r in evaluate(record({"employees_total": 900})):
        for c in r.criteria:
            out = c.to_json()
            assert ("note" in out) == (c.note is not None) and ("detail" in out) == (c.detail is not None)
            for key in ("id", "name", "kind", "clause", "passed", "value", "threshold", "points", "missing"):
                assert out[key] == getattr(c, key), (r.tier, c.id, key)
            if c.note is not None:
                assert out["note"] == c.note
            if c.detail is not None:
                assert out["detail"] == c.detail


def test_some_criterion_has_a_note_and_some_a_detail():
    """The omission test above is only meaningful if both cases occur."""
    criteria = [c for rec in (record(), record({"employees_total": 900})) for r in evaluate(rec) for c in r.criteria]
    assert any(c.note is None for c in criteria) and any(c.detail is None for c in criteria)
    assert any(c.note is not None for c in criteria) or any(c.detail is not None for c in criteria)


def test_record_json_names_the_record_the_day_and_the_rules():
    from kechuang.enterprises.ladder import TIERS, evaluate_record_json

    out = evaluate_record_json(record())
    assert set(out) == {"credit_code", "name", "assessment_date", "latest_fiscal_year", "rules", "tiers"}
    assert (out["credit_code"], out["name"]) == ("91370300TEST00001X", "淄博测试科技有限公司")
    assert (out["assessment_date"], out["latest_fiscal_year"]) == ("2026-09-30", 2025)
    assert list(out["rules"]) == list(out["tiers"]) == list(TIERS)
    assert all(out["rules"][t] == out["tiers"][t]["rule_version"] is not None for t in TIERS)
    assert all(out["tiers"][t]["status"] == "eligible" for t in TIERS)  # BASE is eligible everywhere
    overridden = evaluate_record_json(record(), as_of=BEFORE_2026)
    assert (overridden["assessment_date"], overridden["latest_fiscal_year"]) == ("2026-03-31", 2025)
    # the verdicts are those of the overriding day: before 1 April 2026 the 2022 MIIT rules were in force
    assert overridden["rules"]["specialized_sme"] != out["rules"]["specialized_sme"]
    assert overridden["tiers"]["specialized_sme"]["rule_version"] == overridden["rules"]["specialized_sme"]


def test_records_json_reports_an_invalid_record_in_place():
    from kechuang.enterprises.ladder import evaluate_records_json

    bad = record({"st_staff": 10_000})  # more S&T staff than employees
    out = evaluate_records_json([record(), bad, record()])
    assert [("errors" in o) for o in out] == [False, True, False]
    assert "#1" in out[1]["record"]
    assert out[1]["errors"] and out[1]["errors"][0]["field"] == "st_staff"
    assert "exceeds employees_total" in out[1]["errors"][0]["message"]
    on_day = evaluate_records_json([record()], as_of=BEFORE_2026)[0]  # as_of reaches every record
    assert on_day["assessment_date"] == "2026-03-31"


def test_a_day_before_any_rule_version_is_not_evaluable_and_says_why():
    from kechuang.enterprises.ladder import TIERS
    from kechuang.enterprises.ladder.engine import TIER_NAMES

    early = date(2005, 6, 30)
    results = evaluate(record({"registration_date": "2000-01-01"}), as_of=early)
    assert [r.tier for r in results] == list(TIERS)
    for r in results:
        assert (r.status, r.rule_version, r.score, r.route, r.failed) == ("not_evaluable", None, None, None, 0)
        assert r.title == TIER_NAMES[r.tier] and r.criteria == [] and r.missing == []
        assert r.notes == (f"no rule version of {r.tier} is in force on 2005-06-30",)
