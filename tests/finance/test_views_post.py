"""The finance pages' POST paths as their users take them: a bad field answers the form again with the error on
that field and nothing saved; a good post saves and sends on to the record; a persona without the right is refused
and changes nothing. Over the small register of conftest (`firms`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kechuang.finance.models import (
    InsuranceClaim,
    InsurancePolicy,
    ListingFirm,
    ListingService,
    Loan,
    VcFund,
    VcInstitution,
    VcInvestment,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def flashed(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def saved(response) -> None:
    """A good post sends on; when it does not, the form's errors say why (the test's data, not the page, is off)."""
    form = response.context.get("form") if response.context else None
    assert response.status_code == 302, form.errors if form is not None else response.status_code


def loan_data(code: str, **changes) -> dict:
    data = {
        "product": "lukedai",
        "bank": "页面银行",
        "credit_code": code,
        "amount_wan": "500",
        "rate_pct": "3.45",
        "term_months": "12",
        "purpose": "rd",
        "month": TODAY.replace(day=1).isoformat(),
        "status": "granted",
        "note": "",
    }
    return data | changes


def test_loan_create_page(firms, client_as):
    code = firms["zd_strong"].credit_code
    client = client_as("zhangdian_officer")
    url = reverse("finance:loan_create")
    assert client.get(url).status_code == 200
    response = client.post(url, loan_data(code, amount_wan="-5"))
    assert response.status_code == 200 and "amount_wan" in response.context["form"].errors
    response = client.post(url, loan_data(firms["zc_strong"].credit_code))  # another district's firm
    assert response.status_code == 200 and response.context["form"].errors
    assert not Loan.objects.exists()
    response = client.post(url, loan_data(code))
    saved(response)
    loan = Loan.objects.get(credit_code=code)
    assert response["Location"] == reverse("finance:loan", args=[loan.pk]) and loan.bank == "页面银行"
    assert loan.region.code == "zhangdian"
    assert client_as("leader").post(url, loan_data(code, bank="领导银行")).status_code == 403
    assert Loan.objects.count() == 1


def test_loan_import_without_a_file_asks_for_one(client_as):
    response = client_as("bureau_staff").post(reverse("finance:loan_import"), {})
    assert response.status_code == 200 and flashed(response)


def policy_data(code: str, **changes) -> dict:
    data = {
        "insurer": "页面保险公司",
        "policy_number": "PAGE-0001",
        "product": "rd_innovation",
        "credit_code": code,
        "premium_wan": "10",
        "subsidy_wan": "5",
        "sum_insured_wan": "300",
        "start_date": (TODAY - dt.timedelta(days=30)).isoformat(),
        "end_date": (TODAY + dt.timedelta(days=330)).isoformat(),
    }
    return data | changes


def test_policy_claim_and_decision_through_the_pages(firms, client_as):
    code = firms["zd_strong"].credit_code
    client = client_as("bureau_staff")
    url = reverse("finance:policy_create")
    assert client.get(url).status_code == 200
    response = client.post(url, policy_data(code, insurer=""))
    assert response.status_code == 200 and "insurer" in response.context["form"].errors
    assert not InsurancePolicy.objects.exists()
    response = client.post(url, policy_data(code))
    saved(response)
    policy = InsurancePolicy.objects.get(policy_number="PAGE-0001")
    assert response["Location"] == reverse("finance:policy", args=[policy.pk])

    claim_url = reverse("finance:claim_create", args=[policy.pk])
    assert client.get(claim_url).status_code == 200
    response = client.post(claim_url, {"filed_on": TODAY.isoformat(), "amount_claimed_wan": "", "reason": "失败"})
    assert response.status_code == 200 and "amount_claimed_wan" in response.context["form"].errors
    response = client.post(claim_url, {"filed_on": TODAY.isoformat(), "amount_claimed_wan": "50", "reason": "研发失败"})
    saved(response)
    claim = InsuranceClaim.objects.get(policy=policy)
    assert claim.status == "filed" and claim.amount_claimed_wan == 50

    decide = reverse("finance:claim_decide", args=[claim.pk])
    response = client.post(decide, {"status": "nonsense"})
    assert response.status_code == 302 and flashed(response)
    claim.refresh_from_db()
    assert claim.status == "filed"
    assert client_as("leader").post(decide, {"status": "paid", "amount_paid_wan": "40"}).status_code == 403
    assert client_as("zichuan_officer").post(decide, {"status": "paid", "amount_paid_wan": "40"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == "filed"
    client = client_as("bureau_staff")  # client_as signs the one test client in as another persona
    response = client.post(decide, {"status": "paid", "amount_paid_wan": "40", "reason": ""})
    assert response["Location"] == reverse("finance:policy", args=[policy.pk])
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.amount_paid_wan == 40


def test_institution_fund_and_investment_through_the_pages(firms, client_as):
    client = client_as("bureau_staff")
    url = reverse("finance:institution_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "", "credit_code": "", "registered_in_city": "on"})
    assert response.status_code == 200 and "name" in response.context["form"].errors
    saved(client.post(url, {"name": "页面创投", "credit_code": "", "registered_in_city": "on"}))
    institution = VcInstitution.objects.get(name="页面创投")

    url = reverse("finance:fund_create")
    assert client.get(url).status_code == 200
    fund = {
        "institution": institution.pk,
        "name": "页面基金",
        "size_wan": "10000",
        "yield_share_pct": "",
        "yield_rule": "",
    }
    response = client.post(url, fund | {"size_wan": "-1"})
    assert response.status_code == 200 and "size_wan" in response.context["form"].errors
    saved(client.post(url, fund))
    fund_row = VcFund.objects.get(name="页面基金")
    assert fund_row.institution == institution

    url = reverse("finance:investment_create")
    assert client.get(url).status_code == 200
    investment = {
        "fund": fund_row.pk,
        "credit_code": firms["zd_strong"].credit_code,
        "stage": "seed",
        "amount_wan": "800",
        "invested_on": (TODAY - dt.timedelta(days=10)).isoformat(),
    }
    response = client.post(url, investment | {"stage": ""})
    assert response.status_code == 200 and "stage" in response.context["form"].errors
    assert not VcInvestment.objects.exists()
    saved(client.post(url, investment))
    assert VcInvestment.objects.get(fund=fund_row).amount_wan == 800
    assert client_as("leader").post(url, investment).status_code == 403
    assert VcInvestment.objects.count() == 1


def test_listing_reserve_through_the_pages(firms, client_as):
    code = firms["zd_strong"].credit_code
    client = client_as("zhangdian_officer")
    url = reverse("finance:listing_create")
    assert client.get(url).status_code == 200
    firm = {"credit_code": code, "stage": "cultivating", "target_board": "bse", "entered_on": TODAY.isoformat()}
    response = client.post(url, firm | {"target_board": "moon"})
    assert response.status_code == 200 and "target_board" in response.context["form"].errors
    assert not ListingFirm.objects.exists()
    response = client.post(url, firm | {"note": "页面"})
    saved(response)
    row = ListingFirm.objects.get(credit_code=code)
    assert response["Location"] == reverse("finance:listing_firm", args=[row.pk])

    service_url = reverse("finance:listing_service_create", args=[row.pk])
    assert client.get(service_url).status_code == 200
    service = {"kind": "training", "title": "上市培训", "provider": "交易所", "given_on": TODAY.isoformat()}
    response = client.post(service_url, service | {"title": ""})
    assert response.status_code == 200 and "title" in response.context["form"].errors
    saved(client.post(service_url, service))
    assert ListingService.objects.get(firm=row).title == "上市培训"
    assert client_as("zichuan_officer").post(service_url, service | {"title": "越权"}).status_code == 404
    assert not ListingService.objects.filter(title="越权").exists()


def test_score_run_is_the_bureaus(firms, client_as):
    url = reverse("finance:score_run")
    assert client_as("zhangdian_officer").post(url).status_code == 403
    response = client_as("bureau_staff").post(url)
    assert response.status_code == 302 and response["Location"] == reverse("finance:scores") and flashed(response)
