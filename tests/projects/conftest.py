"""Small fixtures for the projects module: built in each test, no demo data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.core.models import User
from kechuang.enterprises.population import credit_code
from kechuang.projects import services
from kechuang.projects.models import Call

FIRM_A = credit_code("370302", 510_001)  # 张店区
FIRM_B = credit_code("370302", 510_002)
FIRM_C = credit_code("370303", 510_003)  # 淄川区
UNIVERSITY = credit_code("370303", 510_009)
GOALS = [
    {
        "level": "output",
        "indicator": "申请发明专利",
        "target": Decimal(3),
        "unit": "件",
        "direction": "ge",
        "weight": 60,
    },
    {
        "level": "benefit",
        "indicator": "新增销售收入",
        "target": Decimal(500),
        "unit": "万元",
        "direction": "ge",
        "weight": 30,
    },
    {
        "level": "satisfaction",
        "indicator": "需求方满意度",
        "target": Decimal(90),
        "unit": "%",
        "direction": "ge",
        "weight": 10,
    },
]
TODAY = dt.date(2026, 6, 30)


def make_expert(username: str, org_code: str = UNIVERSITY) -> User:
    user = User(username=username, role="expert", display_name=f"专家{username}")
    if hasattr(user, "credit_code"):
        user.credit_code = org_code
    user.save()
    return user


@pytest.fixture
def staff(persona):
    return persona("bureau_staff")


@pytest.fixture
def open_call(staff, db):
    """A 揭榜挂帅 open call, argued by two kinds of party, published and open."""
    call = services.call_create(
        actor=staff,
        kind=Call.Kind.CHALLENGE,
        mode="open_call",
        plan="industry",
        year=2026,
        title="含氟功能膜规模化制备",
        problem="突破规模化制备工艺",
        hard_targets="通量提升30%",
        deliverables="中试线1条",
        deadline=dt.date(2028, 12, 31),
        funding_ceiling_wan=Decimal(300),
    )
    services.call_step(actor=staff, call=call, action="argue")
    services.argumentation_add(actor=staff, call=call, party="department", participant="工信局", opinion="同意")
    services.argumentation_add(actor=staff, call=call, party="investor", participant="创投基金", opinion="同意")
    services.call_step(actor=staff, call=call, action="publish")
    services.call_step(actor=staff, call=call, action="open")
    return call


def apply(staff, call, code, region, title="膜材料攻关"):
    return services.application_submit(
        actor=staff,
        call=call,
        applicant=f"企业{code[-4:]}",
        credit_code=code,
        region=region,
        project_title=title,
        requested_wan=Decimal(200),
        self_raised_wan=Decimal(200),
    )


def to_publicity(staff, app, expert):
    services.application_step(actor=staff, application=app, action="formal_pass")
    assignment = services.review_assign(actor=staff, application=app, expert=expert)
    services.review_score(actor=expert, assignment=assignment, score=85, no_conflict=True, comment="可行")
    services.application_step(actor=staff, application=app, action="publicize")
    return app


def approved_project(staff, call, unit, expert, code=FIRM_A, goals=GOALS):
    app = to_publicity(staff, apply(staff, call, code, unit("zhangdian")), expert)
    return services.application_approve(
        actor=staff,
        application=app,
        budget_fiscal_wan=Decimal(200),
        funding_mode="grant",
        start_on=dt.date(2026, 1, 1),
        end_on=dt.date(2027, 12, 31),
        goals=goals,
    )


def sign(staff, project):
    for due, share in ((dt.date(2026, 6, 1), 30), (dt.date(2027, 6, 1), 70)):
        services.milestone_add(actor=staff, project=project, due_on=due, indicators="阶段指标", payment_share=share)
    return services.project_step(actor=staff, project=project, action="sign_task_book")


@pytest.fixture(autouse=True)
def _english():
    """Service messages are matched in English here (the pages' language is tested through the catalogue)."""
    from django.utils import translation

    with translation.override("en"):
        yield
