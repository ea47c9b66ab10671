"""The enterprise portal in a real browser, at 1440 px and on a phone (360 px): a firm signs in and lands on its
portal, sees its tiers and what it qualifies for, applies for an open call from the push list, posts a demand and,
once the bureau publishes it, sees its matches with their reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from playwright.sync_api import expect

from kechuang.core.models import OrgUnit, User
from kechuang.enterprises.demo import load_population
from kechuang.enterprises.models import Enterprise, LadderResult
from kechuang.enterprises.services import ladder_evaluate_register
from kechuang.finance import services as finance_services
from kechuang.projects import services as project_services
from kechuang.projects.models import Application, Call
from kechuang.techmarket import index
from kechuang.techmarket import services as market_services
from kechuang.techmarket.demo import ensure_vocabulary
from kechuang.techmarket.models import Demand
from tests.browser.conftest import SHOTS
from tests.techmarket import factories as f

WIDTHS = {"1440": {"width": 1440, "height": 900}, "360": {"width": 360, "height": 780}}


def _both(page, name: str) -> None:
    """Screenshots of the current page at both widths; the page must not scroll sideways on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"portal-{name}-{label}.png"), full_page=True)
        if label == "360":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at 360 px"
    page.set_viewport_size(WIDTHS["1440"])


def _world() -> tuple[Enterprise, Call]:
    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, 60, seed=7)
    ladder_evaluate_register(as_of=dt.date.today())
    finance_services.scores_compute(as_of=dt.date.today())
    near = (
        LadderResult.objects.filter(failed=1, enterprise__region__code="zhangdian")
        .select_related("enterprise")
        .order_by("enterprise__pk")
        .first()
    )
    firm = near.enterprise if near else Enterprise.objects.filter(region__code="zhangdian").first()
    User.objects.filter(username__in=("p_enterprise_admin", "p_enterprise_user")).update(
        credit_code=firm.credit_code, organisation=firm.name
    )
    staff = User.objects.get(username="p_bureau_staff")
    today = dt.date.today()
    call = project_services.call_create(
        actor=staff,
        kind=Call.Kind.CHALLENGE,
        mode="open_call",
        plan="industry",
        year=today.year,
        title="建筑陶瓷低碳烧成技术揭榜",
        problem="降低建筑陶瓷烧成能耗",
        hard_targets="单位能耗降低15%",
        eligibility="注册在本市、具有独立法人资格的企业",
        deadline=today + dt.timedelta(days=700),
        funding_ceiling_wan=Decimal(300),
    )
    project_services.call_step(actor=staff, call=call, action="argue")
    for party, who in (("department", "工信局"), ("investor", "创投基金")):
        project_services.argumentation_add(actor=staff, call=call, party=party, participant=who, opinion="同意")
    project_services.call_step(actor=staff, call=call, action="publish")
    project_services.call_step(actor=staff, call=call, action="open")
    Call.objects.filter(pk=call.pk).update(application_deadline=today + dt.timedelta(days=30))
    ensure_vocabulary()
    f.achievement(
        title="建筑陶瓷辊道窑低温快烧节能技术",
        abstract="针对建筑陶瓷陶瓷砖生产线能耗高的问题，开发低温快烧配方和辊道窑余热回收系统，烧结温度降低50℃，"
        "单位产品能耗下降18%。",
        keywords=["建筑陶瓷", "低温快烧", "余热回收"],
    )
    f.achievement(
        title="锂离子电池高镍正极材料包覆改性",
        abstract="原子层沉积包覆提高锂离子电池循环寿命。",
        keywords=["锂离子电池"],
        field="new_energy",
    )
    index.rebuild()
    return firm, call


def test_firm_portal_push_apply_and_demand_matches(page, site, login, settings, tmp_path):
    settings.TECHMARKET_INDEX_DIR = tmp_path / "match_index"
    index.reset()
    firm, call = _world()
    # 1. signing in lands on the portal's home: the firm, its tiers, what it qualifies for
    login("enterprise_admin")
    expect(page).to_have_url(f"{site}/portal/")
    expect(page.get_by_test_id("portal-heading")).to_have_text(firm.name)
    expect(page.get_by_test_id("home-ladder")).to_contain_text("高新技术企业")
    expect(page.get_by_test_id("home-push")).to_contain_text(call.title)
    _both(page, "home")
    # 2. the policy push: every item with its rule and clause; the call with a one-click application
    page.get_by_role("link", name="政策推送").first.click()
    item = page.locator(f'[data-key="call-{call.pk}"]')
    expect(item).to_contain_text("注册在本市、具有独立法人资格的企业")
    expect(item).to_contain_text("符合条件")
    _both(page, "push")
    item.get_by_test_id("push-apply").click()
    # the call's application page (kept by the projects module) is in the portal's layout, as every firm page is
    expect(page.locator('body[data-layout="portal"]')).to_have_count(1)
    _both(page, "apply")
    page.fill("#project_title", "低碳烧成工艺攻关")
    page.fill("#requested_wan", "200")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("my-applications")).to_contain_text("低碳烧成工艺攻关")
    expect(page.locator('body[data-layout="portal"]')).to_have_count(1)
    _both(page, "calls")
    assert Application.objects.get(call=call, credit_code=firm.credit_code).project_title == "低碳烧成工艺攻关"
    # the push list now says "applied", without a second application link
    page.goto(f"{site}/portal/push/")
    expect(page.locator(f'[data-key="call-{call.pk}"]')).to_have_attribute("data-status", "applied")
    # 3. a demand, without re-typing the firm: the bureau reviews it, then the firm sees its matches and why
    page.get_by_role("link", name="我的技术市场").click()
    page.get_by_test_id("demand-new").click()
    expect(page.get_by_test_id("portal-demand-form")).not_to_contain_text("统一社会信用代码 *")
    page.fill("#id_title", "瓷砖烧窑能耗高，寻求节能烧成技术")
    page.fill(
        "#id_description",
        "我公司有两条瓷砖生产线，辊道窑烧窑天然气消耗大，产品容易变形。希望引进低温快烧和余热利用技术，单位能耗降低15%以上。",
    )
    page.select_option("#id_field", label="新材料")
    page.select_option("#id_cooperation_mode", label="技术转让")
    page.fill("#id_contact_name", "王海燕")
    page.fill("#id_contact_phone", "13953312345")
    _both(page, "demand-form")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_test_id("demand-matches")).to_contain_text("审核")
    demand = Demand.objects.get(title="瓷砖烧窑能耗高，寻求节能烧成技术")
    assert (demand.credit_code, demand.enterprise_name, demand.status) == (firm.credit_code, firm.name, "pending")
    market_services.demand_review(actor=User.objects.get(username="p_bureau_staff"), demand=demand, approve=True)
    page.reload()
    first = page.get_by_test_id("match-result").first
    expect(first).to_contain_text("建筑陶瓷辊道窑低温快烧节能技术")
    expect(first.get_by_test_id("match-reason")).to_contain_text("命中词")
    _both(page, "demand")
    page.get_by_role("link", name="我的技术市场").first.click()
    expect(page.get_by_test_id("market-demands")).to_contain_text("瓷砖烧窑能耗高")
    _both(page, "market")
    # 4. applications and money
    page.get_by_role("link", name="申报与资金").first.click()
    expect(page.get_by_test_id("apps-calls")).to_contain_text("低碳烧成工艺攻关")
    _both(page, "applications")
