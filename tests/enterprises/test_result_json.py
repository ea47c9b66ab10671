"""The JSON shape of a verdict (engine.to_json), field by field: what the API and the stored detail carry.

Written for mutmut survivors in TierResult.to_json / CriterionResult.to_json (docs/mutation.md)."""

from __future__ import annotations

import json

from kechuang.enterprises.ladder import evaluate
from tests.enterprises.helpers import record

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
