"""Demo data for `load_demo`: milestones, two past reporting periods (some reports late, some returned)
and the current one, across all 16 departments. Idempotent: keyed by period code; dates follow today."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from kechuang.core.models import Message, OrgUnit, User
from kechuang.core.roles import Role
from kechuang.policy.models import Policy, Target, Task
from kechuang.policy.selectors import default_policy
from kechuang.supervision import services
from kechuang.supervision.models import Milestone, ProgressReport, ReportingPeriod
from kechuang.supervision.selectors import ABOUT_TYPES

State = ProgressReport.State
CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}

LEAD_WORK = (
    "{q}季度，{dept}牵头推进“{task}”，召开专题调度会{n}次，会同配合单位逐项梳理年度任务清单，明确责任分工和时间节点。",
    "{q}季度，{dept}围绕“{task}”制定年度工作要点，组织走访企业和高校院所{m}家，协调解决具体问题{n}项。",
    "{q}季度，{dept}印发“{task}”相关配套措施，建立月调度、季通报工作机制，推动各项任务按计划落地。",
)
SUPPORT_WORK = (
    "{q}季度，{dept}按照分工配合推进“{task}”，落实本部门职责范围内的配套措施，向牵头单位报送情况{n}次。",
    "{q}季度，{dept}结合部门职能支持“{task}”，开展政策宣传解读{n}场，服务企业和单位{m}家次。",
)
PROBLEMS = (
    "部分企业研发投入意愿不强，政策知晓度有待提高。",
    "项目储备不足，高质量项目偏少。",
    "跨部门数据共享不够及时，统计口径有待统一。",
    "专业人才短缺，基层工作力量不足。",
)
NEXT_STEPS = (
    "下一步将加强调度督导，确保年度目标任务按期完成。",
    "下一步将强化部门协同，加大政策宣传和精准服务力度。",
    "下一步将建立问题清单和责任清单，逐项跟踪销号。",
)
RETURN_COMMENTS = (
    "请补充量化数据，并说明与年度目标的差距。",
    "配合单位情况未汇总，请补充完善后重新报送。",
    "存在问题和下一步措施过于笼统，请细化。",
)


def _quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _due_dates(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """Lead departments by the 25th of the quarter's last month, supporters five days earlier."""
    last_month = quarter * 3
    return dt.date(year, last_month, 25), dt.date(year, last_month, 20)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def _officers(policy: Policy) -> dict[int, User]:
    """An officer per department: the demo accounts where they exist, else a demo account that cannot log in."""
    departments = OrgUnit.objects.departments().filter(parent=policy.city)
    existing = {
        u.org_unit_id: u
        for u in User.objects.filter(role=Role.DEPARTMENT_OFFICER, org_unit__in=departments, is_active=True).order_by(
            "-username"
        )
    }
    for department in departments:
        if department.pk not in existing:
            user = User(
                username=f"demo_officer_{department.code}",
                role=Role.DEPARTMENT_OFFICER,
                org_unit=department,
                display_name=f"{department.label} 联络员（演示）",
            )
            user.set_unusable_password()
            user.save()
            existing[department.pk] = user
    return existing


def _bureau(policy: Policy) -> User:
    user = User.objects.filter(role=Role.BUREAU_STAFF, is_active=True).order_by("username").first()
    if user is None:
        user = User(username="demo_bureau_staff", role=Role.BUREAU_STAFF, display_name="市科技局 督办（演示）")
        user.set_unusable_password()
        user.save()
    return user


def _milestones(policy: Policy, dates: tuple[dt.date, dt.date, dt.date], bureau: User) -> int:
    created = 0
    for task in policy.tasks.prefetch_related("task_departments__department", "targets"):
        if Milestone.objects.filter(task=task).exists():
            continue
        lead = task.leads()[0]
        numeric = [t for t in task.targets.all() if t.comparator != Target.Comparator.ACHIEVED]
        plan = (
            (f"印发“{task.title}”工作方案", dates[0], []),
            (f"“{task.title}”阶段性任务完成过半", dates[1], numeric[:1]),
            (f"全面完成“{task.title}”年度目标任务", dates[2], numeric),
        )
        for title, due, targets in plan:
            services.milestone_create(
                actor=bureau, task=task, title=title, due_date=due, department=lead, targets=targets
            )
            created += 1
    return created


def _text(rng: random.Random, report: ProgressReport, quarter: int) -> dict[str, str]:
    pool = LEAD_WORK if report.role == ProgressReport.Role.LEAD else SUPPORT_WORK
    return {
        "work_done": rng.choice(pool).format(
            q=f"第{CN_QUARTER[quarter]}",
            dept=report.department,
            task=report.task.title,
            n=rng.randint(2, 6),
            m=rng.randint(8, 40),
        ),
        "problems": rng.choice(PROBLEMS),
        "next_steps": rng.choice(NEXT_STEPS),
    }


def _figures(rng: random.Random, task: Task, share: float) -> dict[int, Decimal]:
    figures = {}
    for target in task.targets.all():
        if target.comparator == Target.Comparator.ACHIEVED or target.value is None:
            continue
        value = target.value * Decimal(str(round(share * rng.uniform(0.9, 1.05), 3)))
        figures[target.pk] = value.quantize(Decimal("1") if target.value >= 10 else Decimal("0.01"))
    return figures


def _run_period(
    policy: Policy,
    year: int,
    quarter: int,
    officers: dict[int, User],
    bureau: User,
    *,
    finished: bool,
    stragglers: int,
) -> ReportingPeriod:
    due, supporters_due = _due_dates(year, quarter)
    period = services.period_open(
        actor=None, policy=policy, year=year, quarter=quarter, due_date=due, supporters_due_date=supporters_due
    )
    rng = random.Random(f"kechuang-supervision-{period.code}")  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    share = min(1.0, 0.25 * quarter + 0.05)
    reports = list(
        period.reports.select_related("task", "department").prefetch_related("task__targets", "task__milestones")
    )
    by_task: dict[int, list[ProgressReport]] = {}
    for r in reports:
        by_task.setdefault(r.task.number, []).append(r)
    numbers = sorted(by_task)
    # In the latest past period a few departments are still late: they make the boards show something.
    # A policy with few tasks keeps at least one task that reaches the bureau.
    late = min(stragglers, len(numbers) - 1)
    silent_leads = set(rng.sample(numbers, late)) if late > 0 else set()
    rest = [n for n in numbers if n not in silent_leads]
    still_returned = set(rng.sample(rest, 1)) if stragglers and rest else set()
    for number in numbers:
        group = by_task[number]
        lead = next(r for r in group if r.role == ProgressReport.Role.LEAD)
        leads = [r for r in group if r.role == ProgressReport.Role.LEAD]
        supporters = [r for r in group if r.role == ProgressReport.Role.SUPPORT]
        for s in supporters:
            if stragglers and number in silent_leads and s is supporters[0]:
                continue  # never submitted: overdue
            late = rng.random() < 0.12
            day = (
                supporters_due + dt.timedelta(days=rng.randint(1, 6))
                if late
                else supporters_due - dt.timedelta(days=rng.randint(0, 8))
            )
            services.report_update(actor=officers[s.department_id], report=s, **_text(rng, s, quarter))
            services.report_submit(actor=officers[s.department_id], report=s, at=_at(day, 10))
        for r in leads:
            if number in silent_leads:
                if r is lead:
                    services.report_update(
                        actor=officers[r.department_id], report=r, work_done="（草稿）本季度工作情况正在汇总中。"
                    )
                continue
            officer = officers[r.department_id]
            reached = [m for m in r.task.milestones.all() if m.due_date <= due and r is lead]
            if number in (5, 12, 19):
                reached = []  # a few tasks miss their milestones: they show as delayed
            services.report_update(
                actor=officer,
                report=r,
                **_text(rng, r, quarter),
                figures=_figures(rng, r.task, share) if r is lead else None,
                milestones_reached=reached,
            )
            late = rng.random() < 0.12
            day = due + dt.timedelta(days=rng.randint(1, 7)) if late else due - dt.timedelta(days=rng.randint(0, 4))
            services.report_consolidate(actor=officer, report=r, at=_at(day, 16))
            returned = rng.random() < 0.12 or number in still_returned
            if returned:
                back = day + dt.timedelta(days=2)
                services.report_return(actor=bureau, report=r, comment=rng.choice(RETURN_COMMENTS), at=_at(back, 9))
                if number in still_returned and r is lead:
                    continue
                r.refresh_from_db()
                services.report_update(actor=officer, report=r, figures_text="已按要求补充量化数据和配合单位工作情况。")
                day = back + dt.timedelta(days=rng.randint(1, 4))
                services.report_consolidate(actor=officer, report=r, at=_at(day, 15))
            if finished or rng.random() < 0.8:
                services.report_accept(actor=bureau, report=r, at=_at(day + dt.timedelta(days=rng.randint(1, 5)), 11))
    if finished:
        services.period_close(actor=bureau, period=period)
    return period


def _current_period(policy: Policy, year: int, quarter: int, officers: dict[int, User]) -> ReportingPeriod:
    """The open period: most reports still to write, a few supporters already done."""
    due, supporters_due = _due_dates(year, quarter)
    period = services.period_open(
        actor=None, policy=policy, year=year, quarter=quarter, due_date=due, supporters_due_date=supporters_due
    )
    rng = random.Random(f"kechuang-supervision-{period.code}")  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    now = timezone.now()
    for r in period.reports.select_related("task", "department").filter(role=ProgressReport.Role.SUPPORT):
        # 市教育局 keeps its reports open, so the walk-through (README) can start from a draft.
        if r.department.code == "education" or rng.random() > 0.3:
            continue
        services.report_update(actor=officers[r.department_id], report=r, **_text(rng, r, quarter))
        services.report_submit(actor=officers[r.department_id], report=r, at=min(now, _at(supporters_due, 9)))
    return period


def load_demo(city: OrgUnit) -> str:
    policy = default_policy()
    if policy is None or policy.city_id != city.pk:
        return "supervision: no policy"
    today = timezone.localdate()
    officers = _officers(policy)
    bureau = _bureau(policy)
    current = _quarter_of(today)
    last = _previous(*current)
    before = _previous(*last)
    milestone_dates = (
        _due_dates(*before)[0] - dt.timedelta(days=45),
        _due_dates(*last)[0] - dt.timedelta(days=15),
        _due_dates(*current)[0] + dt.timedelta(days=180),
    )
    first_new_message = (Message.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    milestones = _milestones(policy, milestone_dates, bureau)
    opened = []
    for (year, quarter), kind in ((before, "finished"), (last, "stragglers"), (current, "current")):
        if ReportingPeriod.objects.filter(policy=policy, code=f"{year}-Q{quarter}").exists():
            continue
        if kind == "current":
            period = _current_period(policy, year, quarter, officers)
        else:
            period = _run_period(
                policy,
                year,
                quarter,
                officers,
                bureau,
                finished=kind == "finished",
                stragglers=2 * (kind != "finished"),
            )
        opened.append(period.code)
    # Demo history should not flood the demo accounts' inboxes, nor be mailed or texted to anyone: it is marked
    # read and delivered before the demo's transaction commits, when the message centre would deliver it.
    if opened:
        now = timezone.now()
        Message.objects.filter(id__gte=first_new_message, about_type__in=sorted(ABOUT_TYPES)).update(
            read_at=now, emailed_at=now, texted_at=now
        )
    return f"{milestones} milestones and {len(opened)} reporting periods created ({', '.join(opened) or 'none new'})"
