"""The same step submitted twice (a double click, two tabs, a retry after a slow answer) advances a workflow once,
creates one record and takes one number.

Two requests that arrive together each load the record before either writes, so the second one's service holds a
stale copy: it still sees the state before the first step. Each test here hands the service two copies loaded
before the first call (what two concurrent requests hold, deterministic on SQLite and PostgreSQL alike): the second
call must be refused by the record's current state, not by the copy's, and nothing is written twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.projects import services as project_services
from kechuang.projects.models import Application, Project
from kechuang.techmarket import services as market_services
from kechuang.techmarket import workflow as market_workflow
from kechuang.techmarket.models import Contract, ContractEvent, MatchCase, MatchEvent, NonTechnicalItem
from tests.finance.conftest import firms  # noqa: F401
from tests.projects.conftest import FIRM_A, GOALS, apply, make_expert, open_call, staff, to_publicity  # noqa: F401
from tests.techmarket import factories as f

pytestmark = pytest.mark.django_db
REFUSED = (ValidationError, PermissionDenied, market_workflow.TransitionRefused)


def _twice(model, pk):
    """Two copies of one record, as two requests arriving together each load it."""
    return model.objects.get(pk=pk), model.objects.get(pk=pk)


def test_a_contract_is_registered_once_and_numbered_once(persona):
    clerk = persona("bureau_staff")
    c = f.contract()
    NonTechnicalItem.objects.create(contract=c, kind="equipment", amount_wan=Decimal("30"))
    market_services.contract_submit(actor=clerk, contract=c, on=dt.date(2025, 3, 5))
    market_services.contract_accept(actor=clerk, contract=c, on=dt.date(2025, 3, 6))
    first, second = _twice(Contract, c.pk)
    on = dt.date(2025, 3, 20)
    market_services.contract_register(actor=clerk, contract=first, technology_amount_wan=Decimal("70"), on=on)
    number = Contract.objects.get(pk=c.pk).registration_number
    with pytest.raises(REFUSED):
        market_services.contract_register(actor=clerk, contract=second, technology_amount_wan=Decimal("70"), on=on)
    c.refresh_from_db()
    assert c.registration_number == number  # not renumbered (a number burnt)
    assert ContractEvent.objects.filter(contract=c, to_status=Contract.Status.REGISTERED).count() == 1


def test_a_match_is_signed_once_and_drafts_one_contract(persona):
    clerk = persona("bureau_staff")
    on = dt.date(2025, 1, 1)
    case = MatchCase.objects.create(
        demand=f.demand(), achievement=f.achievement(), recommended_on=on, contacted_on=on, stage="contacted"
    )
    market_services.match_negotiate(actor=clerk, case=case, on=dt.date(2025, 1, 2))
    first, second = _twice(MatchCase, case.pk)
    drafts = Contract.objects.count()
    market_services.match_sign(actor=clerk, case=first, on=dt.date(2025, 1, 3))
    with pytest.raises(REFUSED):
        market_services.match_sign(actor=clerk, case=second, on=dt.date(2025, 1, 3))
    assert Contract.objects.count() == drafts + 1
    assert MatchEvent.objects.filter(match=case, to_stage=market_workflow.SIGNED).count() == 1


def test_an_application_is_approved_once_into_one_numbered_project(staff, open_call, unit):  # noqa: F811
    app = to_publicity(staff, apply(staff, open_call, FIRM_A, unit("zhangdian")), make_expert("double_expert"))
    first, second = _twice(Application, app.pk)
    approval = dict(
        budget_fiscal_wan=Decimal(200),
        funding_mode="grant",
        start_on=dt.date(2026, 1, 1),
        end_on=dt.date(2027, 12, 31),
        goals=GOALS,
    )
    project_services.application_approve(actor=staff, application=first, **approval)
    with pytest.raises(REFUSED):
        project_services.application_approve(actor=staff, application=second, **approval)
    assert Project.objects.filter(application=app).count() == 1


def test_an_application_step_is_taken_once(staff, open_call, unit):  # noqa: F811
    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    first, second = _twice(Application, app.pk)
    project_services.application_step(actor=staff, application=first, action="formal_pass")
    project_services.review_assign(actor=staff, application=first, expert=make_expert("double_expert"))
    state = Application.objects.get(pk=app.pk).state
    with pytest.raises(REFUSED):
        project_services.application_step(actor=staff, application=second, action="formal_pass")
    assert Application.objects.get(pk=app.pk).state == state  # not put back a step


def test_a_claim_is_settled_once(firms, persona):  # noqa: F811
    from kechuang.finance import services as finance_services
    from kechuang.finance.models import InsuranceClaim

    officer, today = persona("zhangdian_officer"), dt.date(2026, 6, 30)
    policy = finance_services.policy_create(
        actor=officer,
        data={
            "insurer": "测试保险",
            "policy_number": "P-DOUBLE",
            "product": "rd_innovation",
            "credit_code": firms["zd_strong"].credit_code,
            "premium_wan": Decimal(10),
            "subsidy_wan": Decimal(5),
            "sum_insured_wan": Decimal(400),
            "start_date": today,
            "end_date": today + dt.timedelta(days=364),
        },
    )
    claim = finance_services.claim_create(
        actor=officer, policy=policy, data={"filed_on": today, "amount_claimed_wan": Decimal(50), "reason": ""}
    )
    first, second = _twice(InsuranceClaim, claim.pk)
    finance_services.claim_decide(actor=officer, claim=first, status="paid", amount_paid_wan=Decimal(40))
    with pytest.raises(REFUSED):
        finance_services.claim_decide(actor=officer, claim=second, status="paid", amount_paid_wan=Decimal(45))
    assert InsuranceClaim.objects.get(pk=claim.pk).amount_paid_wan == Decimal(40)


def test_a_tranche_is_paid_once(staff, open_call, unit):  # noqa: F811
    from tests.projects.conftest import approved_project

    project = approved_project(staff, open_call, unit, make_expert("double_expert"))
    tranche = project_services.appropriation_add(
        actor=staff,
        project=project,
        source="city",
        mode="grant",
        document_no="科资〔2026〕9号",
        planned_on=dt.date(2026, 2, 1),
        amount_wan=Decimal(60),
    )
    first, second = _twice(type(tranche), tranche.pk)
    project_services.appropriation_pay(actor=staff, appropriation=first, on=dt.date(2026, 2, 1))
    with pytest.raises(REFUSED):
        project_services.appropriation_pay(actor=staff, appropriation=second, on=dt.date(2026, 2, 2))
    assert type(tranche).objects.get(pk=tranche.pk).paid_on == dt.date(2026, 2, 1)
