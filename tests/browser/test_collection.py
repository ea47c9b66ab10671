"""Data collection in a real browser: a district officer enters and submits a form, the bureau approves it, the
period locks and the completeness board counts it."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kechuang.core.models import OrgUnit
from tests.browser.conftest import SHOTS, sign_in


@pytest.fixture
def collection_site(site):
    from kechuang.indicators.demo import load_demo

    load_demo(OrgUnit.objects.get(code="zibo", parent=None))
    return site


def _values(page) -> None:
    """Values 5 % above the same quarter last year (where the demo has one), so that no rule objects."""
    for row in page.locator("[data-testid^='row-']").all():
        last = row.locator("td.num").inner_text().strip().replace(",", "")
        value = round(float(last) * 1.05, 2) if last not in ("", "—") else 100
        row.locator("input[name^='v_']").fill(str(value))


def test_entry_submit_approve_lock_and_the_board_moves(browser, collection_site, login, shot):
    today = timezone.localdate()
    period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    entry = f"{collection_site}/indicators/collection/form/regions-quarterly/zhangdian/{period}/"
    board = f"{collection_site}/indicators/collection/board/?year={today.year}&data_set=regions-quarterly"

    page = login("zhangdian_officer")
    page.goto(f"{collection_site}/indicators/collection/")
    expect(page.get_by_test_id("open-forms")).to_be_visible()
    page.goto(entry)
    expect(page.get_by_test_id("form-state")).to_have_attribute("data-state", "missing")
    # a ratio the rule refuses (high-tech output above the whole industrial output), saved as a draft: the message
    # names the field
    _values(page)
    page.fill("input[name='v_high_tech_output']", "999999")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".col-finding.col-error").first).to_be_visible()
    shot("collection-entry-draft-with-error")
    _values(page)
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_test_id("form-state")).to_have_attribute("data-state", "submitted")
    assert dialogs and "提交" in dialogs[0]
    shot("collection-entry-submitted")

    # the bureau, in a second session: the board before, the approval, the board after
    staff_context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    staff = staff_context.new_page()
    sign_in(staff, collection_site, "bureau_staff")
    staff.goto(board)
    approved_before = int(staff.get_by_test_id("approved-count").inner_text())
    staff.goto(f"{collection_site}/indicators/collection/")
    staff.get_by_test_id("awaiting").get_by_role("link").first.click()
    staff.goto(entry)
    staff.once("dialog", lambda d: d.accept())
    staff.get_by_role("button", name="审核通过并锁定").click()
    expect(staff.get_by_test_id("form-state")).to_have_attribute("data-state", "approved")
    expect(staff.get_by_test_id("locked")).to_be_visible()
    staff.goto(board)
    expect(staff.get_by_test_id("approved-count")).to_have_text(str(approved_before + 1))
    cell = staff.locator(f"[data-testid='board-cell'][href*='/zhangdian/{period}/']")
    expect(cell).to_have_attribute("data-state", "approved")
    SHOTS.mkdir(parents=True, exist_ok=True)
    staff.screenshot(path=str(SHOTS / "collection-board.png"), full_page=True)
    staff_context.close()

    # the officer's form is locked: no inputs, no buttons
    page.goto(entry)
    expect(page.get_by_test_id("form-state")).to_have_attribute("data-state", "approved")
    assert page.locator("input[name^='v_']").count() == 0
    assert page.get_by_role("button", name="提交审核").count() == 0


def test_a_monthly_form_submitted_approved_and_the_monthly_board(browser, collection_site, login, shot):
    """The monthly contract registration return: the officer enters this month's form (the URL's period YYYY-MM) and
    submits it; the bureau approves it; the board filtered to monthly data sets shows it month by month. The
    officer's collection page lists the reminders of the message centre."""
    from kechuang.indicators import services

    today = timezone.localdate()
    period = f"{today.year}-{today.month:02d}"
    entry = f"{collection_site}/indicators/collection/form/regions-monthly-contracts/zhangdian/{period}/"
    board = f"{collection_site}/indicators/collection/board/?year={today.year}&period_type=monthly"
    # this month's form is not due yet (the demo has every earlier month approved): remind it as due soon
    services.collection_reminders_send(today=today, days_before=62)

    page = login("zhangdian_officer")
    page.goto(f"{collection_site}/indicators/collection/")
    expect(page.get_by_test_id("reminders")).to_be_visible()
    shot("collection-officer-reminders")
    page.goto(entry)
    expect(page.get_by_test_id("form-state")).to_have_attribute("data-state", "missing")
    _values(page)
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_test_id("form-state")).to_have_attribute("data-state", "submitted")

    staff_context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    staff = staff_context.new_page()
    sign_in(staff, collection_site, "bureau_staff")
    staff.goto(entry)
    staff.once("dialog", lambda d: d.accept())
    staff.get_by_role("button", name="审核通过并锁定").click()
    expect(staff.get_by_test_id("form-state")).to_have_attribute("data-state", "approved")
    staff.goto(board)
    columns = staff.get_by_test_id("board-column").all_inner_texts()
    assert columns == [f"{today.year}-{m:02d}" for m in range(1, today.month + 1)]
    cell = staff.locator(f"[data-testid='board-cell'][href*='/zhangdian/{period}/']")
    expect(cell).to_have_attribute("data-state", "approved")
    # a year of months is wider than the page: the board scrolls sideways, its columns keep a readable width (the
    # data-set name had wrapped to a character or two per line)
    widths = staff.eval_on_selector_all("[data-testid='board'] thead th", "ths => ths.map(th => th.offsetWidth)")
    assert widths[0] >= 150 and min(widths[2:]) >= 100, widths
    SHOTS.mkdir(parents=True, exist_ok=True)
    staff.screenshot(path=str(SHOTS / "collection-board-monthly.png"), full_page=True)
    staff_context.close()
