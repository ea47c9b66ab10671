"""Two firms built in the test (ours in 张店区, another in 淄川区), each with a ladder, a score, a loan, a demand, an
application to an open call and a funded project, so that every portal page and endpoint has something of its own
and something of the other firm's to keep out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.enterprises.models import Enterprise, LadderResult, Qualification
from kechuang.enterprises.population import credit_code
from kechuang.finance.models import CapabilityScore, Loan
from kechuang.finance.services import current_scheme
from kechuang.projects import services as project_services
from kechuang.projects.models import Call, PostSubsidyClaim, Project
from kechuang.techmarket.models import Contract, ContractParty, Demand

OWN = credit_code("370302", 610_001)
OTHER = credit_code("370303", 610_002)
GAP = "研发费用占销售收入比例 2.7%，低于 3%（差 0.3 个百分点）"


def _demand(code: str, name: str, region, title: str) -> Demand:
    return Demand.objects.create(
        enterprise_name=name,
        credit_code=code,
        region=region,
        title=title,
        description="我们需要一种耐高温陶瓷膜的规模化制备工艺，用于化工废水处理，要求通量稳定。",
        field="new_materials",
        cooperation_mode="commissioned_development",
        contact_name="王工",
        contact_phone="13800000000",
        status=Demand.Status.PUBLISHED,
    )


@pytest.fixture
def world(db, unit, persona):
    today = timezone.localdate()
    staff = persona("bureau_staff")
    own = Enterprise.objects.create(credit_code=OWN, name="门户测试甲公司", region=unit("zhangdian"))
    other = Enterprise.objects.create(credit_code=OTHER, name="门户测试乙公司", region=unit("zichuan"))
    # ours: a tech SME whose title expires within a year, one criterion short of high-tech
    Qualification.objects.create(
        enterprise=own,
        tier="tech_sme",
        certificate_number="2026370302000001",
        issue_date=today - dt.timedelta(days=100),
        expiry_date=today + dt.timedelta(days=200),
    )
    for tier, status, failed, gaps in (
        ("tech_sme", "eligible", 0, []),
        ("high_tech", "not_eligible", 1, [GAP]),
        ("innovative_sme", "eligible", 0, []),
        ("specialized_sme", "not_eligible", 3, ["a", "b", "c"]),
    ):
        LadderResult.objects.create(
            enterprise=own,
            tier=tier,
            as_of=today,
            rule_version="test",
            status=status,
            failed=failed,
            gaps=gaps,
            failed_criteria=[f"c{i}" for i in range(failed)],
        )
    # theirs: a high-tech enterprise
    LadderResult.objects.create(
        enterprise=other, tier="high_tech", as_of=today, rule_version="test", status="eligible", failed=0
    )
    scheme = current_scheme()
    for firm, total in ((own, "72.5"), (other, "91.0")):
        CapabilityScore.objects.create(
            credit_code=firm.credit_code,
            enterprise_name=firm.name,
            region=firm.region,
            scheme=scheme,
            as_of=today,
            total=Decimal(total),
            grade="B" if firm is own else "A",
        )
        Loan.objects.create(
            product="lukedai",
            bank=f"{firm.name}开户银行",
            credit_code=firm.credit_code,
            enterprise_name=firm.name,
            region=firm.region,
            amount_wan=Decimal(500),
            rate_pct=Decimal("3.50"),
            term_months=12,
            purpose="rd",
            month=today.replace(day=1),
        )
    own_demand = _demand(OWN, own.name, own.region, "陶瓷膜规模化制备工艺需求")
    other_demand = _demand(OTHER, other.name, other.region, "乙公司的保密工艺需求")
    # an open call, and an earlier call each firm applied to
    call = project_services.call_create(
        actor=staff,
        kind=Call.Kind.CHALLENGE,
        mode="open_call",
        plan="industry",
        year=today.year,
        title="含氟功能膜规模化制备揭榜",
        problem="突破规模化制备工艺",
        hard_targets="通量提升30%",
        eligibility="注册在本市、具有独立法人资格的企业",
        deadline=today + dt.timedelta(days=700),
        funding_ceiling_wan=Decimal(300),
    )
    for action in ("argue", "publish", "open"):
        if action == "publish":
            for party, who in (("department", "工信局"), ("investor", "创投基金")):
                project_services.argumentation_add(actor=staff, call=call, party=party, participant=who, opinion="同意")
        project_services.call_step(actor=staff, call=call, action=action)
    Call.objects.filter(pk=call.pk).update(application_deadline=today + dt.timedelta(days=20))
    call.refresh_from_db()
    apps = {}
    for firm in (own, other):
        apps[firm.credit_code] = project_services.application_submit(
            actor=staff,
            call=call,
            applicant=firm.name,
            credit_code=firm.credit_code,
            region=firm.region,
            project_title=f"{firm.name}的攻关方案",
            requested_wan=Decimal(100),
        )
    # a funded project of the other firm with a post-subsidy, so its money must stay out of our pages
    project = Project.objects.create(
        code="PT-OTHER-1",
        title="乙公司的保密项目",
        plan="industry",
        mode="open_call",
        funding_mode="post_subsidy",
        lead_unit=other.name,
        credit_code=OTHER,
        region=other.region,
        start_on=today - dt.timedelta(days=100),
        end_on=today + dt.timedelta(days=300),
    )
    PostSubsidyClaim.objects.create(
        project=project,
        year=today.year - 1,
        verified_spending_wan=Decimal(800),
        verified_by="审计所",
        rate=Decimal(10),
        cap_wan=Decimal(100),
        amount_wan=Decimal(80),
        formula="800 × 10% = 80",
    )
    contract = Contract.objects.create(
        contract_type="development",
        project_name="乙公司的技术开发合同",
        subject="工艺开发",
        tech_field="new_materials",
        region=other.region,
        signed_on=today - dt.timedelta(days=30),
        total_amount_wan=Decimal(50),
        technology_amount_wan=Decimal(50),
    )
    ContractParty.objects.create(
        contract=contract,
        role="buyer",
        name=other.name,
        credit_code=OTHER,
        nature="100",
        region=other.region,
        region_code="370303",
    )
    user = persona("enterprise_admin")
    user.credit_code, user.organisation = OWN, own.name
    user.save()
    colleague = persona("enterprise_user")
    colleague.credit_code, colleague.organisation = OTHER, other.name
    colleague.save()
    return {
        "own": own,
        "other": other,
        "call": call,
        "own_demand": own_demand,
        "other_demand": other_demand,
        "apps": apps,
        "project": project,
        "contract": contract,
        "user": user,
    }
