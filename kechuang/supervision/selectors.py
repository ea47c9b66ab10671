"""Reading supervision data. Every read of reports starts from `reports_visible_to(user)`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from kechuang.core import messages as centre
from kechuang.core.models import Message, OrgUnit
from kechuang.core.roles import Role
from kechuang.core.scope import mark_scoped
from kechuang.policy.models import Policy, Section, Target, Task, TaskDepartment
from kechuang.supervision.models import Milestone, ProgressReport, ReportEvent, ReportingPeriod
from kechuang.supervision.status import MilestoneFact, ReportFact, TaskStatus, derive_task_status

State = ProgressReport.State


def reports_visible_to(user: Any) -> QuerySet[ProgressReport]:
    """The department's own reports (data scope), plus — for a lead department — its supporters'
    reports once submitted (never their drafts). A supporter never sees another supporter's report."""
    own = ProgressReport.objects.visible_to(user)
    if getattr(user, "role", None) == Role.DEPARTMENT_OFFICER and user.org_unit_id and user.is_active:
        units = list(OrgUnit.objects.descendants(user.org_unit, include_self=True).values_list("pk", flat=True))
        wider = ProgressReport.objects.filter(
            Q(department_id__in=units) | (Q(lead_department_id__in=units) & ~Q(state=State.DRAFT))
        )
        return mark_scoped(wider, user)
    return own


def periods(policy: Policy) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(policy=policy).order_by("-year", "-quarter")


def current_period(policy: Policy | None) -> ReportingPeriod | None:
    """The newest open period, else the newest one."""
    if policy is None:
        return None
    qs = periods(policy)
    return qs.filter(state=ReportingPeriod.State.OPEN).first() or qs.first()


def period_by_code(policy: Policy, code: str | None) -> ReportingPeriod | None:
    if code:
        return periods(policy).filter(code=code).first()
    return current_period(policy)


def policy_departments(policy: Policy) -> list[OrgUnit]:
    """The departments that lead or support at least one task, in the policy's order."""
    ids = set(TaskDepartment.objects.filter(task__policy=policy).values_list("department_id", flat=True))
    return [d for d in OrgUnit.objects.departments().filter(parent=policy.city) if d.pk in ids]


# -------------------------------------------------------------------------------------------- cell status

CELL_LABELS = {
    "accepted": "accepted",
    "with_bureau": "with_bureau",
    "with_lead": "with_lead",
    "returned": "returned",
    "overdue": "overdue",
    "pending": "pending",
}


def cell_status(state: str, due_date: dt.date, today: dt.date) -> str:
    if state in (State.DRAFT, State.RETURNED) and due_date < today:
        return "overdue"
    if state == State.DRAFT:
        return "pending"
    return state


@dataclass
class Cell:
    report_id: int
    role: str
    state: str
    status: str
    late: bool
    visible: bool


@dataclass
class MatrixRow:
    task: Task
    status: TaskStatus
    cells: list[Cell | None] = field(default_factory=list)


def task_statuses(policy: Policy, period: ReportingPeriod | None, today: dt.date) -> dict[int, TaskStatus]:
    """Each task's derived status: its milestones, and its reports of the period (two queries)."""
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    for task_id, due, done in Milestone.objects.filter(task__policy=policy).values_list(
        "task_id", "due_date", "completed_on"
    ):
        milestones[task_id].append(MilestoneFact(due, done))
    reports: dict[int, list[ReportFact]] = defaultdict(list)
    if period is not None:
        for task_id, state, due in ProgressReport.objects.filter(period=period).values_list(
            "task_id", "state", "due_date"
        ):
            reports[task_id].append(ReportFact(state, due))
    task_ids = policy.tasks.values_list("pk", flat=True)
    return {t: derive_task_status(milestones[t], reports[t], today) for t in task_ids}


def matrix(user: Any, policy: Policy, period: ReportingPeriod, today: dt.date) -> dict[str, Any]:
    """The task × department matrix of one period, a bounded number of queries whatever its size."""
    departments = policy_departments(policy)
    column = {d.pk: i for i, d in enumerate(departments)}
    tasks = list(policy.tasks.select_related("section").order_by("number"))
    visible = set(reports_visible_to(user).filter(period=period).values_list("pk", flat=True))
    statuses = task_statuses(policy, period, today)
    by_task: dict[int, list[Cell | None]] = {t.pk: [None] * len(departments) for t in tasks}
    counts: dict[str, int] = defaultdict(int)
    for pk, task_id, dept_id, role, state, due, first in ProgressReport.objects.filter(period=period).values_list(
        "pk", "task_id", "department_id", "role", "state", "due_date", "first_submitted_at"
    ):
        if task_id not in by_task or dept_id not in column:
            continue
        status = cell_status(state, due, today)
        counts[status] += 1
        by_task[task_id][column[dept_id]] = Cell(
            report_id=pk,
            role=role,
            state=state,
            status=status,
            late=first is not None and first.date() > due,
            visible=pk in visible,
        )
    rows = [MatrixRow(task=t, status=statuses[t.pk], cells=by_task[t.pk]) for t in tasks]
    sections: list[tuple[Section, list[MatrixRow]]] = []
    for row in rows:
        if not sections or sections[-1][0].pk != row.task.section_id:
            sections.append((row.task.section, []))
        sections[-1][1].append(row)
    summary = period_summary(user, policy, period, today, statuses)
    return {
        "departments": departments,
        "sections": sections,
        "counts": dict(counts),
        "total": summary.total,
        "handed_on": summary.handed_on,
    }


# -------------------------------------------------------------------------------------------- summaries


@dataclass
class PeriodSummary:
    total: int
    handed_on: int
    accepted: int
    overdue: int
    delayed_tasks: int

    @property
    def submission_rate(self) -> int:
        return round(self.handed_on * 100 / self.total) if self.total else 0


def period_summary(
    user: Any, policy: Policy, period: ReportingPeriod, today: dt.date, statuses: dict[int, TaskStatus] | None = None
) -> PeriodSummary:
    # Counted over every report of the period, whoever asks: the matrix shows each report's state to every
    # signed-in user (only a report's content is confined to its departments), so the counts a user reads on the
    # cockpit, the periods page and the export are the matrix's counts (issue #10, defect 12). `user` is kept for
    # the callers' sake.
    reports = ProgressReport.objects.filter(period=period)
    total = handed = accepted = overdue = 0
    for state, due in reports.values_list("state", "due_date"):
        total += 1
        if state not in (State.DRAFT, State.RETURNED):
            handed += 1
        if state == State.ACCEPTED:
            accepted += 1
        if state in (State.DRAFT, State.RETURNED) and due < today:
            overdue += 1
    statuses = statuses if statuses is not None else task_statuses(policy, period, today)
    return PeriodSummary(total, handed, accepted, overdue, sum(1 for s in statuses.values() if s.status == "delayed"))


def overdue_period(user: Any, policy: Policy, today: dt.date) -> ReportingPeriod | None:
    """The period the overdue list opens on: the newest one with reports overdue for this user, else the newest
    whose due dates have passed, else the current one (the current period is usually not due yet)."""
    late = reports_visible_to(user).filter(state__in=(State.DRAFT, State.RETURNED), due_date__lt=today)
    qs = periods(policy)
    return (
        qs.filter(pk__in=late.values("period")).first()
        or qs.filter(supporters_due_date__lt=today).first()
        or current_period(policy)
    )


def overdue_reports(user: Any, period: ReportingPeriod, today: dt.date) -> list[ProgressReport]:
    return list(
        reports_visible_to(user)
        .filter(period=period, state__in=(State.DRAFT, State.RETURNED), due_date__lt=today)
        .select_related("task", "department", "lead_department")
        .order_by("task__number", "role", "department__sort_order")
    )


def department_owes(user: Any, department: OrgUnit, today: dt.date) -> dict[str, Any]:
    """What a department owes: its reports in open periods, and supporters' reports it must consolidate."""
    base = reports_visible_to(user).select_related("period", "task", "lead_department", "department")
    in_open = base.filter(department=department, period__state=ReportingPeriod.State.OPEN)
    # Owed: only what the department still has to hand on; what it handed on is listed apart.
    own = list(in_open.filter(state__in=(State.DRAFT, State.RETURNED)).order_by("period__due_date", "task__number"))
    handed_on = list(
        in_open.exclude(state__in=(State.DRAFT, State.RETURNED)).order_by(
            "-period__year", "-period__quarter", "task__number"
        )
    )
    # To consolidate: supporters' reports handed to the lead and not yet taken into its report.
    to_consolidate = list(
        base.filter(
            lead_department=department,
            period__state=ReportingPeriod.State.OPEN,
            state=State.WITH_LEAD,
            consolidated_into__isnull=True,
        ).order_by("task__number", "department__sort_order")
    )
    history = list(
        base.filter(department=department, period__state=ReportingPeriod.State.CLOSED).order_by(
            "-period__year", "-period__quarter", "task__number"
        )[:100]
    )
    for r in (*own, *handed_on, *to_consolidate, *history):
        r.cell = cell_status(r.state, r.due_date, today)
    return {"own": own, "handed_on": handed_on, "to_consolidate": to_consolidate, "history": history}


@dataclass
class RankingRow:
    department: OrgUnit
    total: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    returned: int = 0
    pending: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def rate(self) -> int | None:
        return round(self.on_time * 100 / self.due) if self.due else None


def timeliness_ranking(policy: Policy, today: dt.date, period_codes: list[str] | None = None) -> list[RankingRow]:
    """Departments ranked by the share of their reports handed on by the due date, over periods."""
    rows = {d.pk: RankingRow(d) for d in policy_departments(policy)}
    reports = ProgressReport.objects.filter(period__policy=policy)
    if period_codes:
        reports = reports.filter(period__code__in=period_codes)
    for dept_id, due, first in reports.values_list("department_id", "due_date", "first_submitted_at"):
        row = rows.get(dept_id)
        if row is None:
            continue
        row.total += 1
        if first is not None:
            if first.date() <= due:
                row.on_time += 1
            else:
                row.late += 1
        elif due < today:
            row.missing += 1
        else:
            row.pending += 1
    returns = ReportEvent.objects.filter(report__in=reports, action="return").values_list(
        "report__department_id", flat=True
    )
    for dept_id in returns:
        if dept_id in rows:
            rows[dept_id].returned += 1
    return sorted(
        rows.values(),
        key=lambda r: (r.rate is None, -(r.rate or 0), r.missing, r.late, r.department.sort_order),
    )


def task_for(policy: Policy, number: int) -> Task | None:
    return (
        policy.tasks.select_related("section")
        .prefetch_related(
            Prefetch("task_departments", queryset=TaskDepartment.objects.select_related("department")),
            Prefetch("targets", queryset=Target.objects.select_related("indicator")),
        )
        .filter(number=number)
        .first()
    )


def task_milestones(task: Task) -> list[Milestone]:
    return list(
        Milestone.objects.filter(task=task)
        .select_related("department", "completed_by_report__period")
        .prefetch_related("targets")
    )


def task_timeline(user: Any, task: Task) -> list[dict[str, Any]]:
    """The task's reports, period by period (newest first), with each one's dated steps."""
    reports = (
        reports_visible_to(user)
        .filter(task=task)
        .select_related("period", "department")
        .prefetch_related(Prefetch("events", queryset=ReportEvent.objects.order_by("at", "id")))
        .order_by("-period__year", "-period__quarter", "role", "department__sort_order")
    )
    timeline: list[dict[str, Any]] = []
    for report in reports:
        if not timeline or timeline[-1]["period"].pk != report.period_id:
            timeline.append({"period": report.period, "reports": []})
        timeline[-1]["reports"].append(report)
    return timeline


def report_detail(user: Any, pk: int) -> ProgressReport | None:
    return (
        reports_visible_to(user)
        .select_related("period__policy__city", "task__section", "department", "lead_department", "consolidated_into")
        .prefetch_related(
            "milestones_reached",
            Prefetch("events", queryset=ReportEvent.objects.order_by("at", "id")),
            "figures__target__indicator",
            "attachments",
        )
        .filter(pk=pk)
        .first()
    )


def supporters_of(user: Any, report: ProgressReport) -> list[ProgressReport]:
    """For a lead report: the supporters' reports of the same task and period that the user may read."""
    if report.role != ProgressReport.Role.LEAD:
        return []
    return list(
        reports_visible_to(user)
        .filter(period=report.period_id, task=report.task_id, lead_department=report.department_id)
        .select_related("department")
        .prefetch_related("figures__target", "attachments", "milestones_reached")
        .order_by("department__sort_order")
    )


ABOUT_REPORT = ProgressReport._meta.label_lower
ABOUT_PERIOD = ReportingPeriod._meta.label_lower
ABOUT_TYPES = frozenset({ABOUT_REPORT, ABOUT_PERIOD})
Kind = Message.Kind


def _of(about_type: str, queryset: QuerySet, field: str, output: Any) -> Case:
    """A field of the record a message is about, when it is about a record of that type (NULL otherwise: the
    same id may be a report's and a period's)."""
    found = Subquery(queryset.filter(pk=OuterRef("about_id")).values(field)[:1], output_field=output)
    return Case(When(about_type=about_type, then=found), default=Value(None), output_field=output)


def messages_for(user: Any) -> QuerySet[Message]:
    """The user's messages about supervision records (the message centre seen from this module), each flagged
    `needs_action` (message_needs_action) and carrying what the page shows and filters on: the period's code (and
    its year and quarter, for its label), the report's state, task, department and due date."""
    reports, periods = ProgressReport.objects.all(), ReportingPeriod.objects.all()

    def of_period(field: str, output: Any) -> Case:
        return Case(
            When(
                about_type=ABOUT_REPORT,
                then=Subquery(reports.filter(pk=OuterRef("about_id")).values(f"period__{field}")[:1]),
            ),
            When(about_type=ABOUT_PERIOD, then=Subquery(periods.filter(pk=OuterRef("about_id")).values(field)[:1])),
            default=Value(None),
            output_field=output,
        )

    return centre.with_needs_action(centre.inbox(user).filter(about_type__in=sorted(ABOUT_TYPES))).annotate(
        period_code=of_period("code", CharField()),
        # The year and quarter make the period's label (quarter_label), which is what the page shows.
        period_year=of_period("year", IntegerField()),
        period_quarter=of_period("quarter", IntegerField()),
        report_state=_of(ABOUT_REPORT, reports, "state", CharField()),
        task_number=_of(ABOUT_REPORT, reports, "task__number", IntegerField()),
        department_code=_of(ABOUT_REPORT, reports, "department__code", CharField()),
        due_date=_of(ABOUT_REPORT, reports, "due_date", DateField()),
    )


def message_needs_action() -> tuple[frozenset[str], Q]:
    """A message still asks its reader to act while its period is open and what it reported is still pending —
    a report handed on but not yet consolidated or reviewed, a returned report not yet resubmitted, or a reminder
    while the reader's department still has reports to write in that period. Everything else (acceptances,
    reports already handled, closed periods) is stale: kept for the record, out of the default view.
    (The registry hook `message_needs_action`: a condition on core.Message.)"""
    report = ProgressReport.objects.filter(pk=OuterRef("about_id"), period__state=ReportingPeriod.State.OPEN)
    waiting = report.filter(Q(state=State.WITH_BUREAU) | Q(state=State.WITH_LEAD, consolidated_into__isnull=True))
    outstanding = ProgressReport.objects.filter(
        period=OuterRef("about_id"),
        period__state=ReportingPeriod.State.OPEN,
        department=OuterRef("user__org_unit"),
        state__in=(State.DRAFT, State.RETURNED),
    )
    rule = (
        (Q(about_type=ABOUT_REPORT, kind=Kind.REVIEW) & Exists(waiting))
        | (Q(about_type=ABOUT_REPORT, kind=Kind.RETURNED) & Exists(report.filter(state=State.RETURNED)))
        | (Q(about_type=ABOUT_PERIOD, kind__in=(Kind.DEADLINE, Kind.OVERDUE)) & Exists(outstanding))
    )
    return ABOUT_TYPES, rule


def export_data(user: Any, policy: Policy, period: ReportingPeriod, today: dt.date) -> dict[str, Any]:
    """Everything the consolidated period report (PDF and Excel) shows, grouped by section and task."""
    statuses = task_statuses(policy, period, today)
    reports = list(
        reports_visible_to(user)
        .filter(period=period)
        .select_related("task", "department", "lead_department")
        .prefetch_related("figures__target")
        .order_by("task__number", "role", "department__sort_order")
    )
    by_task: dict[int, list[ProgressReport]] = defaultdict(list)
    for r in reports:
        r.cell = cell_status(r.state, r.due_date, today)
        by_task[r.task_id].append(r)
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for m in Milestone.objects.filter(task__policy=policy).select_related("department"):
        milestones[m.task_id].append(m)
    sections = []
    for section in policy.sections.prefetch_related(
        Prefetch(
            "tasks",
            queryset=Task.objects.prefetch_related(
                Prefetch("task_departments", queryset=TaskDepartment.objects.select_related("department"))
            ),
        )
    ):
        items = []
        for task in section.tasks.all():
            task_reports = by_task.get(task.pk, [])
            items.append(
                {
                    "task": task,
                    "status": statuses.get(task.pk),
                    "lead_reports": [r for r in task_reports if r.role == ProgressReport.Role.LEAD],
                    "support_reports": [r for r in task_reports if r.role == ProgressReport.Role.SUPPORT],
                    "milestones": milestones.get(task.pk, []),
                    "overdue_milestones": [m for m in milestones.get(task.pk, []) if m.is_overdue(today)],
                }
            )
        sections.append({"section": section, "tasks": items})
    overdue = [r for r in reports if r.cell == "overdue"]
    late = [r for r in reports if r.was_late]
    return {
        "sections": sections,
        "summary": period_summary(user, policy, period, today, statuses),
        "overdue": overdue,
        "late": late,
        "statuses": statuses,
        "reports": reports,
    }


def may_open_department(user: Any, department_id: int) -> bool:
    """A department's page (what it owes) opens for every reader but a district officer, and for a department
    officer only on their own department."""
    if user.role == Role.DISTRICT_OFFICER:
        return False
    return user.role != Role.DEPARTMENT_OFFICER or user.org_unit_id == department_id


def openable_departments(user: Any, department_ids: Any) -> set[int]:
    """Of `department_ids`, those whose page the user may open (may_open_department): the boards link only those."""
    return {pk for pk in department_ids if may_open_department(user, pk)}
