"""Pages of the projects module: thin — parse the request, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, exports, imports, registry
from kechuang.core.forms import flash_errors
from kechuang.core.http import paginate, query_without, role_required, start_import
from kechuang.core.permissions import bureau_required, get_for_user, is_bureau
from kechuang.core.roles import READ_ONLY, Role
from kechuang.core.scope import can_write
from kechuang.core.selectors import regions_for
from kechuang.projects import importer, selectors, services
from kechuang.projects.engine import rules as engine
from kechuang.projects.engine import workflow as wf
from kechuang.projects.filters import AppropriationFilter, CallFilter, LoanFilter, ProjectFilter
from kechuang.projects.models import (
    Application,
    Appropriation,
    Argumentation,
    Call,
    CaseDecision,
    ChangeRequest,
    Check,
    Correction,
    Evaluation,
    FundingMode,
    Milestone,
    Mode,
    MonitoringReport,
    PerformanceGoal,
    Plan,
    PoolLoan,
    Project,
    ReviewAssignment,
    RiskPool,
    Source,
)


# ---------------------------------------------------------------- parsing (errors name the field)
def _text(data: Any, name: str, *, required: bool = False, max_length: int = 2000) -> str:
    value = str(data.get(name, "")).strip()
    if required and not value:
        raise ValidationError({name: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({name: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _decimal(data: Any, name: str, *, required: bool = True) -> Decimal | None:
    raw = str(data.get(name, "")).strip()
    if not raw:
        if required:
            raise ValidationError({name: _("This field is required.")})
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError({name: _("Enter a number.")}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ValidationError({name: _("Enter a number.")})
    return value


def _date(data: Any, name: str, *, required: bool = True) -> dt.date | None:
    raw = str(data.get(name, "")).strip()
    if not raw:
        if required:
            raise ValidationError({name: _("This field is required.")})
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: _("Enter a date as YYYY-MM-DD.")}) from None


def _choice(data: Any, name: str, choices: Any, *, required: bool = True) -> str:
    value = str(data.get(name, "")).strip()
    if not value and not required:
        return ""
    if value not in dict(choices):
        raise ValidationError({name: _("Choose one of the listed values.")})
    return value


def _region(request: HttpRequest, name: str = "region"):
    code = str(request.POST.get(name, "")).strip()
    found = regions_for(request.user, writable=True).filter(code=code).first()
    if found is None:
        raise ValidationError({name: _("Choose a region you may write to.")})
    return found


def _goals(data: Any) -> list[dict[str, Any]]:
    """Goal rows from the form: goal-N-level, goal-N-indicator, … (N from 0); empty rows are skipped."""
    rows = []
    for n in range(12):
        if not str(data.get(f"goal-{n}-indicator", "")).strip():
            continue
        rows.append(
            {
                "level": _choice(data, f"goal-{n}-level", PerformanceGoal.Level.choices),
                "sublevel": _text(data, f"goal-{n}-sublevel", max_length=40),
                "indicator": _text(data, f"goal-{n}-indicator", max_length=200),
                "target": _decimal(data, f"goal-{n}-target"),
                "unit": _text(data, f"goal-{n}-unit", required=True, max_length=20),
                "direction": _choice(data, f"goal-{n}-direction", PerformanceGoal.Direction.choices),
                "weight": _decimal(data, f"goal-{n}-weight"),
            }
        )
    return rows


def _run(request: HttpRequest, fn, success: str, model=None) -> bool:
    try:
        fn()
    except ValidationError as exc:
        flash_errors(request, exc, model)
        return False
    messages.success(request, success)
    return True


def _list_ctx(request: HttpRequest, filterset, **extra) -> dict[str, Any]:
    return {
        "page": paginate(request, filterset.qs),
        "filters": filterset.values(),
        "query": query_without(request, "page"),
        "sort_query": query_without(request, "page", "sort"),
        "export_query": query_without(request, "page", "size"),
        **extra,
    }


def _choices_ctx(request: HttpRequest) -> dict[str, Any]:
    return {
        "plans": Plan.choices,
        "modes": Mode.choices,
        "funding_modes": FundingMode.choices,
        "sources": Source.choices,
        "regions": regions_for(request.user),
        "years": range(timezone.localdate().year + 1, 2021, -1),
    }


# ---------------------------------------------------------------- pipeline
@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    filterset = ProjectFilter(request.GET, selectors.projects(request.user))
    ctx = _list_ctx(request, filterset, counts=selectors.pipeline_counts(filterset.qs), **_choices_ctx(request))
    ctx["states"] = Project.State.choices
    ctx["can_import"] = importer.may_import(request.user)
    grades = dict(Evaluation.Grade.choices)
    for p in ctx["page"].object_list:
        p.grade_label = grades.get(p.last_grade, "")
    return render(request, "projects/pipeline.html", ctx)


@login_required
def pipeline_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Code"),
        _("Title"),
        _("Plan"),
        _("Organisation mode"),
        _("Funding mode"),
        _("Lead unit"),
        _("Credit code"),
        _("Region"),
        _("State"),
        _("Start"),
        _("End"),
        _("Fiscal funds (10k yuan)"),
        _("Paid (10k yuan)"),
        _("Overdue milestones"),
        _("Has a goal table"),
        _("Latest grade"),
    ]
    grades = dict(Evaluation.Grade.choices)

    def row(p: Project) -> list[Any]:
        return [
            p.code,
            p.title,
            p.get_plan_display(),
            p.get_mode_display(),
            p.get_funding_mode_display(),
            p.lead_unit,
            p.credit_code,
            p.region.name,
            p.get_state_display(),
            p.start_on,
            p.end_on,
            p.budget_fiscal_wan,
            p.paid_wan,
            p.overdue_count,
            _("yes") if p.has_goals else _("no"),
            str(grades.get(p.last_grade, "")),
        ]

    filterset = ProjectFilter(request.GET, selectors.projects(request.user))
    spec = exports.Export("projects.project", _("S&T projects"), "projects", headers, row)
    return exports.list_export(request, filterset, spec, "projects:pipeline")


# ---------------------------------------------------------------- import and export in the import layout
@login_required
def project_import(request: HttpRequest) -> HttpResponse:
    if not importer.may_import(request.user):
        raise PermissionDenied
    if request.method == "POST":
        started = start_import(request, importer.ProjectImport.kind, request.FILES.get("file"))
        if started is not None:
            return started
    return render(
        request,
        "projects/import.html",
        {
            "jobs": imports.jobs_of(request.user, [importer.ProjectImport.kind]),
            "sheets": [(spec["title"], importer.columns(key)) for key, spec in importer.sheets().items()],
            "limit_mb": importer.MAX_UPLOAD_MB,
        },
    )


@login_required
def project_import_template(request: HttpRequest) -> HttpResponse:
    return importer.template_response()


@login_required
def project_import_export(request: HttpRequest) -> HttpResponse:
    """The filtered pipeline with task books, in the import layout (export, correct, import again)."""
    filterset = ProjectFilter(request.GET, selectors.projects(request.user))
    back = exports.list_url(request, reverse("projects:pipeline"))
    count = filterset.qs.count()
    if (refusal := exports.refused(request, count, back)) is not None:
        return refusal
    label = _("Projects with task books")
    exports.record(request, object_type="projects.project", label=label, rows=count, filters=filterset.applied())
    return importer.workbook_response(filterset.qs)


# ---------------------------------------------------------------- one project
@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_for_user(request, selectors.projects(request.user), pk)
    bureau = is_bureau(request.user)
    writable = can_write(request.user, project)
    goals = list(project.goals.all().order_by("level", "id"))
    rows = [engine.GoalRow(g.indicator, g.target, g.direction, g.weight, g.actual) for g in goals]
    for goal, row in zip(goals, rows, strict=True):
        goal.points = engine.goal_points(row)
    params = services.rule_params()
    checks = list(project.checks.all())
    today = timezone.localdate()
    milestones = list(project.milestones.all())
    for m in milestones:
        m.overdue = m.is_overdue(today) and project.state in (wf.P_APPROVED, wf.IN_PROGRESS, wf.SUSPENDED)
    ctx = {
        "p": project,
        "bureau": bureau,
        "writable": writable and request.user.role not in READ_ONLY,
        "actions": [a for a in wf.actions("project", project.state) if services.may_step(request.user, a)],
        # the milestone and goal forms: by the services' own rule, so nobody sees a form the service would refuse
        "task_book": services.may_set_task_book(request.user),
        "goals_open": services.may_set_task_book(request.user) and not services.goals_change_refusal(project),
        "milestones": milestones,
        "goals": goals,
        "goal_score": engine.goal_score(rows),
        "goal_problems": services.goal_table_ready(project),
        "appropriations": list(project.appropriations.all()),
        "post_subsidies": list(project.post_subsidies.all()),
        "checks": checks,
        "check_allowed": wf.mid_term_check_allowed(
            len(checks), project.risk_flagged, int(params["max_mid_term_checks"])
        ),
        "max_checks": int(params["max_mid_term_checks"]),
        "changes": list(project.changes.all()),
        "monitoring": list(project.monitoring.all()),
        "corrections": [
            c for c in project.corrections.select_related("report").order_by("-ordered_on", "-id") if c.mark(today)
        ],
        "evaluations": list(project.evaluations.all()),
        "team": list(project.team.all()),
        "budget_lines": [] if project.lump_sum else list(project.budget_lines.all()),
        "expenses": list(project.expenses.all()),
        "negative_list": services.negative_list() if project.lump_sum else [],
        "grade_rule": engine.grade_rule_text(params),
        "post_subsidy_rule": _("min(verified R&D spending × %(rate)s%%, %(cap)s) 10k yuan")
        % {"rate": engine.num(params["post_subsidy_rate"]), "cap": engine.num(params["post_subsidy_cap"])},
        "deviation_rule": engine.num(params["deviation_warning"]),
        "correction_days": engine.num(params["correction_days"]),
        "goals_locked": project.state in wf.GOALS_LOCKED,
        "levels": PerformanceGoal.Level.choices,
        "directions": PerformanceGoal.Direction.choices,
        "check_results": Check.Result.choices,
        "milestone_results": Milestone.Result.choices[1:],
        "change_kinds": ChangeRequest.Kind.choices,
        "monitoring_actions": MonitoringReport.Action.choices,
        "evaluation_kinds": Evaluation.Kind.choices,
        "uses": Evaluation.Use.choices,
        "acceptance_methods": Project.AcceptanceMethod.choices,
        "sources": Source.choices,
        "funding_modes": FundingMode.choices,
        "goal_slots": range(len(goals), len(goals) + 3),
        "history": audit.history_for(project),
        "today": today,
    }
    return render(request, "projects/project_detail.html", ctx)


@login_required
@require_POST
def project_action(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_for_user(request, Project, pk, write=True)
    d, actor, what = request.POST, request.user, request.POST.get("do", "")

    def run() -> None:
        if what == "step":
            services.project_step(
                actor=actor,
                project=project,
                action=_text(d, "action", required=True, max_length=40),
                note=_text(d, "note"),
                method=_text(d, "method", max_length=20),
            )
        elif what == "milestone":
            services.milestone_add(
                actor=actor,
                project=project,
                due_on=_date(d, "due_on"),
                indicators=_text(d, "indicators", required=True),
                payment_share=_decimal(d, "payment_share"),
            )
        elif what == "milestone_review":
            milestone = get_for_user(request, Milestone.objects.filter(project=project), d.get("milestone") or None)
            services.milestone_review(
                actor=actor,
                milestone=milestone,
                result=_choice(d, "result", Milestone.Result.choices),
                note=_text(d, "note", max_length=300),
            )
        elif what == "check":
            services.check_add(
                actor=actor,
                project=project,
                held_on=_date(d, "held_on"),
                result=_choice(d, "result", Check.Result.choices),
                findings=_text(d, "findings"),
            )
        elif what == "risk":
            services.risk_flag_set(actor=actor, project=project, flagged=d.get("flagged") == "1", note=_text(d, "note"))
        elif what == "change":
            services.change_request(
                actor=actor,
                project=project,
                kind=_choice(d, "kind", ChangeRequest.Kind.choices),
                description=_text(d, "description", required=True),
                new_end_on=_date(d, "new_end_on", required=False),
            )
        elif what == "change_decide":
            change = get_for_user(request, ChangeRequest.objects.filter(project=project), d.get("change") or None)
            services.change_decide(actor=actor, change=change, approve=d.get("approve") == "1", note=_text(d, "note"))
        elif what == "ip":
            services.ip_declare(actor=actor, project=project, declaration=_text(d, "declaration", required=True))
        elif what == "team":
            services.team_member_add(
                actor=actor,
                project=project,
                name=_text(d, "name", required=True, max_length=100),
                unit=_text(d, "unit", required=True, max_length=200),
                role=_text(d, "role", max_length=100),
            )
        elif what == "goals":
            services.goals_set(actor=actor, project=project, goals=_goals(d))
        elif what == "actual":
            goal = get_for_user(request, PerformanceGoal.objects.filter(project=project), d.get("goal") or None)
            services.goal_actual_set(actor=actor, goal=goal, actual=_decimal(d, "actual"))
        elif what == "monitoring":
            services.monitoring_file(
                actor=actor,
                project=project,
                period=_text(d, "period", required=True, max_length=16),
                progress=_text(d, "progress", required=True),
                budget_execution=_decimal(d, "budget_execution"),
                planned_execution=_decimal(d, "planned_execution"),
                action=_choice(d, "monitoring_action", MonitoringReport.Action.choices, required=False) or "none",
                correction=_text(d, "correction"),
                correction_due=_date(d, "correction_due", required=False),
            )
        elif what == "correction_respond":
            order = get_for_user(request, Correction.objects.filter(project=project), d.get("correction") or None)
            services.correction_respond(actor=actor, correction=order, response=_text(d, "response", required=True))
        elif what == "correction_verify":
            order = get_for_user(request, Correction.objects.filter(project=project), d.get("correction") or None)
            services.correction_verify(
                actor=actor,
                correction=order,
                close=d.get("close") == "1",
                note=_text(d, "note", max_length=300),
                due_on=_date(d, "due_on", required=False),
            )
        elif what == "evaluation":
            services.evaluation_record(
                actor=actor,
                project=project,
                kind=_choice(d, "kind", Evaluation.Kind.choices),
                result_use=_choice(d, "result_use", Evaluation.Use.choices),
                findings=_text(d, "findings"),
                score=_decimal(d, "score", required=False),
            )
        elif what == "appropriation":
            services.appropriation_add(
                actor=actor,
                project=project,
                source=_choice(d, "source", Source.choices),
                mode=_choice(d, "mode", FundingMode.choices),
                document_no=_text(d, "document_no", required=True, max_length=100),
                planned_on=_date(d, "planned_on"),
                amount_wan=_decimal(d, "amount_wan"),
            )
        elif what == "pay":
            row = get_for_user(request, Appropriation.objects.filter(project=project), d.get("appropriation") or None)
            services.appropriation_pay(actor=actor, appropriation=row)
        elif what == "post_subsidy":
            services.post_subsidy_claim(
                actor=actor,
                project=project,
                year=int(_decimal(d, "year")),
                verified_spending_wan=_decimal(d, "verified_spending_wan"),
                verified_by=_text(d, "verified_by", required=True, max_length=200),
                document_no=_text(d, "document_no", required=True, max_length=100),
            )
        elif what == "expense":
            services.expense_record(
                actor=actor,
                project=project,
                spent_on=_date(d, "spent_on"),
                category=_text(d, "category", required=True, max_length=100),
                description=_text(d, "description", required=True, max_length=300),
                amount_wan=_decimal(d, "amount_wan"),
            )
        elif what == "budget_line":
            services.budget_line_add(
                actor=actor,
                project=project,
                category=_text(d, "category", required=True, max_length=100),
                amount_wan=_decimal(d, "amount_wan"),
            )
        elif what == "use_statement":
            services.use_statement_file(actor=actor, project=project, statement=_text(d, "statement", required=True))
        else:
            raise ValidationError({"do": _("Unknown action.")})

    _run(request, run, _("Saved."), Project)
    return redirect("projects:project", pk=project.pk)


# ---------------------------------------------------------------- calls
@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    filterset = CallFilter(request.GET, selectors.calls(request.user))
    ctx = _list_ctx(
        request,
        filterset,
        board=selectors.call_board(request.user),
        kinds=Call.Kind.choices,
        states=Call.State.choices,
        can_create=is_bureau(request.user),
        **_choices_ctx(request),
    )
    return render(request, "projects/call_list.html", ctx)


@login_required
def call_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Code"),
        _("Kind"),
        _("Organisation mode"),
        _("Plan"),
        _("Year"),
        _("Title"),
        _("Demand owner"),
        _("Hard targets"),
        _("Completion deadline"),
        _("Funding ceiling (10k yuan)"),
        _("State"),
        _("Applications"),
        _("Projects"),
    ]

    def row(c: Call) -> list[Any]:
        return [
            c.code,
            c.get_kind_display(),
            c.get_mode_display(),
            c.get_plan_display(),
            c.year,
            c.title,
            c.owner_name,
            c.hard_targets,
            c.deadline,
            c.funding_ceiling_wan,
            c.get_state_display(),
            c.n_applications,
            c.n_projects,
        ]

    filterset = CallFilter(request.GET, selectors.calls(request.user))
    spec = exports.Export("projects.call", _("Calls"), "calls", headers, row)
    return exports.list_export(request, filterset, spec, "projects:calls")


@bureau_required
def call_create(request: HttpRequest) -> HttpResponse:
    demands = registry.technology_demands(request.user, limit=100)
    values: dict[str, Any] = {"kind": "challenge", "mode": "open_call", "year": timezone.localdate().year}
    if request.method == "POST":
        d = request.POST
        try:
            fields = {
                "kind": _choice(d, "kind", Call.Kind.choices),
                "mode": _choice(d, "mode", Mode.choices),
                "plan": _choice(d, "plan", Plan.choices),
                "year": int(_decimal(d, "year")),
                "title": _text(d, "title", max_length=200),
                "problem": _text(d, "problem"),
                "hard_targets": _text(d, "hard_targets"),
                "deliverables": _text(d, "deliverables"),
                "deadline": _date(d, "deadline", required=False),
                "application_deadline": _date(d, "application_deadline", required=False),
                "funding_ceiling_wan": _decimal(d, "funding_ceiling_wan", required=False),
                "eligibility": _text(d, "eligibility"),
                "co_funding": _text(d, "co_funding", max_length=300),
            }
            demand = str(d.get("demand", "")).strip()
            if demand:
                if not demand.isdigit():
                    raise ValidationError({"demand": _("Choose a demand from the list.")})
                call = services.call_from_demand(actor=request.user, demand_id=int(demand), **fields)
            else:
                for name in ("title", "problem"):
                    if not fields[name]:
                        raise ValidationError({name: _("This field is required.")})
                fields["funding_ceiling_wan"] = fields["funding_ceiling_wan"] or Decimal(0)
                fields["owner_name"] = _text(d, "owner_name", max_length=200)
                call = services.call_create(actor=request.user, **fields)
        except ValidationError as exc:
            flash_errors(request, exc, Call)
            values = {k: v for k, v in d.items() if k != "csrfmiddlewaretoken"}
        else:
            messages.success(request, _("Call %(code)s created.") % {"code": call.code})
            return redirect("projects:call", pk=call.pk)
    return render(
        request,
        "projects/call_form.html",
        {"v": values, "demands": demands, "kinds": Call.Kind.choices, **_choices_ctx(request)},
    )


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_for_user(request, selectors.calls(request.user), pk)
    bureau = is_bureau(request.user)
    apps = selectors.applications(request.user).filter(call=call).order_by("id")
    ctx = {
        "c": call,
        "bureau": bureau,
        "actions": wf.actions("call", call.state) if bureau else [],
        "argumentations": list(call.argumentations.all()),
        "parties": Argumentation.Party.choices,
        "applications": apps,
        "projects": selectors.projects(request.user).filter(call=call),
        "can_apply": call.state == wf.OPEN and request.user.role not in READ_ONLY,
        "write_regions": regions_for(request.user, writable=True),
        "demand_url": "",
    }
    if call.demand_id:
        found = registry.technology_demands(request.user, pk=call.demand_id)
        ctx["demand_url"] = found[0].url if found else ""
    return render(request, "projects/call_detail.html", ctx)


@login_required
@require_POST
def call_action(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_for_user(request, Call, pk)
    d, actor, what = request.POST, request.user, request.POST.get("do", "")
    if actor.role in READ_ONLY:
        raise PermissionDenied
    if what != "apply" and not is_bureau(actor):
        raise PermissionDenied
    created: list[Application] = []

    def run() -> None:
        if what == "step":
            services.call_step(actor=actor, call=call, action=_text(d, "action", required=True, max_length=40))
        elif what == "argue":
            services.argumentation_add(
                actor=actor,
                call=call,
                party=_choice(d, "party", Argumentation.Party.choices),
                participant=_text(d, "participant", required=True, max_length=200),
                opinion=_text(d, "opinion", required=True),
                supports=d.get("supports", "1") == "1",
            )
        elif what == "apply":
            created.append(
                services.application_submit(
                    actor=actor,
                    call=call,
                    applicant=_text(d, "applicant", required=True, max_length=200),
                    credit_code=_text(d, "credit_code", required=True, max_length=18).upper(),
                    region=_region(request),
                    project_title=_text(d, "project_title", required=True, max_length=200),
                    approach=_text(d, "approach"),
                    chief_scientist=_text(d, "chief_scientist", max_length=100),
                    team=_text(d, "team"),
                    requested_wan=_decimal(d, "requested_wan"),
                    self_raised_wan=_decimal(d, "self_raised_wan", required=False) or Decimal(0),
                )
            )
        elif what == "downselect":
            keep = list(Project.objects.filter(call=call, pk__in=d.getlist("keep")))
            services.horse_race_downselect(actor=actor, call=call, keep=keep, seq=int(_decimal(d, "seq")))
        else:
            raise ValidationError({"do": _("Unknown action.")})

    _run(request, run, _("Saved."), Application if what == "apply" else Call)
    if created:
        return redirect("projects:application", pk=created[0].pk)
    return redirect("projects:call", pk=call.pk)


# ---------------------------------------------------------------- applications
@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_for_user(request, selectors.applications(request.user), pk)
    bureau = is_bureau(request.user)
    assignments = list(app.assignments.select_related("expert"))
    scored = [a.score for a in assignments if a.score is not None]
    experts = []
    if bureau:
        role = Role.EXPERT
        taken = {a.expert_id for a in assignments}
        experts = [
            u
            for u in get_user_model().objects.filter(role=role, is_active=True).order_by("username")
            if u.pk not in taken and services.expert_credit_code(u) != app.credit_code
        ]
    ctx = {
        "a": app,
        "bureau": bureau,
        "actions": [x for x in wf.actions("application", app.state) if x not in ("approve", "start_review")],
        "can_recommend": app.state == wf.SUBMITTED and app.call.kind == "guide" and can_write(request.user, app),
        "assignments": assignments,
        "mean_score": (sum(scored) / len(scored)).quantize(Decimal("0.01")) if scored else None,
        "experts": experts,
        "past": selectors.past_grades(app.credit_code, before=app),
        "levels": PerformanceGoal.Level.choices,
        "directions": PerformanceGoal.Direction.choices,
        "funding_modes": FundingMode.choices,
        "goal_slots": range(4),
        "project": Project.objects.filter(application=app).first(),
    }
    return render(request, "projects/application_detail.html", ctx)


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_for_user(request, Application, pk)
    d, actor, what = request.POST, request.user, request.POST.get("do", "")
    if actor.role in READ_ONLY or (what != "step" and not is_bureau(actor)):
        raise PermissionDenied
    made: list[Project] = []

    def run() -> None:
        if what == "step":
            services.application_step(
                actor=actor,
                application=app,
                action=_text(d, "action", required=True, max_length=40),
                note=_text(d, "note"),
            )
        elif what == "assign":
            expert = get_user_model().objects.filter(pk=str(d.get("expert", "")).strip() or None).first()
            if expert is None:
                raise ValidationError({"expert": _("Choose an expert.")})
            services.review_assign(actor=actor, application=app, expert=expert)
        elif what == "approve":
            made.append(
                services.application_approve(
                    actor=actor,
                    application=app,
                    budget_fiscal_wan=_decimal(d, "budget_fiscal_wan"),
                    funding_mode=_choice(d, "funding_mode", FundingMode.choices),
                    start_on=_date(d, "start_on"),
                    end_on=_date(d, "end_on"),
                    lump_sum=d.get("lump_sum") == "1",
                    goals=_goals(d),
                )
            )
        else:
            raise ValidationError({"do": _("Unknown action.")})

    _run(request, run, _("Saved."), Application)
    if made:
        return redirect("projects:project", pk=made[0].pk)
    return redirect("projects:application", pk=app.pk)


# ---------------------------------------------------------------- funds
@login_required
def funds(request: HttpRequest) -> HttpResponse:
    filterset = AppropriationFilter(request.GET, selectors.appropriations(request.user))
    ctx = _list_ctx(request, filterset, board=selectors.funds_board(request.user), **_choices_ctx(request))
    return render(request, "projects/funds.html", ctx)


@login_required
def funds_export(request: HttpRequest) -> HttpResponse:
    headers = [
        _("Project"),
        _("Title"),
        _("Region"),
        _("Source"),
        _("Funding mode"),
        _("Document no."),
        _("Tranche"),
        _("Planned on"),
        _("Amount (10k yuan)"),
        _("Paid on"),
    ]

    def row(a: Appropriation) -> list[Any]:
        return [
            a.project.code,
            a.project.title,
            a.project.region.name,
            a.get_source_display(),
            a.get_mode_display(),
            a.document_no,
            a.tranche,
            a.planned_on,
            a.amount_wan,
            a.paid_on,
        ]

    filterset = AppropriationFilter(request.GET, selectors.appropriations(request.user))
    spec = exports.Export("projects.appropriation", _("Appropriations"), "appropriations", headers, row)
    return exports.list_export(request, filterset, spec, "projects:funds")


@login_required
def pools(request: HttpRequest) -> HttpResponse:
    filterset = LoanFilter(request.GET, selectors.pool_loans(request.user))
    ctx = _list_ctx(
        request,
        filterset,
        pools=selectors.pools(request.user),
        loan_states=PoolLoan.State.choices,
        bureau=is_bureau(request.user),
        can_file=request.user.role not in READ_ONLY,
        write_regions=regions_for(request.user, writable=True),
        coverage=engine.num(services.rule_params()["pool_coverage"]),
        **_choices_ctx(request),
    )
    return render(request, "projects/pools.html", ctx)


@login_required
@require_POST
def pool_action(request: HttpRequest) -> HttpResponse:
    d, actor, what = request.POST, request.user, request.POST.get("do", "")
    if actor.role in READ_ONLY:
        raise PermissionDenied
    if what != "file" and not is_bureau(actor):
        raise PermissionDenied

    def run() -> None:
        if what == "pool":
            services.pool_create(
                actor=actor,
                name=_text(d, "name", required=True, max_length=200),
                source=_choice(d, "source", Source.choices),
                document_no=_text(d, "document_no", max_length=100),
                capital_wan=_decimal(d, "capital_wan"),
                established_on=_date(d, "established_on"),
            )
        elif what == "file":
            pool = get_for_user(request, RiskPool, str(d.get("pool", "")).strip() or None)
            services.pool_loan_file(
                actor=actor,
                pool=pool,
                bank=_text(d, "bank", required=True, max_length=100),
                borrower=_text(d, "borrower", required=True, max_length=200),
                credit_code=_text(d, "credit_code", required=True, max_length=18).upper(),
                region=_region(request),
                amount_wan=_decimal(d, "amount_wan"),
                filed_on=_date(d, "filed_on"),
            )
        elif what == "loan":
            loan = get_for_user(request, PoolLoan, str(d.get("loan", "")).strip() or None)
            services.pool_loan_step(
                actor=actor,
                loan=loan,
                action=_text(d, "action", required=True, max_length=20),
                principal=_decimal(d, "principal", required=False),
            )
        else:
            raise ValidationError({"do": _("Unknown action.")})

    _run(request, run, _("Saved."), PoolLoan)
    return redirect("projects:pools")


@login_required
def decisions(request: HttpRequest) -> HttpResponse:
    bureau = is_bureau(request.user)
    if request.method == "POST":
        if not bureau:
            raise PermissionDenied
        d = request.POST

        def run() -> None:
            services.decision_create(
                actor=request.user,
                kind=_choice(d, "kind", CaseDecision.Kind.choices),
                title=_text(d, "title", required=True, max_length=200),
                document_no=_text(d, "document_no", required=True, max_length=100),
                decided_on=_date(d, "decided_on"),
                beneficiary=_text(d, "beneficiary", required=True, max_length=200),
                credit_code=_text(d, "credit_code", required=True, max_length=18).upper(),
                region=_region(request),
                amount_wan=_decimal(d, "amount_wan"),
                equity_share=_decimal(d, "equity_share", required=False),
            )

        _run(request, run, _("Saved."), CaseDecision)
        return redirect("projects:decisions")
    page = paginate(request, selectors.decisions(request.user))
    return render(
        request,
        "projects/decisions.html",
        {
            "page": page,
            "query": query_without(request, "page"),
            "bureau": bureau,
            "kinds": CaseDecision.Kind.choices,
            "write_regions": regions_for(request.user, writable=True),
        },
    )


# ---------------------------------------------------------------- performance and rules
@login_required
def performance(request: HttpRequest) -> HttpResponse:
    board = selectors.performance_board(request.user)
    params = services.rule_params()
    return render(
        request,
        "projects/performance.html",
        {
            "b": board,
            "grade_rule": engine.grade_rule_text(params),
            "deviation_rule": engine.num(params["deviation_warning"]),
        },
    )


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not is_bureau(request.user):
            raise PermissionDenied
        d = request.POST
        _run(
            request,
            lambda: services.rule_parameter_set(
                actor=request.user,
                code=_text(d, "code", required=True, max_length=40),
                value=_decimal(d, "value"),
                note=_text(d, "note", max_length=300),
            ),
            _("Saved."),
        )
        return redirect("projects:rules")
    return render(
        request,
        "projects/rules.html",
        {"rows": selectors.rule_rows(), "bureau": is_bureau(request.user), "negative_list": services.negative_list()},
    )


# ---------------------------------------------------------------- experts (external accounts)
def _expert(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Http404
    if request.user.role != Role.EXPERT:
        raise PermissionDenied


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    _expert(request)
    page = paginate(request, selectors.review_assignments(request.user).order_by("state", "-assigned_at"))
    return render(request, "projects/review_list.html", {"page": page, "query": query_without(request, "page")})


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _expert(request)
    assignment = selectors.review_assignments(request.user).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    if request.method == "POST":
        d = request.POST
        ok = _run(
            request,
            lambda: services.review_score(
                actor=request.user,
                assignment=assignment,
                score=str(d.get("score", "")).strip(),
                comment=_text(d, "comment"),
                no_conflict=d.get("no_conflict") == "1",
                conflict_note=_text(d, "conflict_note", max_length=300),
            ),
            _("Review saved."),
            ReviewAssignment,
        )
        return redirect("projects:reviews" if ok else "projects:review", *([] if ok else [pk]))
    app = assignment.application
    return render(
        request,
        "projects/review_detail.html",
        {"r": assignment, "a": app, "past": selectors.past_grades(app.credit_code, before=app)},
    )


# ---------------------------------------------------------------- enterprises (external accounts)
def _enterprise(request: HttpRequest) -> None:
    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied


@login_required
def portal(request: HttpRequest) -> HttpResponse:
    _enterprise(request)
    open_calls = Call.objects.filter(state=wf.OPEN).order_by("application_deadline", "code")
    mine = selectors.enterprise_applications(request.user).order_by("-submitted_on", "-id")
    past = selectors.past_grades(getattr(request.user, "credit_code", "") or "-")
    today = timezone.localdate()
    orders = [c for c in selectors.enterprise_corrections(request.user) if c.mark(today)]
    return render(
        request, "projects/portal.html", {"calls": open_calls, "mine": mine, "past": past, "corrections": orders}
    )


@role_required(Role.ENTERPRISE)
@require_POST
def portal_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """An enterprise account answers a correction order on its own firm's project (another firm's: 404)."""
    order = get_for_user(request, selectors.enterprise_corrections(request.user), pk)
    try:
        services.correction_respond(
            actor=request.user, correction=order, response=_text(request.POST, "response", required=True)
        )
    except ValidationError as exc:
        flash_errors(request, exc, Correction)
    else:
        messages.success(request, _("Your response has been filed."))
    return redirect("projects:portal")


@login_required
def portal_apply(request: HttpRequest, pk: int) -> HttpResponse:
    _enterprise(request)
    call = Call.objects.filter(pk=pk, state=wf.OPEN).first()
    if call is None:
        raise Http404
    values: dict[str, Any] = {}
    if request.method == "POST":
        d = request.POST
        try:
            services.application_submit(
                actor=request.user,
                call=call,
                project_title=_text(d, "project_title", required=True, max_length=200),
                approach=_text(d, "approach"),
                chief_scientist=_text(d, "chief_scientist", max_length=100),
                team=_text(d, "team"),
                requested_wan=_decimal(d, "requested_wan"),
                self_raised_wan=_decimal(d, "self_raised_wan", required=False) or Decimal(0),
            )
        except ValidationError as exc:
            flash_errors(request, exc, Application)
            values = {k: v for k, v in d.items() if k != "csrfmiddlewaretoken"}
        else:
            messages.success(request, _("Your application has been submitted."))
            return redirect("projects:portal")
    return render(request, "projects/portal_apply.html", {"c": call, "v": values})
