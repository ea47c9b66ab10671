"""Every transition of calls, applications and projects as a service with its audit entry, and the forbidden ones
(issue 17: a second mid-term check on an unflagged project; editing an accepted project's goals; a payment without a
goal table; a reviewer scoring their own organisation's application)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import AuditEntry
from kechuang.projects import selectors, services
from kechuang.projects.models import Call, PoolLoan, Project
from tests.projects.conftest import (
    FIRM_A,
    FIRM_B,
    FIRM_C,
    GOALS,
    UNIVERSITY,
    apply,
    approved_project,
    make_expert,
    sign,
    to_publicity,
)

pytestmark = pytest.mark.django_db


def audited(obj) -> int:
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).count()


def test_open_call_is_published_only_after_argumentation(staff):
    call = services.call_create(
        actor=staff,
        kind="challenge",
        mode="open_call",
        plan="industry",
        year=2026,
        title="t",
        problem="p",
        hard_targets="h",
        deadline=dt.date(2027, 1, 1),
        funding_ceiling_wan=Decimal(100),
    )
    services.call_step(actor=staff, call=call, action="argue")
    services.argumentation_add(actor=staff, call=call, party="university", participant="大学", opinion="可行")
    with pytest.raises(ValidationError, match="two kinds of party"):
        services.call_step(actor=staff, call=call, action="publish")
    with pytest.raises(ValidationError):
        services.call_step(actor=staff, call=Call.objects.get(pk=call.pk), action="close")


def test_open_call_states_its_hard_targets_and_ceiling(staff):
    with pytest.raises(ValidationError) as exc:
        services.call_create(
            actor=staff, kind="challenge", mode="open_call", plan="industry", year=2026, title="t", problem="p"
        )
    assert {"hard_targets", "deadline", "funding_ceiling_wan"} <= set(exc.value.message_dict)


def test_call_from_a_technology_demand(staff, unit):
    from kechuang.techmarket.models import Demand

    demand = Demand.objects.create(
        enterprise_name="需求企业",
        credit_code=FIRM_B,
        region=unit("zichuan"),
        title="陶瓷膜过滤精度提升",
        description="现有陶瓷膜过滤精度不足",
        cooperation_mode="joint",
        status="published",
        budget_max_wan=Decimal(250),
        deadline=dt.date(2027, 6, 30),
    )
    call = services.call_from_demand(
        actor=staff, demand_id=demand.pk, mode="open_call", plan="industry", year=2026, hard_targets="精度0.1μm"
    )
    assert (call.title, call.problem, call.owner_credit_code) == (demand.title, demand.description, FIRM_B)
    assert call.funding_ceiling_wan == Decimal(250) and call.region == unit("zichuan") and call.demand_id == demand.pk
    demand.status = "pending"
    demand.save()
    with pytest.raises(ValidationError):
        services.call_from_demand(actor=staff, demand_id=demand.pk, mode="open_call", plan="industry", year=2026)


def test_district_enters_applications_of_its_own_region_only(open_call, persona, unit):
    officer = persona("zhangdian_officer")
    app = apply(officer, open_call, FIRM_A, unit("zhangdian"))
    assert app.state == "submitted" and audited(app) == 1
    with pytest.raises(PermissionDenied):
        apply(officer, open_call, FIRM_C, unit("zichuan"))
    with pytest.raises(ValidationError, match="already applied"):
        apply(officer, open_call, FIRM_A, unit("zhangdian"))


def test_reviewer_never_scores_their_own_organisation(staff, open_call, unit):
    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    services.application_step(actor=staff, application=app, action="formal_pass")
    insider = make_expert("e_insider", org_code=FIRM_A)
    with pytest.raises(ValidationError, match="applicant's organisation"):
        services.review_assign(actor=staff, application=app, expert=insider)
    # assigned before the expert moved to the applicant: the score is still refused
    outsider = make_expert("e_outsider")
    assignment = services.review_assign(actor=staff, application=app, expert=outsider)
    outsider.credit_code = FIRM_A
    outsider.save()
    with pytest.raises(PermissionDenied):
        services.review_score(actor=outsider, assignment=assignment, score=90, no_conflict=True)
    assert selectors.review_assignments(outsider).count() == 0


def test_review_needs_a_conflict_declaration_and_only_the_assigned_expert(staff, open_call, unit):
    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    services.application_step(actor=staff, application=app, action="formal_pass")
    expert, other = make_expert("e1"), make_expert("e2")
    assignment = services.review_assign(actor=staff, application=app, expert=expert)
    assert app.state == "expert_review"
    with pytest.raises(PermissionDenied):
        services.review_score(actor=other, assignment=assignment, score=80, no_conflict=True)
    with pytest.raises(ValidationError, match="conflict"):
        services.review_score(actor=expert, assignment=assignment, score=80)
    with pytest.raises(ValidationError, match="Every assigned expert"):
        services.application_step(actor=staff, application=app, action="publicize")
    services.review_score(actor=expert, assignment=assignment, score=80, no_conflict=True)
    second = services.review_assign(actor=staff, application=app, expert=other)
    services.review_score(actor=other, assignment=second, conflict_note="曾与申报单位合作")
    assert second.state == "recused"
    services.application_step(actor=staff, application=app, action="publicize")
    assert app.state == "publicity" and app.publicity_to > app.publicity_from


def test_approval_needs_publicity_and_a_goal_table(staff, open_call, unit):
    expert = make_expert("e1")
    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    kwargs = dict(
        budget_fiscal_wan=Decimal(200), funding_mode="grant", start_on=dt.date(2026, 1, 1), end_on=dt.date(2027, 12, 31)
    )
    with pytest.raises(ValidationError):
        services.application_approve(actor=staff, application=app, goals=GOALS, **kwargs)
    to_publicity(staff, app, expert)
    with pytest.raises(ValidationError, match="goal table"):
        services.application_approve(actor=staff, application=app, goals=GOALS[1:], **kwargs)
    with pytest.raises(ValidationError, match="ceiling"):
        services.application_approve(actor=staff, application=app, goals=GOALS, **{**kwargs, "budget_fiscal_wan": 301})
    project = services.application_approve(actor=staff, application=app, goals=GOALS, **kwargs)
    assert project.state == "approved" and project.goals.count() == 3 and project.credit_code == FIRM_A
    assert audited(project) == 1


def test_task_book_needs_milestones_summing_to_100(staff, open_call, unit):
    project = approved_project(staff, open_call, unit, make_expert("e1"))
    with pytest.raises(ValidationError, match="milestones"):
        services.project_step(actor=staff, project=project, action="sign_task_book")
    services.milestone_add(actor=staff, project=project, due_on=dt.date(2026, 6, 1), indicators="x", payment_share=50)
    with pytest.raises(ValidationError, match="50"):
        services.project_step(actor=staff, project=project, action="sign_task_book")
    services.milestone_add(actor=staff, project=project, due_on=dt.date(2027, 6, 1), indicators="y", payment_share=50)
    services.project_step(actor=staff, project=project, action="sign_task_book")
    assert Project.objects.get(pk=project.pk).state == "in_progress"


def test_cabinet_team_draws_on_several_units(staff, unit):
    call = services.call_create(
        actor=staff,
        kind="challenge",
        mode="cabinet",
        plan="key_rd",
        year=2026,
        title="t",
        problem="p",
        hard_targets="h",
        deadline=dt.date(2028, 1, 1),
        funding_ceiling_wan=Decimal(500),
    )
    services.call_step(actor=staff, call=call, action="argue")
    for party in ("department", "leading_firm"):
        services.argumentation_add(actor=staff, call=call, party=party, participant="x", opinion="同意")
    services.call_step(actor=staff, call=call, action="publish")
    services.call_step(actor=staff, call=call, action="open")
    project = approved_project(staff, call, unit, make_expert("e1"))
    services.team_member_add(actor=staff, project=project, name="首席", unit="企业甲", role="首席科学家")
    with pytest.raises(ValidationError, match="two units"):
        sign(staff, project)
    services.team_member_add(actor=staff, project=project, name="骨干", unit="理工大学")
    services.project_step(actor=staff, project=project, action="sign_task_book")


def test_no_payment_without_a_goal_table(staff, open_call, unit):
    project = approved_project(staff, open_call, unit, make_expert("e1"))
    tranche = services.appropriation_add(
        actor=staff,
        project=project,
        source="city",
        mode="grant",
        document_no="科资〔2026〕1号",
        planned_on=dt.date(2026, 2, 1),
        amount_wan=Decimal(60),
    )
    project.goals.all().delete()
    with pytest.raises(ValidationError, match="No payment without a goal table"):
        services.appropriation_pay(actor=staff, appropriation=tranche)
    services.goals_set(actor=staff, project=project, goals=GOALS)
    services.appropriation_pay(actor=staff, appropriation=tranche)
    assert tranche.paid_on is not None
    with pytest.raises(ValidationError, match="exceed"):
        services.appropriation_add(
            actor=staff,
            project=project,
            source="city",
            mode="grant",
            document_no="d",
            planned_on=dt.date(2026, 3, 1),
            amount_wan=Decimal(141),
        )


def test_second_mid_term_check_only_when_risk_flagged(staff, open_call, unit):
    project = sign(staff, approved_project(staff, open_call, unit, make_expert("e1")))
    services.check_add(actor=staff, project=project, held_on=dt.date(2026, 9, 1), result="passed")
    with pytest.raises(ValidationError, match="At most 1 mid-term check"):
        services.check_add(actor=staff, project=project, held_on=dt.date(2026, 12, 1), result="passed")
    services.risk_flag_set(actor=staff, project=project, flagged=True, note="进度滞后")
    services.check_add(actor=staff, project=project, held_on=dt.date(2026, 12, 1), result="conditional")
    assert project.checks.count() == 2
    # the maximum is data
    services.rule_parameter_set(actor=staff, code="max_mid_term_checks", value="3")
    services.risk_flag_set(actor=staff, project=project, flagged=False)
    services.check_add(actor=staff, project=project, held_on=dt.date(2027, 2, 1), result="passed")


def test_accepted_projects_goals_are_fixed_and_grade_shows_on_next_application(staff, open_call, unit, persona):
    expert = make_expert("e1")
    project = sign(staff, approved_project(staff, open_call, unit, expert))
    for goal, actual in zip(
        project.goals.order_by("level", "id"), (Decimal(600), Decimal(3), Decimal(80)), strict=True
    ):
        services.goal_actual_set(actor=staff, goal=goal, actual=actual)
    with pytest.raises(ValidationError, match="approved change"):
        services.goals_set(actor=staff, project=project, goals=GOALS)
    services.project_step(actor=persona("zhangdian_officer"), project=project, action="request_acceptance")
    with pytest.raises(ValidationError, match="IP"):
        services.project_step(actor=staff, project=project, action="accept", method="owner_test")
    project = Project.objects.get(pk=project.pk)
    services.ip_declare(actor=staff, project=project, declaration="发明专利3件")
    services.project_step(actor=staff, project=project, action="accept", method="owner_test", note="用户测试通过")
    assert project.state == "accepted"
    with pytest.raises(ValidationError, match="fixed"):
        services.goals_set(actor=staff, project=project, goals=GOALS)
    with pytest.raises(ValidationError, match="fixed"):
        services.goal_actual_set(actor=staff, goal=project.goals.first(), actual=Decimal(1))
    evaluation = services.evaluation_record(actor=staff, project=project, kind="third_party", result_use="priority")
    # benefit 600/500 → 30; output 3/3 → 60; satisfaction 80/90 → 8.89
    assert evaluation.goal_score == Decimal("98.89") and evaluation.grade == "excellent"
    assert "90" in evaluation.grade_rule
    services.call_step(actor=staff, call=open_call, action="close")
    later = Call.objects.create(
        code="C2027-0001",
        kind="challenge",
        mode="open_call",
        plan="industry",
        year=2027,
        title="下一轮",
        problem="p",
        hard_targets="h",
        funding_ceiling_wan=300,
        state="open",
    )
    nxt = apply(staff, later, FIRM_A, unit("zhangdian"), title="第二轮")
    assert [e.grade for e in selectors.past_grades(nxt.credit_code, before=nxt)] == ["excellent"]


def test_monitoring_warns_and_suspension_stops_payments(staff, open_call, unit, persona):
    project = sign(staff, approved_project(staff, open_call, unit, make_expert("e1")))
    officer = persona("zhangdian_officer")
    ok = services.monitoring_file(
        actor=officer,
        project=project,
        period="2026-H1",
        progress="正常",
        budget_execution=Decimal(45),
        planned_execution=Decimal(50),
    )
    assert not ok.warning and ok.deviation == Decimal("-5.00")
    with pytest.raises(PermissionDenied):
        services.monitoring_file(
            actor=officer,
            project=project,
            period="2026-H2",
            progress="滞后",
            budget_execution=Decimal(10),
            planned_execution=Decimal(60),
            action="suspend",
        )
    bad = services.monitoring_file(
        actor=staff,
        project=project,
        period="2026-H2",
        progress="滞后",
        budget_execution=Decimal(10),
        planned_execution=Decimal(60),
        action="suspend",
    )
    assert bad.warning and Project.objects.get(pk=project.pk).state == "suspended"
    tranche = services.appropriation_add(
        actor=staff,
        project=project,
        source="city",
        mode="grant",
        document_no="d",
        planned_on=dt.date(2026, 2, 1),
        amount_wan=Decimal(60),
    )
    with pytest.raises(ValidationError, match="stopped"):
        services.appropriation_pay(actor=staff, appropriation=tranche)
    with pytest.raises(PermissionDenied):
        services.monitoring_file(
            actor=persona("zichuan_officer"),
            project=project,
            period="2027-H1",
            progress="x",
            budget_execution=Decimal(10),
            planned_execution=Decimal(10),
        )


def test_post_subsidy_from_verified_spending(staff, open_call, unit):
    project = approved_project(staff, open_call, unit, make_expert("e1"))
    with pytest.raises(ValidationError, match="post-subsidy"):
        services.post_subsidy_claim(
            actor=staff,
            project=project,
            year=2025,
            verified_spending_wan=Decimal(1000),
            verified_by="会计师事务所",
            document_no="d",
        )
    project.funding_mode = "post_subsidy"
    project.save()
    claim = services.post_subsidy_claim(
        actor=staff,
        project=project,
        year=2025,
        verified_spending_wan=Decimal(1500),
        verified_by="会计师事务所审计报告",
        document_no="科资〔2026〕9号",
    )
    assert claim.amount_wan == Decimal("150.00") and "1500" in claim.formula
    assert claim.appropriation.amount_wan == Decimal("150.00") and claim.appropriation.mode == "post_subsidy"
    services.rule_parameter_set(actor=staff, code="post_subsidy_cap", value="100")
    capped = services.post_subsidy_claim(
        actor=staff,
        project=project,
        year=2026,
        verified_spending_wan=Decimal(1500),
        verified_by="审计报告",
        document_no="d2",
    )
    assert capped.amount_wan == Decimal("100.00") and "capped" in capped.formula


def test_risk_pool_balance_never_goes_negative(staff, unit):
    pool = services.pool_create(
        actor=staff, name="风险补偿资金池", source="city", capital_wan=Decimal(100), established_on=dt.date(2025, 1, 1)
    )
    loans = [
        services.pool_loan_file(
            actor=staff,
            pool=pool,
            bank="银行",
            borrower="企业",
            credit_code=code,
            region=unit("zhangdian"),
            amount_wan=Decimal(200),
            filed_on=dt.date(2025, 3, 1),
        )
        for code in (FIRM_A, FIRM_B)
    ]
    for loan in loans:
        services.pool_loan_step(actor=staff, loan=loan, action="default", principal=Decimal(150))
        services.pool_loan_step(actor=staff, loan=loan, action="claim")
        assert loan.claim_wan == Decimal("75.00")
    services.pool_loan_step(actor=staff, loan=loans[0], action="compensate")
    with pytest.raises(ValidationError, match="balance"):
        services.pool_loan_step(actor=staff, loan=loans[1], action="compensate")
    (row,) = selectors.pools(staff)
    assert (row["paid"], row["balance"], row["defaults"]) == (Decimal(75), Decimal("25.00"), 2)
    with pytest.raises(ValidationError):
        services.pool_loan_step(actor=staff, loan=loans[0], action="repay")
    assert PoolLoan.objects.filter(state="compensated").count() == 1


def test_lump_sum_hides_lines_checks_negative_list_and_needs_a_statement(staff, open_call, unit):
    from kechuang.projects.models import NegativeListItem

    NegativeListItem.objects.create(code="N1", text="购置车辆", keywords="购车,车辆")
    project = approved_project(staff, open_call, unit, make_expert("e1"))
    project.lump_sum = True
    project.save()
    with pytest.raises(ValidationError, match="lump-sum"):
        services.budget_line_add(actor=staff, project=project, category="设备费", amount_wan=Decimal(10))
    sign(staff, project)
    with pytest.raises(ValidationError, match="购置车辆"):
        services.expense_record(
            actor=staff,
            project=project,
            spent_on=dt.date(2026, 3, 1),
            category="交通",
            description="购车一辆",
            amount_wan=Decimal(20),
        )
    services.expense_record(
        actor=staff,
        project=project,
        spent_on=dt.date(2026, 3, 1),
        category="材料费",
        description="实验耗材",
        amount_wan=Decimal(20),
    )
    services.project_step(actor=staff, project=project, action="request_acceptance")
    services.ip_declare(actor=staff, project=project, declaration="无")
    with pytest.raises(ValidationError, match="statement of use"):
        services.project_step(actor=staff, project=project, action="accept", method="experts")
    services.use_statement_file(actor=staff, project=project, statement="经费全部用于研究")
    services.project_step(actor=staff, project=project, action="accept", method="experts")


def test_horse_race_down_selects_at_a_milestone(staff, unit):
    call = services.call_create(
        actor=staff,
        kind="challenge",
        mode="horse_race",
        plan="industry",
        year=2026,
        title="t",
        problem="p",
        hard_targets="h",
        deadline=dt.date(2028, 1, 1),
        funding_ceiling_wan=Decimal(300),
    )
    services.call_step(actor=staff, call=call, action="argue")
    for party in ("department", "investor"):
        services.argumentation_add(actor=staff, call=call, party=party, participant="x", opinion="同意")
    for action in ("publish", "open"):
        services.call_step(actor=staff, call=call, action=action)
    expert = make_expert("e1")
    a = sign(staff, approved_project(staff, call, unit, expert, code=FIRM_A))
    b = sign(staff, approved_project(staff, call, unit, expert, code=FIRM_B))
    stopped = services.horse_race_downselect(actor=staff, call=call, keep=[a], seq=1)
    assert [p.pk for p in stopped] == [b.pk]
    assert Project.objects.get(pk=b.pk).state == "terminated" and Project.objects.get(pk=a.pk).state == "in_progress"


def test_rule_parameters_are_audited_and_checked(staff, persona):
    services.rules_seed()
    row = services.rule_parameter_set(actor=staff, code="grade_excellent", value="92", note="局务会确定")
    assert audited(row) == 2
    with pytest.raises(ValidationError, match="fall"):
        services.rule_parameter_set(actor=staff, code="grade_good", value="95")
    with pytest.raises(PermissionDenied):
        services.rule_parameter_set(actor=persona("zhangdian_officer"), code="grade_good", value="70")


def test_district_sees_its_own_projects(staff, open_call, unit, persona):
    expert = make_expert("e1")
    own = approved_project(staff, open_call, unit, expert, code=FIRM_A)
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
    assert set(selectors.projects(persona("zhangdian_officer"))) == {own}
    assert set(selectors.projects(persona("zichuan_officer"))) == {other}
    assert set(selectors.projects(persona("leader"))) == {own, other}
    with pytest.raises(PermissionDenied):
        services.ip_declare(actor=persona("zichuan_officer"), project=own, declaration="x")
    with pytest.raises(PermissionDenied):
        services.project_step(actor=persona("leader"), project=own, action="terminate", note="x")
    assert UNIVERSITY not in {own.credit_code, other.credit_code}
