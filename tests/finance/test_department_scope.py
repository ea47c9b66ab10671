"""Department officers and the finance registers: the lead and supporting departments of the policy's finance tasks
read them city-wide (task 20: loans, scores, insurance; task 19: venture capital, listing reserve), never write
them, and see the firms by name only (credit codes go to the roles that read the register); other departments see
nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kechuang.core.models import User
from kechuang.core.roles import Role
from kechuang.core.scope import can_write, reads_by_task
from kechuang.finance import competence, services
from kechuang.finance.models import CapabilityScore, InsurancePolicy, ListingFirm, Loan, VcFund, VcInvestment
from tests.finance.conftest import TODAY
from tests.finance.test_finance import _loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(unit):
    def make(code: str) -> User:
        return User.objects.create(
            username=f"t_officer_{code}", role=Role.DEPARTMENT_OFFICER, org_unit=unit(code), display_name=code
        )

    return make


@pytest.fixture
def registers(firms, persona):
    """A loan, an insurance policy, a VC investment and a listing-reserve firm of each district, and the scores."""
    staff = persona("bureau_staff")
    services.scores_compute(actor=staff, as_of=TODAY)
    inst = services.institution_create(
        actor=staff, data={"name": "测试创投", "credit_code": "", "registered_in_city": True}
    )
    fund = services.fund_create(
        actor=staff,
        data={"institution": inst, "name": "基金", "size_wan": Decimal(1000), "conversion_fund": False,
              "yield_share_pct": None, "yield_rule": ""},
    )  # fmt: skip
    for key in ("zd_strong", "zc_strong"):
        code = firms[key].credit_code
        services.loan_create(actor=staff, data=_loan(code))
        services.policy_create(
            actor=staff,
            data={"insurer": "测试保险", "policy_number": f"P-{key}", "product": "rd_innovation", "credit_code": code,
                  "premium_wan": Decimal(10), "subsidy_wan": Decimal(5), "sum_insured_wan": Decimal(400),
                  "start_date": TODAY, "end_date": TODAY + dt.timedelta(days=364)},
        )  # fmt: skip
        services.investment_create(
            actor=staff,
            data={"fund": fund, "credit_code": code, "stage": "seed", "amount_wan": Decimal(100), "invested_on": TODAY},
        )
        services.listing_firm_create(
            actor=staff, data={"credit_code": code, "stage": "cultivating", "target_board": "bse", "entered_on": TODAY,
                               "note": ""},
        )  # fmt: skip
    return firms


def test_competence_is_the_policy_tasks_departments(db, unit, officer):
    """Which departments read is the loaded policy's: task 20's four, task 19's four; not the others."""
    assert competence.tasks("loans") == (20,) and competence.tasks("listing_reserve") == (19,)
    for code in ("science_tech", "local_finance", "pboc_zibo", "nfra_zibo"):
        assert reads_by_task(officer(code), (20,)), code
    for code in ("development_reform", "science_tech", "finance", "local_finance"):
        assert reads_by_task(officer(code) if code not in ("science_tech", "local_finance") else
                             User.objects.get(username=f"t_officer_{code}"), (19,)), code  # fmt: skip
    assert not reads_by_task(User.objects.get(username="t_officer_finance"), (20,))
    assert not reads_by_task(User.objects.get(username="t_officer_pboc_zibo"), (19,))
    assert not reads_by_task(officer("education"), (19, 20))


def test_visible_per_department(registers, officer):
    regulator, treasury, schools = officer("local_finance"), officer("finance"), officer("education")
    n = {model: model.objects.count() for model in (Loan, InsurancePolicy, VcInvestment, ListingFirm)}
    latest = CapabilityScore.objects.filter(is_latest=True).count()
    assert latest == 4 and all(v == 2 for v in n.values())
    # 市地方金融监管局 leads both tasks: everything
    for model in n:
        assert model.objects.visible_to(regulator).count() == n[model]
    assert CapabilityScore.objects.visible_to(regulator).filter(is_latest=True).count() == latest
    # 市财政局 shares task 19 (VC, listing reserve), not task 20 (loans, insurance, scores)
    assert VcInvestment.objects.visible_to(treasury).count() == 2 and ListingFirm.objects.visible_to(treasury).count()
    assert not Loan.objects.visible_to(treasury).exists() and not InsurancePolicy.objects.visible_to(treasury).exists()
    assert not CapabilityScore.objects.visible_to(treasury).exists()
    # 市教育局 has no finance task
    for model in (*n, CapabilityScore):
        assert not model.objects.visible_to(schools).exists()
    # reading is not writing
    loan = Loan.objects.first()
    assert not can_write(regulator, loan) and not Loan.objects.writable_by(regulator).exists()


def test_department_pages_and_api_name_firms_without_codes(registers, officer, client, persona):
    codes = [registers[k].credit_code for k in ("zd_strong", "zc_strong")]
    names = [registers[k].name for k in ("zd_strong", "zc_strong")]
    client.force_login(officer("local_finance"))
    loan = Loan.objects.order_by("id").first()
    for url in (
        reverse("finance:loans"),
        reverse("finance:loan", args=[loan.pk]),
        reverse("finance:scores"),
        reverse("finance:policies"),
        reverse("finance:investments"),
        reverse("finance:listing"),
        reverse("finance:listing_firm", args=[ListingFirm.objects.first().pk]),
        reverse("finance:policy", args=[InsurancePolicy.objects.first().pk]),
        reverse("finance:loan_filing") + f"?month={TODAY:%Y-%m}",
        "/api/finance/loans",
        f"/api/finance/loans/{loan.pk}",
        "/api/finance/scores",
        "/api/finance/insurance/policies",
        "/api/finance/vc/investments",
        "/api/finance/listing",
        f"/api/finance/loans/filing?month={TODAY:%Y-%m}",
    ):
        response = client.get(url)
        body = json.dumps(response.json(), ensure_ascii=False) if url.startswith("/api/") else response.content.decode()
        assert response.status_code == 200, url
        assert not any(code in body for code in codes), url
        if "filing" not in url and "/loans/" not in url and "listing/" not in url and "policies/" not in url:
            assert any(name in body for name in names), url
    # a score's page is keyed by the credit code: not for a reader of names
    assert client.get(reverse("finance:score", args=[codes[0]])).status_code == 404
    assert client.get(f"/api/finance/scores/{codes[0]}").status_code == 404
    for url in (reverse("finance:loan_export"), reverse("finance:score_export"), reverse("finance:listing_export"),
                reverse("finance:investment_export"), reverse("finance:policy_export"),
                reverse("finance:loan_filing_xlsx") + f"?month={TODAY:%Y-%m}"):  # fmt: skip
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        cells = [str(c) for row in load_workbook(io.BytesIO(content)).worksheets[0].values for c in row]
        assert len(cells) > 10 and not any(code in cell for cell in cells for code in codes), url
    # the same pages give the codes to the bureau
    client.force_login(persona("bureau_staff"))
    assert codes[0] in client.get(reverse("finance:loans")).content.decode()


def test_department_reader_cannot_write(registers, officer, client, unchanged_db):
    client.force_login(officer("local_finance"))
    loan = Loan.objects.order_by("id").first()
    with unchanged_db():
        assert client.post(reverse("finance:loan_edit", args=[loan.pk]), {"bank": "改"}).status_code in (403, 404)
        response = client.patch(f"/api/finance/loans/{loan.pk}", {"bank": "改"}, content_type="application/json")
        assert response.status_code in (403, 404)
    assert VcFund.objects.count() == 1


# ------------------------------------------------------------------------------------------ the board
def _board(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("finance:board") + f"?year={TODAY.year}")
    assert response.status_code == 200
    return response.content.decode()


def test_board_follows_the_competence_of_each_register(registers, officer, client, persona):
    """The board shows a department only the sections of the registers the lists give it (competence.yaml); a
    department reading none gets the reason, not a page of zeros that reads as "nothing happened in the city"."""
    from kechuang.finance.selectors import board, readable_registers

    everything = {"loans", "scores", "insurance", "venture_capital", "listing_reserve"}
    regulator, treasury, schools = officer("local_finance"), officer("finance"), officer("education")
    assert readable_registers(persona("bureau_staff")) == everything
    assert readable_registers(persona("leader")) == everything
    assert readable_registers(persona("zhangdian_officer")) == everything  # its own region's records of each
    assert readable_registers(regulator) == everything
    assert readable_registers(treasury) == {"venture_capital", "listing_reserve"}
    assert readable_registers(schools) == set()

    sections = ('data-testid="board-loans"', 'data-testid="board-scores"', 'data-testid="board-insurance"',
                'data-testid="board-vc"', 'data-testid="board-reserve"')  # fmt: skip
    bureau_page = _board(client, persona("bureau_staff"))
    assert all(s in bureau_page for s in sections) and 'data-testid="board-none"' not in bureau_page
    assert 'data-testid="kpi-loan-amount">1,000' in bureau_page or 'data-testid="kpi-loan-amount">1000' in bureau_page

    # 市财政局 (task 19 only): VC and the listing reserve, no loans, insurance or scores, and it is told why
    page = _board(client, treasury)
    assert 'data-testid="board-vc"' in page and 'data-testid="board-reserve"' in page
    assert not any(s in page for s in sections[:3]) and 'data-testid="kpi-loan-amount"' not in page
    assert 'data-testid="board-partial"' in page
    b = board(treasury, TODAY.year)
    assert b["vc_total"] == Decimal(200) and b["reserve_total"] == 2 and b["loans"] is None and b["scored"] is None
    api = client.get(f"/api/finance/board?year={TODAY.year}").json()  # the API answers the same sections
    assert (
        api["sections"] == ["listing_reserve", "venture_capital"]
        and api["loans"] is None
        and api["vc_total"] == "200.00"
    )

    # 市教育局 (no finance task): no figure at all, a clear empty state naming the rule
    page = _board(client, schools)
    assert not any(s in page for s in sections) and 'data-testid="board-none"' in page
    assert "19" in page and "20" in page
    assert 'data-testid="finance-kpis"' not in page
    # the menu offers the board to it, so the page answers (200) with the reason rather than a 403
    assert f'href="{reverse("finance:board")}"' in page

    # a district officer: every section, its own region's figures only
    page = _board(client, persona("zichuan_officer"))
    assert all(s in page for s in sections)
    assert board(persona("zichuan_officer"), TODAY.year)["reserve_total"] == 1
