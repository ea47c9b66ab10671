"""Enterprise ladder engine (梯次培育): tier eligibility from an enterprise facts record. Pure Python.

Contract: /work/shared/reference/ladder-facts-format.md (input record, output format);
criteria: /work/shared/reference/enterprise-tiers.md. Tiers, in ladder order: ``tech_sme`` (科技型中小企业),
``high_tech`` (高新技术企业), ``innovative_sme`` (创新型中小企业), ``specialized_sme`` (专精特新中小企业),
``little_giant`` (专精特新"小巨人"). ``leading_tech`` is not modelled: the reference defines no criteria.

Public API
----------
``parse_facts(record: dict, *, label=None) -> Facts``
    Validate one facts record (dict decoded from JSON). Raises ``FactsError`` whose ``.record`` names the
    record and ``.errors`` is a list of ``(field_path, message)``.

``evaluate(record: dict | Facts, as_of: date | None = None) -> list[TierResult]``
    One ``TierResult`` per tier: ``status`` ("eligible" | "not_eligible" | "not_evaluable"), ``score``
    (None when not computable / no local score / not evaluable), ``score_breakdown`` (group → points),
    ``route`` ("score" | "conditions" | "direct:<criterion id>" | None), ``rule_version``, ``failed``
    (number of failed criteria), ``missing`` (dotted facts paths), and ``criteria``: ``CriterionResult``
    (id, name, kind hard|score|line|route, clause, passed True/False/None, value, threshold, points,
    max_points, gap {field, current, target, change, unit, text, relative}, missing, unverified, note).
    ``as_of`` overrides ``assessment_date`` (which drives rule versions and the fiscal year L = year − 1).

``evaluate_record_json(record, as_of=None) -> dict``
    The JSON output of ladder-facts-format.md: {credit_code, assessment_date, rules: {tier: version},
    tiers: {tier: {status, score, route, criteria: [...], missing: [...], ...}}}.

``evaluate_records_json(records, as_of=None) -> list[dict]``
    Many records; an invalid one becomes {"record": label, "errors": [{"field", "message"}]} in place.

``evaluate_bulk(records, as_of=None, *, skip_invalid=False) -> BulkResult``
    Vectorised (Polars) evaluation of many records; ``BulkResult.frame`` has one row per valid record with
    ``<tier>.status|score|route|rule_version|failed`` and ``<tier>.<criterion>.value|passed|points``,
    identical to the per-record path. ``BulkResult.errors``: the ``FactsError``s skipped.

``evaluate_frame(frame, as_of=None, *, skip_invalid=False) -> BulkResult``
    The columnar path: the flattened input columns (contract in ``bulk.evaluate_frame``'s docstring) are
    validated column by column (``facts.validate_frame``, same rules and messages as ``parse_facts``) and
    evaluated without any per-record Python; the register's fast path builds this frame straight from SQL.

``reserve_pool(evaluated, tier, max_failed=2) -> list[ReserveEntry]`` / ``reserve_pool_frame(frame, tier)``
    Records failing ``tier`` by 1..max_failed criteria, closest first (``gaps.failed_count``,
    ``gaps.shortfall``, ``gaps.next_tier`` are the building blocks).

``rule_set_for(tier, on: date) -> RuleSet | None`` / ``rule_sets(tier)`` / ``register(RuleSet)``
    The rule-version registry (keyed by tier and effective-from date). Next year's rules are a new
    ``RuleSet`` registered with a later ``effective_from``; existing versions are not edited.
"""

from .bulk import BulkResult, evaluate_bulk, evaluate_frame, reserve_pool_frame
from .engine import CriterionResult, TierResult, evaluate, evaluate_record_json, evaluate_records_json
from .facts import Facts, FactsError, parse_facts
from .gaps import failed_count, next_tier, reserve_pool, shortfall
from .rules import STATUSES, TIERS, RuleSet, register, rule_set_for, rule_sets

__all__ = [
    "STATUSES",
    "TIERS",
    "BulkResult",
    "CriterionResult",
    "Facts",
    "FactsError",
    "RuleSet",
    "TierResult",
    "evaluate",
    "evaluate_bulk",
    "evaluate_frame",
    "evaluate_record_json",
    "evaluate_records_json",
    "failed_count",
    "next_tier",
    "parse_facts",
    "register",
    "reserve_pool",
    "reserve_pool_frame",
    "rule_set_for",
    "rule_sets",
    "shortfall",
]
