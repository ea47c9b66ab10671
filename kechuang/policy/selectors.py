"""Reading the policy: the overview tree, a task, a department's work, search, and the JSON export."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from kechuang.core.models import OrgUnit
from kechuang.policy.models import Policy, Section, Target, Task, TaskDepartment

_TASK_PREFETCH = (
    Prefetch("task_departments", queryset=TaskDepartment.objects.select_related("department")),
    Prefetch("targets", queryset=Target.objects.select_related("indicator", "region").prefetch_related("owners")),
)


def default_policy() -> Policy | None:
    """The policy the platform runs (KECHUANG_DEFAULT_POLICY), else the newest loaded."""
    return (
        Policy.objects.filter(code=settings.KECHUANG_DEFAULT_POLICY).select_related("city").first()
        or Policy.objects.select_related("city").first()
    )


def task_departments(numbers: tuple[int, ...]) -> set[int]:
    """The org-unit ids of the lead and supporting departments of the default policy's tasks `numbers`."""
    policy = default_policy()
    if policy is None or not numbers:
        return set()
    return set(
        TaskDepartment.objects.filter(task__policy=policy, task__number__in=numbers).values_list(
            "department_id", flat=True
        )
    )


def policy_for(user: Any, code: str | None = None) -> Policy | None:
    qs = Policy.objects.visible_to(user).select_related("city")
    return qs.filter(code=code).first() if code else default_policy()


def policy_sections(policy: Policy) -> QuerySet[Section]:
    return policy.sections.prefetch_related(Prefetch("tasks", queryset=Task.objects.prefetch_related(*_TASK_PREFETCH)))


def policy_goal_targets(policy: Policy) -> QuerySet[Target]:
    return (
        policy.targets.filter(goal__isnull=False)
        .select_related("indicator", "region", "goal")
        .prefetch_related("owners")
    )


def headline_targets(policy: Policy) -> list[Target]:
    """The targets a leader looks at first: every numeric target with a deadline, goals first."""
    targets = policy.targets.filter(deadline__isnull=False).exclude(comparator=Target.Comparator.ACHIEVED)
    return list(
        targets.select_related("indicator", "task").prefetch_related("owners").order_by("task__number", "order")
    )


def recurring_targets(policy: Policy) -> list[Target]:
    """Quotas the text sets every year or every few years (每年, 每两年 …)."""
    return list(policy.targets.exclude(cadence="").select_related("indicator", "task").prefetch_related("owners"))


def milestones(policy: Policy) -> list[Target]:
    """Named milestones, those with a deadline first."""
    qs = policy.targets.filter(comparator=Target.Comparator.ACHIEVED).select_related("indicator", "task", "region")
    return sorted(
        qs.prefetch_related("owners"), key=lambda t: (t.deadline is None, t.deadline or policy.effective_to, t.order)
    )


def task_detail(policy: Policy, number: int) -> Task | None:
    return policy.tasks.prefetch_related(*_TASK_PREFETCH).select_related("section").filter(number=number).first()


def department_work(policy: Policy, department: OrgUnit) -> dict[str, list[Task]]:
    """Tasks the department leads and those it supports."""
    links = (
        TaskDepartment.objects.filter(task__policy=policy, department=department)
        .select_related("task")
        .order_by("task__number")
    )
    tasks = {
        t.pk: t for t in Task.objects.filter(pk__in=[link.task_id for link in links]).prefetch_related(*_TASK_PREFETCH)
    }
    work: dict[str, list[Task]] = {"lead": [], "support": []}
    for link in links:
        work[link.role].append(tasks[link.task_id])
    return work


def policy_departments(policy: Policy) -> list[dict[str, Any]]:
    """Each department of the policy's city with how many tasks it leads and supports."""
    counts: dict[int, dict[str, int]] = {}
    for dept_id, role in TaskDepartment.objects.filter(task__policy=policy).values_list("department_id", "role"):
        counts.setdefault(dept_id, {"lead": 0, "support": 0})[role] += 1
    departments = OrgUnit.objects.departments().filter(parent=policy.city, is_active=True)
    return [{"department": d, **counts.get(d.pk, {"lead": 0, "support": 0})} for d in departments]


def policy_search(policy: Policy, query: str) -> dict[str, list[Any]]:
    """Tasks, goals and sections whose text contains every word of the query."""
    words = [w for w in query.split() if w]
    if not words:
        return {"tasks": [], "goals": [], "sections": []}
    task_q, goal_q, section_q = Q(), Q(), Q()
    for w in words:
        task_q &= Q(title__icontains=w) | Q(text__icontains=w)
        goal_q &= Q(title__icontains=w) | Q(text__icontains=w)
        section_q &= Q(title__icontains=w) | Q(text__icontains=w)
    return {
        "tasks": list(policy.tasks.filter(task_q).select_related("section").prefetch_related(*_TASK_PREFETCH)),
        "goals": list(policy.goals.filter(goal_q)),
        "sections": list(policy.sections.filter(section_q).exclude(text="")),
    }


def target_json(target: Target) -> dict[str, Any]:
    return {
        "code": target.code,
        "indicator": target.indicator.code,
        "indicator_name": target.indicator.name,
        "comparator": target.comparator,
        "value": float(target.value) if target.value is not None else None,
        "unit": target.unit,
        "deadline": target.deadline.isoformat() if target.deadline else None,
        "cadence": target.cadence or None,
        "region": target.region.code if target.region else None,
        "milestone": target.is_milestone,
        "description": target.description,
        "clause": target.clause,
        "owner_departments": [o.label for o in target.owners.all()],
    }


def policy_export(policy: Policy) -> dict[str, Any]:
    """The loaded policy as plain data (the `export_policy` JSON and the API)."""
    departments = OrgUnit.objects.departments().filter(parent=policy.city, is_active=True)
    goal_targets = policy_goal_targets(policy)
    tasks = policy.tasks.prefetch_related(*_TASK_PREFETCH).select_related("section")
    return {
        "code": policy.code,
        "document_number": policy.document_number,
        "title": policy.title,
        "city": policy.city.name,
        "issue_date": policy.issue_date.isoformat(),
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat(),
        "issuers": [link.department.label for link in policy.issuer_links.select_related("department")],
        "departments": [{"code": d.code, "name": d.name, "short_name": d.short_name} for d in departments],
        "goals": [
            {"code": g.code, "title": g.title, "targets": [target_json(t) for t in goal_targets if t.goal_id == g.pk]}
            for g in policy.goals.all()
        ],
        "tasks": [
            {
                "number": t.number,
                "section": t.section.number,
                "title": t.title,
                "responsibility": t.responsibility,
                "lead_departments": [d.label for d in t.leads()],
                "supporting_departments": [d.label for d in t.supporters()],
                "targets": [target_json(x) for x in t.targets.all()],
            }
            for t in tasks
        ],
    }
