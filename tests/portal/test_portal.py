"""The portal's pages and API for one firm: what it shows, and that another firm never shows, through every URL
parameter and endpoint."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.core.duties import home_of
from kechuang.core.roles import Role
from kechuang.techmarket.models import Demand
from tests.portal.conftest import GAP, OTHER, OWN

PAGES = ("portal:home", "portal:push", "portal:applications", "portal:demands", "portal:demand_new")
API = ("/api/portal/home", "/api/portal/push", "/api/portal/demands", "/api/portal/applications")
# What belongs to the other firm only: none of it may appear on any of our pages or endpoints.
FOREIGN = (OTHER, "门户测试乙公司", "乙公司的保密工艺需求", "乙公司的保密项目", "乙公司的技术开发合同", "91.0")


@pytest.fixture
def firm_client(client, world):
    client.force_login(world["user"])
    return client


def test_the_enterprise_home_is_the_portal(firm_client):
    assert home_of(Role.ENTERPRISE) == "portal:home"
    assert home_of(Role.TALENT) == "my_home" and home_of(Role.EXPERT) == "my_home"
    response = firm_client.get("/")
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert firm_client.get(reverse("my_home")).url == reverse("portal:home")


def test_home_shows_the_firm_its_tiers_push_money_and_deadlines(firm_client, world):
    text = firm_client.get(reverse("portal:home")).content.decode()
    assert "门户测试甲公司" in text and OWN in text
    assert 'data-tier="high_tech"' in text and GAP in text  # one criterion away, with the ladder's gap
    assert "含氟功能膜规模化制备揭榜" not in text or 'data-testid="home-push"' in text
    assert "72.5" in text and reverse("finance:my_score") in text
    assert "陶瓷膜规模化制备工艺需求" in text
    # the tech-SME title expires within a year: flagged, and listed among the deadlines
    assert "home-deadlines" in text
    for foreign in FOREIGN:
        assert foreign not in text, foreign


def test_push_lists_what_the_firm_qualifies_for_with_rule_clause_and_gap(firm_client, world):
    text = firm_client.get(reverse("portal:push")).content.decode()
    # tech SME held → the loans that need it; high-tech one away → the title with its gap; innovative SME eligible
    assert 'data-key="lukedai" data-status="qualifies"' in text
    assert 'data-key="title_high_tech" data-status="gap"' in text and GAP in text
    assert 'data-key="title_innovative_sme" data-status="qualifies"' in text
    assert 'data-key="credit_enhancement" data-status="qualifies"' in text
    assert 'data-key="title_specialized_sme"' not in text  # three criteria short: not pushed
    assert 'data-key="title_tech_sme"' not in text  # held already
    # the call it applied to shows as applied, without a second application link
    assert f'data-key="call-{world["call"].pk}" data-status="applied"' in text
    assert "淄科发〔2023〕22号 第20条" in text
    for foreign in FOREIGN:
        assert foreign not in text, foreign


def test_push_offers_a_one_click_application_for_an_open_call_not_applied_for(firm_client, world):
    world["apps"][OWN].delete()
    text = firm_client.get(reverse("portal:push") + "?kind=call").content.decode()
    apply_url = reverse("projects:portal_apply", args=[world["call"].pk])
    assert f'data-key="call-{world["call"].pk}" data-status="qualifies"' in text and apply_url in text
    assert 'data-key="lukedai"' not in text  # the filter keeps calls only


def test_applications_and_money_are_the_firms_own(firm_client, world):
    text = firm_client.get(reverse("portal:applications")).content.decode()
    assert "门户测试甲公司的攻关方案" in text and "门户测试甲公司开户银行" in text and "72.5" in text
    for foreign in (*FOREIGN, "门户测试乙公司的攻关方案", "乙公司开户银行", "800 × 10% = 80"):
        assert foreign not in text, foreign


def test_a_project_without_goals_says_who_sets_them(firm_client, world):
    """A funded project whose task book is not set yet: the goals section says why it is empty, instead of
    vanishing; once a goal is set, the table replaces the sentence."""
    from kechuang.projects.models import PerformanceGoal, Project

    other = Project.objects.get(code="PT-OTHER-1")
    own = Project.objects.create(
        **{f.name: getattr(other, f.name) for f in Project._meta.concrete_fields if f.name not in ("id", "code")},
    )
    Project.objects.filter(pk=own.pk).update(code="PT-OWN-1", title="甲公司的立项项目", credit_code=OWN)
    text = firm_client.get(reverse("portal:applications")).content.decode()
    assert "甲公司的立项项目" in text and 'data-testid="apps-no-goals"' in text
    PerformanceGoal.objects.create(
        project=own, level="output", indicator="陶瓷膜通量", direction="ge", target=120, unit="L/m²h", weight=10
    )
    text = firm_client.get(reverse("portal:applications")).content.decode()
    assert 'data-testid="apps-no-goals"' not in text and "陶瓷膜通量" in text


def test_market_lists_the_firms_demands_only(firm_client, world):
    text = firm_client.get(reverse("portal:demands")).content.decode()
    assert "陶瓷膜规模化制备工艺需求" in text
    for foreign in FOREIGN:
        assert foreign not in text, foreign


@pytest.mark.parametrize("name", ["portal:demand", "portal:demand_edit"])
def test_another_firms_demand_is_a_404_through_every_url(firm_client, world, name):
    other = world["other_demand"]
    assert firm_client.get(reverse(name, args=[other.pk])).status_code == 404
    assert firm_client.post(reverse(name, args=[other.pk]), {"title": "x"}).status_code == 404
    assert firm_client.get(reverse(name, args=[987654])).status_code == 404
    other.refresh_from_db()
    assert other.title == "乙公司的保密工艺需求"


def test_api_is_scoped_to_the_firm(firm_client, world):
    for url in API:
        response = firm_client.get(url)
        assert response.status_code == 200, url
        for foreign in FOREIGN:
            assert foreign not in response.content.decode(), (url, foreign)
    home = firm_client.get("/api/portal/home").json()
    assert home["credit_code"] == OWN and float(home["score"]["total"]) == 72.5
    assert [t["state"] for t in home["tiers"] if t["tier"] == "high_tech"] == ["one_away"]
    push = {p["key"]: p for p in firm_client.get("/api/portal/push").json()}
    assert push["title_high_tech"]["status"] == "gap" and GAP in push["title_high_tech"]["gaps"][0]
    assert firm_client.get(f"/api/portal/demands/{world['other_demand'].pk}").status_code == 404
    assert (
        firm_client.get(f"/api/portal/demands/{world['own_demand'].pk}").json()["title"] == "陶瓷膜规模化制备工艺需求"
    )


def test_staff_and_other_external_roles_are_refused(client_as, world):
    for persona in ("bureau_staff", "talent", "expert"):
        client = client_as(persona)
        for name in PAGES:
            assert client.get(reverse(name)).status_code == 403, (persona, name)
        for url in API:
            assert client.get(url).status_code == 403, (persona, url)


def test_api_refuses_tokens_of_an_enterprise_account(client, world, token_for):
    for url in API:
        assert client.get(url, headers=token_for("enterprise_admin")).status_code in (401, 403), url


def test_post_and_edit_a_demand_without_retyping_the_firm(firm_client, world):
    data = {
        "title": "高纯氟化物提纯工艺需求",
        "description": "需要把工业级氟化物提纯到电子级，杂质含量低于百万分之一，希望高校或院所合作开发。",
        "field": "new_materials",
        "cooperation_mode": "joint_development",
        "contact_name": "李经理",
        "contact_phone": "13912345678",
    }
    response = firm_client.post(reverse("portal:demand_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    demand = Demand.objects.get(title=data["title"])
    assert (demand.credit_code, demand.enterprise_name, demand.region.code) == (OWN, "门户测试甲公司", "zhangdian")
    assert demand.status == Demand.Status.PENDING and demand.source == Demand.Source.PORTAL
    # edit: back to review
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.PUBLISHED)
    response = firm_client.post(
        reverse("portal:demand_edit", args=[demand.pk]), {**data, "title": "高纯氟化物提纯工艺合作"}
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.title == "高纯氟化物提纯工艺合作" and demand.status == Demand.Status.PENDING


def test_a_bad_demand_names_the_field_and_writes_nothing(firm_client, world):
    before = Demand.objects.count()
    response = firm_client.post(reverse("portal:demand_new"), {"title": "短", "description": "太短"})
    text = response.content.decode()
    assert response.status_code == 200 and Demand.objects.count() == before
    assert 'class="error"' in text


def test_the_home_page_runs_a_fixed_number_of_queries(firm_client, world, unit):
    from kechuang.enterprises.models import Enterprise
    from kechuang.enterprises.population import credit_code

    cache.clear()  # the unread badge is cached a minute: both requests start cold
    with CaptureQueriesContext(connection) as first:
        assert firm_client.get(reverse("portal:home")).status_code == 200
    Enterprise.objects.bulk_create(
        Enterprise(credit_code=credit_code("370302", 620_000 + i), name=f"填充企业{i}", region=unit("zhangdian"))
        for i in range(200)
    )
    cache.clear()
    with CaptureQueriesContext(connection) as second:
        assert firm_client.get(reverse("portal:home")).status_code == 200
    assert len(second) == len(first)


# The home's queries with a warm cache: the session, its user and second factor, the firm (4), talents, the policy,
# the calls applied to, the open calls, the rounds, the open applications, the demands, three counts, the
# milestones, and the session's save (3, SESSION_SAVE_EVERY_REQUEST).
HOME_QUERIES = 21


def test_the_home_page_query_count_stays_bounded_as_the_data_grows(firm_client, world, unit):
    import datetime as dt
    from decimal import Decimal

    from kechuang.enterprises.models import Enterprise, LadderResult
    from kechuang.enterprises.population import credit_code
    from kechuang.projects.models import Call

    # Verdicts as the register's bulk pass stores them: without gap sentences, explained when read.
    LadderResult.objects.filter(enterprise__credit_code=OWN).update(gaps=[])
    cache.clear()
    assert firm_client.get(reverse("portal:home")).status_code == 200  # warms the unread badge and the gaps
    with CaptureQueriesContext(connection) as small:
        assert firm_client.get(reverse("portal:home")).status_code == 200
    today = dt.date.today()
    firms = Enterprise.objects.bulk_create(
        Enterprise(credit_code=credit_code("370302", 630_000 + i), name=f"增长企业{i}", region=unit("zhangdian"))
        for i in range(100)
    )
    LadderResult.objects.bulk_create(
        LadderResult(enterprise=f, tier="high_tech", as_of=today, rule_version="bulk", status="not_eligible", failed=1)
        for f in firms
    )
    for i in range(8):
        Call.objects.create(code=f"GROW-{i}", kind="guide", mode="guide", plan="industry", year=today.year,
                            title=f"增长测试榜单{i}", problem="规模化制备工艺", eligibility="注册在本市的企业",
                            state="open", application_deadline=today + dt.timedelta(days=10 + i),
                            funding_ceiling_wan=Decimal(300))  # fmt: skip
    for i in range(6):
        Demand.objects.create(enterprise_name="门户测试甲公司", credit_code=OWN, region=unit("zhangdian"),
                              title=f"增长测试需求{i}", description="需要耐高温陶瓷膜的规模化制备工艺，用于废水处理",
                              field="new_materials", cooperation_mode="joint_development", contact_name="王工",
                              contact_phone="13800000000", deadline=today + dt.timedelta(days=20 + i))  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        text = firm_client.get(reverse("portal:home")).content.decode()
    assert "增长测试榜单0" in text and "增长测试需求5" in text
    assert len(large) == len(small) <= HOME_QUERIES, [q["sql"][:80] for q in large.captured_queries]
