"""Demo data for `load_demo`: three years of calls (guide-based and 揭榜挂帅 open calls, horse races and cabinet
projects), their applications, projects with task books, goals, money, monitoring and evaluations; a 风险补偿 pool
with its loans; 一事一议 decisions; the 包干制 negative list. Linked to the demo enterprise register by credit code
and, for open calls, to the technology market's demands (read through core.registry). Idempotent; dates follow today.
`DEMO_SIZE` is the number of calls per year (tests/demo_site.py loads a small one)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from kechuang.core import registry
from kechuang.core.demo import city_demo_data
from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import Role
from kechuang.projects import services
from kechuang.projects.engine import rules as engine
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
    Expense,
    Milestone,
    MonitoringReport,
    NegativeListItem,
    PerformanceGoal,
    PoolLoan,
    Project,
    RiskPool,
    TeamMember,
)

DEMO_SIZE = 8  # calls per year

# The 包干制 negative list (国办发〔2021〕32号 and the provincial pilot: what lump-sum research money may not buy).
NEGATIVE_LIST = (
    ("N1", "购置与科研无关的车辆、房产", "购车,车辆购置,房产,购房", "国办发〔2021〕32号"),
    ("N2", "支付罚款、捐款、赞助、投资", "罚款,捐款,赞助,对外投资", "国办发〔2021〕32号"),
    ("N3", "发放与科研无关的福利、奖金", "福利,年终奖,过节费", "国办发〔2021〕32号"),
    ("N4", "列支应由个人负担的费用", "个人消费,家庭,私人", "国办发〔2021〕32号"),
    ("N5", "宴请、高档消费和娱乐", "宴请,娱乐,高档消费,礼品", "国办发〔2021〕32号"),
)
PROBLEMS = (
    ("高性能{m}关键制备技术", "突破{m}规模化制备工艺，关键性能指标达到国际先进水平"),
    ("{m}智能产线工艺优化", "面向{m}生产线开展工艺数字化与智能控制，提高良品率"),
    ("{m}国产化替代攻关", "解决{m}核心部件依赖进口问题，实现自主可控"),
    ("{m}绿色低碳技术", "降低{m}生产能耗与排放，形成可推广的清洁生产方案"),
)
MATERIALS = ("含氟功能膜", "先进陶瓷", "高端医药中间体", "新能源电池材料", "精细化工催化剂", "高性能玻纤", "生物基材料")
TARGETS = (
    "关键性能指标提升30%以上；形成中试线1条；申请发明专利不少于3件",
    "产品良品率达到98%；单位能耗下降15%；制定企业标准1项",
    "核心部件国产化率达到90%；完成用户验证；实现销售收入2000万元",
)
GOALS = (
    ("output", "数量", "申请发明专利", Decimal(3), "件", "ge", Decimal(30)),
    ("output", "质量", "关键性能指标提升", Decimal(30), "%", "ge", Decimal(30)),
    ("benefit", "经济", "新增销售收入", Decimal(2000), "万元", "ge", Decimal(25)),
    ("satisfaction", "服务对象满意度", "需求方满意度", Decimal(90), "%", "ge", Decimal(15)),
)
BANKS = ("中国银行", "中国工商银行", "中国建设银行", "中国农业银行", "交通银行", "齐商银行")
SCIENTISTS = ("王海涛", "李建华", "张立新", "刘晓东", "陈志强", "杨光明", "赵文博", "孙永康")
# Universities and institutes the firms' teams work with: the city's real partners come from its demo file
# (data/demo/<city code>.yaml, `partners:`); these generic names serve a city without one.
PARTNERS = ("理工大学", "化工研究院", "材料研究所", "职业技术学院")


def _short(name: str) -> str:
    """A firm's name as a team list writes it (without 有限公司 and its number), not a cut at eight characters."""
    return name.split("（")[0].removesuffix("有限公司").removesuffix("股份")


def _reader() -> User:
    """An unsaved bureau identity to read other modules' demo data through core.registry."""
    return User(username="demo-loader", role=Role.BUREAU_STAFF, is_active=True)


def _enterprises(city: OrgUnit, regions: list[OrgUnit]) -> list[tuple[str, str, OrgUnit]]:
    """Register firms, interleaved region by region (so every district has its own applications and projects)."""
    from kechuang.enterprises.models import Enterprise

    per_region = [
        [(e.credit_code, e.name, e.region) for e in Enterprise.objects.filter(region=r).order_by("credit_code")[:12]]
        for r in regions
    ]
    per_region = [firms for firms in per_region if firms]
    found = []
    for n in range(max((len(f) for f in per_region), default=0)):
        found.extend(firms[n] for firms in per_region if n < len(firms))
    return found


def load_demo(city: OrgUnit) -> str:
    services.rules_seed()
    for code, text, words, source in NEGATIVE_LIST:
        NegativeListItem.objects.get_or_create(code=code, defaults={"text": text, "keywords": words, "source": source})
    if Call.objects.filter(is_demo=True).exists():
        return f"projects: {Call.objects.count()} calls, {Project.objects.count()} projects (already loaded)"
    rng = random.Random(17)  # nosec B311  # seeded pseudo-random demo data, never for secrets
    today = timezone.localdate()
    regions = list(OrgUnit.objects.regions().filter(is_active=True).order_by("sort_order", "id"))
    firms = _enterprises(city, regions)
    if not regions or len(firms) < 4:
        return "projects: no regions or enterprises to link to"
    science = OrgUnit.objects.departments().order_by("sort_order", "id").first()
    partners = tuple(city_demo_data(Path(__file__).resolve().parent, city).get("partners") or PARTNERS)
    demands = registry.technology_demands(_reader(), limit=200)
    params = services.rule_params()
    n_projects = 0
    turns = {"owner": 5, "winner": 0, "other": 3}

    def next_firm(role: str = "owner") -> tuple[str, str, OrgUnit]:
        """Owners, winning applicants and the others each take their turn over the regions, so every region
        soon has its projects (the winners come first region by region)."""
        firm = firms[turns[role] % len(firms)]
        turns[role] += 1
        return firm

    for age in (2, 1, 0):
        year = today.year - age
        for i in range(DEMO_SIZE):
            challenge = i % 2 == 0
            mode = ("open_call", "horse_race", "cabinet", "open_call")[(i // 2) % 4] if challenge else "guide"
            material = MATERIALS[(i + age) % len(MATERIALS)]
            title, problem = PROBLEMS[i % len(PROBLEMS)]
            owner_code, owner_name, owner_region = next_firm()
            demand = demands[(i + 3 * age) % len(demands)] if challenge and demands else None
            published = dt.date(year, 3, 1) + dt.timedelta(days=7 * i)
            if age == 0 and i == DEMO_SIZE - 1:
                state = "demand_collected"
            elif age == 0 and i == DEMO_SIZE - 2:
                state = "under_argumentation"
            elif age == 0 and i in (0, 1):
                state = "open"
            else:
                state = "closed"
            call = Call.objects.create(
                code=f"C{year}-{i + 1:04d}",
                kind="challenge" if challenge else "guide",
                mode=mode,
                plan=("key_rd", "industry", "transfer", "talent")[i % 4] if mode != "cabinet" else "key_rd",
                year=year,
                title=(demand.title if demand else title.format(m=material))[:200],
                problem=(demand.description if demand else problem.format(m=material)),
                hard_targets=TARGETS[i % len(TARGETS)],
                deliverables="样机或中试产品、检测报告、知识产权、技术总结报告",
                deadline=dt.date(year + 2, 12, 31),
                application_deadline=(today + dt.timedelta(days=30))
                if state == "open"
                else published + dt.timedelta(days=45),
                funding_ceiling_wan=Decimal(200 + 100 * (i % 4)) if challenge else Decimal(100),
                eligibility="注册在本市、具有独立法人资格的企业、高校、科研院所及其联合体",
                co_funding="揭榜方自筹不低于财政资金的1倍" if challenge else "",
                owner_name=demand.enterprise_name if demand else owner_name,
                owner_credit_code=demand.credit_code if demand and demand.credit_code else owner_code,
                region=owner_region,
                demand_id=demand.id if demand else None,
                demand_title=(demand.title[:200] if demand else ""),
                state=state,
                published_on=published if state in ("open", "closed") else None,
                is_demo=True,
            )
            if state in ("demand_collected",):
                continue
            for party, who in (
                ("department", "市工业和信息化局"),
                ("university", f"{partners[i % len(partners)]}专家组"),
                ("investor", "市科创投资基金"),
            ):
                Argumentation.objects.create(
                    call=call,
                    party=party,
                    participant=who,
                    opinion="需求明确、指标可考核，建议发布。",
                    held_on=published - dt.timedelta(days=20),
                )
            if state == "under_argumentation":
                continue
            n_apps = 3 if mode == "horse_race" else 2
            winners = 2 if mode == "horse_race" else 1
            for k in range(n_apps):
                approved = state == "closed" and k < winners
                code, name, region = next_firm("winner" if approved else "other")
                evaluated = Project.objects.filter(is_demo=True, evaluations__isnull=False).order_by("id")
                if state == "open" and k == 0 and evaluated.exists():
                    # a firm with an evaluated project applies again: its review shows the past grade
                    earlier = evaluated[i % evaluated.count()]
                    code, name, region = earlier.credit_code, earlier.lead_unit, earlier.region
                app = Application.objects.create(
                    call=call,
                    applicant=name,
                    credit_code=code,
                    region=region,
                    project_title=call.title[:60],
                    approach="产学研联合攻关：小试—中试—示范应用三步走。",
                    chief_scientist=SCIENTISTS[(i + k) % len(SCIENTISTS)],
                    team="；".join(f"{_short(name)}、{partners[(i + j) % len(partners)]}" for j in range(2)),
                    requested_wan=call.funding_ceiling_wan,
                    self_raised_wan=call.funding_ceiling_wan,
                    state="approved" if approved else ("submitted" if state == "open" else "rejected"),
                    submitted_on=published + dt.timedelta(days=20 + k),
                    is_demo=True,
                )
                if approved:
                    _project(call, app, k, age, year, today, rng, params, science, partners)
                    n_projects += 1
    _every_region_corrects(today, params)
    _reviews(firms, regions, today)
    _pool(city, regions, firms, today, rng, params)
    _decisions(firms, today)
    return f"projects: {Call.objects.count()} calls, {n_projects} projects, {PoolLoan.objects.count()} pool loans"


def _every_region_corrects(today: dt.date, params: dict) -> None:
    """A region whose monitoring found nothing to correct still shows the follow-up: its latest report of a running
    project orders one (open, so its officers and firm have something to answer)."""
    for region_id in Project.objects.values_list("region", flat=True).distinct():
        if Correction.objects.filter(project__region=region_id).exists():
            continue
        report = (
            MonitoringReport.objects.filter(project__region=region_id, project__state="in_progress", action="none")
            .order_by("-reported_on", "-id")
            .first()
        )
        if report is None:  # a judged project's report: the order was closed
            report = (
                MonitoringReport.objects.filter(project__region=region_id, action="none")
                .select_related("project")
                .order_by("-reported_on", "-id")
                .first()
            )
            if report is not None:
                report.action = "correct"
                report.save(update_fields=["action"])
                _correction(report, report.project.state, today, params)
                continue
        if report is None:  # no report yet: the region's first running project files one now
            project = Project.objects.filter(region=region_id, state="in_progress").order_by("id").first()
            if project is None:
                continue
            report = MonitoringReport.objects.create(
                project=project,
                period=f"{today.year}-H{1 if today.month <= 6 else 2}",
                reported_on=today - dt.timedelta(days=40),
                progress="部分指标进度滞后。",
                budget_execution=Decimal(20),
                planned_execution=Decimal(50),
                deviation=engine.deviation(Decimal(20), Decimal(50)),
                warning=engine.is_warning(Decimal(20), Decimal(50), params),
            )
        report.action = "correct"
        report.save(update_fields=["action"])
        _correction(report, "in_progress_open", today, params)


def _correction(report: MonitoringReport, state: str, today: dt.date, params: dict) -> None:
    """The follow-up of a demo correction order: closed for a judged project; otherwise, by the project's id (not
    the shared random stream, so the other demo data stay as they were), answered, open and overdue, or open."""
    due = report.reported_on + dt.timedelta(days=int(params["correction_days"]))
    order = Correction(
        report=report, project=report.project, requirement="经费执行偏离计划，请说明原因并调整执行进度。",
        ordered_on=report.reported_on, due_on=due,
    )  # fmt: skip
    kind = (
        "closed"
        if state in ("accepted", "acceptance_review", "terminated")
        else ("closed", "responded", "open")[report.project_id % 3]
    )
    order.state = kind  # an open order whose date has passed shows as overdue
    if kind in ("closed", "responded"):
        order.response, order.responded_on = "已调整采购计划，补齐经费支出凭证。", min(due, today)
    if kind == "closed":
        order.verification_note, order.verified_on = "复核通过。", min(due + dt.timedelta(days=7), today)
    order.save()


def _project(call, app, k, age, year, today, rng, params, department, partners) -> Project:
    start = dt.date(year, 6, 1)
    end = dt.date(year + 2, 5, 31)
    lump = call.plan == "talent"
    funding = "post_subsidy" if call.plan == "transfer" else "grant"
    # state by age: two years old → judged; one year → running; this year → task book signed or just approved
    roll = rng.random()
    if age == 2:
        state = "accepted" if roll < 0.8 else ("terminated" if roll < 0.9 else "acceptance_review")
    elif age == 1:
        state = "in_progress" if roll < 0.85 else "suspended"
    else:
        state = "in_progress" if roll < 0.6 else "approved"
    if call.mode == "horse_race" and k == 1 and age >= 1:
        state = "terminated"
    p = Project.objects.create(
        code=f"P{year}-{call.code[-4:]}-{k + 1}",
        title=app.project_title,
        plan=call.plan,
        mode=call.mode,
        funding_mode=funding,
        call=call,
        application=app,
        lead_unit=app.applicant,
        credit_code=app.credit_code,
        region=app.region,
        department=department,
        chief_scientist=app.chief_scientist,
        start_on=start,
        end_on=end,
        state=state,
        lump_sum=lump,
        budget_fiscal_wan=app.requested_wan,
        budget_self_wan=app.self_raised_wan,
        risk_flagged=state == "suspended",
        risk_note="预算执行严重滞后" if state == "suspended" else "",
        ip_declaration="申请发明专利3件，软件著作权1件" if state in ("accepted", "acceptance_review") else "",
        ip_declared_on=end if state in ("accepted", "acceptance_review") else None,
        acceptance_method="owner_test"
        if state == "accepted" and call.kind == "challenge"
        else ("third_party" if state == "accepted" else ""),
        accepted_on=end if state == "accepted" else None,
        use_statement="经费全部用于研究任务，未列支负面清单事项。"
        if lump and state in ("accepted", "acceptance_review")
        else "",
        use_statement_on=end if lump and state in ("accepted", "acceptance_review") else None,
        termination_reason=(
            "第1个里程碑赛马未胜出"
            if call.mode == "horse_race" and state == "terminated"
            else ("关键技术路线不可行，经评估终止" if state == "terminated" else "")
        ),
        is_demo=True,
    )
    if call.mode == "cabinet":
        for j, (who, unit) in enumerate(
            ((app.chief_scientist, app.applicant), ("周明", partners[0]), ("吴磊", partners[1 % len(partners)]))
        ):
            TeamMember.objects.create(project=p, name=who, unit=unit, role="首席科学家" if j == 0 else "骨干")
    # missing goal table on one project in twenty: the performance board shows it
    with_goals = rng.random() > 0.05 or state != "approved"
    if with_goals:
        for level, sub, ind, target, unit, direction, weight in GOALS:
            actual = None
            if state in ("accepted", "terminated", "acceptance_review") or (age == 1 and level == "output"):
                actual = (target * Decimal(str(round(rng.uniform(0.55, 1.2), 2)))).quantize(Decimal("0.01"))
            PerformanceGoal.objects.create(
                project=p,
                level=level,
                sublevel=sub,
                indicator=ind,
                target=target,
                unit=unit,
                direction=direction,
                weight=weight,
                actual=actual,
            )
    done_through = {"approved": 0, "in_progress": 1 + age, "suspended": 1, "acceptance_review": 3, "accepted": 3}.get(
        state, 1
    )
    for seq, (months, share) in enumerate(((8, 30), (16, 40), (23, 30)), start=1):
        due = start + dt.timedelta(days=30 * months)
        if seq <= done_through and due <= today:
            result, reviewed = ("passed" if rng.random() < 0.85 else "conditional"), due + dt.timedelta(days=10)
        else:
            result, reviewed = "pending", None
        Milestone.objects.create(
            project=p,
            seq=seq,
            due_on=due,
            indicators=f"完成第{seq}阶段研发任务与考核指标",
            payment_share=Decimal(share),
            result=result,
            reviewed_on=reviewed,
        )
    if state != "approved" and with_goals:
        # tranche 1 at signing, tranche n+1 once milestone n is passed (paid then), the rest still planned
        amount = p.budget_fiscal_wan
        reached = {m.seq: m for m in p.milestones.all()}
        for t, share in enumerate((Decimal("0.3"), Decimal("0.4"), Decimal("0.3")), start=1):
            if funding == "post_subsidy" and t > 1:
                break
            gate = reached.get(t - 1)
            planned = start + dt.timedelta(days=30) if gate is None else gate.due_on + dt.timedelta(days=15)
            passed = gate is None or gate.result != "pending"
            paid = planned if (passed and planned <= today and state != "terminated") or (t == 1) else None
            Appropriation.objects.create(
                project=p,
                source=("city", "province", "district")[t % 3 if call.kind == "challenge" else 0],
                mode=funding,
                document_no=f"科资〔{planned.year}〕{10 + t}号",
                tranche=t,
                planned_on=planned,
                amount_wan=(amount * share).quantize(Decimal("0.01")),
                paid_on=paid,
            )
    if state in ("in_progress", "suspended", "accepted", "acceptance_review", "terminated") and age >= 1:
        for h, planned in enumerate((Decimal(30), Decimal(60)), start=1):
            report_day = start + dt.timedelta(days=180 * h)
            if report_day > today:
                break
            execution = (planned + Decimal(rng.randint(-35, 10))).max(Decimal(0))
            if state == "suspended" and h == 2:
                execution = planned - Decimal(40)
            report = MonitoringReport.objects.create(
                project=p,
                period=f"{report_day.year}-H{1 if report_day.month <= 6 else 2}",
                reported_on=report_day,
                progress="按任务书推进，阶段性指标基本完成。",
                budget_execution=execution,
                planned_execution=planned,
                deviation=engine.deviation(execution, planned),
                warning=engine.is_warning(execution, planned, params),
                action="suspend"
                if state == "suspended" and h == 2
                else ("correct" if engine.is_warning(execution, planned, params) else "none"),
            )
            if report.action == "correct":
                _correction(report, state, today, params)
        Check.objects.create(
            project=p, held_on=start + dt.timedelta(days=365), result="passed", findings="进度与经费使用总体正常。"
        ) if start + dt.timedelta(days=365) <= today else None
    if state == "in_progress" and age == 1 and rng.random() < 0.3:
        ChangeRequest.objects.create(
            project=p,
            kind="schedule",
            description="受设备到货延迟影响，申请延期3个月。",
            new_end_on=end + dt.timedelta(days=90),
            requested_on=today - dt.timedelta(days=20),
        )
    if lump and state != "approved":
        Expense.objects.create(
            project=p,
            spent_on=start + dt.timedelta(days=60),
            category="设备费",
            description="购置测试仪器",
            amount_wan=(p.budget_fiscal_wan * Decimal("0.2")).quantize(Decimal("0.01")),
        )
    if state in ("accepted", "terminated"):
        rows = [engine.GoalRow(g.indicator, g.target, g.direction, g.weight, g.actual) for g in p.goals.all()]
        score = engine.goal_score(rows)
        grade = engine.grade(score, params)
        use = {"excellent": "priority", "good": "continue", "fair": "reduce", "poor": "stop"}[grade]
        if state == "terminated":
            use = "claw_back" if grade == "poor" else "stop"
        Evaluation.objects.create(
            project=p,
            kind="third_party" if call.kind == "challenge" else "bureau",
            evaluated_on=min(end + dt.timedelta(days=30), today),
            score=score,
            goal_score=score,
            grade=grade,
            grade_rule=engine.grade_rule_text(params),
            findings="目标完成情况与经费使用情况综合评价。",
            result_use=use,
        )
    return p


def _reviews(firms, regions, today) -> None:
    """The expert accounts (if any) have reviewed the approved applications, and one application of an open call,
    from a firm of the first region, waits for their scores."""
    from kechuang.projects.models import ReviewAssignment

    experts = list(User.objects.filter(role=Role.EXPERT, is_active=True).order_by("id"))
    call = Call.objects.filter(is_demo=True, state="open", kind="challenge").order_by("code").first()
    if not experts or call is None:
        return
    for n, app in enumerate(Application.objects.filter(is_demo=True, state="approved").order_by("id")):
        for expert in experts:
            if expert.credit_code and expert.credit_code == app.credit_code:
                continue
            ReviewAssignment.objects.create(
                application=app,
                expert=expert,
                expert_credit_code=expert.credit_code,
                state="scored",
                no_conflict=True,
                score=Decimal(75 + (n * 7) % 20),
                comment="技术路线可行，指标可考核。",
            )
    # One application waiting for the experts: a firm of the first region that has not applied to this call (an
    # application is one per firm and call); none in a city whose first region has no such firm.
    applied = set(Application.objects.filter(call=call).values_list("credit_code", flat=True))
    chosen = next((f for f in firms if f[2] == regions[0] and f[0] not in applied), None)
    if chosen is None:
        return
    code, name, region = chosen
    waiting = Application.objects.create(
        call=call,
        applicant=name,
        credit_code=code,
        region=region,
        project_title=call.title[:60],
        approach="产学研联合攻关：小试—中试—示范应用三步走。",
        chief_scientist=SCIENTISTS[0],
        requested_wan=call.funding_ceiling_wan,
        self_raised_wan=call.funding_ceiling_wan,
        state="expert_review",
        formal_note="形式审查通过",
        submitted_on=today - dt.timedelta(days=10),
        is_demo=True,
    )
    for expert in experts:
        if not expert.credit_code or expert.credit_code != code:
            ReviewAssignment.objects.create(application=waiting, expert=expert, expert_credit_code=expert.credit_code)


def _pool(city, regions, firms, today, rng, params) -> None:
    if RiskPool.objects.exists():
        return
    pool = RiskPool.objects.create(
        name=f"{city.name}科技成果转化贷款风险补偿资金池",
        source="city",
        document_no=f"科资〔{today.year - 2}〕3号",
        capital_wan=Decimal(5000),
        established_on=dt.date(today.year - 2, 1, 15),
    )
    for n in range(24):
        code, name, region = firms[(n * 5) % len(firms)]
        amount = Decimal(rng.choice((100, 200, 300, 500, 800)))
        loan = PoolLoan(
            pool=pool,
            bank=BANKS[n % len(BANKS)],
            borrower=name,
            credit_code=code,
            region=region,
            amount_wan=amount,
            filed_on=dt.date(today.year - 2, 3, 1) + dt.timedelta(days=30 * n),
        )
        if loan.filed_on > today:
            loan.filed_on = today - dt.timedelta(days=n)
        if n % 8 == 3:
            loan.state = "compensated"
            loan.default_principal_wan = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
            loan.claim_wan = engine.pool_claim(loan.default_principal_wan, params)
            loan.compensation_wan, loan.compensated_on = loan.claim_wan, loan.filed_on + dt.timedelta(days=400)
        elif n % 8 == 5:
            loan.state = "claimed"
            loan.default_principal_wan = (amount * Decimal("0.5")).quantize(Decimal("0.01"))
            loan.claim_wan = engine.pool_claim(loan.default_principal_wan, params)
        elif n % 8 == 6:
            loan.state = "defaulted"
            loan.default_principal_wan = (amount * Decimal("0.4")).quantize(Decimal("0.01"))
        elif n < 10:
            loan.state = "repaid"
        loan.save()


def _decisions(firms, today) -> None:
    if CaseDecision.objects.exists():
        return
    for n, (kind, title, amount, share) in enumerate(
        (
            ("equity", "顶尖人才团队项目股权投资", Decimal(3000), Decimal("12.5")),
            ("grant", "重大创新平台建设一事一议支持", Decimal(1500), None),
            ("equity", "种子期科技企业股权投资", Decimal(800), Decimal("8")),
        )
    ):
        code, name, region = firms[(n * 11) % len(firms)]
        CaseDecision.objects.create(
            kind=kind,
            title=title,
            document_no=f"市政府专题会议纪要〔{today.year - 1}〕{n + 5}号",
            decided_on=dt.date(today.year - 1, 4 + n, 10),
            beneficiary=name,
            credit_code=code,
            region=region,
            amount_wan=amount,
            equity_share=share,
        )
