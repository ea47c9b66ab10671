"""One report walked from a supporting department to the bureau's acceptance, in a real browser."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from kechuang.core.models import User
from kechuang.policy.selectors import default_policy
from kechuang.supervision import services
from kechuang.supervision.models import ProgressReport


def test_report_from_supporter_to_lead_to_bureau(page, login, site, shot):
    today = timezone.localdate()
    period = services.period_open(
        actor=User.objects.get(username="p_bureau_staff"),
        policy=default_policy(),
        year=today.year,
        quarter=(today.month - 1) // 3 + 1,
        due_date=today + dt.timedelta(days=10),
        supporters_due_date=today + dt.timedelta(days=5),
    )
    page.on("dialog", lambda dialog: dialog.accept())

    # 市教育局 (supporting department of task 3) writes and submits its report to 市科技局.
    login("supporting_officer")
    page.get_by_role("link", name="本单位报告").click()
    expect(page.locator("h1")).to_contain_text("应报事项")
    page.get_by_test_id("owed").get_by_role("link", name="3. 加强应用导向的基础研究").click()
    expect(page.get_by_test_id("report-state")).to_have_text("草稿")
    expect(page.get_by_test_id("upload-form")).to_contain_text("20 MB")
    page.fill("textarea[name=work_done]", "配合开展应用基础研究，组织3所高校申报省自然科学基金联合基金项目12项。")
    page.fill("textarea[name=problems]", "高校与企业合作深度不够。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg-success")).to_have_text("已保存。")
    shot("supervision-supporter-report")
    page.get_by_role("button", name="报送牵头单位").click()
    expect(page.get_by_test_id("report-state")).to_have_text("已报牵头单位")

    # 市科技局 (lead) sees the supporter's report beside its own, consolidates and submits to the bureau.
    page.context.clear_cookies()
    login("lead_officer")
    # The lead's messages: supervision's view of the message centre has the supporter's report waiting for it;
    # opening the message goes to the report, and it stays "needs action" in the centre until consolidated.
    page.get_by_role("link", name="督办消息").click()
    expect(page.locator("h1")).to_have_text("督办消息")
    row = page.get_by_test_id("report-messages").locator("tbody tr", has_text="市教育局")
    expect(row).to_contain_text("待处理")
    shot("supervision-messages")
    row.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/supervision/reports/\d+/$"))
    page.goto(f"{site}/accounts/messages/?show=action")
    expect(page.get_by_test_id("message-list")).to_contain_text("市教育局")
    expect(page.get_by_test_id("needs-action")).to_have_count(1)
    shot("messages-needs-action")
    page.goto(f"{site}/supervision/departments/science_tech/")
    expect(page.get_by_test_id("to-consolidate")).to_contain_text("市教育局")
    lead = ProgressReport.objects.get(period=period, task__number=3, department__code="science_tech")
    page.goto(f"{site}/supervision/reports/{lead.pk}/")
    expect(page.get_by_test_id("supporters")).to_contain_text("省自然科学基金联合基金项目12项")
    page.fill(
        "textarea[name=work_done]", "牵头推进应用导向的基础研究，汇总市教育局配合情况，全市获批省自然科学基金项目45项。"
    )
    page.get_by_role("button", name="保存").click()
    shot("supervision-lead-consolidates")
    page.get_by_role("button", name="汇总并报送市科技局").click()
    expect(page.get_by_test_id("report-state")).to_have_text("已报市科技局")

    # The bureau returns it once with a comment, the lead resubmits, the bureau accepts.
    page.context.clear_cookies()
    login("bureau_staff")
    page.goto(f"{site}/supervision/reports/{lead.pk}/")
    page.fill("input[name=comment]", "请补充项目资金数据。")
    page.get_by_role("button", name="退回").click()
    expect(page.get_by_test_id("report-state")).to_have_text("已退回")
    page.context.clear_cookies()
    login("lead_officer")
    page.goto(f"{site}/supervision/reports/{lead.pk}/")
    expect(page.get_by_test_id("return-comment")).to_contain_text("请补充项目资金数据")
    page.fill("textarea[name=figures_text]", "争取省级资金1200万元。")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="汇总并报送市科技局").click()
    page.context.clear_cookies()
    login("bureau_staff")
    page.goto(f"{site}/supervision/reports/{lead.pk}/")
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_test_id("report-state")).to_have_text("已审核通过")
    expect(page.get_by_test_id("report-form")).to_have_count(0)
    shot("supervision-accepted")

    # The matrix shows task 3's lead and supporter reports accepted.
    page.get_by_role("link", name="督办矩阵").click()
    row = page.locator("#task-3")
    expect(row.locator('[data-status="accepted"]')).to_have_count(2)
    shot("supervision-matrix")
    page.goto(f"{site}/supervision/tasks/3/")
    expect(page.get_by_test_id("timeline")).to_contain_text("请补充项目资金数据")
    shot("supervision-task-timeline")
