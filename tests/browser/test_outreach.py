"""科技特派员 and 科普 as a district officer and the bureau meet them: a commissioner's village visit logged in the
browser shows in the region view and the yearly statistics."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from kechuang.core.models import OrgUnit
from kechuang.outreach.demo import load_demo


def test_a_logged_village_visit_reaches_the_region_view_and_the_statistics(login, shot):
    load_demo(OrgUnit.objects.get(code="zibo", parent=None), 24)
    page = login("zhangdian_officer")
    page.get_by_role("link", name="科技特派员", exact=True).click()
    expect(page.get_by_test_id("commissioner-table")).to_be_visible()
    shot("outreach-commissioners")
    page.get_by_test_id("commissioner-table").locator("tbody a").first.click()
    page.get_by_role("link", name="登记服务").first.click()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.fill("#id_date", yesterday.isoformat())
    page.fill("#id_place", "浏览器测试村党群服务中心")
    page.fill("#id_content", "设施蔬菜嫁接现场培训")
    page.fill("#id_people_trained", "42")
    page.fill("#id_technologies_introduced", "1")
    page.fill("#id_income_effect_wan", "6.5")
    shot("outreach-log-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("log-table")).to_contain_text("设施蔬菜嫁接现场培训")
    shot("outreach-commissioner")
    page.get_by_role("link", name="服务村镇").click()
    page.select_option("select[name=year]", str(yesterday.year))
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_test_id("region-zhangdian")).to_be_visible()
    shot("outreach-regions")
    page.get_by_role("link", name="特派员服务统计").click()
    page.select_option("select[name=year]", str(yesterday.year))
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_test_id("stats-table")).to_contain_text("张店区")
    shot("outreach-stats")


def test_popsci_pages(login, shot):
    load_demo(OrgUnit.objects.get(code="zibo", parent=None), 60)
    page = login("bureau_staff")
    page.get_by_role("link", name="科普教育基地").click()
    expect(page.get_by_test_id("base-table")).to_be_visible()
    shot("outreach-bases")
    page.get_by_role("link", name="省级科普基地培育").first.click()
    expect(page.get_by_test_id("candidate-table")).to_be_visible()
    shot("outreach-candidates")
    page.get_by_role("link", name="科普活动", exact=True).click()
    expect(page.get_by_test_id("activity-table")).to_be_visible()
    shot("outreach-activities")
    page.get_by_role("link", name="科普统计").click()
    expect(page.get_by_test_id("popsci-stats")).to_contain_text("科普大篷车下乡")
    shot("outreach-popsci-stats")
