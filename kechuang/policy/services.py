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

    city = upsert(
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
    # Units the file no longer names are deactivated, not deleted: users and records still point at them.
    for unit in OrgUnit.objects.filter(parent=city, is_active=True).exclude(
        pk__in=[u.pk for u in [*departments.values(), *regions.values()]]
    ):
        unit.is_active = False
        audit.save(unit, actor=actor)
        summary.updated += 1

    by_name = {name: departments[d.code] for name, d in spec.department_lookup().items()}
    indicators = {
        i.code: upsert(Indicator, {"code": i.code}, {"name": i.name, "unit": i.unit, "direction": i.direction.value})
        for i in spec.indicators
    }

    policy = upsert(
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
    summary.policy = policy
    issuer_ids = [by_name[name].pk for name in spec.issuers]
    if list(policy.issuer_links.values_list("department_id", flat=True)) != issuer_ids:
        policy.issuer_links.all().delete()
        PolicyIssuer.objects.bulk_create(
            PolicyIssuer(policy=policy, department_id=pk, order=i) for i, pk in enumerate(issuer_ids)
        )

    first_issuer = by_name[spec.issuers[0]]
    target_order = 0
    kept_targets: list[int] = []

    def load_targets(targets: list[TargetSpec], owner_default: list[OrgUnit], **parent: Any) -> None:
        nonlocal target_order
        for t in targets:
            target_order += 1
            target = upsert(
                Target,
                {"policy": policy, "code": t.code},
                {
                    "goal": parent.get("goal"),
                    "task": parent.get("task"),
                    "indicator": indicators[t.indicator],
                    "comparator": t.comparator.value,
                    "value": t.value,
                    "unit": t.unit,
                    "deadline": t.deadline,
                    "cadence": t.cadence or "",
                    "region": regions[t.region] if t.region else None,
                    "description": t.description,
                    "clause": t.clause,
                    "order": target_order,
                },
            )
            owners = [by_name[n] for n in t.owner_departments] or owner_default
            if sorted(o.pk for o in target.owners.all()) != sorted(o.pk for o in owners):
                target.owners.set(owners)
            kept_targets.append(target.pk)

    kept_goals = []
    for order, g in enumerate(spec.goals):
        goal = upsert(Goal, {"policy": policy, "code": g.code}, {"title": g.title, "text": g.text, "order": order})
        kept_goals.append(goal.pk)
        load_targets(g.targets, [first_issuer], goal=goal)

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
            wanted = [(by_name[n], TaskDepartment.Role.LEAD) for n in t.lead_departments]
            wanted += [(by_name[n], TaskDepartment.Role.SUPPORT) for n in t.supporting_departments]
            kept_links = []
            for order, (dept, role) in enumerate(wanted):
                link = upsert(TaskDepartment, {"task": task, "department": dept}, {"role": role, "order": order})
                kept_links.append(link.pk)
            upsert.remove(task.task_departments.exclude(pk__in=kept_links))
            load_targets(t.targets, [by_name[n] for n in t.lead_departments], task=task)

    upsert.remove(policy.targets.exclude(pk__in=kept_targets))
    upsert.remove(policy.tasks.exclude(pk__in=kept_tasks))
    upsert.remove(policy.sections.exclude(pk__in=kept_sections))
    upsert.remove(policy.goals.exclude(pk__in=kept_goals))

    if summary.created or summary.updated or summary.removed:
        Policy.objects.filter(pk=policy.pk).update(loaded_at=timezone.now())
    targets = spec.all_targets()
    summary.counts = {
        "sections": len(spec.sections),
        "tasks": len(spec.tasks()),
        "departments": len(spec.departments),
        "regions": len(spec.regions),
        "indicators": len(spec.indicators),
        "numeric_targets": sum(not t.is_milestone for t in targets),
        "milestones": sum(t.is_milestone for t in targets),
    }
    return summary


def policy_load_file(*, path: str | Path, actor: Any = None) -> LoadSummary:
    """Validate the file (raising PolicyFileError with every problem) and load it."""
    spec = load_policy_file(str(path))
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return policy_load(spec=spec, actor=actor, source_sha256=digest)
