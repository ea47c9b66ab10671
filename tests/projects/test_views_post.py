"""The project pages' POST paths as their users take them: a bad or missing field is flashed and nothing saved; a
good post saves and sends on to the record; a persona without the right is refused and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kechuang.projects.models import Application, Argumentation, Call, PoolLoan, ReviewAssignment, RiskPool
from tests.projects.conftest import FIRM_A, apply, make_expert

pytestmark = pytest.mark.django_db


def flashed(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


CALL = {
    "kind": "challenge",
    "mode": "open_call",
    "plan": "industry",
    "year": "2026",
    "title": "页面揭榜项目",
    "problem": "高端膜材料的规模化制备",
    "hard_targets": "通量提升30%",
    "deliverables": "中试线1条",
    "deadline": "2028-12-31",
    "funding_ceiling_wan": "300",
}


def test_call_create_page(client_as):
    client = client_as("bureau_staff")
    url = reverse("projects:call_create")
    assert client.get(url).status_code == 200
    response = client.post(url, CALL | {"title": ""})
    assert response.status_code == 200 and flashed(response) and response.context["v"]["problem"] == CALL["problem"]
    response = client.post(url, CALL | {"funding_ceiling_wan": "many"})
    assert response.status_code == 200 and flashed(response)
    response = client.post(url, CALL | {"demand": "x"})
    assert response.status_code == 200 and flashed(response)
    assert not Call.objects.filter(title="页面揭榜项目").exists()
    response = client.post(url, CALL)
    call = Call.objects.get(title="页面揭榜项目")
    assert response["Location"] == reverse("projects:call", args=[call.pk])
    assert call.funding_ceiling_wan == 300 and call.mode == "open_call"
    assert client_as("zhangdian_officer").post(url, CALL | {"title": "区县"}).status_code == 403
    assert not Call.objects.filter(title="区县").exists()


def test_call_actions_through_the_page(staff, client_as):
    client = client_as("bureau_staff")
    client.post(reverse("projects:call_create"), CALL)
    call = Call.objects.get(title="页面揭榜项目")
    url = reverse("projects:call_action", args=[call.pk])
    assert flashed(client.post(url, {"do": "step", "action": "no_such_step"}))
    assert Call.objects.get(pk=call.pk).state == "demand_collected"
    client.post(url, {"do": "step", "action": "argue"})
    assert Call.objects.get(pk=call.pk).state == "under_argumentation"
    response = client.post(url, {"do": "argue", "party": "department", "participant": "", "opinion": "同意"})
    assert response["Location"] == reverse("projects:call", args=[call.pk]) and flashed(response)
    assert not Argumentation.objects.filter(call=call).exists()
    client.post(url, {"do": "argue", "party": "department", "participant": "工信局", "opinion": "同意"})
    assert Argumentation.objects.get(call=call).participant == "工信局"
    assert flashed(client.post(url, {"do": "nonsense"}))
    state = Call.objects.get(pk=call.pk).state
    assert client_as("leader").post(url, {"do": "step", "action": "argue"}).status_code == 403
    assert client_as("zhangdian_officer").post(url, {"do": "step", "action": "argue"}).status_code == 403
    assert Call.objects.get(pk=call.pk).state == state


def test_apply_on_an_open_call_through_the_page(open_call, unit, client_as):
    client = client_as("zhangdian_officer")
    url = reverse("projects:call_action", args=[open_call.pk])
    data = {
        "do": "apply",
        "applicant": "页面申报企业",
        "credit_code": FIRM_A.lower(),
        "region": "zhangdian",
        "project_title": "膜材料中试",
        "requested_wan": "200",
        "self_raised_wan": "200",
    }
    response = client.post(url, data | {"region": "zichuan"})
    assert response["Location"] == reverse("projects:call", args=[open_call.pk]) and flashed(response)
    assert not Application.objects.filter(call=open_call).exists()
    response = client.post(url, data)
    made = Application.objects.get(call=open_call)
    assert response["Location"] == reverse("projects:application", args=[made.pk])
    assert made.credit_code == FIRM_A and made.region == unit("zhangdian")


def test_application_actions_through_the_page(staff, open_call, unit, client_as):
    app = apply(staff, open_call, FIRM_A, unit("zhangdian"))
    expert = make_expert("page_expert")
    client = client_as("bureau_staff")
    url = reverse("projects:application_action", args=[app.pk])
    assert flashed(client.post(url, {"do": "nonsense"}))
    assert flashed(client.post(url, {"do": "step", "action": "formal_pass_twice"}))
    client.post(url, {"do": "step", "action": "formal_pass"})
    app.refresh_from_db()
    assert app.state == "formal_passed"
    assert flashed(client.post(url, {"do": "assign", "expert": ""}))
    assert not ReviewAssignment.objects.filter(application=app).exists()
    response = client.post(url, {"do": "assign", "expert": expert.pk})
    assert response["Location"] == reverse("projects:application", args=[app.pk])
    assert ReviewAssignment.objects.get(application=app).expert == expert
    app.refresh_from_db()
    state = app.state
    assert client_as("zhangdian_officer").post(url, {"do": "assign", "expert": expert.pk}).status_code == 403
    assert client_as("leader").post(url, {"do": "step", "action": "withdraw"}).status_code == 403
    app.refresh_from_db()
    assert app.state == state and ReviewAssignment.objects.filter(application=app).count() == 1


def test_risk_pools_through_the_page(client_as):
    client = client_as("bureau_staff")
    url = reverse("projects:pool_action")
    pool = {
        "do": "pool",
        "name": "页面风险补偿资金池",
        "source": "city",
        "document_no": "淄科〔1〕号",
        "capital_wan": "1000",
        "established_on": "2026-01-05",
    }
    response = client.post(url, pool | {"capital_wan": ""})
    assert response["Location"] == reverse("projects:pools") and flashed(response)
    assert not RiskPool.objects.exists()
    client.post(url, pool)
    made = RiskPool.objects.get(name="页面风险补偿资金池")
    assert made.capital_wan == 1000
    assert flashed(client.post(url, {"do": "nonsense"}))

    officer = client_as("zhangdian_officer")
    loan = {
        "do": "file",
        "pool": made.pk,
        "bank": "页面银行",
        "borrower": "页面借款企业",
        "credit_code": FIRM_A,
        "region": "zhangdian",
        "amount_wan": "300",
        "filed_on": dt.date.today().isoformat(),
    }
    assert flashed(officer.post(url, loan | {"bank": ""}))
    assert not PoolLoan.objects.exists()
    officer.post(url, loan)
    filed = PoolLoan.objects.get(pool=made)
    assert filed.amount_wan == 300 and filed.region.code == "zhangdian"
    assert officer.post(url, pool | {"name": "区县资金池"}).status_code == 403
    assert client_as("leader").post(url, loan).status_code == 403
    assert not RiskPool.objects.filter(name="区县资金池").exists() and PoolLoan.objects.count() == 1
