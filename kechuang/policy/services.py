"""Loading a policy file into the database: one transaction, idempotent, every change audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kechuang.core import audit
from kechuang.core.models import OrgUnit
from kechuang.indicators.models import Indicator
from kechuang.policy.models import Goal, Policy, PolicyIssuer, Section, Target, Task, TaskDepartment
from kechuang.policy.schema import PolicySpec, TargetSpec, load_policy_file


@dataclass
class LoadSummary:
    policy: Policy | None = None  # set once the policy row is written
    counts: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    removed: int = 0

    def line(self) -> str:
        c = self.counts
        return (
            f"{self.policy.document_number} ({self.policy.code}): {c['sections']} sections, {c['tasks']} tasks, "
            f"{c['departments']} departments, {c['regions']} regions, {c['indicators']} indicators, "
            f"{c['numeric_targets']} numeric targets, {c['milestones']} milestones; "
            f"{self.created} created, {self.updated} updated, {self.removed} removed"
        )


class _Upserter:
    """Create or update rows by natural key, counting and auditing each real change."""

    def __init__(self, actor: Any, summary: LoadSummary):
        self.actor = actor
        self.summary = summary

    def __call__(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> Any:
        obj = model._default_manager.filter(**lookup).first()
        is_new = obj is None
        if is_new:
            obj = model(**lookup)
        for name, value in values.items():
            setattr(obj, name, value)
        if audit.save(obj, actor=self.actor):
            if is_new:
                self.summary.created += 1
            else:
                self.summary.updated += 1
        return obj

    def remove(self, queryset: models.QuerySet) -> None:
        for obj in queryset:
            audit.record(
                actor=self.actor, action=audit.Action.DELETE, obj=obj, changes=audit.diff(audit.snapshot(obj), None)
            )
            obj.delete()
            self.summary.removed += 1


@transaction.atomic
def policy_load(*, spec: PolicySpec, actor: Any = None, source_sha256: str = "") -> LoadSummary:
    """Load or update a validated policy; re-loading the same file changes nothing."""
    upsert = _Upserter(actor, LoadSummary())
    summary = upsert.summary
    city = _load_city(upsert, spec)
    departments = _load_departments(upsert, spec, city)
    regions = _load_regions(upsert, spec, city)
    _deactivate_unnamed_units(upsert, city, kept=[*departments.values(), *regions.values()])
    by_name = {name: departments[d.code] for name, d in spec.department_lookup().items()}
    indicators = _load_indicators(upsert, spec)
    policy = summary.policy = _load_policy(upsert, spec, city, source_sha256)
    _link_issuers(policy, [by_name[name] for name in spec.issuers])
    targets = _TargetLoader(upsert, policy, indicators, regions, by_name)
    kept_goals = _load_goals(upsert, spec, policy, targets, first_issuer=by_name[spec.issuers[0]])
    kept_sections, kept_tasks = _load_sections(upsert, spec, policy, targets, by_name)
    upsert.remove(policy.targets.exclude(pk__in=targets.kept))
    upsert.remove(policy.tasks.exclude(pk__in=kept_tasks))
    upsert.remove(policy.sections.exclude(pk__in=kept_sections))
    upsert.remove(policy.goals.exclude(pk__in=kept_goals))
    if summary.created or summary.updated or summary.removed:
        Policy.objects.filter(pk=policy.pk).update(loaded_at=timezone.now())
    summary.counts = _counts(spec)
    return summary


def _load_city(upsert: _Upserter, spec: PolicySpec) -> OrgUnit:
    return upsert(
        OrgUnit,
        {"code": spec.city.code, "parent": None},
        {
            "kind": OrgUnit.Kind.CITY,
            "name": spec.city.name,
            "admin_code": spec.city.admin_code,
            "province_name": spec.city.province.name,
            "province_code": spec.city.province.admin_code,
        },
    )


def _load_departments(upsert: _Upserter, spec: PolicySpec, city: OrgUnit) -> dict[str, OrgUnit]:
    departments: dict[str, OrgUnit] = {}
    for order, dept in enumerate(spec.departments):
        departments[dept.code] = upsert(
            OrgUnit,
            {"code": dept.code, "parent": city},
            {
                "kind": OrgUnit.Kind.DEPARTMENT,
                "name": dept.name,
                "short_name": dept.short_name,
                "aliases": list(dept.aliases),
                "admin_code": spec.city.admin_code,
                "sort_order": order,
                "is_active": True,
            },
        )
    return departments


def _load_regions(upsert: _Upserter, spec: PolicySpec, city: OrgUnit) -> dict[str, OrgUnit]:
    regions: dict[str, OrgUnit] = {}
    for order, region in enumerate(spec.regions):
        regions[region.code] = upsert(
            OrgUnit,
            {"code": region.code, "parent": city},
            {
                "kind": OrgUnit.Kind.REGION,
                "name": region.name,
                "short_name": "",
                "region_kind": region.kind.value,
                "admin_code": region.admin_code,
                "in_partition": region.in_partition,
                "sort_order": order,
                "is_active": True,
            },
        )
    return regions


def _deactivate_unnamed_units(upsert: _Upserter, city: OrgUnit, kept: list[OrgUnit]) -> None:
    """Units the file no longer names are deactivated, not deleted: users and records still point at them."""
    for unit in OrgUnit.objects.filter(parent=city, is_active=True).exclude(pk__in=[u.pk for u in kept]):
        unit.is_active = False
        audit.save(unit, actor=upsert.actor)
        upsert.summary.updated += 1


def _load_indicators(upsert: _Upserter, spec: PolicySpec) -> dict[str, Indicator]:
    return {
        i.code: upsert(Indicator, {"code": i.code}, {"name": i.name, "unit": i.unit, "direction": i.direction.value})
        for i in spec.indicators
    }


def _load_policy(upsert: _Upserter, spec: PolicySpec, city: OrgUnit, source_sha256: str) -> Policy:
    return upsert(
        Policy,
        {"code": spec.code},
        {
            "document_number": spec.document_number,
            "title": spec.title,
            "city": city,
            "issue_date": spec.issue_date,
            "effective_from": spec.effective_from,
            "effective_to": spec.effective_to,
            "preamble": spec.preamble,
            "closing": spec.closing,
            "source_sha256": source_sha256,
        },
    )


def _link_issuers(policy: Policy, issuers: list[OrgUnit]) -> None:
    issuer_ids = [unit.pk for unit in issuers]
    if list(policy.issuer_links.values_list("department_id", flat=True)) != issuer_ids:
        policy.issuer_links.all().delete()
        PolicyIssuer.objects.bulk_create(
            PolicyIssuer(policy=policy, department_id=pk, order=i) for i, pk in enumerate(issuer_ids)
        )


class _TargetLoader:
    """Targets of goals and tasks, numbered in file order across the whole policy; `kept` are the loaded ones."""

    def __init__(
        self,
        upsert: _Upserter,
        policy: Policy,
        indicators: dict[str, Indicator],
        regions: dict[str, OrgUnit],
        by_name: dict[str, OrgUnit],
    ):
        self.upsert = upsert
        self.policy = policy
        self.indicators = indicators
        self.regions = regions
        self.by_name = by_name
        self.order = 0
        self.kept: list[int] = []

    def load(self, targets: list[TargetSpec], owner_default: list[OrgUnit], **parent: Any) -> None:
        for t in targets:
            self.order += 1
            target = self.upsert(
                Target,
                {"policy": self.policy, "code": t.code},
                {
                    "goal": parent.get("goal"),
                    "task": parent.get("task"),
                    "indicator": self.indicators[t.indicator],
                    "comparator": t.comparator.value,
                    "value": t.value,
                    "unit": t.unit,
                    "deadline": t.deadline,
                    "cadence": t.cadence or "",
                    "region": self.regions[t.region] if t.region else None,
                    "description": t.description,
                    "clause": t.clause,
                    "order": self.order,
                },
            )
            owners = [self.by_name[n] for n in t.owner_departments] or owner_default
            if sorted(o.pk for o in target.owners.all()) != sorted(o.pk for o in owners):
                target.owners.set(owners)
            self.kept.append(target.pk)


def _load_goals(
    upsert: _Upserter, spec: PolicySpec, policy: Policy, targets: _TargetLoader, first_issuer: OrgUnit
) -> list[int]:
    """The goals and their targets (owned by the first issuer unless they name owners); the kept goals' pks."""
    kept_goals = []
    for order, g in enumerate(spec.goals):
        goal = upsert(Goal, {"policy": policy, "code": g.code}, {"title": g.title, "text": g.text, "order": order})
        kept_goals.append(goal.pk)
        targets.load(g.targets, [first_issuer], goal=goal)
    return kept_goals


def _load_sections(
    upsert: _Upserter, spec: PolicySpec, policy: Policy, targets: _TargetLoader, by_name: dict[str, OrgUnit]
) -> tuple[list[int], list[int]]:
    """The sections, their tasks with lead and supporting departments, and the tasks' targets (owned by the lead
    departments unless they name owners); the kept sections' and tasks' pks."""
    kept_sections, kept_tasks = [], []
    for s in spec.sections:
        section = upsert(Section, {"policy": policy, "number": s.number}, {"title": s.title, "text": s.text})
        kept_sections.append(section.pk)
        for t in s.tasks:
            task = upsert(
                Task,
                {"policy": policy, "number": t.number},
                {"section": section, "title": t.title, "text": t.text, "responsibility": t.responsibility.value},
            )
            kept_tasks.append(task.pk)
            _link_departments(upsert, task, by_name, t.lead_departments, t.supporting_departments)
            targets.load(t.targets, [by_name[n] for n in t.lead_departments], task=task)
    return kept_sections, kept_tasks


def _link_departments(
    upsert: _Upserter, task: Task, by_name: dict[str, OrgUnit], leads: list[str], supporting: list[str]
) -> None:
    wanted = [(by_name[n], TaskDepartment.Role.LEAD) for n in leads]
    wanted += [(by_name[n], TaskDepartment.Role.SUPPORT) for n in supporting]
    kept_links = []
    for order, (dept, role) in enumerate(wanted):
        link = upsert(TaskDepartment, {"task": task, "department": dept}, {"role": role, "order": order})
        kept_links.append(link.pk)
    upsert.remove(task.task_departments.exclude(pk__in=kept_links))


def _counts(spec: PolicySpec) -> dict[str, int]:
    targets = spec.all_targets()
    return {
        "sections": len(spec.sections),
        "tasks": len(spec.tasks()),
        "departments": len(spec.departments),
        "regions": len(spec.regions),
        "indicators": len(spec.indicators),
        "numeric_targets": sum(not t.is_milestone for t in targets),
        "milestones": sum(t.is_milestone for t in targets),
    }


def policy_load_file(*, path: str | Path, actor: Any = None) -> LoadSummary:
    """Validate the file (raising PolicyFileError with every problem) and load it."""
    spec = load_policy_file(str(path))
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return policy_load(spec=spec, actor=actor, source_sha256=digest)
