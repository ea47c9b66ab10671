"""The supervision part of the leaders' briefing (指标监测简报), through core.registry.briefing_digests.

Monthly: the reports due in the month, what is overdue now, the tasks delayed. Quarterly: the same for the
quarter, plus the quarter's period summary and task progress by lead department. In the reader's language, as the
rest of the briefing (the Chinese is the bureau's official wording)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.utils.translation import pgettext

from kechuang.core.registry import BriefingDigest, BriefingTable
from kechuang.policy.models import Policy, TaskDepartment
from kechuang.supervision import selectors
from kechuang.supervision.models import ProgressReport, ReportingPeriod
from kechuang.supervision.status import DELAYED, DONE, NOT_STARTED, ON_TRACK

State = ProgressReport.State
NAMED = 4  # tasks named in a sentence before "等" (and others)


def _window(cadence: str) -> str:
    if cadence == "monthly":
        return pgettext("supervision briefing", "this month")
    return (
        pgettext("supervision briefing", "this quarter")
        if cadence == "quarterly"
        else pgettext("supervision briefing", "this period")
    )


def _role(role: str) -> str:
    return {
        "lead": pgettext("supervision briefing", "lead"),
        "support": pgettext("supervision briefing", "supporting"),
    }.get(role, role)


def _tasks_named(numbers: list[int]) -> str:
    shown = pgettext("supervision briefing", ", ").join(str(n) for n in numbers[:NAMED])
    if len(numbers) > NAMED:
        return pgettext("supervision briefing", "tasks %(numbers)s and others") % {"numbers": shown}
    return pgettext("supervision briefing", "tasks %(numbers)s") % {"numbers": shown}


def _quarter_period(policy: Policy, end: dt.date) -> ReportingPeriod | None:
    return selectors.periods(policy).filter(year=end.year, quarter=(end.month - 1) // 3 + 1).first()


def digest(
    user: Any, policy: Policy, *, cadence: str, start: dt.date, end: dt.date, today: dt.date
) -> BriefingDigest | None:
    word = _window(cadence)
    visible = selectors.reports_visible_to(user).filter(period__policy=policy)
    due = list(
        visible.filter(due_date__range=(start, end))
        .select_related("task", "department")
        .order_by("due_date", "task__number", "role")
    )
    overdue = list(
        visible.filter(
            state__in=(State.DRAFT, State.RETURNED),
            due_date__lt=today,
            period__state=ReportingPeriod.State.OPEN,
        )
        .select_related("task", "department", "period")
        .order_by("due_date", "task__number", "role")
    )
    headlines = []
    if due:
        handed = [r for r in due if r.state not in (State.DRAFT, State.RETURNED)]
        late = [r for r in handed if r.was_late]
        missing = [r for r in due if r.state in (State.DRAFT, State.RETURNED) and r.due_date < today]
        sentence = pgettext(
            "supervision briefing", "Supervision reports due %(window)s: %(due)s, %(handed)s handed in"
        ) % {
            "window": word,
            "due": len(due),
            "handed": len(handed),
        }
        sentence += pgettext("supervision briefing", " (%(n)s of them late)") % {"n": len(late)} if late else ""
        waiting = [r for r in due if r.state in (State.DRAFT, State.RETURNED) and r.due_date >= today]
        sentence += pgettext("supervision briefing", ", %(n)s overdue") % {"n": len(missing)} if missing else ""
        sentence += pgettext("supervision briefing", ", %(n)s not yet due") % {"n": len(waiting)} if waiting else ""
        sentence += (
            pgettext("supervision briefing", ".")
            if missing or waiting
            else pgettext("supervision briefing", ", every one of them.")
        )
        headlines.append(sentence)
    else:
        headlines.append(
            pgettext("supervision briefing", "No supervision report falls due %(window)s.") % {"window": word}
        )

    period = _quarter_period(policy, end) if cadence == "quarterly" else selectors.current_period(policy)
    statuses = selectors.task_statuses(policy, period, today) if period is not None else {}
    tasks = {t.pk: t for t in policy.tasks.all()}
    delayed = sorted(tasks[pk].number for pk, s in statuses.items() if s.status == DELAYED and pk in tasks)
    if overdue or delayed:
        parts = []
        if overdue:
            numbers = sorted({r.task.number for r in overdue})
            parts.append(
                pgettext("supervision briefing", "Supervision reports overdue now: %(n)s (%(tasks)s)")
                % {"n": len(overdue), "tasks": _tasks_named(numbers)}
            )
        if delayed:
            parts.append(
                pgettext("supervision briefing", "tasks delayed: %(n)s (%(tasks)s)")
                % {"n": len(delayed), "tasks": _tasks_named(delayed)}
            )
        headlines.append(pgettext("supervision briefing", "; ").join(parts) + pgettext("supervision briefing", "."))
    else:
        headlines.append(
            pgettext("supervision briefing", "No supervision report is overdue now and no task is delayed.")
        )

    tables = [
        BriefingTable(
            caption=pgettext("supervision briefing", "Overdue supervision reports"),
            headers=[
                pgettext("supervision briefing", "Period"),
                pgettext("supervision briefing", "Task"),
                pgettext("supervision briefing", "Department"),
                pgettext("supervision briefing", "Role"),
                pgettext("supervision briefing", "Due date"),
                pgettext("supervision briefing", "Days overdue"),
            ],
            rows=[
                [
                    r.period.label,
                    f"{r.task.number}. {r.task.title}",
                    str(r.department),
                    _role(r.role),
                    r.due_date.isoformat(),
                    (today - r.due_date).days,
                ]
                for r in overdue
            ],
            note=pgettext("supervision briefing", "None.") if not overdue else "",
        )
    ]
    if cadence == "monthly":
        tables.append(
            BriefingTable(
                caption=pgettext("supervision briefing", "Supervision reports due %(window)s") % {"window": word},
                headers=[
                    pgettext("supervision briefing", "Task"),
                    pgettext("supervision briefing", "Department"),
                    pgettext("supervision briefing", "Role"),
                    pgettext("supervision briefing", "Due date"),
                    pgettext("supervision briefing", "State"),
                    pgettext("supervision briefing", "Handed in on"),
                ],
                rows=[
                    [
                        f"{r.task.number}. {r.task.title}",
                        str(r.department),
                        _role(r.role),
                        r.due_date.isoformat(),
                        r.get_state_display(),
                        r.first_submitted_at.date().isoformat() if r.first_submitted_at else "—",
                    ]
                    for r in due
                ],
                note=pgettext("supervision briefing", "None.") if not due else "",
            )
        )
    else:
        tables.append(_by_department(policy, statuses, due))
        if period is not None:
            summary = selectors.period_summary(user, policy, period, today, statuses)
            tables.append(
                BriefingTable(
                    caption=pgettext("supervision briefing", "Supervision summary of %(period)s")
                    % {"period": period.label},
                    headers=[
                        pgettext("supervision briefing", "Due"),
                        pgettext("supervision briefing", "Handed in"),
                        pgettext("supervision briefing", "Share handed in"),
                        pgettext("supervision briefing", "Accepted"),
                        pgettext("supervision briefing", "Overdue"),
                        pgettext("supervision briefing", "Tasks delayed"),
                    ],
                    rows=[
                        [
                            summary.total,
                            summary.handed_on,
                            f"{summary.submission_rate}%",
                            summary.accepted,
                            summary.overdue,
                            summary.delayed_tasks,
                        ]
                    ],
                )
            )
    return BriefingDigest(
        heading=pgettext("supervision briefing", "Supervision %(window)s") % {"window": word},
        headlines=headlines,
        tables=tables,
    )


def _by_department(policy: Policy, statuses: dict[int, Any], due: list[ProgressReport]) -> BriefingTable:
    """Task progress by lead department (a task counts once for each department leading it)."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for link in TaskDepartment.objects.filter(task__policy=policy, role="lead").values("department_id", "task_id"):
        status = statuses.get(link["task_id"])
        counts[link["department_id"]][status.status if status else NOT_STARTED] += 1
    handed: dict[int, Counter] = defaultdict(Counter)
    for r in due:
        handed[r.department_id]["due"] += 1
        handed[r.department_id]["handed"] += r.state not in (State.DRAFT, State.RETURNED)
    rows = []
    for department in selectors.policy_departments(policy):
        c, h = counts.get(department.pk, Counter()), handed.get(department.pk, Counter())
        if not c and not h:
            continue
        rows.append(
            [
                str(department),
                sum(c.values()),
                c[DONE],
                c[ON_TRACK],
                c[DELAYED],
                c[NOT_STARTED],
                f"{h['handed']}/{h['due']}" if h["due"] else "—",
            ]
        )
    return BriefingTable(
        caption=pgettext("supervision briefing", "Task progress by lead department"),
        headers=[
            pgettext("supervision briefing", "Department"),
            pgettext("supervision briefing", "Tasks led"),
            pgettext("supervision briefing", "Done"),
            pgettext("supervision briefing", "On track"),
            pgettext("supervision briefing", "Delayed"),
            pgettext("supervision briefing", "Not started"),
            pgettext("supervision briefing", "Reports of the quarter handed in / due"),
        ],
        rows=rows,
        note=pgettext(
            "supervision briefing",
            "A task's state follows from its milestones and the quarter's reports: a milestone past due and not "
            "done, or a report overdue, makes it delayed.",
        ),
    )
