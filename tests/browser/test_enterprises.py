"""The enterprise ladder as a district officer and the bureau meet it."""

from __future__ import annotations

import datetime as dt

import openpyxl
from playwright.sync_api import expect

from kechuang.core.models import OrgUnit
from kechuang.enterprises.demo import load_population
from kechuang.enterprises.services import ladder_evaluate_register


def _population():
    load_population(OrgUnit.objects.get(code="zibo", parent=None), 150, seed=11)
    ladder_evaluate_register(as_of=dt.date.today())


def test_funnel_drill_down_and_enterprise_page(login, site, shot):
    _population()
    page = login("bureau_staff")
    page.get_by_role("link", name="梯次漏斗").click()
    expect(page.get_by_test_id("funnel")).to_contain_text("张店区")
    shot("enterprise-funnel")
    page.get_by_test_id("funnel").locator("a[href*='eligible=tech_sme&region=zhangdian']").click()
    expect(page.get_by_test_id("enterprise-table")).to_be_visible()
    shot("enterprise-list")
    page.get_by_test_id("enterprise-table").locator("tbody a").first.click()
    expect(page.get_by_test_id("staircase")).to_contain_text("科技型中小企业")
    expect(page.get_by_test_id("staircase")).to_contain_text("高新技术企业")
    page.locator("details summary").first.click()
    expect(page.locator("table.criteria").first).to_contain_text("国科发政〔2017〕115号")
    shot("enterprise-detail")


def test_reserve_pool_lists_gaps(login, shot):
    _population()
    page = login("bureau_staff")
    page.get_by_role("link", name="后备库").click()
    expect(page.get_by_test_id("reserve-table")).to_be_visible()
    expect(page.get_by_test_id("reserve-table").locator("ul.gaps li").first).to_be_visible()
    shot("enterprise-reserve")


def test_import_with_a_bad_row_imports_nothing(login, site, shot, tmp_path, settings):
    page = login("zhangdian_officer")
    page.get_by_role("link", name="导入", exact=True).click()
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "企业"
    ws.append(["统一社会信用代码 *", "企业名称 *", "所属区县 *"])
    ws.append(["91350100M000100Y43", "好企业", "张店区"])
    ws.append(["91350100M000100Y44", "坏企业", "张店区"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_test_id("import-status")).to_contain_text("未导入")
    expect(page.get_by_test_id("import-errors")).to_contain_text("校验")
    shot("enterprise-import-errors")
