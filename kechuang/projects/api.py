"""API of the projects module: the same scoped querysets and FilterSets as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from kechuang.core.api_params import Pagination
from kechuang.core.filters import filtered_or_422
from kechuang.core.permissions import get_for_user
from kechuang.projects import selectors
from kechuang.projects.filters import AppropriationFilter, CallFilter, ProjectFilter

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


@router.get("/projects/{project_id}", response=ProjectDetailOut, url_name="project")
def project_detail(request: HttpRequest, project_id: int):
    return get_for_user(request, selectors.projects(request.user), project_id)
