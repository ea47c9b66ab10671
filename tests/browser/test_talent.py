"""The talent module's newer pages in a real browser: teams, foreign experts and 引智 projects, the outcomes
library, the import page, and the self-registration of a talent (anonymous, at 1440 and 360 px) up to its
activation by the district."""

from __future__ import annotations

import datetime as dt

from kechuang.core.models import OrgUnit, User
from kechuang.talent import services
from kechuang.talent.models import PortalRegistration
from tests.browser.conftest import SHOTS, sign_in
from tests.conftest import ALL_PERSONAS
from tests.talent import factories as f

PASSWORD = "Zibo-Talent-2026!"


def _world():
    staff = User.objects.get(username=ALL_PERSONAS["bureau_staff"][0])
    zhangdian = OrgUnit.objects.get(code="zhangdian", parent__code="zibo")
    lead = f.talent(staff, zhangdian, n=1, name="张明远", phone="13805330001")
    member = f.talent(staff, zhangdian, n=2, name="李思齐")
    smith = f.talent(
        staff, zhangdian, n=3, name="John Smith", id_type="passport", id_number="E00000001", nationality="英国"
    )
    team = services.team_create(
        actor=staff,
        name="陶瓷新材料创新团队",
        leader=lead,
        members=[member],
        field="新材料",
        platforms="市级重点实验室",
    )
    expert = services.foreign_expert_create(
        actor=staff, talent=smith, host_credit_code=f.credit_code(5), region=zhangdian
    )
    year = dt.date.today().year
    services.visit_create(actor=staff, expert=expert, arrived_on=dt.date(year, 1, 10), purpose="联合研发")
    services.project_create(
        actor=staff,
        experts=[expert],
        title="高性能釉料引智项目",
        host_credit_code=f.credit_code(5),
        region=zhangdian,
        level="city",
        year=year,
        funding_wan=20,
        outcomes="新釉料配方1项，发明专利2件",
        in_library=True,
    )
    return team


def test_talent_pages_and_self_registration(page, site, shot, browser):
    team = _world()
    # a talent asks for an account (anonymous), on a phone and on a desktop
    mobile = browser.new_page(viewport={"width": 360, "height": 780})
    mobile.goto(f"{site}/talent/register/")
    mobile.screenshot(path=str(SHOTS / "talent-register-360.png"), full_page=True)
    page.goto(f"{site}/talent/register/")
    shot("talent-register-1440")
    page.fill("#id_id_number", f.id_number(1))
    page.fill("#id_name", "张明远")
    page.fill("#id_phone", "13805330001")
    page.fill("#id_username", "zhangmy")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/talent/register/sent/" in url)
    assert page.locator('[data-testid="talent-register-sent"]').is_visible()
    shot("talent-register-sent")
    mobile.close()
    assert PortalRegistration.objects.filter(state="pending").count() == 1
    # the district sees and activates it
    sign_in(page, site, "zhangdian_officer")
    page.goto(f"{site}/talent/registrations/")
    assert "zhangmy" in page.content()
    shot("talent-registrations")
    page.click('[data-testid="registrations"] button.primary')
    page.wait_for_url(lambda url: "/talent/registrations/" in url)
    assert User.objects.get(username="zhangmy").is_active
    # teams
    page.goto(f"{site}/talent/teams/")
    assert "陶瓷新材料创新团队" in page.content()
    shot("talent-teams")
    page.goto(f"{site}/talent/teams/{team.pk}/")
    assert "李思齐" in page.content()
    shot("talent-team")
    page.goto(f"{site}/talent/teams/{team.pk}/edit/")
    shot("talent-team-edit")
    # foreign experts, visits, projects, outcomes, import
    for path, name in (
        ("foreign-experts/experts/", "talent-foreign-experts"),
        ("foreign-experts/visits/new/", "talent-visit-new"),
        ("foreign-projects/new/", "talent-project-new"),
        ("foreign-projects/outcomes/", "talent-outcomes"),
        ("foreign-import/", "talent-foreign-import"),
    ):
        page.goto(f"{site}/talent/{path}")
        assert page.locator("h1").is_visible()
        shot(name)
    assert "新釉料配方1项" in page.goto(f"{site}/talent/foreign-projects/outcomes/").text()
