"""API: milestones, reporting periods and progress reports. Reports follow the same scope as the pages:
a department sees its own reports and, as lead, its supporters' submitted ones — never another's draft."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.http import current_policy
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user, require_bureau
from kechuang.policy.models import Target
from kechuang.supervision import selectors, services, workflow
from kechuang.supervision.filters import ReportFilter
from kechuang.supervision.models import Milestone, ProgressReport

router = Router(tags=["supervision"])


class PeriodOut(Schema):
    id: int
    code: str
    year: int
    quarter: int
    due_date: dt.date
    supporters_due_date: dt.date
    state: str


class PeriodIn(Schema):
    year: int
    quarter: int
    due_date: dt.date
    supporters_due_date: dt.date | None = None


class MilestoneOut(Schema):
    id: int
    task: int
    title: str
    due_date: dt.date
    department: str
    targets: list[str]
    completed_on: dt.date | None
    note: str


class MilestoneIn(Schema):
    task: int
    title: str
    due_date: dt.date
    department: str  # org unit code
    targets: list[str] = []  # target codes
    note: str = ""


class FigureOut(Schema):
    target: str
    value: Decimal
    observation_recorded: bool


class ReportOut(Schema):
    id: int
    period: str
    task: int
    department: str
    department_name: str
    role: str
    lead_department: str | None
    state: str
    due_date: dt.date
    overdue: bool
    work_done: str
    figures_text: str
    problems: str
    next_steps: str
    figures: list[FigureOut]
    milestones_reached: list[int]
    submitted_at: dt.datetime | None
    first_submitted_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_comment: str
    accepted_at: dt.datetime | None
    allowed_actions: list[str]


class ReportPatch(Schema):
    work_done: str | None = None
    figures_text: str | None = None
    problems: str | None = None
    next_steps: str | None = None
    milestones_reached: list[int] | None = None
    figures: dict[str, Decimal | None] | None = None  # target code → value (null removes)


class TransitionIn(Schema):
    action: str
    comment: str = ""


def _milestone_out(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.pk,
        "task": m.task.number,
        "title": m.title,
        "due_date": m.due_date,
        "department": m.department.code,
        "targets": [t.code for t in m.targets.all()],
        "completed_on": m.completed_on,
        "note": m.note,
    }


def _report_out(request: HttpRequest, r: ProgressReport) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "id": r.pk,
        "period": r.period.code,
        "task": r.task.number,
        "department": r.department.code,
        "department_name": str(r.department),
        "role": r.role,
        "lead_department": r.lead_department.code if r.lead_department else None,
        "state": r.state,
        "due_date": r.due_date,
        "overdue": r.is_overdue(timezone.localdate()),
        "work_done": r.work_done,
        "figures_text": r.figures_text,
        "problems": r.problems,
        "next_steps": r.next_steps,
        "figures": [
            {"target": f.target.code, "value": f.value, "observation_recorded": f.observation_recorded}
            for f in r.figures.all()
        ],
        "milestones_reached": [m.pk for m in r.milestones_reached.all()],
        "submitted_at": r.submitted_at,
        "first_submitted_at": r.first_submitted_at,
        "returned_at": r.returned_at,
        "return_comment": r.return_comment,
        "accepted_at": r.accepted_at,
        "allowed_actions": workflow.allowed_actions(r.state, services.relation_of(request.user, r)),
    }


def _reports(request: HttpRequest):
    return (
        selectors.reports_visible_to(request.user)
        .select_related("period", "task", "department", "lead_department")
        .prefetch_related("figures__target", "milestones_reached")
    )


def _report(request: HttpRequest, report_id: int) -> ProgressReport:
    return get_for_user(request, _reports(request), report_id)


@router.get("/supervision/periods", response=list[PeriodOut])
def periods(request: HttpRequest):
    return list(selectors.periods(current_policy(request)))


@router.post("/supervision/periods", response={201: PeriodOut})
def period_open(request: HttpRequest, payload: PeriodIn):
    period = services.period_open(actor=request.user, policy=current_policy(request), **payload.dict())
    return Status(201, period)


@router.get("/supervision/milestones", response=list[MilestoneOut])
def milestones(request: HttpRequest, task: int | None = None):
    qs = (
        Milestone.objects.visible_to(request.user)
        .filter(task__policy=current_policy(request))
        .select_related("task", "department")
        .prefetch_related("targets")
    )
    if task is not None:
        qs = qs.filter(task__number=task)
    return [_milestone_out(m) for m in qs]


@router.post("/supervision/milestones", response={201: MilestoneOut})
def milestone_create(request: HttpRequest, payload: MilestoneIn):
    policy = current_policy(request)
    require_bureau(request.user, message="")  # the API's own refusal, before the payload is looked at
    task = policy.tasks.filter(number=payload.task).first()
    if task is None:
        raise ValidationError({"task": "No such task."})
    department = OrgUnit.objects.departments().filter(parent=policy.city, code=payload.department).first()
    if department is None:
        raise ValidationError({"department": "No such department."})
    targets = list(Target.objects.filter(policy=policy, code__in=payload.targets))
    if len(targets) != len(set(payload.targets)):
        raise ValidationError({"targets": "Unknown target code."})
    milestone = services.milestone_create(
        actor=request.user,
        task=task,
        title=payload.title,
        due_date=payload.due_date,
        department=department,
        targets=targets,
        note=payload.note,
    )
    return Status(201, _milestone_out(milestone))


@router.get("/supervision/reports", response=list[ReportOut])
@paginate(Pagination)
def reports(
    request: HttpRequest,
    period: str | None = None,
    task: int | None = None,
    state: str | None = None,
    department: str | None = None,
):
    qs = filtered_or_422(ReportFilter, request.GET, _reports(request).filter(period__policy=current_policy(request)))
    return [_report_out(request, r) for r in qs.order_by("period__year", "period__quarter", "task__number", "role")]


@router.get("/supervision/reports/{report_id}", response=ReportOut)
def report(request: HttpRequest, report_id: int):
    return _report_out(request, _report(request, report_id))


@router.patch("/supervision/reports/{report_id}", response=ReportOut)
def report_patch(request: HttpRequest, report_id: int, payload: ReportPatch):
    found = _report(request, report_id)
    data = payload.dict(exclude_unset=True)
    figures = None
    if data.get("figures") is not None:
        targets = {t.code: t.pk for t in Target.objects.filter(task=found.task)}
        unknown = [c for c in data["figures"] if c not in targets]
        if unknown:
            raise ValidationError({"figures": f"Not a target of this task: {', '.join(unknown)}"})
        figures = {targets[c]: v for c, v in data["figures"].items()}
    milestones_reached = None
    if data.get("milestones_reached") is not None:
        milestones_reached = list(Milestone.objects.filter(pk__in=data["milestones_reached"]))
    services.report_update(
        actor=request.user,
        report=found,
        work_done=data.get("work_done"),
        figures_text=data.get("figures_text"),
        problems=data.get("problems"),
        next_steps=data.get("next_steps"),
        milestones_reached=milestones_reached,
        figures=figures,
    )
    return _report_out(request, _report(request, report_id))


@router.post("/supervision/reports/{report_id}/transitions", response=ReportOut)
def report_transition(request: HttpRequest, report_id: int, payload: TransitionIn):
    found = _report(request, report_id)
    services.report_transition(actor=request.user, report=found, action=payload.action, comment=payload.comment)
    return _report_out(request, _report(request, report_id))
