"""Enterprise pages: filters, scope on every path, the funnel's drill-down, the reserve pool, expiry, exports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from kechuang.enterprises.models import Enterprise, LadderResult
from tests.conftest import first

pytestmark = pytest.mark.django_db


def names_on(html: str, enterprises) -> set[str]:
    return {e.name for e in enterprises if e.name in html}


def test_list_filters(population, client_as):
    client = client_as("bureau_staff")
    everyone = list(Enterprise.objects.all())
    html = client.get(reverse("enterprises:list"), {"region": "zhangdian", "size": 100}).content.decode()
    assert names_on(html, everyone) == {e.name for e in everyone if e.region.code == "zhangdian"}
    eligible = {
        r.enterprise.name
        for r in LadderResult.objects.filter(tier="high_tech", status="eligible").select_related("enterprise")
    }
    html = client.get(reverse("enterprises:list"), {"eligible": "high_tech", "size": 100}).content.decode()
    assert names_on(html, everyone) == eligible
    near = {
        r.enterprise.name
        for r in LadderResult.objects.filter(tier="tech_sme", status="not_eligible", failed=1).select_related(
            "enterprise"
        )
    }
    html = client.get(reverse("enterprises:list"), {"near": "tech_sme", "size": 100}).content.decode()
    assert names_on(html, everyone) == near


def test_list_bounded_queries(population, client_as, django_assert_max_num_queries):
    client = client_as("bureau_staff")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("enterprises:list"), {"size": 100}).status_code == 200


@pytest.mark.parametrize(
    "url_name",
    ["enterprises:list", "enterprises:funnel", "enterprises:reserve", "enterprises:expiring", "enterprises:import"],
)
def test_pages_render(population, client_as, url_name):
    response = client_as("bureau_staff").get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    heading = {
        "enterprises:list": "Enterprises",
        "enterprises:funnel": "Ladder funnel",
        "enterprises:reserve": "Reserve pool",
        "enterprises:expiring": "Expiring qualifications",
        "enterprises:import": "Import enterprises",
    }[url_name]
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert f"<h1>{translation.gettext(heading)}" in html
    if url_name == "enterprises:list":  # the register itself, not an empty frame
        assert sum(e.name in html for e in Enterprise.objects.all()) >= 20


def test_district_officer_scope_everywhere(population, client_as, client, token_for):
    officer = client_as("zhangdian_officer")
    own = first(Enterprise.objects.filter(region__code="zhangdian"))
    other = first(Enterprise.objects.exclude(region__code="zhangdian"))
    html = officer.get(reverse("enterprises:list"), {"size": 100}).content.decode()
    assert own.name in html and other.name not in html
    assert officer.get(reverse("enterprises:detail", args=[own.credit_code])).status_code == 200
    assert officer.get(reverse("enterprises:detail", args=[other.credit_code])).status_code == 404
    assert officer.get(reverse("enterprises:facts", args=[other.credit_code])).status_code == 404
    sheet = openpyxl.load_workbook(io.BytesIO(officer.get(reverse("enterprises:export")).getvalue())).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == set(Enterprise.objects.filter(region__code="zhangdian").values_list("credit_code", flat=True))
    html = officer.get(reverse("enterprises:funnel")).content.decode()
    assert "淄川区" not in html
    html = officer.get(reverse("enterprises:reserve"), {"tier": "tech_sme"}).content.decode()
    assert other.name not in html
    headers = token_for("zhangdian_officer")
    assert client.get(f"/api/enterprises/{other.credit_code}", **headers).status_code == 404
    assert client.get(f"/api/enterprises/{other.credit_code}/ladder", **headers).status_code == 404
    listed = client.get("/api/enterprises?limit=1000", **headers).json()
    assert {e["region"] for e in listed["items"]} == {"zhangdian"}


def test_detail_explains_every_tier_in_chinese(population, client_as):
    enterprise = first(LadderResult.objects.filter(tier="high_tech", status="not_eligible")).enterprise
    html = client_as("bureau_staff").get(reverse("enterprises:detail", args=[enterprise.credit_code])).content.decode()
    for title in ("科技型中小企业", "高新技术企业", "创新型中小企业", "专精特新中小企业"):
        assert title in html
    assert "国科发火〔2016〕32号" in html and 'data-testid="staircase"' in html
    assert f"<title>{enterprise.name} ·" in html and html.count("奖项和荣誉") == 1


def test_funnel_drills_down_to_the_same_count(population, client_as):
    client = client_as("bureau_staff")
    html = client.get(reverse("enterprises:funnel")).content.decode()
    assert 'data-testid="funnel"' in html
    eligible = LadderResult.objects.filter(
        tier="tech_sme", status="eligible", enterprise__region__code="zhangdian"
    ).count()
    assert f'eligible=tech_sme&amp;region=zhangdian">{eligible}<' in html
    listed = client.get(reverse("enterprises:list"), {"eligible": "tech_sme", "region": "zhangdian"})
    assert listed.context["page"].paginator.count == eligible


def test_reserve_pool_is_near_misses_closest_first(population, client_as, django_assert_max_num_queries):
    client = client_as("bureau_staff")
    with django_assert_max_num_queries(25):  # the register is read once per page, not once per row
        response = client.get(reverse("enterprises:reserve"), {"tier": "high_tech", "size": 100})
    rows = list(response.context["page"].object_list)
    assert rows, "the demo population has near misses"
    assert all(1 <= r.failed <= 2 and r.status == "not_eligible" for r in rows)
    assert [r.failed for r in rows] == sorted(r.failed for r in rows)
    assert all(r.gaps or r.failing_names for r in rows)


def test_expiring_window(population, client_as):
    response = client_as("bureau_staff").get(reverse("enterprises:expiring"), {"months": 12})
    for q in response.context["certificates"].object_list:
        assert q.tier == "high_tech" and q.expiry_date <= response.context["horizon"]


def test_one_menu_entry_is_current(population, client_as):
    html = client_as("bureau_staff").get(reverse("enterprises:funnel")).content.decode()
    assert html.count('aria-current="page"') == 1
    assert f'href="{reverse("enterprises:funnel")}" class="active"' in html
