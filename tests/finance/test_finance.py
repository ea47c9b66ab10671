"""The finance module on a tiny register: scores through the registry, loans, the filing, the import, insurance,
VC, the listing reserve, the board; each write audited, each district seeing its own."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from kechuang.core.models import AuditEntry
from kechuang.enterprises.models import Qualification
from kechuang.finance import services
from kechuang.finance.models import (
    CapabilityScore,
    InsuranceClaim,
    ListingFirm,
    Loan,
    ScoreScheme,
    VcFund,
    VcInstitution,
)
from kechuang.finance.scoring.engine import parse_scheme, score
from tests.finance.conftest import TODAY

pytestmark = pytest.mark.django_db


def _loan(code: str, **extra) -> dict:
    return {
        "product": "lukedai",
        "bank": "测试银行",
        "credit_code": code,
        "amount_wan": Decimal("500"),
        "rate_pct": Decimal("3.45"),
        "term_months": 12,
        "purpose": "rd",
        "month": TODAY.replace(day=15),
        "status": "granted",
        "note": "",
    } | extra


# ------------------------------------------------------------------------------------------ scores
def test_register_scored_through_the_registry_with_history(firms, persona):
    out = services.scores_compute(actor=persona("bureau_staff"), as_of=TODAY - dt.timedelta(days=30))
    assert out["scored"] == 4
    services.scores_compute(as_of=TODAY)
    strong = CapabilityScore.objects.get(credit_code=firms["zd_strong"].credit_code, is_latest=True)
    # 6 % R&D → 20; IP 2×4 + 1 = 9; tech SME 4 + high-tech 8 = 12; provincial platform 8; R&D staff 25 % → 8;
    # growth 25 % → 8
    assert strong.total == Decimal("65.0") and strong.grade == "B"
    assert strong.points == {
        "rd_intensity": 200,
        "ip": 90,
        "qualifications": 120,
        "platforms": 80,
        "talents": 80,
        "growth": 80,
    }
    # the batch path stored what the per-record path gives, firm by firm
    scheme = parse_scheme(strong.scheme.data)
    for row in CapabilityScore.objects.filter(is_latest=True):
        assert Decimal(score(row.measures, scheme).total) / 10 == row.total
    # history: one row per day, the newest latest
    assert CapabilityScore.objects.filter(credit_code=strong.credit_code).count() == 2
    assert CapabilityScore.objects.filter(is_latest=True).count() == 4
    assert AuditEntry.objects.filter(object_type="finance.capabilityscore").count() == 2
    # a back-dated run adds history; today's rows stay the latest
    services.scores_compute(as_of=TODAY - dt.timedelta(days=60))
    assert CapabilityScore.objects.filter(credit_code=strong.credit_code).count() == 3
    assert set(CapabilityScore.objects.filter(is_latest=True).values_list("as_of", flat=True)) == {TODAY}


def test_score_page_explains_each_criterion_and_scope(firms, client_as):
    services.scores_compute(as_of=TODAY)
    code = firms["zd_strong"].credit_code
    page = client_as("zhangdian_officer").get(reverse("finance:score", args=[code]))
    text = page.content.decode()
    assert page.status_code == 200
    for criterion in ("rd_intensity", "ip", "qualifications", "platforms", "talents", "growth"):
        assert f'data-criterion="{criterion}"' in text
    assert "2 × 4 + 1 × 1 = 9" in text
    other = client_as("zichuan_officer").get(reverse("finance:score", args=[code]))
    assert other.status_code == 404
    listing = client_as("zichuan_officer").get(reverse("finance:scores"))
    assert code not in listing.content.decode() and firms["zc_strong"].credit_code in listing.content.decode()


def test_score_api_explanation_adds_up(firms, client, token_for):
    services.scores_compute(as_of=TODAY)
    code = firms["zd_strong"].credit_code
    body = client.get(f"/api/finance/scores/{code}", **token_for("bureau_staff")).json()
    assert body["total"] == 65.0 and round(sum(c["points"] for c in body["criteria"]), 1) == body["total"]
    assert client.get(f"/api/finance/scores/{code}", **token_for("zichuan_officer")).status_code == 404
    assert client.get("/api/finance/scores?min_score=abc", **token_for("bureau_staff")).status_code == 422


def test_scheme_is_data_and_a_bad_one_names_the_field(firms, persona, client_as):
    staff = persona("bureau_staff")
    current = services.current_scheme()
    data = dict(current.data, version="v2")
    data["criteria"] = [dict(c) for c in data["criteria"]]
    data["criteria"][0]["bands"] = [[1, 25]]  # any R&D over 1 % earns the full 25
    services.scheme_create(actor=staff, data=data)
    services.scores_compute(as_of=TODAY)
    plain = CapabilityScore.objects.get(credit_code=firms["zd_plain"].credit_code, is_latest=True)
    assert plain.scheme.version == "v2" and plain.points["rd_intensity"] == 0  # 0.8 % R&D
    bad = dict(data, version="v3", criteria=[{"code": "x", "kind": "bands", "max": 5, "bands": [[2, 1], [1, 2]]}])
    with pytest.raises(ValidationError) as caught:
        services.scheme_create(actor=staff, data=bad)
    assert "criteria[0].bands[1]" in str(caught.value)
    with pytest.raises(PermissionDenied):
        services.scheme_create(actor=persona("zhangdian_officer"), data=dict(data, version="v4"))
    assert client_as("zhangdian_officer").get(reverse("finance:scheme")).status_code == 403
    assert ScoreScheme.objects.count() == 2


# ------------------------------------------------------------------------------------------ loans
def test_loan_create_scope_audit_and_warning(firms, persona):
    zd = persona("zhangdian_officer")
    loan = services.loan_create(actor=zd, data=_loan(firms["zd_strong"].credit_code))
    assert loan.region.code == "zhangdian" and loan.month.day == 1 and loan.tech_sme_number
    assert AuditEntry.objects.filter(object_type="finance.loan", object_id=str(loan.pk), action="create").exists()
    with pytest.raises(ValidationError) as caught:
        services.loan_create(actor=zd, data=_loan(firms["zc_strong"].credit_code))
    assert "credit_code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.loan_create(actor=zd, data=_loan("91370303MA3C000000"))
    assert "credit_code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.loan_create(actor=zd, data=_loan(firms["zd_strong"].credit_code, region="zichuan"))
    assert "region" in caught.value.message_dict
    from kechuang.finance.selectors import with_warnings

    assert not with_warnings([loan])[0].warning
    Qualification.objects.filter(enterprise=firms["zd_strong"], tier="tech_sme").update(revoked=True)
    assert with_warnings([loan])[0].warning


def test_loan_pages_filters_and_district_scope(firms, persona, client_as):
    staff = persona("bureau_staff")
    services.loan_create(actor=staff, data=_loan(firms["zd_strong"].credit_code))
    services.loan_create(actor=staff, data=_loan(firms["zc_strong"].credit_code, product="rd_loan"))
    services.loan_create(actor=staff, data=_loan(firms["zc_no_sme"].credit_code))
    page = client_as("zhangdian_officer").get(reverse("finance:loans")).content.decode()
    assert firms["zd_strong"].credit_code in page and firms["zc_strong"].credit_code not in page
    warned = client_as("bureau_staff").get(reverse("finance:loans") + "?warning=1").content.decode()
    assert firms["zc_no_sme"].credit_code in warned and firms["zd_strong"].credit_code not in warned
    export = client_as("zichuan_officer").get(reverse("finance:loan_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 3 and all(r[2] != firms["zd_strong"].credit_code for r in rows[1:])


def test_monthly_filing_columns_and_summary(firms, persona, client_as):
    staff = persona("bureau_staff")
    services.loan_create(actor=staff, data=_loan(firms["zd_strong"].credit_code, amount_wan=Decimal(300)))
    services.loan_create(
        actor=staff,
        data=_loan(firms["zc_strong"].credit_code, amount_wan=Decimal(100), rate_pct=Decimal("4.00"), bank="另一银行"),
    )
    services.loan_create(
        actor=staff, data=_loan(firms["zd_plain"].credit_code, month=TODAY.replace(day=1) - dt.timedelta(days=40))
    )
    month = TODAY.strftime("%Y-%m")
    response = client_as("bureau_staff").get(reverse("finance:loan_filing_xlsx") + f"?month={month}")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    loans_sheet, summary = book.worksheets
    rows = list(loans_sheet.values)
    headers = [c["header"] for c in services.data_file("filing_columns.yaml")["columns"]]
    assert list(rows[0]) == headers and len(rows) == 3
    assert "统一社会信用代码" in headers and "贷款金额（万元）" in headers
    facts = {r[0]: r[1] for r in summary.values}
    assert (
        facts["贷款笔数"] == 2
        and facts["涉及银行"] == 2
        and Decimal(str(facts["加权平均年利率（%）"])) == Decimal("3.59")
    )
    district = client_as("zichuan_officer").get(reverse("finance:loan_filing_xlsx") + f"?month={month}")
    rows = list(load_workbook(io.BytesIO(b"".join(district.streaming_content))).worksheets[0].values)
    assert len(rows) == 2 and rows[1][4] == firms["zc_strong"].credit_code
    assert client_as("leader").get(reverse("finance:loan_filing") + f"?month={month}").status_code == 200


def _workbook(rows: list[list]) -> bytes:
    from kechuang.finance.importer import columns

    book = Workbook()
    sheet = book.active
    sheet.title = "贷款"
    sheet.append([c.label for c in columns()])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_loan_import_all_or_nothing_with_row_errors(firms, persona):
    from kechuang.core import imports

    staff = persona("bureau_staff")
    good = [["lukedai", "测试银行", firms["zd_strong"].credit_code, 500, 3.5, 12, "rd", "2026-03-01", "granted", ""]]
    from kechuang.finance.importer import columns

    labels = [c.label for c in columns()]
    assert labels[:3] == ["贷款产品", "银行", "统一社会信用代码"]
    bad = [
        *good,
        ["lukedai", "测试银行", "91370303MA3C000000", 500, 3.5, 12, "rd", "2026-03-01", "granted", ""],
        ["rd_loan", "测试银行", firms["zc_strong"].credit_code, -5, 3.5, 12, "rd", "2026-03-01", "granted", ""],
    ]
    job = imports.import_now("finance_loans", actor=staff, filename="bad.xlsx", data=_workbook(bad))
    assert job.status == "failed" and Loan.objects.count() == 0
    problems = {(e["row"], e["field"]) for e in job.errors}
    assert (3, "credit_code") in problems and (4, "amount_wan") in problems
    job = imports.import_now("finance_loans", actor=staff, filename="good.xlsx", data=_workbook(good))
    assert job.status == "done", job.errors
    assert Loan.objects.get().region.code == "zhangdian"


@pytest.mark.parametrize("month", ["2026-03", "2026/3", "2026年3月", "２０２６年３月", "2026-03-15", 46096])
def test_the_loan_month_is_read_as_people_write_it(month, firms, persona):
    """放款月份 is a month: 2026-03 (as the monthly filing writes it) was refused as "not a date (YYYY-MM-DD)"."""
    from kechuang.core import imports

    row = ["lukedai", "测试银行", firms["zd_strong"].credit_code, 500, 3.5, 12, "rd", month, "granted", ""]
    job = imports.import_now("finance_loans", actor=persona("bureau_staff"), filename="m.xlsx", data=_workbook([row]))
    assert job.status == "done", job.errors
    assert Loan.objects.get().month == dt.date(2026, 3, 1)


@pytest.mark.parametrize("month", ["2026-13", "2026年0月", "三月", 2026])
def test_a_loan_month_that_is_no_month_is_named(month, firms, persona):
    from kechuang.core import imports

    row = ["lukedai", "测试银行", firms["zd_strong"].credit_code, 500, 3.5, 12, "rd", month, "granted", ""]
    job = imports.import_now("finance_loans", actor=persona("bureau_staff"), filename="m.xlsx", data=_workbook([row]))
    assert job.status == "failed" and [(e["row"], e["field"]) for e in job.errors] == [(2, "month")], job.errors
    assert not Loan.objects.exists()


# ------------------------------------------------------------------------------------------ insurance, VC, listing
def test_insurance_claims(firms, persona):
    zd = persona("zhangdian_officer")
    policy = services.policy_create(
        actor=zd,
        data={
            "insurer": "测试保险",
            "policy_number": "P-1",
            "product": "rd_innovation",
            "credit_code": firms["zd_strong"].credit_code,
            "premium_wan": Decimal(10),
            "subsidy_wan": Decimal(5),
            "sum_insured_wan": Decimal(400),
            "start_date": TODAY,
            "end_date": TODAY + dt.timedelta(days=364),
        },
    )
    with pytest.raises(ValidationError) as caught:
        services.policy_create(
            actor=zd,
            data={
                "insurer": "测试保险",
                "policy_number": "P-2",
                "product": "rd_innovation",
                "credit_code": firms["zd_strong"].credit_code,
                "premium_wan": Decimal(10),
                "subsidy_wan": Decimal(11),
                "sum_insured_wan": Decimal(400),
                "start_date": TODAY,
                "end_date": TODAY,
            },
        )
    assert "subsidy_wan" in caught.value.message_dict
    claim = services.claim_create(
        actor=zd, policy=policy, data={"filed_on": TODAY, "amount_claimed_wan": Decimal(50), "reason": ""}
    )
    with pytest.raises(ValidationError):
        services.claim_create(
            actor=zd, policy=policy, data={"filed_on": TODAY, "amount_claimed_wan": Decimal(500), "reason": ""}
        )
    with pytest.raises(ValidationError) as caught:
        services.claim_decide(actor=zd, claim=claim, status="paid", amount_paid_wan=Decimal(60))
    assert "amount_paid_wan" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.claim_decide(actor=persona("zichuan_officer"), claim=claim, status="rejected", reason="x")
    services.claim_decide(actor=zd, claim=claim, status="paid", amount_paid_wan=Decimal(40))
    with pytest.raises(ValidationError):  # settled once
        services.claim_decide(actor=zd, claim=claim, status="rejected", reason="again")
    assert InsuranceClaim.objects.get().amount_paid_wan == Decimal(40)


def test_vc_yielded_returns_rule_recorded_for_seed_and_early(firms, persona):
    staff = persona("bureau_staff")
    inst = services.institution_create(
        actor=staff, data={"name": "测试创投", "credit_code": "", "registered_in_city": True}
    )
    conversion = services.fund_create(
        actor=staff,
        data={
            "institution": inst,
            "name": "转换基金",
            "size_wan": Decimal(1000),
            "conversion_fund": True,
            "yield_share_pct": None,
            "yield_rule": "",
        },
    )
    plain = services.fund_create(
        actor=staff,
        data={
            "institution": inst,
            "name": "普通基金",
            "size_wan": Decimal(1000),
            "conversion_fund": False,
            "yield_share_pct": None,
            "yield_rule": "",
        },
    )
    rule = services.yield_rule_default()
    assert conversion.yield_share_pct == Decimal(str(rule["share_pct"])) and conversion.yield_rule == rule["rule"]

    def invest(fund: VcFund, stage: str):
        return services.investment_create(
            actor=staff,
            data={
                "fund": fund,
                "credit_code": firms["zd_strong"].credit_code,
                "stage": stage,
                "amount_wan": Decimal(100),
                "invested_on": TODAY,
            },
        )

    assert (
        invest(conversion, "seed").yield_applies
        and invest(conversion, "early").yield_share_pct == conversion.yield_share_pct
    )
    assert not invest(conversion, "growth").yield_applies and not invest(plain, "seed").yield_applies
    with pytest.raises(PermissionDenied):
        services.institution_create(actor=persona("zhangdian_officer"), data={"name": "x"})
    assert VcInstitution.objects.count() == 1
    # the fund list counts only the investments the reader may see (all four are 张店's)
    from kechuang.finance.selectors import funds

    seen = {f.name: (f.investments_n, f.invested) for f in funds(persona("zichuan_officer"))}
    assert seen["转换基金"] == (0, None) and {f.name: f.investments_n for f in funds(staff)}["转换基金"] == 3


def test_listing_reserve(firms, persona, client_as):
    zd = persona("zhangdian_officer")
    firm = services.listing_firm_create(
        actor=zd,
        data={
            "credit_code": firms["zd_strong"].credit_code,
            "stage": "cultivating",
            "target_board": "bse",
            "entered_on": TODAY,
            "note": "",
        },
    )
    with pytest.raises(ValidationError) as caught:
        services.listing_firm_create(
            actor=zd,
            data={
                "credit_code": firms["zd_strong"].credit_code,
                "stage": "cultivating",
                "target_board": "bse",
                "entered_on": TODAY,
                "note": "",
            },
        )
    assert "credit_code" in caught.value.message_dict
    services.listing_firm_update(actor=zd, firm=firm, data={"stage": "tutoring"})
    with pytest.raises(ValidationError):
        services.listing_firm_update(actor=zd, firm=firm, data={"credit_code": "x"})
    services.listing_service_create(
        actor=zd, firm=firm, data={"kind": "training", "title": "培训", "provider": "券商", "given_on": TODAY}
    )
    assert ListingFirm.objects.get().stage == "tutoring"
    page = client_as("zhangdian_officer").get(reverse("finance:listing_firm", args=[firm.pk]))
    assert page.status_code == 200 and "培训" in page.content.decode()
    assert client_as("zichuan_officer").get(reverse("finance:listing_firm", args=[firm.pk])).status_code == 404


def test_board_counts_match_the_lists(firms, persona, client_as):
    staff = persona("bureau_staff")
    services.loan_create(actor=staff, data=_loan(firms["zd_strong"].credit_code))
    services.loan_create(actor=staff, data=_loan(firms["zc_no_sme"].credit_code, amount_wan=Decimal(250)))
    services.scores_compute(as_of=TODAY)
    from kechuang.finance.selectors import board

    b = board(persona("bureau_staff"), TODAY.year)
    assert b["loans"]["amount"] == Decimal(750) and b["loans"]["n"] == 2 and b["warnings"] == 1 and b["scored"] == 4
    assert b["months"][TODAY.month - 1]["lukedai"] == Decimal(750)
    zc = board(persona("zichuan_officer"), TODAY.year)
    assert zc["loans"]["amount"] == Decimal(250) and zc["scored"] == 2
    page = client_as("leader").get(reverse("finance:board"))
    assert page.status_code == 200 and 'data-testid="kpi-loan-amount">750' in page.content.decode()


# ------------------------------------------------------------------------------------------ the enterprise's own score
def test_enterprise_account_sees_only_its_own_score(firms, persona, client_as, client):
    services.scores_compute(as_of=TODAY)
    own, other = firms["zd_strong"], firms["zc_strong"]
    user = persona("enterprise_user")
    user.credit_code, user.organisation = own.credit_code, own.name
    user.save()
    page = client_as("enterprise_user").get(reverse("finance:my_score"))
    text = page.content.decode()
    assert page.status_code == 200 and own.credit_code in text and other.credit_code not in text
    assert 'data-criterion="rd_intensity"' in text and "65.0" in text
    body = client.get("/api/finance/my-score").json()
    assert body["credit_code"] == own.credit_code and round(sum(c["points"] for c in body["criteria"]), 1) == 65.0
    # no other firm's score, list or staff page
    for url in (reverse("finance:score", args=[other.credit_code]), reverse("finance:scores"), "/api/finance/scores"):
        assert client.get(url).status_code == 403, url
    # its home is the enterprise portal, which links the score's explanation
    assert client.get("/").status_code == 302 and client.get("/").url == reverse("portal:home")
    assert reverse("finance:my_score") in client.get(reverse("portal:home")).content.decode()
    # an account of a firm not scored yet is told so; staff have no "own" score
    user.credit_code = firms["zc_no_sme"].credit_code.replace("9", "8", 1)
    user.save()
    assert "尚未" in client.get(reverse("finance:my_score")).content.decode()
    assert client.get("/api/finance/my-score").status_code == 404
    assert client_as("bureau_staff").get(reverse("finance:my_score")).status_code == 403


def test_scheme_page_saves_a_new_version_criterion_by_criterion(db, client_as):
    from kechuang.finance.forms import SchemeForm

    current = services.current_scheme()
    form = SchemeForm(current=current.data)
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    client = client_as("bureau_staff")
    bad = client.post(reverse("finance:scheme"), data | {"version": "v9", "bands__growth": "0-2"})
    assert bad.status_code == 200 and ScoreScheme.objects.count() == 1 and "1:5, 2:10" in bad.content.decode()
    done = client.post(reverse("finance:scheme"), data | {"version": "v9", "bands__rd_intensity": "1:10, 4:25"})
    assert done.status_code == 302
    saved = services.current_scheme()
    assert saved.version == "v9" and saved.data["criteria"][0]["bands"] == [[1.0, 10.0], [4.0, 25.0]]
    assert saved.data["grades"] == [[80.0, "A"], [60.0, "B"], [40.0, "C"], [0.0, "D"]]
    again = client.post(reverse("finance:scheme"), data | {"version": "v9"})
    assert again.status_code == 200 and ScoreScheme.objects.count() == 2  # a version is never overwritten
