"""My ladder in a real browser, at 360 px (a phone) and 1440 px: the firm sees the gap, tries the what-if, proposes
the figure; the district officer confirms it in the queue; the firm's staircase shows the tier eligible."""

from __future__ import annotations

import datetime as dt

from kechuang.core.models import OrgUnit, User
from kechuang.enterprises import demo, services
from kechuang.enterprises.models import Enterprise
from tests.browser.conftest import SHOTS, sign_in
from tests.conftest import ALL_PERSONAS

PHONE = {"width": 360, "height": 780}
DESK = {"width": 1440, "height": 900}


def _showcase() -> dict[str, str]:
    city = OrgUnit.objects.get(code="zibo", parent=None)
    demo.load_population(city, 12, seed=5)
    demo.load_showcase(city)
    services.ladder_evaluate_register()
    firms = demo.showcase_firms(city)
    user = User.objects.get(username=ALL_PERSONAS["enterprise_admin"][0])
    user.credit_code = firms["hte_one_short"]
    user.organisation = Enterprise.objects.get(credit_code=user.credit_code).name
    user.save()
    return firms


def test_my_ladder_from_gap_to_confirmed_figure(page, site, shot, browser):
    _showcase()
    sign_in(page, site, "enterprise_admin")
    for size, tag in ((PHONE, "360"), (DESK, "1440")):
        page.set_viewport_size(size)
        page.goto(f"{site}/portal/ladder/")
        step = page.locator('[data-tier="high_tech"]')
        assert "差一项条件" in step.inner_text()
        assert "2.7% → 3.0%" in step.inner_text() and "第十一条（五）" in step.inner_text()
        shot(f"portal-ladder-{tag}")
        page.goto(f"{site}/portal/ladder/facts/")
        shot(f"portal-facts-{tag}")
        page.goto(f"{site}/portal/ladder/what-if/")
        page.fill('input[name="rd_expense_wan"]', "960")
        page.click('[data-testid="whatif-form"] button[type="submit"]')
        assert "符合条件" in page.locator('[data-testid="after-high_tech"]').inner_text()
        shot(f"portal-whatif-{tag}")

    page.set_viewport_size(PHONE)
    page.goto(f"{site}/portal/ladder/facts/propose/?year={dt.date.today().year - 1}&field=rd_expense_wan")
    page.fill('input[name="value"]', "960")
    page.fill('textarea[name="reason"]', "研发费用专项审计报告更正")
    shot("portal-propose-360")
    page.click('[data-testid="correction-form"] button[type="submit"]')
    page.wait_for_url("**/portal/ladder/facts/")
    assert "待确认" in page.locator('[data-testid="corrections"]').inner_text()

    officer = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    sign_in(officer, site, "zhangdian_officer")
    officer.goto(f"{site}/enterprises/corrections/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    officer.screenshot(path=str(SHOTS / "staff-corrections-1440.png"), full_page=True)
    officer.click('[data-testid="corrections-table"] a.button')
    officer.check('input[name="decision"][value="confirm"]')
    officer.click('[data-testid="decision-form"] button[type="submit"]')
    assert "已确认" in officer.locator('[data-testid="correction-facts"]').inner_text()
    officer.screenshot(path=str(SHOTS / "staff-correction-1440.png"), full_page=True)

    page.goto(f"{site}/portal/ladder/")
    assert "符合条件" in page.locator('[data-tier="high_tech"]').inner_text()
