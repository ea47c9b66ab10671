"""The supervision part of the leaders' briefing (指标监测简报), through core.registry.briefing_digests.

Monthly: the reports due in the month, what is overdue now, the tasks delayed. Quarterly: the same for the
quarter, plus the quarter's period summary and task progress by lead department. Written in Chinese, as the
briefing is (an official document of the bureau)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from kechuang.core.registry import BriefingDigest, BriefingTable
from kechuang.policy.models import Policy, TaskDepartment
from kechuang.supervision import selectors
from kechuang.supervision.models import ProgressReport, ReportingPeriod
from kechuang.supervision.status import DELAYED, DONE, NOT_STARTED, ON_TRACK

State = ProgressReport.State
WINDOW_WORD = {"monthly": "本月", "quarterly": "本季度"}
ROLE_WORD = {"lead": "牵头", "support": "配合"}
NAMED = 4  # tasks named in a sentence before "等"


def _tasks_named(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:NAMED])
    return f"任务{shown}{'等' if len(numbers) > NAMED else ''}"


def _quarter_period(policy: Policy, end: dt.date) -> ReportingPeriod | None:
    return selectors.periods(policy).filter(year=end.year, quarter=(end.month - 1) // 3 + 1).first()


def digest(
    user: Any, policy: Policy, *, cadence: str, start: dt.date, end: dt.date, today: dt.date
) -> BriefingDigest | None:
    word = WINDOW_WORD.get(cadence, "本期")
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
        sentence = f"{word}到期的督办报告{len(due)}份，已报送{len(handed)}份"
        sentence += f"（其中逾期报送{len(late)}份）" if late else ""
        waiting = [r for r in due if r.state in (State.DRAFT, State.RETURNED) and r.due_date >= today]
        sentence += f"，逾期未报{len(missing)}份" if missing else ""
        sentence += f"，{len(waiting)}份尚未到截止日期" if waiting else ""
        sentence += "。" if missing or waiting else "，全部报送。"
        headlines.append(sentence)
    else:
        headlines.append(f"{word}没有到期的督办报告。")

    period = _quarter_period(policy, end) if cadence == "quarterly" else selectors.current_period(policy)
    statuses = selectors.task_statuses(policy, period, today) if period is not None else {}
    tasks = {t.pk: t for t in policy.tasks.all()}
    delayed = sorted(tasks[pk].number for pk, s in statuses.items() if s.status == DELAYED and pk in tasks)
    if overdue or delayed:
        parts = []
        if overdue:
            numbers = sorted({r.task.number for r in overdue})
            parts.append(f"目前逾期未报的督办报告共{len(overdue)}份（{_tasks_named(numbers)}）")
        if delayed:
            parts.append(f"进度滞后的任务{len(delayed)}项（{_tasks_named(delayed)}）")
        headlines.append("；".join(parts) + "。")
    else:
        headlines.append("目前没有逾期未报的督办报告，也没有进度滞后的任务。")

    tables = [
        BriefingTable(
            caption="逾期未报的督办报告",
            headers=["期次", "任务", "部门", "角色", "截止日期", "逾期天数"],
            rows=[
                [
                    r.period.code,
                    f"{r.task.number}. {r.task.title}",
                    str(r.department),
                    ROLE_WORD.get(r.role, r.role),
                    r.due_date.isoformat(),
                    (today - r.due_date).days,
                ]
                for r in overdue
            ],
            note="无。" if not overdue else "",
        )
    ]
    if cadence == "monthly":
        tables.append(
            BriefingTable(
                caption=f"{word}到期的督办报告",
                headers=["任务", "部门", "角色", "截止日期", "状态", "报送日期"],
                rows=[
                    [
                        f"{r.task.number}. {r.task.title}",
                        str(r.department),
                        ROLE_WORD.get(r.role, r.role),
                        r.due_date.isoformat(),
                        r.get_state_display(),
                        r.first_submitted_at.date().isoformat() if r.first_submitted_at else "—",
                    ]
                    for r in due
                ],
                note="无。" if not due else "",
            )
        )
    else:
        tables.append(_by_department(policy, statuses, due))
        if period is not None:
            summary = selectors.period_summary(user, policy, period, today, statuses)
            tables.append(
                BriefingTable(
                    caption=f"{period.code}督办汇总",
                    headers=["应报", "已报送", "报送率", "已审核通过", "逾期未报", "进度滞后任务"],
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
    return BriefingDigest(heading=f"{word}督查督办", headlines=headlines, tables=tables)


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
        caption="任务进展（按牵头部门）",
        headers=["部门", "牵头任务", "已完成", "正常推进", "滞后", "未开始", "本季度报告已报送/应报"],
        rows=rows,
        note="任务状态由节点和本季度报告推导：节点逾期未完成或报告逾期未报为滞后。",
    )
