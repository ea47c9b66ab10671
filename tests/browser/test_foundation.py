"""The foundation pages as a user meets them in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from kechuang.core import services
from kechuang.core.models import Liaison, OrgUnit, User


def test_cockpit_in_chinese_then_english(login, shot):
    page = login("leader")
    expect(page.locator("h1")).to_have_text("驾驶舱")
    expect(page.get_by_test_id("headline-target")).to_have_count(4)
    expect(page.get_by_test_id("days-to-end")).to_contain_text("2028-12-31")
    shot("cockpit-zh")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Cockpit")
    shot("cockpit-en")


def test_policy_overview_task_department_and_search(login, site, shot):
    page = login("bureau_staff")
    page.get_by_role("link", name="政策总览").click()
    expect(page.get_by_test_id("task")).to_have_count(25)
    shot("policy-overview")
    task2 = page.locator("#task-2")
    task2.get_by_text("条款原文").click()
    expect(task2.locator("details.clause p")).to_contain_text("到2027年达到600家以上")
    task2.locator(".task-title").click()
    expect(page.locator("h1")).to_contain_text("推动产业创新平台提质升级")
    expect(page.get_by_test_id("task-target")).to_contain_text("≥ 600 家")
    shot("policy-task")
    page.get_by_role("link", name="市发展改革委").first.click()
    expect(page.locator("h1")).to_have_text("淄博市发展改革委")
    shot("policy-department")
    page.goto(f"{site}/policy/search/")
    page.fill("input[name=q]", "孵化器")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("search-hit").first).to_be_visible()
    expect(page.locator("mark").first).to_have_text("孵化器")
    shot("policy-search")


def test_district_officer_sees_only_own_liaisons_and_archives_with_confirmation(login, site, shot):
    admin = User.objects.get(username="p_bureau_admin")
    city = OrgUnit.objects.get(code="zibo", parent=None)
    for code, name in (("zhangdian", "张店甲"), ("zichuan", "淄川乙")):
        services.liaison_create(actor=admin, org_unit=city.children.get(code=code), name=name, phone="13800000000")
    page = login("zhangdian_officer")
    page.get_by_role("link", name="联络员").click()
    table = page.get_by_test_id("liaison-table")
    expect(table).to_contain_text("张店甲")
    expect(table).not_to_contain_text("淄川乙")
    shot("liaison-list")
    other = Liaison.objects.get(name="淄川乙")
    response = page.goto(f"{site}/liaisons/{other.pk}/")
    assert response.status == 404
    page.goto(f"{site}/liaisons/")
    page.get_by_role("link", name="张店甲").click()
    page.fill("form[action$='/archive/'] input[name=reason]", "调岗")
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_role("button", name="归档").click()
    assert dialogs and "确定归档" in dialogs[0]
    assert Liaison.objects.get(name="张店甲").is_active  # dismissed: nothing happened
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="归档").click()
    expect(page.locator(".msg-success")).to_have_text("已归档。")
    expect(page.locator("h1")).to_contain_text("已归档")
    shot("liaison-detail")


def test_liaison_form_names_the_bad_field(login, site, shot):
    page = login("zhangdian_officer")
    page.goto(f"{site}/liaisons/new/")
    page.select_option("select[name=org_unit]", label="张店区")
    page.fill("input[name=name]", "李四")
    page.fill("input[name=phone]", "12345")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error")).to_contain_text("手机号码")
    shot("liaison-form-error")
    page.fill("input[name=phone]", "13912345678")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/liaisons/\d+/$"))
    expect(page.locator("h1")).to_contain_text("李四")


def test_audit_log_for_the_auditor(login, shot):
    page = login("auditor")
    page.get_by_role("link", name="审计日志").click()
    expect(page.get_by_test_id("audit-table")).to_contain_text("登录")
    shot("audit-log")


def test_org_units(login, shot):
    page = login("leader")
    page.get_by_role("link", name="组织机构").first.click()
    expect(page.locator("body")).to_contain_text("桓台县")
    expect(page.locator("body")).to_contain_text("国家金融监督管理总局淄博监管分局")
    shot("org-units")


def test_api_docs_list_the_endpoints(login, site, shot):
    page = login("bureau_staff")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{site}/api/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/liaisons" in paths and "/api/policies/{code}/tasks/{number}" in paths
    shot("api-docs")
    assert not [e for e in errors if "Content Security Policy" in e], errors
