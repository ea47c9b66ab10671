"""S&T finance as the bureau meets it: a firm's credit-enhancement score explained, the monthly loan filing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
from playwright.sync_api import expect

from kechuang.core.models import OrgUnit, User
from kechuang.enterprises.demo import load_population
from kechuang.enterprises.services import ladder_evaluate_register
from kechuang.finance import services
from kechuang.finance.models import CapabilityScore


def test_score_explained_and_monthly_filing_downloads(login, site, shot, tmp_path):
    load_population(OrgUnit.objects.get(code="zibo", parent=None), 40, seed=5)
    ladder_evaluate_register(as_of=dt.date.today())
    services.scores_compute(as_of=dt.date.today())
    staff = User.objects.get(username="p_bureau_staff")
    best = CapabilityScore.objects.filter(region__code="zhangdian").order_by("-total").first()
    month = dt.date.today().replace(day=1)
    services.loan_create(
        actor=staff,
        data={
            "product": "lukedai",
            "bank": "测试银行",
            "credit_code": best.credit_code,
            "amount_wan": Decimal(500),
            "rate_pct": Decimal("3.45"),
            "term_months": 12,
            "purpose": "rd",
            "month": month,
            "status": "granted",
        },
    )
    page = login("bureau_staff")
    page.get_by_role("link", name="创新能力评价（科技增信）").click()
    page.get_by_test_id("score-table").locator("tbody a").first.click()
    table = page.get_by_test_id("score-explanation")
    for criterion in ("研发投入强度", "知识产权", "资质认定（梯次培育）", "创新平台（研发机构）", "研发人才", "成长性"):
        expect(table).to_contain_text(criterion)
    expect(table).to_contain_text("总分（以上各项得分之和）")
    shot("finance-score")
    page.get_by_role("link", name="贷款月度备案").click()
    page.fill("input[name=month]", month.strftime("%Y-%m"))
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_test_id("filing-table")).to_contain_text(best.credit_code)
    shot("finance-filing")
    with page.expect_download() as download:
        page.get_by_test_id("filing-download").click()
    path = tmp_path / "filing.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.values)
    assert rows[0][:5] == ("序号", "贷款产品", "贷款银行", "企业名称", "统一社会信用代码")
    assert rows[1][4] == best.credit_code and len(rows) == 2
