"""API of the projects module: the same scoped querysets and FilterSets as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import get_for_user, require_bureau
from kechuang.core.roles import Role
from kechuang.projects import selectors, services
from kechuang.projects.filters import AppropriationFilter, CallFilter, ProjectFilter
from kechuang.projects.models import ChangeRequest, Correction, MonitoringReport, Project, ReviewAssignment

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    code: str
    title: str
    plan: str
    mode: str
    funding_mode: str
    lead_unit: str
    credit_code: str
    region: str
    state: str
    start_on: dt.date
    end_on: dt.date
    lump_sum: bool
    risk_flagged: bool
    budget_fiscal_wan: Decimal
    budget_self_wan: Decimal
    paid_wan: Decimal
    overdue_milestones: int
    has_goals: bool
    latest_grade: str | None

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_overdue_milestones(obj) -> int:
        return obj.overdue_count

    @staticmethod
    def resolve_latest_grade(obj) -> str | None:
        return obj.last_grade


class GoalOut(Schema):
    level: str
    sublevel: str
    indicator: str
    target: Decimal
    unit: str
    direction: str
    weight: Decimal
    actual: Decimal | None


class ProjectMilestoneOut(Schema):
    seq: int
    due_on: dt.date
    indicators: str
    payment_share: Decimal
    result: str


class EvaluationOut(Schema):
    kind: str
    evaluated_on: dt.date
    score: Decimal
    goal_score: Decimal
    grade: str
    grade_rule: str
    result_use: str


class ProjectDetailOut(ProjectOut):
    milestones: list[ProjectMilestoneOut]
    goals: list[GoalOut]
    evaluations: list[EvaluationOut]

    @staticmethod
    def resolve_milestones(obj) -> list:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_goals(obj) -> list:
        return list(obj.goals.all())

    @staticmethod
    def resolve_evaluations(obj) -> list:
        return list(obj.evaluations.all())


class CallOut(Schema):
    id: int
    code: str
    kind: str
    mode: str
    plan: str
    year: int
    title: str
    problem: str
    hard_targets: str
    deliverables: str
    deadline: dt.date | None
    funding_ceiling_wan: Decimal
    eligibility: str
    co_funding: str
    owner_name: str
    state: str
    demand_id: int | None
    applications: int
    projects: int

    @staticmethod
    def resolve_applications(obj) -> int:
        return obj.n_applications

    @staticmethod
    def resolve_projects(obj) -> int:
        return obj.n_projects


class AppropriationOut(Schema):
    id: int
    project: str
    source: str
    mode: str
    document_no: str
    tranche: int
    planned_on: dt.date
    amount_wan: Decimal
    paid_on: dt.date | None

    @staticmethod
    def resolve_project(obj) -> str:
        return obj.project.code


@router.get("/projects", response=list[ProjectOut], url_name="projects")
@paginate(Pagination)
def project_list(request: HttpRequest):
    """Projects in the caller's scope; filters: state, plan, mode, funding, region, year, overdue=1, q, sort."""
    return filtered_or_422(ProjectFilter, request.GET, selectors.projects(request.user))


@router.get("/projects/calls", response=list[CallOut], url_name="project_calls")
@paginate(Pagination)
def call_list(request: HttpRequest):
    """Guide-based calls and 揭榜挂帅 open calls; filters: kind, mode, state, plan, year, q, sort."""
    return filtered_or_422(CallFilter, request.GET, selectors.calls(request.user))


@router.get("/projects/calls/{call_id}", response=CallOut, url_name="project_call")
def call_detail(request: HttpRequest, call_id: int):
    return get_for_user(request, selectors.calls(request.user), call_id)


@router.get("/projects/appropriations", response=list[AppropriationOut], url_name="appropriations")
@paginate(Pagination)
def appropriation_list(request: HttpRequest):
    """Appropriations in the caller's scope; filters: source, mode, year, region, paid=1|0, q, sort."""
    return filtered_or_422(AppropriationFilter, request.GET, selectors.appropriations(request.user))


# ---------------------------------------------------------------- writes: the pages' steps, through the same services
class ProjectApplicationIn(Schema):
    project_title: str
    approach: str = ""
    chief_scientist: str = ""
    team: str = ""
    requested_wan: Decimal
    self_raised_wan: Decimal = Decimal(0)
    # entered by bureau or district staff for a firm of their region; an enterprise account applies for its own
    # firm (its credit code and region come from its account and the register, whatever is sent)
    applicant: str = ""
    credit_code: str = ""
    region: str = ""


class ProjectApplicationOut(Schema):
    id: int
    call: str
    applicant: str
    project_title: str
    region: str
    state: str
    submitted_on: dt.date
    requested_wan: Decimal

    @staticmethod
    def resolve_call(obj) -> str:
        return obj.call.code

    @staticmethod
    def resolve_region(obj) -> str:
        return obj.region.code if obj.region_id else ""


class ProjectStepIn(Schema):
    note: str = ""


class ProjectReviewIn(Schema):
    score: Decimal | None = None
    comment: str = ""
    no_conflict: bool = False
    conflict_note: str = ""


class ProjectReviewOut(Schema):
    id: int
    application: int
    state: str
    score: Decimal | None
    no_conflict: bool

    @staticmethod
    def resolve_application(obj) -> int:
        return obj.application_id


class ProjectMonitoringIn(Schema):
    period: str
    progress: str
    budget_execution: Decimal
    planned_execution: Decimal
    action: str = "none"
    correction: str = ""
    correction_due: dt.date | None = None


class ProjectMonitoringOut(Schema):
    id: int
    period: str
    reported_on: dt.date
    budget_execution: Decimal
    planned_execution: Decimal
    deviation: Decimal
    warning: bool
    action: str
    correction_id: int | None

    @staticmethod
    def resolve_correction_id(obj) -> int | None:
        return getattr(getattr(obj, "correction", None), "pk", None)


class ProjectChangeIn(Schema):
    kind: str
    description: str
    new_end_on: dt.date | None = None


class ProjectChangeDecisionIn(Schema):
    approve: bool
    note: str = ""


class ProjectChangeOut(Schema):
    id: int
    kind: str
    description: str
    new_end_on: dt.date | None
    state: str
    requested_on: dt.date


class ProjectCorrectionResponseIn(Schema):
    response: str


class ProjectCorrectionVerifyIn(Schema):
    close: bool
    note: str = ""
    due_on: dt.date | None = None


class ProjectCorrectionOut(Schema):
    id: int
    project: str
    period: str
    requirement: str
    ordered_on: dt.date
    due_on: dt.date
    state: str
    overdue: bool
    response: str
    responded_on: dt.date | None
    verification_note: str
    reopened: int

    @staticmethod
    def resolve_project(obj) -> str:
        return obj.project.code

    @staticmethod
    def resolve_period(obj) -> str:
        return obj.report.period

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(timezone.localdate())


def _choice(value: str, field: str, choices: Any) -> str:
    if value not in dict(choices):
        raise ValidationError({field: _("Choose one of: %(v)s.") % {"v": ", ".join(dict(choices))}})
    return value


@router.post(
    "/projects/calls/{call_id}/applications",
    response={201: ProjectApplicationOut},
    url_name="project_application_create",
)
def application_create(request: HttpRequest, call_id: int, payload: ProjectApplicationIn):
    """Apply to an open call: an enterprise account for its own firm; bureau or district staff enter a firm of
    their region (`applicant`, `credit_code`, `region`)."""
    call = get_for_user(request, selectors.calls(request.user), call_id)
    fields = payload.dict()
    if request.user.role == Role.ENTERPRISE:
        for name in ("applicant", "credit_code", "region"):
            fields.pop(name)
    else:
        code = fields.pop("region")
        region = OrgUnit.objects.filter(code=code, kind="region").first() if code else None
        if region is None:
            raise ValidationError({"region": _("Choose a region.")})
        fields["region"] = region
    return Status(201, services.application_submit(actor=request.user, call=call, **fields))


@router.post(
    "/projects/applications/{application_id}/steps/{action}",
    response=ProjectApplicationOut,
    url_name="project_application_step",
)
def application_step(request: HttpRequest, application_id: int, action: str, payload: ProjectStepIn):
    """recommend (the district, guide-based calls) · formal_pass / formal_fail (with the reason) · publicize ·
    reject: the bureau."""
    app = get_for_user(request, selectors.applications(request.user), application_id)
    return services.application_step(actor=request.user, application=app, action=action, note=payload.note)


@router.post("/projects/reviews/{review_id}", response=ProjectReviewOut, url_name="project_review_score")
def review_score(request: HttpRequest, review_id: int, payload: ProjectReviewIn):
    """The assigned expert scores (declaring no conflict of interest) or declares a conflict and is recused; any
    other assignment is 404."""
    if request.user.role != Role.EXPERT:
        raise PermissionDenied
    assignment = ReviewAssignment.objects.filter(pk=review_id, expert=request.user).select_related("application")
    found = assignment.first()
    if found is None:
        raise Http404
    return services.review_score(actor=request.user, assignment=found, **payload.dict())


@router.post(
    "/projects/{project_id}/monitoring", response={201: ProjectMonitoringOut}, url_name="project_monitoring_file"
)
def monitoring_file(request: HttpRequest, project_id: int, payload: ProjectMonitoringIn):
    """A monitoring report of a running project; the bureau may order a correction (`correction`, optional
    `correction_due`) or a suspension."""
    project = get_for_user(request, Project, project_id, write=True)
    data = payload.dict()
    data["action"] = _choice(data["action"], "action", MonitoringReport.Action.choices)
    return Status(201, services.monitoring_file(actor=request.user, project=project, **data))


@router.post("/projects/{project_id}/changes", response={201: ProjectChangeOut}, url_name="project_change_request")
def change_request(request: HttpRequest, project_id: int, payload: ProjectChangeIn):
    project = get_for_user(request, Project, project_id, write=True)
    data = payload.dict()
    data["kind"] = _choice(data["kind"], "kind", ChangeRequest.Kind.choices)
    return Status(201, services.change_request(actor=request.user, project=project, **data))


@router.post(
    "/projects/{project_id}/changes/{change_id}/decision", response=ProjectChangeOut, url_name="project_change_decide"
)
def change_decide(request: HttpRequest, project_id: int, change_id: int, payload: ProjectChangeDecisionIn):
    project = get_for_user(request, selectors.projects(request.user), project_id)  # 404 out of scope
    require_bureau(request.user)
    change = get_for_user(request, ChangeRequest.objects.filter(project=project), change_id)
    return services.change_decide(actor=request.user, change=change, approve=payload.approve, note=payload.note)


@router.get("/projects/corrections", response=list[ProjectCorrectionOut], url_name="project_corrections")
@paginate(Pagination)
def correction_list(request: HttpRequest, state: str = "", overdue: bool = False):
    """Correction orders in the caller's scope (an enterprise account: its own firm's); `state`, `overdue=true`."""
    qs = (
        selectors.enterprise_corrections(request.user)
        if request.user.role == Role.ENTERPRISE
        else selectors.corrections(request.user)
    )
    if state:
        qs = qs.filter(state=_choice(state, "state", Correction.State.choices))
    if overdue:
        qs = qs.filter(state=Correction.State.OPEN, due_on__lt=timezone.localdate())
    return qs.order_by("due_on", "id")


def _correction(request: HttpRequest, correction_id: int) -> Correction:
    qs = (
        selectors.enterprise_corrections(request.user)
        if request.user.role == Role.ENTERPRISE
        else selectors.corrections(request.user)
    )
    return get_for_user(request, qs, correction_id)


@router.post(
    "/projects/corrections/{correction_id}/response",
    response=ProjectCorrectionOut,
    url_name="project_correction_respond",
)
def correction_respond(request: HttpRequest, correction_id: int, payload: ProjectCorrectionResponseIn):
    """The project's response to a correction order: its district, the bureau, or the firm's enterprise account."""
    order = _correction(request, correction_id)
    return services.correction_respond(actor=request.user, correction=order, response=payload.response)


@router.post(
    "/projects/corrections/{correction_id}/verification",
    response=ProjectCorrectionOut,
    url_name="project_correction_verify",
)
def correction_verify(request: HttpRequest, correction_id: int, payload: ProjectCorrectionVerifyIn):
    """The bureau closes the order, or reopens it with the reason (`note`) and a new date (`due_on`)."""
    order = _correction(request, correction_id)  # 404 out of scope
    require_bureau(request.user)
    return services.correction_verify(actor=request.user, correction=order, **payload.dict())


# last: "/projects/{project_id}" would otherwise answer "/projects/corrections"
@router.get("/projects/{project_id}", response=ProjectDetailOut, url_name="project")
def project_detail(request: HttpRequest, project_id: int):
    return get_for_user(request, selectors.projects(request.user), project_id)
