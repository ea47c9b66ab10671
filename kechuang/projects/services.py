"""Services of the projects module: each change is one transaction with its audit entry, every workflow step
looked up in engine/workflow.py, every money and performance rule computed by engine/rules.py with the bureau's
parameters (RuleParameter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, registry
from kechuang.core.db import lock_current
from kechuang.core.models import OrgUnit
from kechuang.core.permissions import is_bureau, require_bureau, require_writer
from kechuang.core.roles import WRITERS as WRITER_ROLES
from kechuang.core.roles import Role
from kechuang.core.scope import can_write, can_write_unit
from kechuang.projects.engine import rules as engine
from kechuang.projects.engine import workflow as wf
from kechuang.projects.models import (
    Application,
    Appropriation,
    Argumentation,
    BudgetLine,
    Call,
    CaseDecision,
    ChangeRequest,
    Check,
    Correction,
    Evaluation,
    Expense,
    Milestone,
    MonitoringReport,
    NegativeListItem,
    PerformanceGoal,
    PoolLoan,
    PostSubsidyClaim,
    Project,
    ReviewAssignment,
    RiskPool,
    RuleParameter,
    TeamMember,
)

CALL_FIELDS = (
    "kind",
    "mode",
    "plan",
    "year",
    "title",
    "problem",
    "hard_targets",
    "deliverables",
    "deadline",
    "application_deadline",
    "funding_ceiling_wan",
    "eligibility",
    "co_funding",
    "owner_name",
    "owner_credit_code",
    "region",
)
APPLICATION_FIELDS = (
    "applicant",
    "credit_code",
    "region",
    "project_title",
    "approach",
    "chief_scientist",
    "team",
    "requested_wan",
    "self_raised_wan",
)
GOAL_FIELDS = ("level", "sublevel", "indicator", "target", "unit", "direction", "weight")


def _today() -> dt.date:
    return timezone.localdate()


def _refused(exc: wf.TransitionRefused) -> ValidationError:
    return ValidationError({"action": _("This step is not allowed now: %(why)s.") % {"why": str(exc)}})


def _require_project_writer(actor: Any, project: Project) -> None:
    require_writer(actor)
    if not can_write(actor, project):
        raise PermissionDenied(_("This project is outside your scope."))


def may_set_task_book(actor: Any) -> bool:
    """May `actor` set, change or sign a project's task book (its milestones, its goal table, the signature)? The
    bureau only, whichever way the task book is written: the project page and the project import both ask here."""
    return is_bureau(actor)


def task_book_refusal() -> str:
    return _(
        "Only the bureau sets, changes or signs a task book: leave the project's milestones and goals as stored "
        "(none for a new project); the bureau sets them on the project's page."
    )


def may_step(actor: Any, action: str) -> bool:
    """May `actor` (already a writer of the project) take the workflow step `action`? As `project_step` decides, so
    that the project page offers only the steps its form can take."""
    if action == "sign_task_book":
        return may_set_task_book(actor)
    return action == "request_acceptance" or is_bureau(actor)


def require_task_book_setter(actor: Any) -> None:
    if not may_set_task_book(actor):
        raise PermissionDenied(task_book_refusal())


# ============================================================================================ rules (data)
def rule_params() -> dict[str, Decimal]:
    """The reference's defaults with the bureau's values over them."""
    return engine.params(dict(RuleParameter.objects.values_list("code", "value")))


@transaction.atomic
def rules_seed(actor: Any = None) -> int:
    """Create the rule table's missing rows from the reference's defaults (idempotent); returns rows created."""
    made = 0
    for code, default in engine.DEFAULTS.items():
        if not RuleParameter.objects.filter(code=code).exists():
            row = RuleParameter(code=code, value=default.value, source=default.source, verified=default.verified)
            audit.save(row, actor=actor)
            made += 1
    return made


@transaction.atomic
def rule_parameter_set(*, actor: Any, code: str, value: Any, note: str = "") -> RuleParameter:
    require_bureau(actor)
    if code not in engine.DEFAULTS:
        raise ValidationError({"code": _("Unknown rule parameter.")})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Enter a number.")}) from None
    if number < 0:
        raise ValidationError({"value": _("The value cannot be negative.")})
    default = engine.DEFAULTS[code]
    row = RuleParameter.objects.filter(code=code).first() or RuleParameter(
        code=code, source=default.source, verified=default.verified
    )
    row.value, row.note = number, note[:300]
    proposed = engine.params({**dict(RuleParameter.objects.values_list("code", "value")), code: number})
    if not proposed["grade_excellent"] > proposed["grade_good"] > proposed["grade_fair"]:
        raise ValidationError({"value": _("Grade thresholds must fall: excellent > good > fair.")})
    audit.save(row, actor=actor)
    return row


# ============================================================================================ calls
def _check_call(call: Call) -> None:
    if call.kind == Call.Kind.CHALLENGE:
        errors = {}
        if not call.hard_targets.strip():
            errors["hard_targets"] = _("An open call states its hard targets.")
        if not call.deadline:
            errors["deadline"] = _("An open call states its completion deadline.")
        if not call.funding_ceiling_wan:
            errors["funding_ceiling_wan"] = _("An open call states its funding ceiling.")
        if call.mode == "guide":
            errors["mode"] = _("An open call is organised as an open call, a horse race or a cabinet.")
        if errors:
            raise ValidationError(errors)
    elif call.mode != "guide":
        raise ValidationError({"mode": _("A guide-based call is organised by guide.")})


@transaction.atomic
def call_create(*, actor: Any, **fields: Any) -> Call:
    require_bureau(actor)
    code = fields.pop("code", "") or _next_code("C", fields.get("year") or _today().year, Call)
    call = Call(code=code)
    audit.assign(call, fields, allowed=CALL_FIELDS)
    _check_call(call)
    audit.save(call, actor=actor)
    return call


@transaction.atomic
def call_from_demand(*, actor: Any, demand_id: int, **fields: Any) -> Call:
    """A 揭榜挂帅 open call whose problem is a technology-market demand (read through core.registry)."""
    require_bureau(actor)
    found = registry.technology_demands(actor, pk=demand_id)
    if not found:
        raise ValidationError({"demand": _("No published demand with this number is visible to you.")})
    demand = found[0]
    region = OrgUnit.objects.filter(code=demand.region_code).first()
    defaults = {
        "kind": Call.Kind.CHALLENGE,
        "title": demand.title,
        "problem": demand.description,
        "owner_name": demand.enterprise_name,
        "owner_credit_code": demand.credit_code,
        "region": region,
        "deadline": demand.deadline,
        "funding_ceiling_wan": demand.budget_max_wan or Decimal(0),
    }
    defaults.update({k: v for k, v in fields.items() if v not in (None, "")})
    code = defaults.pop("code", "") or _next_code("C", defaults.get("year") or _today().year, Call)
    call = Call(code=code, demand_id=demand.id, demand_title=demand.title[:200])
    audit.assign(call, defaults, allowed=CALL_FIELDS)
    _check_call(call)
    audit.save(call, actor=actor)
    return call


@transaction.atomic
def argumentation_add(
    *, actor: Any, call: Call, party: str, participant: str, opinion: str, supports: bool = True, held_on=None
) -> Argumentation:
    require_bureau(actor)
    if call.state != wf.UNDER_ARGUMENTATION:
        raise ValidationError({"state": _("Opinions are recorded while the call is under argumentation.")})
    row = Argumentation(
        call=call, party=party, participant=participant, opinion=opinion, supports=supports, held_on=held_on or _today()
    )
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def call_step(*, actor: Any, call: Call, action: str, on: dt.date | None = None) -> Call:
    """argue → publish → open → close. A challenge is published only after its argumentation heard at least two
    kinds of party (departments, universities, leading firms, investors: task 5)."""
    lock_current(call)
    require_bureau(actor)
    try:
        new_state = wf.next_state("call", call.state, action)
    except wf.TransitionRefused as exc:
        raise _refused(exc) from None
    if action == "publish":
        parties = set(call.argumentations.values_list("party", flat=True))
        if call.kind == Call.Kind.CHALLENGE and len(parties) < 2:
            raise ValidationError(
                {"action": _("An open call is published after an argumentation with at least two kinds of party.")}
            )
        call.published_on = on or _today()
    call.state = new_state
    audit.save(call, actor=actor)
    return call


def _next_code(prefix: str, year: int, model: type) -> str:
    stem = f"{prefix}{year}-"
    taken = model.objects.filter(code__startswith=stem).count()
    n = taken + 1
    while model.objects.filter(code=f"{stem}{n:04d}").exists():
        n += 1
    return f"{stem}{n:04d}"


# ============================================================================================ applications
@transaction.atomic
def application_submit(*, actor: Any, call: Call, **fields: Any) -> Application:
    """An application to an open call: by an enterprise account for its own firm, or entered by bureau or district
    staff for a firm of their region."""
    require_writer(actor)
    if call.state != wf.OPEN:
        raise ValidationError({"call": _("The call is not open for applications.")})
    if call.application_deadline and _today() > call.application_deadline:
        raise ValidationError({"call": _("The application deadline has passed.")})
    app = Application(call=call, submitted_by=actor, submitted_on=_today())
    if getattr(actor, "role", None) == Role.ENTERPRISE:
        fields["credit_code"] = actor.credit_code
        fields.setdefault("applicant", getattr(actor, "organisation", "") or actor.credit_code)
        fields["region"] = registry.register_region(actor.credit_code)
        if fields["region"] is None:
            raise ValidationError({"credit_code": _("Your firm is not in the enterprise register.")})
    audit.assign(app, fields, allowed=APPLICATION_FIELDS)
    is_enterprise = getattr(actor, "role", None) == Role.ENTERPRISE
    if app.region_id and not is_enterprise and not can_write_unit(actor, app.region):
        raise PermissionDenied(_("You may enter applications of your own region only."))
    if app.requested_wan and call.funding_ceiling_wan and app.requested_wan > call.funding_ceiling_wan:
        raise ValidationError({"requested_wan": _("More than the call's funding ceiling.")})
    # A firm of the register belongs to its district there (as in the import), not to the region typed with it.
    registered = None if is_enterprise else registry.register_region(app.credit_code)
    if registered is not None and registered.pk != app.region_id:
        raise ValidationError(
            {"region": _("The enterprise register places this firm in %(region)s.") % {"region": registered.name}}
        )
    if Application.objects.filter(call=call, credit_code=app.credit_code).exclude(state=wf.REJECTED).exists():
        raise ValidationError({"credit_code": _("This firm has already applied to this call.")})
    audit.save(app, actor=actor)
    return app


@transaction.atomic
def application_step(*, actor: Any, application: Application, action: str, note: str = "") -> Application:
    """recommend (the district, guide-based calls) · formal_pass / formal_fail · publicize (公示) · reject.
    Approval has its own service (it creates the project)."""
    lock_current(application)  # the state checked below is the stored one, not a simultaneous request's copy
    require_writer(actor)
    if action == "recommend":
        if not can_write(actor, application):
            raise PermissionDenied
        if application.call.kind != Call.Kind.GUIDE:
            raise ValidationError({"action": _("Open calls need no district recommendation.")})
    else:
        require_bureau(actor)
    if action in ("approve", "start_review"):
        raise ValidationError({"action": _("Use the approval or assignment form for this step.")})
    if action == "formal_pass" and application.call.kind == Call.Kind.GUIDE and application.state == wf.SUBMITTED:
        raise ValidationError({"action": _("A guide-based application needs its district's recommendation first.")})
    try:
        new_state = wf.next_state("application", application.state, action)
    except wf.TransitionRefused as exc:
        raise _refused(exc) from None
    if action == "formal_fail" and not note.strip():
        raise ValidationError({"note": _("Say why the application fails the formal check.")})
    if action in ("formal_pass", "formal_fail"):
        application.formal_note = note[:300]
    if action == "publicize":
        open_ = application.assignments.filter(state=ReviewAssignment.State.ASSIGNED).count()
        scored = application.assignments.filter(state=ReviewAssignment.State.SCORED).count()
        if open_ or scored == 0:
            raise ValidationError({"action": _("Every assigned expert must have scored (or recused) first.")})
        application.publicity_from = _today()
        application.publicity_to = _today() + dt.timedelta(days=5)
    application.state = new_state
    audit.save(application, actor=actor)
    return application


def expert_credit_code(expert: Any) -> str:
    return getattr(expert, "credit_code", "") or ""


@transaction.atomic
def review_assign(*, actor: Any, application: Application, expert: Any) -> ReviewAssignment:
    """The bureau assigns an expert. Never one of the applicant's own organisation."""
    require_bureau(actor)
    if getattr(expert, "role", None) != Role.EXPERT or not expert.is_active:
        raise ValidationError({"expert": _("Choose an active expert account.")})
    if application.state not in (wf.FORMAL_PASSED, wf.EXPERT_REVIEW):
        raise ValidationError({"expert": _("Experts are assigned after the formal check.")})
    code = expert_credit_code(expert)
    if code and code == application.credit_code:
        raise ValidationError({"expert": _("The expert belongs to the applicant's organisation.")})
    if ReviewAssignment.objects.filter(application=application, expert=expert).exists():
        raise ValidationError({"expert": _("This expert is already assigned.")})
    row = ReviewAssignment(application=application, expert=expert, expert_credit_code=code)
    audit.save(row, actor=actor)
    if application.state == wf.FORMAL_PASSED:
        application.state = wf.next_state("application", application.state, "start_review")
        audit.save(application, actor=actor)
    return row


@transaction.atomic
def review_score(
    *,
    actor: Any,
    assignment: ReviewAssignment,
    score: Any = None,
    comment: str = "",
    no_conflict: bool = False,
    conflict_note: str = "",
) -> ReviewAssignment:
    """The assigned expert scores, declaring no conflict of interest; or declares a conflict and is recused."""
    if assignment.expert_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the assigned expert scores."))
    if assignment.state != ReviewAssignment.State.ASSIGNED:
        raise ValidationError({"score": _("This review is finished.")})
    if assignment.application.state != wf.EXPERT_REVIEW:
        raise ValidationError({"score": _("The application is no longer under review.")})
    code = expert_credit_code(actor)
    if code and code == assignment.application.credit_code:
        raise PermissionDenied(_("You cannot review your own organisation's application."))
    if conflict_note.strip():
        assignment.state = ReviewAssignment.State.RECUSED
        assignment.conflict_note = conflict_note[:300]
        assignment.no_conflict = False
    else:
        if not no_conflict:
            raise ValidationError({"no_conflict": _("Declare that you have no conflict of interest, or state it.")})
        try:
            value = Decimal(str(score))
        except (InvalidOperation, ValueError):
            raise ValidationError({"score": _("Enter a score from 0 to 100.")}) from None
        # NaN and infinities parse as Decimals but compare with nothing (NaN raises): refused like any bad score.
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise ValidationError({"score": _("Enter a score from 0 to 100.")})
        assignment.state = ReviewAssignment.State.SCORED
        assignment.score, assignment.comment, assignment.no_conflict = value, comment, True
    assignment.scored_at = timezone.now()
    audit.save(assignment, actor=actor)
    return assignment


def _goal_rows(goals: Iterable[Mapping[str, Any]]) -> list[PerformanceGoal]:
    rows = []
    for n, raw in enumerate(goals, start=1):
        goal = PerformanceGoal()
        try:
            audit.assign(goal, {k: v for k, v in raw.items() if k in GOAL_FIELDS}, allowed=GOAL_FIELDS)
            goal.full_clean(exclude=["project"])
        except ValidationError as exc:
            message = _("Goal row %(n)s: %(e)s") % {"n": n, "e": "; ".join(exc.messages)}
            raise ValidationError({"goals": message}) from None
        rows.append(goal)
    problems = goal_problems((g.level, Decimal(str(g.weight))) for g in rows)
    if problems:
        raise ValidationError({"goals": _("The goal table is incomplete: %(p)s.") % {"p": "; ".join(problems)}})
    return rows


@transaction.atomic
@transaction.atomic
def application_approve(
    *,
    actor: Any,
    application: Application,
    budget_fiscal_wan: Decimal,
    funding_mode: str,
    start_on: dt.date,
    end_on: dt.date,
    goals: Iterable[Mapping[str, Any]],
    lump_sum: bool = False,
    department: OrgUnit | None = None,
    code: str = "",
) -> Project:
    """After 公示: the project is approved with its performance goals (issued with the money, task 22)."""
    lock_current(application)  # approved once: one project, one number
    require_bureau(actor)
    try:
        new_state = wf.next_state("application", application.state, "approve")
    except wf.TransitionRefused as exc:
        raise _refused(exc) from None
    call = application.call
    if budget_fiscal_wan is None or Decimal(budget_fiscal_wan) <= 0:
        raise ValidationError({"budget_fiscal_wan": _("Enter the fiscal funds.")})
    if call.funding_ceiling_wan and Decimal(budget_fiscal_wan) > call.funding_ceiling_wan:
        raise ValidationError({"budget_fiscal_wan": _("More than the call's funding ceiling.")})
    if end_on <= start_on:
        raise ValidationError({"end_on": _("The end must come after the start.")})
    rows = _goal_rows(goals)
    application.state = new_state
    audit.save(application, actor=actor)
    project = Project(
        code=code or _next_code("P", start_on.year, Project),
        title=application.project_title,
        plan=call.plan,
        mode=call.mode,
        funding_mode=funding_mode,
        call=call,
        application=application,
        lead_unit=application.applicant,
        credit_code=application.credit_code,
        region=application.region,
        department=department,
        chief_scientist=application.chief_scientist,
        start_on=start_on,
        end_on=end_on,
        lump_sum=lump_sum,
        budget_fiscal_wan=budget_fiscal_wan,
        budget_self_wan=application.self_raised_wan,
    )
    audit.save(project, actor=actor)
    for goal in rows:
        goal.project = project
        audit.save(goal, actor=actor)
    return project


# ============================================================================================ projects
def goal_problems(rows: Iterable[tuple[str, Decimal]]) -> list[str]:
    """The engine's goal-table rule (an output goal, weights summing to 100), said in the active language."""
    said = []
    for problem in engine.goal_table_problems(rows):
        if problem.code == "no_goals":
            said.append(_("no performance goals"))
        elif problem.code == "no_output":
            said.append(_("no output (产出) goal"))
        else:
            said.append(_("the weights sum to %(n)s, not 100") % {"n": engine.num(problem.total)})
    return said


def goal_table_ready(project: Project) -> list[str]:
    return goal_problems(project.goals.values_list("level", "weight"))


@transaction.atomic
def project_step(*, actor: Any, project: Project, action: str, note: str = "", method: str = "") -> Project:
    """sign_task_book · suspend / resume · request_acceptance · accept / not_accept · terminate."""
    lock_current(project)  # a step taken once, whatever a simultaneous request's copy still says
    _require_project_writer(actor, project)
    if action == "sign_task_book":
        require_task_book_setter(actor)
    elif not may_step(actor, action):
        require_bureau(actor)
    try:
        new_state = wf.next_state("project", project.state, action)
    except wf.TransitionRefused as exc:
        raise _refused(exc) from None
    if action == "sign_task_book":
        shares = list(project.milestones.values_list("payment_share", flat=True))
        if not shares:
            raise ValidationError({"milestones": _("The task book needs its milestones.")})
        total = engine.payment_shares_off(shares)
        if total is not None:
            message = _("The milestones' payment shares sum to %(n)s %%, not 100 %%.") % {"n": engine.num(total)}
            raise ValidationError({"milestones": message})
        problems = goal_table_ready(project)
        if problems:
            raise ValidationError({"goals": "; ".join(problems)})
        if project.mode == "cabinet" and len(set(project.team.values_list("unit", flat=True))) < 2:
            raise ValidationError({"team": _("A cabinet project's team draws on at least two units.")})
    if action == "accept":
        if not project.ip_declaration.strip():
            raise ValidationError({"ip_declaration": _("Declare the project's IP before acceptance (task 21).")})
        if project.lump_sum and not project.use_statement.strip():
            raise ValidationError({"use_statement": _("A lump-sum project files its statement of use first.")})
        if method not in Project.AcceptanceMethod.values:
            raise ValidationError({"method": _("Choose how the results were tested.")})
        project.acceptance_method, project.accepted_on = method, _today()
        project.acceptance_note = note
    if action == "not_accept":
        if not note.strip():
            raise ValidationError({"note": _("State the acceptance findings.")})
        project.acceptance_note = note
    if action == "terminate":
        if not note.strip():
            raise ValidationError({"note": _("State the reason for termination.")})
        project.termination_reason = note[:300]
    project.state = new_state
    audit.save(project, actor=actor)
    return project


@transaction.atomic
def risk_flag_set(*, actor: Any, project: Project, flagged: bool, note: str = "") -> Project:
    require_bureau(actor)
    if flagged and not note.strip():
        raise ValidationError({"note": _("Say why the project is at risk.")})
    project.risk_flagged, project.risk_note = flagged, note[:300]
    audit.save(project, actor=actor)
    return project


@transaction.atomic
def milestone_add(
    *, actor: Any, project: Project, due_on: dt.date, indicators: str, payment_share: Decimal
) -> Milestone:
    require_task_book_setter(actor)
    if project.state != wf.P_APPROVED:
        raise ValidationError({"due_on": _("Milestones are set in the task book, before it is signed.")})
    if not (project.start_on <= due_on <= project.end_on):
        raise ValidationError({"due_on": _("The milestone falls outside the project's dates.")})
    seq = (project.milestones.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    row = Milestone(project=project, seq=seq, due_on=due_on, indicators=indicators, payment_share=payment_share)
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def milestone_review(*, actor: Any, milestone: Milestone, result: str, note: str = "", on=None) -> Milestone:
    require_bureau(actor)
    if milestone.project.state not in wf.RUNNING:
        raise ValidationError({"result": _("Milestones are reviewed while the project runs.")})
    if result not in (Milestone.Result.PASSED, Milestone.Result.CONDITIONAL, Milestone.Result.FAILED):
        raise ValidationError({"result": _("Choose passed, conditional or failed.")})
    if milestone.result != Milestone.Result.PENDING:
        raise ValidationError({"result": _("This milestone has been reviewed.")})
    milestone.result, milestone.review_note, milestone.reviewed_on = result, note[:300], on or _today()
    audit.save(milestone, actor=actor)
    return milestone


@transaction.atomic
def horse_race_downselect(*, actor: Any, call: Call, keep: Iterable[Project], seq: int) -> list[Project]:
    """赛马制: at milestone `seq` the bureau keeps some of the parallel teams; the others are terminated."""
    require_bureau(actor)
    if call.mode != "horse_race":
        raise ValidationError({"keep": _("Only a horse-race call down-selects its teams.")})
    racing = list(call.projects.filter(state__in=wf.RUNNING))
    kept = {p.pk for p in keep}
    if not kept or not kept <= {p.pk for p in racing}:
        raise ValidationError({"keep": _("Keep at least one of the running teams.")})
    stopped = []
    for project in racing:
        if project.pk not in kept:
            project_step(
                actor=actor,
                project=project,
                action="terminate",
                note=_("Down-selected at milestone %(n)s") % {"n": seq},
            )
            stopped.append(project)
    return stopped


@transaction.atomic
def team_member_add(*, actor: Any, project: Project, name: str, unit: str, role: str = "", unit_credit_code: str = ""):
    _require_project_writer(actor, project)
    if project.state in wf.GOALS_LOCKED:
        raise ValidationError({"name": _("The project is closed.")})
    row = TeamMember(project=project, name=name, unit=unit, role=role, unit_credit_code=unit_credit_code)
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def check_add(*, actor: Any, project: Project, held_on: dt.date, result: str, findings: str = "") -> Check:
    """A mid-term check. Task 5 (fewer evaluations): at most `max_mid_term_checks` unless risk-flagged."""
    require_bureau(actor)
    if project.state not in wf.RUNNING:
        raise ValidationError({"held_on": _("Mid-term checks are held while the project runs.")})
    maximum = int(rule_params()["max_mid_term_checks"])
    if not wf.mid_term_check_allowed(project.checks.count(), project.risk_flagged, maximum):
        raise ValidationError(
            {"held_on": _("At most %(n)s mid-term check unless the project is risk-flagged (task 5).") % {"n": maximum}}
        )
    row = Check(project=project, held_on=held_on, result=result, findings=findings)
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def change_request(
    *, actor: Any, project: Project, kind: str, description: str, new_end_on: dt.date | None = None
) -> ChangeRequest:
    _require_project_writer(actor, project)
    if project.state not in wf.RUNNING:
        raise ValidationError({"kind": _("Changes are requested while the project runs.")})
    if kind == ChangeRequest.Kind.SCHEDULE and not new_end_on:
        raise ValidationError({"new_end_on": _("A schedule change names the new end date.")})
    row = ChangeRequest(
        project=project, kind=kind, description=description, new_end_on=new_end_on, requested_on=_today()
    )
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def change_decide(*, actor: Any, change: ChangeRequest, approve: bool, note: str = "") -> ChangeRequest:
    lock_current(change)  # decided once, whatever a simultaneous request's copy still says
    require_bureau(actor)
    if change.state != ChangeRequest.State.REQUESTED:
        raise ValidationError({"state": _("This change has been decided.")})
    change.state = ChangeRequest.State.APPROVED if approve else ChangeRequest.State.REFUSED
    change.decided_on, change.decision_note = _today(), note[:300]
    audit.save(change, actor=actor)
    if approve and change.new_end_on:
        change.project.end_on = change.new_end_on
        audit.save(change.project, actor=actor)
    return change


@transaction.atomic
def ip_declare(*, actor: Any, project: Project, declaration: str) -> Project:
    """Task 21: the IP a funded project produced (patents, software, standards …)."""
    _require_project_writer(actor, project)
    if not declaration.strip():
        raise ValidationError({"declaration": _("Describe the IP (or state that there is none).")})
    if project.state in wf.GOALS_LOCKED:
        raise ValidationError({"declaration": _("The project is closed.")})
    project.ip_declaration, project.ip_declared_on = declaration, _today()
    audit.save(project, actor=actor)
    return project


# ============================================================================================ performance
def goals_change_refusal(project: Project) -> str | None:
    """Why the goal table of `project` cannot be replaced now, or None (the project page asks before its form)."""
    if project.state in wf.GOALS_LOCKED:
        return _("The goals of an accepted, rejected or terminated project are fixed.")
    if project.state != wf.P_APPROVED and not project.changes.filter(kind="targets", state="approved").exists():
        return _("Once the task book is signed, goals change through an approved change.")
    return None


@transaction.atomic
def goals_set(*, actor: Any, project: Project, goals: Iterable[Mapping[str, Any]]) -> list[PerformanceGoal]:
    """Replace the goal table (before the task book is signed, or by an approved change). A judged project's goals
    are locked."""
    require_task_book_setter(actor)
    if refusal := goals_change_refusal(project):
        raise ValidationError({"goals": refusal})
    rows = _goal_rows(goals)
    for old in project.goals.all():
        audit.record(actor=actor, action="delete", obj=old, changes=audit.diff(audit.snapshot(old), None))
    project.goals.all().delete()
    for goal in rows:
        goal.project = project
        audit.save(goal, actor=actor)
    return rows


@transaction.atomic
def goal_actual_set(*, actor: Any, goal: PerformanceGoal, actual: Decimal) -> PerformanceGoal:
    _require_project_writer(actor, goal.project)
    if goal.project.state in wf.GOALS_LOCKED:
        raise ValidationError({"actual": _("The goals of an accepted, rejected or terminated project are fixed.")})
    goal.actual = actual
    audit.save(goal, actor=actor)
    return goal


@transaction.atomic
def monitoring_file(
    *,
    actor: Any,
    project: Project,
    period: str,
    progress: str,
    budget_execution: Decimal,
    planned_execution: Decimal,
    action: str = MonitoringReport.Action.NONE,
    correction: str = "",
    correction_due: dt.date | None = None,
) -> MonitoringReport:
    """A monitoring report: execution against plan; a deviation at the threshold raises a warning. The bureau
    decides a correction or suspension (suspension suspends the project). A correction is an order: what is to be
    corrected and by when (the bureau's date, else `correction_days` from today), followed up by
    `correction_respond` and `correction_verify`."""
    _require_project_writer(actor, project)
    if project.state not in wf.RUNNING:
        raise ValidationError({"period": _("Monitoring reports are filed while the project runs.")})
    if action != MonitoringReport.Action.NONE and not is_bureau(actor):
        raise PermissionDenied(_("Only the bureau orders a correction or suspension."))
    if action == MonitoringReport.Action.CORRECT:
        if not correction.strip():
            raise ValidationError({"correction": _("Say what is to be corrected.")})
        if correction_due is not None and correction_due <= _today():
            raise ValidationError({"correction_due": _("The due date of a correction lies in the future.")})
    p = rule_params()
    report = MonitoringReport(
        project=project,
        period=period,
        reported_on=_today(),
        progress=progress,
        budget_execution=budget_execution,
        planned_execution=planned_execution,
        deviation=engine.deviation(budget_execution, planned_execution),
        warning=engine.is_warning(budget_execution, planned_execution, p),
        action=action,
    )
    audit.save(report, actor=actor)
    if action == MonitoringReport.Action.SUSPEND and project.state == wf.IN_PROGRESS:
        project_step(actor=actor, project=project, action="suspend")
    if action == MonitoringReport.Action.CORRECT:
        days = int(p["correction_days"])
        order = Correction(
            report=report,
            project=project,
            requirement=correction.strip(),
            ordered_on=_today(),
            due_on=correction_due or _today() + dt.timedelta(days=days),
        )
        audit.save(order, actor=actor)
    return report


def _correction_step(correction: Correction, action: str) -> str:
    try:
        return wf.next_state("correction", correction.state, action)
    except wf.TransitionRefused as exc:
        raise _refused(exc) from None


def may_respond(actor: Any, correction: Correction) -> bool:
    """The project answers its correction order: the firm's own enterprise account, or whoever may write the
    project (its district, the bureau)."""
    if getattr(actor, "role", None) == Role.ENTERPRISE:
        return bool(actor.credit_code) and actor.credit_code == correction.project.credit_code
    return getattr(actor, "role", None) in WRITER_ROLES and can_write(actor, correction.project)


@transaction.atomic
def correction_respond(*, actor: Any, correction: Correction, response: str) -> Correction:
    """The project's response: what it corrected. Allowed while the order is open (also past its date: it is then
    marked late)."""
    correction = Correction.objects.select_for_update().select_related("project").get(pk=correction.pk)
    if not may_respond(actor, correction):
        raise PermissionDenied(_("This correction order is not yours to answer."))
    if not response.strip():
        raise ValidationError({"response": _("Say what was corrected.")})
    correction.state = _correction_step(correction, "respond")
    correction.response, correction.responded_on = response.strip(), _today()
    audit.save(correction, actor=actor)
    return correction


@transaction.atomic
def correction_verify(
    *, actor: Any, correction: Correction, close: bool, note: str = "", due_on: dt.date | None = None
) -> Correction:
    """The bureau verifies a response: close the order, or reopen it (with the reason and a new due date, the
    bureau's or `correction_days` from today)."""
    require_bureau(actor)
    correction = Correction.objects.select_for_update().select_related("project").get(pk=correction.pk)
    correction.state = _correction_step(correction, "close" if close else "reopen")
    if not close:
        if not note.strip():
            raise ValidationError({"note": _("Say why the correction is not accepted.")})
        if due_on is not None and due_on <= _today():
            raise ValidationError({"due_on": _("The due date of a correction lies in the future.")})
        correction.due_on = due_on or _today() + dt.timedelta(days=int(rule_params()["correction_days"]))
        correction.reopened += 1
    correction.verification_note, correction.verified_on = note.strip(), _today()
    audit.save(correction, actor=actor)
    return correction


def goal_rows(project: Project) -> list[engine.GoalRow]:
    return [
        engine.GoalRow(g.indicator, g.target, g.direction, g.weight, g.actual)
        for g in project.goals.all().order_by("level", "id")
    ]


@transaction.atomic
def evaluation_record(
    *,
    actor: Any,
    project: Project,
    kind: str,
    result_use: str,
    findings: str = "",
    score: Decimal | None = None,
    on: dt.date | None = None,
) -> Evaluation:
    """The final evaluation: the score (the goal table's unless the evaluator gives one), the grade by the rule in
    force (stored with it), the findings and what the result is used for."""
    require_bureau(actor)
    if project.state not in (wf.ACCEPTED, wf.NOT_ACCEPTED, wf.TERMINATED):
        raise ValidationError({"kind": _("A project is evaluated after acceptance or termination.")})
    p = rule_params()
    rows = goal_rows(project)
    if not rows and score in (None, ""):  # no goal table: its score would be a misleading 0
        raise ValidationError({"score": _("The project has no goal table: enter the score.")})
    from_goals = engine.goal_score(rows)
    final = from_goals if score in (None, "") else Decimal(str(score))
    if not Decimal(0) <= final <= Decimal(100):
        raise ValidationError({"score": _("Enter a score from 0 to 100.")})
    row = Evaluation(
        project=project,
        kind=kind,
        evaluated_on=on or _today(),
        score=final,
        goal_score=from_goals,
        grade=engine.grade(final, p),
        grade_rule=engine.grade_rule_text(p),
        findings=findings,
        result_use=result_use,
    )
    audit.save(row, actor=actor)
    return row


# ============================================================================================ funds
@transaction.atomic
def appropriation_add(
    *,
    actor: Any,
    project: Project,
    source: str,
    mode: str,
    document_no: str,
    planned_on: dt.date,
    amount_wan: Decimal,
) -> Appropriation:
    require_bureau(actor)
    if project.state in (wf.NOT_ACCEPTED, wf.TERMINATED):
        raise ValidationError({"amount_wan": _("No money is planned for a closed project.")})
    tranche = project.appropriations.count() + 1
    row = Appropriation(
        project=project,
        source=source,
        mode=mode,
        document_no=document_no,
        tranche=tranche,
        planned_on=planned_on,
        amount_wan=amount_wan,
    )
    planned = project.appropriations.filter(mode__in=["grant", "case_by_case"]).aggregate(s=Sum("amount_wan"))["s"]
    if mode in ("grant", "case_by_case") and (planned or 0) + Decimal(amount_wan) > project.budget_fiscal_wan:
        raise ValidationError({"amount_wan": _("The tranches would exceed the project's fiscal funds.")})
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def appropriation_pay(*, actor: Any, appropriation: Appropriation, on: dt.date | None = None) -> Appropriation:
    """Pay a tranche. Task 22: no payment without a goal table."""
    lock_current(appropriation)  # paid once, whatever a simultaneous request's copy still says
    require_bureau(actor)
    project = appropriation.project
    if appropriation.paid_on:
        raise ValidationError({"paid_on": _("This tranche is paid.")})
    problems = goal_table_ready(project)
    if problems:
        raise ValidationError({"goals": _("No payment without a goal table: %(p)s.") % {"p": "; ".join(problems)}})
    if project.state in (wf.SUSPENDED, wf.NOT_ACCEPTED, wf.TERMINATED):
        raise ValidationError({"paid_on": _("Payments to this project are stopped (%(s)s).") % {"s": project.state}})
    appropriation.paid_on = on or _today()
    audit.save(appropriation, actor=actor)
    return appropriation


@transaction.atomic
def post_subsidy_claim(
    *, actor: Any, project: Project, year: int, verified_spending_wan: Decimal, verified_by: str, document_no: str
) -> PostSubsidyClaim:
    """后补助 from verified R&D spending: amount = min(spending × rate, cap), parameters from the rule table; the
    claim becomes a planned appropriation."""
    require_bureau(actor)
    if not verified_by.strip():
        raise ValidationError({"verified_by": _("Name who verified the spending.")})
    if project.funding_mode != "post_subsidy":
        raise ValidationError({"year": _("The project is not funded by post-subsidy.")})
    result = engine.post_subsidy(Decimal(verified_spending_wan), rule_params())
    claim = PostSubsidyClaim(
        project=project,
        year=year,
        verified_spending_wan=result.spending,
        verified_by=verified_by,
        rate=result.rate,
        cap_wan=result.cap,
        amount_wan=result.amount,
        formula=result.formula,
    )
    claim.full_clean()
    claim.appropriation = appropriation_add(
        actor=actor,
        project=project,
        source="city",
        mode="post_subsidy",
        document_no=document_no,
        planned_on=_today(),
        amount_wan=result.amount,
    )
    audit.save(claim, actor=actor)
    return claim


@transaction.atomic
def pool_create(*, actor: Any, **fields: Any) -> RiskPool:
    require_bureau(actor)
    pool = RiskPool()
    audit.assign(pool, fields, allowed=("name", "source", "document_no", "capital_wan", "established_on"))
    audit.save(pool, actor=actor)
    return pool


def pool_paid(pool: RiskPool) -> Decimal:
    return pool.loans.aggregate(s=Sum("compensation_wan"))["s"] or Decimal(0)


@transaction.atomic
def pool_loan_file(*, actor: Any, pool: RiskPool, **fields: Any) -> PoolLoan:
    require_writer(actor)
    loan = PoolLoan(pool=pool)
    audit.assign(loan, fields, allowed=("bank", "borrower", "credit_code", "region", "amount_wan", "filed_on"))
    if loan.region_id and not can_write_unit(actor, loan.region):
        raise PermissionDenied(_("You may file loans of your own region only."))
    audit.save(loan, actor=actor)
    return loan


@transaction.atomic
def pool_loan_step(*, actor: Any, loan: PoolLoan, action: str, principal: Decimal | None = None, on=None) -> PoolLoan:
    """repay · default (with the defaulted principal) · claim (the pool's share, by the coverage rule) ·
    compensate (paid from the pool; never beyond its balance)."""
    lock_current(loan)  # a step (a compensation paid from the pool) taken once
    require_bureau(actor)
    s = PoolLoan.State
    steps = {("filed", "repay"): s.REPAID, ("filed", "default"): s.DEFAULTED, ("defaulted", "claim"): s.CLAIMED}
    steps[("claimed", "compensate")] = s.COMPENSATED
    new = steps.get((loan.state, action))
    if new is None:
        raise ValidationError({"action": _("This step is not allowed now.")})
    if action == "default":
        if principal is None or not Decimal(0) < Decimal(principal) <= loan.amount_wan:
            raise ValidationError({"principal": _("The defaulted principal is more than 0 and at most the loan.")})
        loan.default_principal_wan = Decimal(principal)
    if action == "claim":
        loan.claim_wan = engine.pool_claim(loan.default_principal_wan, rule_params())
    if action == "compensate":
        balance = engine.pool_balance(loan.pool.capital_wan, [pool_paid(loan.pool)])
        if loan.claim_wan > balance:
            raise ValidationError({"action": _("The pool's balance (%(b)s) cannot cover the claim.") % {"b": balance}})
        loan.compensation_wan, loan.compensated_on = loan.claim_wan, on or _today()
    loan.state = new
    audit.save(loan, actor=actor)
    return loan


@transaction.atomic
def decision_create(*, actor: Any, **fields: Any) -> CaseDecision:
    require_bureau(actor)
    row = CaseDecision()
    allowed = ("kind", "title", "document_no", "decided_on", "beneficiary", "credit_code", "region", "amount_wan")
    audit.assign(row, fields, allowed=(*allowed, "equity_share", "project"))
    if row.kind == CaseDecision.Kind.EQUITY and row.equity_share is None:
        raise ValidationError({"equity_share": _("An equity investment states its share.")})
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def budget_line_add(*, actor: Any, project: Project, category: str, amount_wan: Decimal) -> BudgetLine:
    require_bureau(actor)
    if project.lump_sum:
        raise ValidationError({"category": _("A lump-sum project has no itemised budget, only its total.")})
    row = BudgetLine(project=project, category=category, amount_wan=amount_wan)
    audit.save(row, actor=actor)
    return row


def negative_list() -> list[NegativeListItem]:
    return list(NegativeListItem.objects.all())


@transaction.atomic
def expense_record(
    *, actor: Any, project: Project, spent_on: dt.date, category: str, description: str, amount_wan: Decimal
) -> Expense:
    """A spending. A lump-sum project's spending is checked against the negative list (refused on a hit)."""
    _require_project_writer(actor, project)
    if project.state not in wf.RUNNING and project.state != wf.ACCEPTANCE_REVIEW:
        raise ValidationError({"spent_on": _("Spending is recorded while the project runs.")})
    if project.lump_sum:
        items = negative_list()
        hits = engine.negative_list_hits(f"{category} {description}", [(i.code, i.keyword_list()) for i in items])
        if hits:
            named = "; ".join(str(i) for i in items if i.code in hits)
            raise ValidationError({"description": _("On the lump-sum negative list: %(items)s.") % {"items": named}})
    spent = project.expenses.aggregate(s=Sum("amount_wan"))["s"] or Decimal(0)
    if spent + Decimal(amount_wan) > project.budget_total_wan:
        raise ValidationError({"amount_wan": _("The spending would exceed the project's total.")})
    row = Expense(project=project, spent_on=spent_on, category=category, description=description, amount_wan=amount_wan)
    audit.save(row, actor=actor)
    return row


@transaction.atomic
def use_statement_file(*, actor: Any, project: Project, statement: str) -> Project:
    """包干制: the final statement of use the project leader files before acceptance."""
    _require_project_writer(actor, project)
    if not project.lump_sum:
        raise ValidationError({"statement": _("Only lump-sum projects file a statement of use.")})
    if not statement.strip():
        raise ValidationError({"statement": _("Write the statement of use.")})
    project.use_statement, project.use_statement_on = statement, _today()
    audit.save(project, actor=actor)
    return project


# ============================================================================================ import (importer.py)
# A project with its task book, as a file gives it. A project number already stored is an update (the file is the
# bureau's or the district's project list, exported, corrected and imported again); before the task book is signed
# everything may change, afterwards only what does not change the commitment, and a closed project nothing.
PROJECT_IMPORT_FIELDS = (
    "title",
    "plan",
    "mode",
    "funding_mode",
    "call",
    "lead_unit",
    "credit_code",
    "region",
    "department",
    "chief_scientist",
    "start_on",
    "end_on",
    "budget_fiscal_wan",
    "budget_self_wan",
    "lump_sum",
)
# What a signed task book still lets a file correct: names, not the commitment (dates, money, the firm, the plan).
SIGNED_CORRECTABLE = frozenset({"title", "lead_unit", "chief_scientist", "department"})
IMPORT_ENTRY_STATES = (wf.P_APPROVED, wf.IN_PROGRESS)
CENT = Decimal("0.01")


def _cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def milestone_key(rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
    return sorted((int(m["seq"]), m["due_on"], str(m["indicators"]).strip(), _cents(m["payment_share"])) for m in rows)


def goal_key(rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
    return sorted(
        (
            g["level"],
            str(g.get("sublevel") or "").strip(),
            str(g["indicator"]).strip(),
            _cents(g["target"]),
            str(g["unit"]).strip(),
            g["direction"],
            _cents(g["weight"]),
        )
        for g in rows
    )


def _stored_task_book(project: Project) -> tuple[list[tuple], list[tuple]]:
    milestones = project.milestones.values("seq", "due_on", "indicators", "payment_share")
    goals = project.goals.values("level", "sublevel", "indicator", "target", "unit", "direction", "weight")
    return milestone_key(milestones), goal_key(goals)


def task_book_problems(
    *, start_on: dt.date, end_on: dt.date, milestones: list[Mapping[str, Any]], signed: bool
) -> dict[str, str]:
    """What is wrong with a task book as a file gives it (field → reason): the goal table is checked by
    `_goal_rows`; here the milestones: numbered once each, inside the project's dates, payment shares summing to
    100 % (required once the task book is signed)."""
    problems: dict[str, str] = {}
    if end_on <= start_on:
        problems["end_on"] = _("The end must come after the start.")
    seqs = [int(m["seq"]) for m in milestones]
    if len(set(seqs)) != len(seqs):
        problems["milestones"] = _("A milestone number appears twice.")
    elif any(not (start_on <= m["due_on"] <= end_on) for m in milestones):
        problems["milestones"] = _("A milestone falls outside the project's dates.")
    elif milestones or signed:
        total = sum((Decimal(str(m["payment_share"])) for m in milestones), Decimal(0))
        if not milestones:
            problems["milestones"] = _("A project in progress has a signed task book: give its milestones.")
        elif total != 100:
            problems["milestones"] = _("The milestones' payment shares sum to %(n)s %%, not 100 %%.") % {
                "n": f"{total.normalize():f}"
            }
    return problems


@transaction.atomic
def project_import(
    *,
    actor: Any,
    code: str,
    fields: Mapping[str, Any],
    milestones: list[Mapping[str, Any]],
    goals: list[Mapping[str, Any]],
    state: str = "",
) -> str:
    """Create or update the project `code` with its task book (milestones and goal table); returns "created",
    "updated" or "unchanged". Bureau staff for every region, a district officer for firms of its own region only.
    A new project enters as approved (task book not yet signed) or in progress (signed: its milestones must then
    pay out 100 %); every later state is a step on the project's page. The task book is the bureau's
    (`may_set_task_book`): another writer's file registers a new project without one, and gives a stored
    project's as it is. Raises ValidationError by field name."""
    require_writer(actor)
    region = fields["region"]
    if not can_write_unit(actor, region):
        raise ValidationError({"credit_code": _("This enterprise is outside your area.")})
    found = Project.objects.filter(code=code).first()
    if found is None:
        return _project_import_create(
            actor=actor, code=code, fields=fields, milestones=milestones, goals=goals, state=state
        )
    if not can_write(actor, found):
        raise ValidationError({"code": _("This project number belongs to a project outside your area.")})
    if state and state != found.state:
        raise ValidationError(
            {"state": _("The project is %(state)s here: a state changes by a step on the project's page.")
             % {"state": found.get_state_display()}}
        )  # fmt: skip
    changed = {k: v for k, v in fields.items() if getattr(found, k) != v}
    stored_milestones, stored_goals = _stored_task_book(found)
    new_milestones = milestone_key(milestones) != stored_milestones
    new_goals = goal_key(goals) != stored_goals
    if (new_milestones or new_goals) and not may_set_task_book(actor):
        refused = task_book_refusal()
        raise ValidationError(
            {name: refused for name, new in (("milestones", new_milestones), ("goals", new_goals)) if new}
        )
    if found.state != wf.P_APPROVED:
        closed = found.state in wf.GOALS_LOCKED
        locked = set(changed) if closed else set(changed) - SIGNED_CORRECTABLE
        why = (
            _("The project is closed: nothing of it changes.")
            if closed
            else _("The task book is signed: this changes through a change request on the project's page.")
        )
        errors = {name: why for name in sorted(locked)}
        if new_milestones:
            errors["milestones"] = why
        if new_goals:
            errors["goals"] = why
        if errors:
            raise ValidationError(errors)
    else:
        problems = task_book_problems(
            start_on=fields["start_on"], end_on=fields["end_on"], milestones=milestones, signed=False
        )
        if problems:
            raise ValidationError(problems)
    rows = _goal_rows(goals) if new_goals else []
    updated = bool(audit.update(found, changed, allowed=PROJECT_IMPORT_FIELDS, actor=actor)) if changed else False
    if new_milestones:
        for old in found.milestones.all():
            audit.record(actor=actor, action="delete", obj=old, changes=audit.diff(audit.snapshot(old), None))
        found.milestones.all().delete()
        for m in milestones:
            audit.save(Milestone(project=found, **_milestone_values(m)), actor=actor)
    if new_goals:
        for old in found.goals.all():
            audit.record(actor=actor, action="delete", obj=old, changes=audit.diff(audit.snapshot(old), None))
        found.goals.all().delete()
        for goal in rows:
            goal.project = found
            audit.save(goal, actor=actor)
    return "updated" if (updated or new_milestones or new_goals) else "unchanged"


def _milestone_values(m: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "seq": int(m["seq"]),
        "due_on": m["due_on"],
        "indicators": str(m["indicators"]).strip(),
        "payment_share": m["payment_share"],
    }


def _project_import_create(
    *,
    actor: Any,
    code: str,
    fields: Mapping[str, Any],
    milestones: list[Mapping[str, Any]],
    goals: list[Mapping[str, Any]],
    state: str,
) -> str:
    state = state or wf.P_APPROVED
    if state not in IMPORT_ENTRY_STATES:
        raise ValidationError(
            {"state": _("A new project enters as approved or in progress; later states are steps on its page.")}
        )
    signed = state == wf.IN_PROGRESS
    if not may_set_task_book(actor):
        # Another writer registers the project only; its task book is the bureau's to set on the project's page.
        given = {"milestones": bool(milestones), "goals": bool(goals), "state": signed}
        if any(given.values()):
            raise ValidationError({name: task_book_refusal() for name, set_ in given.items() if set_})
    problems = task_book_problems(
        start_on=fields["start_on"], end_on=fields["end_on"], milestones=milestones, signed=signed
    )
    if signed and fields["mode"] == "cabinet":
        problems.setdefault(
            "state", _("A cabinet project's team is entered on its page before its task book is signed.")
        )
    if problems:
        raise ValidationError(problems)
    rows = _goal_rows(goals) if may_set_task_book(actor) else []
    project = Project(code=code, state=state)
    audit.assign(project, fields, allowed=PROJECT_IMPORT_FIELDS)
    audit.save(project, actor=actor)
    for m in milestones:
        audit.save(Milestone(project=project, **_milestone_values(m)), actor=actor)
    for goal in rows:
        goal.project = project
        audit.save(goal, actor=actor)
    return "created"
