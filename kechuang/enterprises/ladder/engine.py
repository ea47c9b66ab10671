"""Per-record evaluation: one facts record → one `TierResult` per tier, and the JSON output format.

Status rule (ladder-facts-format.md), per tier:
1. any hard condition fails on the data given → `not_eligible`;
2. all hard conditions hold and a direct route holds → `eligible` (route `direct:<id>`);
3. all hard conditions hold and the score line holds on complete data → `eligible` (route `score`, or
   `conditions` for rule sets without a local score);
4. the score line fails even with every missing item at its maximum, and no route can apply → `not_eligible`;
5. otherwise `not_evaluable` (the `missing` list says what to supply).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from . import high_tech, innovative_sme, little_giant, specialized_sme, tech_sme  # noqa: F401  (register rules)
from .expr import Fn
from .facts import Facts, FactsError, parse_facts
from .row import flatten
from .rules import TIER_NAMES, TIERS, Criterion, Ctx, RuleSet, rule_set_for


@dataclass
class CriterionResult:
    id: str
    name: str
    kind: str  # hard | score | line | route
    clause: str
    passed: bool | None
    value: Any
    threshold: str | None
    points: int | float | None = None
    max_points: int | None = None
    group: str | None = None
    gap: dict | None = None
    missing: list[str] = field(default_factory=list)
    unverified: bool = False
    note: str | None = None
    detail: dict | None = None
    value_text: str | None = None  # the value in words when it is a case key (IP tiers, categories)

    def to_json(self) -> dict:
        out = asdict(self)
        if out["value_text"] is None:
            out.pop("value_text")
        if out["detail"] is None:
            out.pop("detail")
        if out["note"] is None:
            out.pop("note")
        return out


@dataclass
class TierResult:
    tier: str
    title: str
    rule_version: str | None
    status: str  # eligible | not_eligible | not_evaluable
    score: int | float | None
    route: str | None
    criteria: list[CriterionResult]
    missing: list[str]
    failed: int
    score_breakdown: dict[str, int | float | None] | None = None
    score_upper: int | float | None = None
    documents: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def criterion(self, cid: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == cid)

    def failed_criteria(self) -> list[CriterionResult]:
        """Hard conditions that fail, plus the score line when it fails and no direct route applies."""
        routes_possible = any(c.passed is not False for c in self.criteria if c.kind == "route")
        return [
            c
            for c in self.criteria
            if c.passed is False and (c.kind == "hard" or (c.kind == "line" and not routes_possible))
        ]

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "rule_version": self.rule_version,
            "status": self.status,
            "score": self.score,
            "score_upper": self.score_upper,
            "score_breakdown": self.score_breakdown,
            "route": self.route,
            "failed": self.failed,
            "criteria": [c.to_json() for c in self.criteria],
            "missing": self.missing,
            "documents": list(self.documents),
            "notes": list(self.notes),
        }


@functools.cache
def compiled(rule_set: RuleSet) -> list[tuple[str, Fn]]:
    """The rule set's nodes compiled to Python closures, in evaluation order (stage 1 → 2 → 3)."""
    return [(name, node.fn()) for name, node in (*rule_set.stage1(), *rule_set.stage2(), *rule_set.stage3())]


def assessment_date_of(facts: Facts, as_of: date | None) -> date:
    on = as_of or facts.assessment_date
    if on is None:
        raise FactsError(facts.label(), [("assessment_date", "required (or pass as_of)")])
    return on


def _text(value: Callable[[Ctx], str | None] | str | None, ctx: Ctx) -> str | None:
    return value(ctx) if callable(value) else value


def _criterion_result(rs: RuleSet, c: Criterion, ctx: Ctx) -> CriterionResult:
    env = ctx.env
    passed = env[rs.cname(c.id, "passed")]
    value = env[rs.cname(c.id, "value")]
    points = env.get(rs.cname(c.id, "points")) if c.points is not None else None
    unknown = points is None if c.kind == "score" else passed is None
    missing: list[str] = []
    if unknown and c.kind != "line":
        if c.missing_fn is not None:
            missing = c.missing_fn(ctx)
        else:
            missing = [
                p for leaf in c.leaves() if env.get(leaf.name) is None and (p := leaf.facts_path(ctx.latest_year))
            ]
    gap = None
    if c.gap is not None and not unknown and (c.kind == "score" or passed is False) and c.kind != "route":
        gap = c.gap(ctx)
    detail = c.annotate(ctx) if c.annotate is not None else None
    return CriterionResult(
        id=c.id,
        name=c.name,
        kind=c.kind,
        clause=c.clause,
        passed=passed,
        value=value,
        threshold=_text(c.threshold, ctx),
        points=points,
        max_points=c.max_points,
        group=c.group,
        gap=gap,
        missing=missing,
        unverified=c.unverified,
        note=c.note,
        detail=detail or None,
        value_text=_text(c.value_text, ctx) if value is not None else None,
    )


def evaluate_tier(rule_set: RuleSet, row: dict[str, Any]) -> TierResult:
    env = dict(row)
    for name, fn in compiled(rule_set):
        env[name] = fn(env)
    ctx = Ctx(env, row["latest_year"])
    t = rule_set.tier
    results: list[CriterionResult] = []
    line = rule_set.line_criterion()
    for c in rule_set.criteria:
        if c.kind == "route" and line is not None and not any(r.kind == "line" for r in results):
            results.append(_criterion_result(rule_set, line, ctx))
        results.append(_criterion_result(rule_set, c, ctx))
    if line is not None and not any(r.kind == "line" for r in results):
        results.append(_criterion_result(rule_set, line, ctx))
    missing: list[str] = []
    for r in results:
        for p in r.missing:
            if p not in missing:
                missing.append(p)
    status = env[f"{t}.status"]
    score = env[f"{t}.score"]
    breakdown = None
    upper = None
    if rule_set.line is not None:
        breakdown = {g: env[f"{t}.group.{g}"] for g in rule_set.groups()}
        if score is not None and any(c.points_upper is not None for c in rule_set.criteria):
            upper = env[f"{t}.score_upper"]
    return TierResult(
        tier=t,
        title=rule_set.title,
        rule_version=rule_set.version,
        status=status,
        score=score,
        route=env[f"{t}.route"],
        criteria=results,
        missing=missing,
        failed=env[f"{t}.failed"],
        score_breakdown=breakdown,
        score_upper=upper,
        documents=rule_set.documents,
        notes=rule_set.notes,
    )


def no_rule_result(tier: str, on: date) -> TierResult:
    return TierResult(
        tier=tier,
        title=TIER_NAMES[tier],
        rule_version=None,
        status="not_evaluable",
        score=None,
        route=None,
        criteria=[],
        missing=[],
        failed=0,
        notes=(f"no rule version of {tier} is in force on {on.isoformat()}",),
    )


def evaluate(record: dict | Facts, as_of: date | None = None, tiers: Iterable[str] = TIERS) -> list[TierResult]:
    """Evaluate one facts record (dict from JSON, or `Facts`) for every tier (in ladder order).

    `as_of` overrides the record's `assessment_date` (it drives rule versions and the fiscal year L).
    Raises `FactsError` when the record is invalid.
    """
    facts = parse_facts(record)
    on = assessment_date_of(facts, as_of)
    row = flatten(facts, on)
    out = []
    for tier in tiers:
        rs = rule_set_for(tier, on)
        out.append(no_rule_result(tier, on) if rs is None else evaluate_tier(rs, row))
    return out


def evaluate_record_json(record: dict | Facts, as_of: date | None = None) -> dict:
    """The output format of ladder-facts-format.md for one record (raises `FactsError` if invalid)."""
    facts = parse_facts(record)
    on = assessment_date_of(facts, as_of)
    results = evaluate(facts, on)
    return {
        "credit_code": facts.credit_code,
        "name": facts.name,
        "assessment_date": on.isoformat(),
        "latest_fiscal_year": on.year - 1,
        "rules": {r.tier: r.rule_version for r in results},
        "tiers": {r.tier: r.to_json() for r in results},
    }


def evaluate_records_json(records: Iterable[Any], as_of: date | None = None) -> list[dict]:
    """Many records; an invalid record yields {"record": label, "errors": [{"field", "message"}]} in place."""
    out = []
    for i, rec in enumerate(records):
        try:
            out.append(evaluate_record_json(parse_facts(rec, label=f"#{i}"), as_of))
        except FactsError as e:
            out.append({"record": e.record, "errors": [{"field": f, "message": m} for f, m in e.errors]})
    return out
