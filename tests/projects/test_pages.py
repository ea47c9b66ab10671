"""The acceptance path tried through the pages, as its users would (issue 17): the bureau publishes an open call
taken from a technology-market demand; an enterprise applies; the assigned expert scores; the bureau approves with
goals and funds; a milestone and a monitoring report; accepted and evaluated; the grade shows on the enterprise's
next application. Then the lists' scope, filters and exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from kechuang.enterprises.models import Enterprise
from kechuang.projects import services
from kechuang.projects.models import Application, Call, Project, ReviewAssignment
from tests.projects.conftest import FIRM_A, FIRM_C, GOALS, UNIVERSITY, apply, approved_project, make_expert

pytestmark = pytest.mark.django_db


def goal_fields() -> dict[str, str]:
    out = {}
    for n, g in enumerate(GOALS):
        out.update({f"goal-{n}-{k}": str(v) for k, v in g.items()})
    return out


def test_acceptance_path(client_as, persona, unit):
    from kechuang.techmarket.models import Demand

    Enterprise.objects.create(credit_code=FIRM_A, name="膜科技有限公司", region=unit("zhangdian"))
    for name in ("enterprise_admin",):
        user = persona(name)
        user.credit_code, user.organisation = FIRM_A, "膜科技有限公司"
        user.save()
    expert = persona("expert")
    expert.credit_code = UNIVERSITY
    expert.save()
    demand = Demand.objects.create(
        enterprise_name="需求企业",
        credit_code=FIRM_C,
        region=unit("zichuan"),
        title="陶瓷膜过滤精度提升",
        description="现有陶瓷膜过滤精度不足，需突破0.1微米",
        cooperation_mode="joint",
        status="published",
        budget_max_wan=Decimal(300),
        deadline=dt.date(2028, 6, 30),
    )
    # the bureau: an open call from the demand, argued, published, opened
    bureau = client_as("bureau_staff")
    r = bureau.post(
        reverse("projects:call_create"),
        {
            "demand": demand.pk,
            "kind": "challenge",
            "mode": "open_call",
            "plan": "industry",
            "year": "2026",
            "hard_targets": "过滤精度≤0.1μm；通量≥200 LMH",
            "deliverables": "中试线",
            "application_deadline": "2099-12-31",
        },
    )
    call = Call.objects.get(demand_id=demand.pk)
    assert r.status_code == 302 and call.title == demand.title and call.funding_ceiling_wan == Decimal(300)
    action = reverse("projects:call_action", args=[call.pk])
    bureau.post(action, {"do": "step", "action": "argue"})
    for party in ("university", "investor"):
        bureau.post(
            action, {"do": "argue", "party": party, "participant": "论证专家", "opinion": "同意", "supports": "1"}
        )
    bureau.post(action, {"do": "step", "action": "publish"})
    bureau.post(action, {"do": "step", "action": "open"})
    call.refresh_from_db()
    assert call.state == "open"
    # the enterprise applies for its own firm
    firm = client_as("enterprise_admin")
    assert call.title in firm.get(reverse("projects:portal")).content.decode()
    r = firm.post(
        reverse("projects:portal_apply", args=[call.pk]),
        {
            "project_title": "陶瓷膜精密过滤攻关",
            "requested_wan": "250",
            "self_raised_wan": "300",
            "credit_code": FIRM_C,
        },
    )
    app = Application.objects.get(call=call)
    assert r.status_code == 302 and app.credit_code == FIRM_A and app.region == unit("zhangdian")
    # formal check, assignment, the expert's score with the declaration
    bureau = client_as("bureau_staff")
    app_action = reverse("projects:application_action", args=[app.pk])
    bureau.post(app_action, {"do": "step", "action": "formal_pass"})
    bureau.post(app_action, {"do": "assign", "expert": expert.pk})
    assignment = ReviewAssignment.objects.get(application=app)
    reviewer = client_as("expert")
    assert "陶瓷膜精密过滤攻关" in reviewer.get(reverse("projects:reviews")).content.decode()
    r = reviewer.post(reverse("projects:review", args=[assignment.pk]), {"score": "88", "comment": "可行"})
    assignment.refresh_from_db()
    assert assignment.state == "assigned"  # no declaration: refused
    reviewer.post(reverse("projects:review", args=[assignment.pk]), {"score": "88", "no_conflict": "1"})
    assignment.refresh_from_db()
    assert assignment.state == "scored" and assignment.score == Decimal(88)
    # 公示 and approval with goals and funds
    bureau = client_as("bureau_staff")
    bureau.post(app_action, {"do": "step", "action": "publicize"})
    r = bureau.post(
        app_action,
        {
            "do": "approve",
            "budget_fiscal_wan": "250",
            "funding_mode": "grant",
            "start_on": "2026-01-01",
            "end_on": "2027-12-31",
            **goal_fields(),
        },
    )
    project = Project.objects.get(application=app)
    assert r["Location"] == reverse("projects:project", args=[project.pk]) and project.goals.count() == 3
    act = reverse("projects:project_action", args=[project.pk])
    for due, share in (("2026-06-30", "40"), ("2027-10-31", "60")):
        bureau.post(act, {"do": "milestone", "due_on": due, "indicators": "阶段指标", "payment_share": share})
    bureau.post(act, {"do": "step", "action": "sign_task_book"})
    bureau.post(
        act,
        {
            "do": "appropriation",
            "source": "city",
            "mode": "grant",
            "document_no": "科资〔2026〕8号",
            "planned_on": "2026-02-01",
            "amount_wan": "100",
        },
    )
    tranche = project.appropriations.get()
    bureau.post(act, {"do": "pay", "appropriation": tranche.pk})
    milestone = project.milestones.get(seq=1)
    bureau.post(act, {"do": "milestone_review", "milestone": milestone.pk, "result": "passed", "note": "按期完成"})
    # the district files the monitoring report
    district = client_as("zhangdian_officer")
    district.post(
        act,
        {
            "do": "monitoring",
            "period": "2026-H1",
            "progress": "中试线调试",
            "budget_execution": "35",
            "planned_execution": "40",
        },
    )
    actuals = {"申请发明专利": "3", "新增销售收入": "600", "需求方满意度": "95"}
    for goal in project.goals.all():
        district.post(act, {"do": "actual", "goal": goal.pk, "actual": actuals[goal.indicator]})
    district.post(act, {"do": "ip", "declaration": "发明专利3件"})
    district.post(act, {"do": "step", "action": "request_acceptance"})
    bureau = client_as("bureau_staff")
    bureau.post(act, {"do": "step", "action": "accept", "method": "owner_test", "note": "需求方测试通过"})
    bureau.post(act, {"do": "evaluation", "kind": "third_party", "result_use": "priority", "findings": "目标全部完成"})
    project.refresh_from_db()
    tranche.refresh_from_db()
    assert project.state == "accepted" and tranche.paid_on is not None
    assert project.monitoring.get().deviation == Decimal(-5) and project.milestones.get(seq=1).result == "passed"
    page = bureau.get(reverse("projects:project", args=[project.pk])).content.decode()
    assert "grade-excellent" in page and "100.00" in page  # grade and the goal table's score
    # the next call: the enterprise applies again, and its grade shows in the review
    services.call_step(actor=persona("bureau_staff"), call=call, action="close")
    nxt = Call.objects.create(
        code="C2027-0009",
        kind="challenge",
        mode="open_call",
        plan="industry",
        year=2027,
        title="下一轮榜单",
        problem="p",
        hard_targets="h",
        funding_ceiling_wan=300,
        state="open",
    )
    firm = client_as("enterprise_admin")
    firm.post(reverse("projects:portal_apply", args=[nxt.pk]), {"project_title": "第二轮", "requested_wan": "100"})
    second = Application.objects.get(call=nxt)
    page = client_as("bureau_staff").get(reverse("projects:application", args=[second.pk])).content.decode()
    assert 'data-testid="past-grades"' in page and project.code in page and "grade-excellent" in page


def test_expert_sees_only_their_assignments(client_as, persona, open_call, unit):
    staff = persona("bureau_staff")
    mine, other = make_expert("e_mine"), make_expert("e_other")
    expert = persona("expert")
    expert.credit_code = UNIVERSITY
    expert.save()
    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    services.application_step(actor=staff, application=app, action="formal_pass")
    theirs = services.review_assign(actor=staff, application=app, expert=other)
    assert mine != other
    client = client_as("expert")
    assert client.get(reverse("projects:review", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("projects:application", args=[app.pk])).status_code == 403
    assert client.get(reverse("projects:pipeline")).status_code == 403


def test_district_lists_exports_and_api_hold_only_its_region(client_as, persona, open_call, unit, token_for):
    staff = persona("bureau_staff")
    expert = make_expert("e1")
    own = approved_project(staff, open_call, unit, expert, code=FIRM_A)
    from tests.projects.conftest import to_publicity

    app = to_publicity(staff, apply(staff, open_call, FIRM_C, unit("zichuan")), expert)
    other = services.application_approve(
        actor=staff,
        application=app,
        budget_fiscal_wan=Decimal(100),
        funding_mode="grant",
        start_on=dt.date(2026, 1, 1),
        end_on=dt.date(2027, 1, 1),
        goals=GOALS,
    )
    client = client_as("zhangdian_officer")
    body = client.get(reverse("projects:pipeline")).content.decode()
    assert own.code in body and other.code not in body
    assert client.get(reverse("projects:project", args=[other.pk])).status_code == 404
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get(reverse("projects:pipeline_export")).streaming_content))
    )
    codes = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert codes == [own.code]
    api = client.get("/api/projects", **token_for("zhangdian_officer")).json()
    assert [p["code"] for p in api["items"]] == [own.code]
    assert client.get("/api/projects?year=abc", **token_for("zhangdian_officer")).status_code == 422
    # filters and sort on the page
    bureau = client_as("bureau_staff")
    body = bureau.get(reverse("projects:pipeline"), {"region": "zichuan", "sort": "-budget"}).content.decode()
    assert other.code in body and own.code not in body


def test_pipeline_queries_are_bounded(client_as, persona, open_call, unit, django_assert_max_num_queries):
    staff = persona("bureau_staff")
    expert = make_expert("e1")
    approved_project(staff, open_call, unit, expert, code=FIRM_A)
    client = client_as("bureau_staff")
    with django_assert_max_num_queries(25):
        assert client.get(reverse("projects:pipeline")).status_code == 200


def test_hostile_input_is_named(client_as, persona, open_call, unit):
    staff = persona("bureau_staff")
    project = approved_project(staff, open_call, unit, make_expert("e1"))
    client = client_as("bureau_staff")
    act = reverse("projects:project_action", args=[project.pk])
    r = client.post(
        act, {"do": "milestone", "due_on": "2026-13-45", "indicators": "x", "payment_share": "1e999"}, follow=True
    )
    assert "YYYY-MM-DD" in r.content.decode() or "日期" in r.content.decode()
    r = client.post(
        act,
        {
            "do": "appropriation",
            "source": "mars",
            "mode": "grant",
            "document_no": "d",
            "planned_on": "2026-01-01",
            "amount_wan": "NaN",
        },
        follow=True,
    )
    assert r.status_code == 200 and project.appropriations.count() == 0
    r = client.post(
        act,
        {
            "do": "goals",
            "goal-0-indicator": "<script>x</script>",
            "goal-0-level": "output",
            "goal-0-target": "1",
            "goal-0-unit": "件",
            "goal-0-direction": "ge",
            "goal-0-weight": "100",
        },
        follow=True,
    )
    assert "<script>x</script>" not in r.content.decode()
