"""Pages, API, briefing and cockpit: each persona sees its scope, in a bounded number of queries."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.indicators.demo import demo_years, load_demo
from kechuang.indicators.models import Observation
from tests.conftest import first, loaded_once

PAGES = [
    ("indicators:dashboard", ()),
    ("indicators:detail", ("high_tech_enterprises",)),
    ("indicators:detail", ("rd_intensity",)),
    ("indicators:region_comparison", ()),
    ("indicators:targets", ()),
    ("indicators:observations", ()),
    ("indicators:catalogue", ()),
    ("indicators:briefing", ()),
]
PERSONAS = ["bureau_staff", "leader", "lead_officer", "supporting_officer", "zhangdian_officer"]


# The indicator demo once for the module (about a second each time it loads). The tests that need the catalogue
# without the demo are in test_entry_pages.py.
demo_once = loaded_once(load_demo)


@pytest.fixture
def demo(demo_once, db) -> str:
    return demo_once


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_render_in_bounded_queries(demo, client_as, django_assert_max_num_queries, who, name, args):
    client = client_as(who)
    if who == "supporting_officer" and name == "indicators:detail":
        # 市教育局 is not responsible for enterprise counts or R&D intensity.
        assert client.get(reverse(name, args=args)).status_code == 404
        return
    # 32: 30 for the page and the session, one more to read the session's second-factor device (django-otp), one
    # for the provenance of the latest value (its source, rule and when it was computed; issue 14), one for the top
    # bar's unread-message badge and one for a cached figure when the cache is cold (each test starts cold) — constant
    with django_assert_max_num_queries(34):
        response = client.get(reverse(name, args=args))
    assert response.status_code == 200


def test_dashboard_shows_status_demo_marker_and_rule(demo, client_as):
    html = client_as("leader").get(reverse("indicators:dashboard")).content.decode()
    assert html.count('data-testid="target-card"') >= 5
    assert 'data-testid="demo-banner"' in html
    assert "状态判定规则" in html and "计划增量" in html
    assert 'data-status="at_risk"' in html or 'data-status="off_track"' in html


def test_detail_chart_data_has_history_path_and_forecast(demo, client_as):
    response = client_as("bureau_staff").get(reverse("indicators:detail", args=["high_tech_enterprises"]))
    chart = response.context["chart"]
    assert [y for y, _ in chart["history"]] == demo_years()  # the demo series run to last year
    assert chart["path"][0][0] == 2023 and chart["path"][-1] == (2027, 2000.0)
    if demo_years()[-1] < 2027:  # a forecast runs to the deadline while the deadline is ahead of the data
        assert chart["forecast"][-1]["year"] == 2027
        assert chart["forecast"][-1]["lower"] <= chart["forecast"][-1]["value"] <= chart["forecast"][-1]["upper"]
    html = response.content.decode()
    assert 'id="indicator-chart-data"' in html and "vendor/echarts.min.js" in html
    assert "<script>" not in html  # CSP: no inline scripts


def test_rd_intensity_is_a_ratio_of_sums_on_the_page(demo, client_as, city):
    response = client_as("bureau_staff").get(reverse("indicators:detail", args=["rd_intensity"]))
    latest = response.context["chart"]["history"][-1]
    rd = Observation.objects.get(indicator__code="rd_expenditure", region=city, year=latest[0])
    gdp = Observation.objects.get(indicator__code="gdp", region=city, year=latest[0])
    assert latest[1] == pytest.approx(float(rd.value) / float(gdp.value) * 100)


def test_lead_officer_sees_rd_intensity_though_gdp_is_not_theirs(demo, client_as):
    client = client_as("lead_officer")
    response = client.get(reverse("indicators:detail", args=["rd_intensity"]))
    assert len(response.context["chart"]["history"]) == len(demo_years())
    listing = client.get(reverse("indicators:observations") + "?indicator=gdp&size=100")
    assert not listing.context["page"].object_list  # the raw GDP rows stay the statistics bureau's


def test_district_officer_sees_their_region(demo, client_as):
    client = client_as("zhangdian_officer")
    html = client.get(reverse("indicators:dashboard")).content.decode()
    assert "张店区" in html
    page = client.get(reverse("indicators:observations") + "?size=100").context["page"]
    assert {o.region.code for o in page.object_list} == {"zhangdian"}
    rows = client.get(reverse("indicators:region_comparison")).context["rows"]
    assert [r["unit"].code for r in rows] == ["zhangdian"]
    export = client.get(reverse("indicators:observations_csv"))
    body = export.getvalue().decode("utf-8-sig")
    assert "zhangdian" in body and "zichuan" not in body


def test_district_ranking_is_ordered(demo, client_as):
    response = client_as("leader").get(
        reverse("indicators:region_comparison") + "?indicator=high_tech_enterprises&year=2025"
    )
    values = [r["value"] for r in response.context["rows"]]
    assert len(values) == 8 and values == sorted(values, reverse=True)
    assert response.context["rows"][0]["allocation"] is not None


def test_consistency_flag_is_shown(demo, client_as):
    html = client_as("bureau_staff").get(reverse("indicators:observations")).content.decode()
    assert 'data-testid="consistency-flags"' in html and "2021" in html


def test_targets_page_flags_a_breakdown_that_does_not_add_up(demo, client_as):
    html = client_as("bureau_staff").get(reverse("indicators:targets")).content.decode()
    assert 'data-testid="addup-short"' in html  # the demo leaves the platform target 10 short


def test_allocation_page_is_for_bureau_staff(demo, client_as):
    from kechuang.policy.models import Target

    target = Target.objects.get(code="t02_platforms_2027")
    url = reverse("indicators:allocations", args=[target.pk])
    assert client_as("zhangdian_officer").get(url).status_code == 403
    client = client_as("bureau_staff")
    assert client.get(url).status_code == 200


def test_api(demo, client, token_for, unit):
    headers = token_for("zhangdian_officer")
    catalogue = client.get("/api/indicators?catalogue_only=true", **headers).json()
    rd = next(i for i in catalogue if i["code"] == "rd_intensity")
    assert rd["derived"] and rd["aggregation"] == "ratio_of_sums"
    rows = client.get("/api/observations?limit=500", **headers).json()["items"]
    assert rows and {r["region"] for r in rows} == {"zhangdian"}
    this_year = timezone.localdate().year  # the demo series end last year
    payload = {"indicator": "tech_smes", "region": "zichuan", "year": this_year, "value": 5, "source": "x"}
    response = client.post("/api/observations", json.dumps(payload), content_type="application/json", **headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    payload["region"] = "zhangdian"
    response = client.post("/api/observations", json.dumps(payload), content_type="application/json", **headers)
    assert response.status_code == 201 and response.json()["region"] == "zhangdian"
    derived = {**payload, "indicator": "rd_intensity"}
    response = client.post("/api/observations", json.dumps(derived), content_type="application/json", **headers)
    assert response.status_code == 422 and "indicator" in response.json()["error"]["fields"]
    staff = token_for("bureau_staff")
    targets = client.get("/api/targets", **staff).json()
    hte = next(t for t in targets if t["indicator"] == "high_tech_enterprises")
    assert hte["status"] in {"on_track", "at_risk", "off_track"} and hte["target_value"] == 2000
    assert len(hte["allocations"]) == 8
    forecast = client.get("/api/indicators/high_tech_enterprises/forecast", **staff).json()
    assert forecast["deadline"] == 2027
    if demo_years()[-1] < 2027:  # forecast while the deadline is ahead of the data
        assert forecast["forecast"][-1]["year"] == 2027
        assert 0 <= forecast["probability_of_meeting_target"] <= 1


def test_briefing_pdf_and_excel(demo, client_as, tmp_path, pdf_tools):
    client = client_as("leader")
    pdf = client.get(reverse("indicators:briefing_pdf") + "?period=quarterly")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    xlsx = client.get(reverse("indicators:briefing_xlsx"))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.getvalue()))
    assert book.sheetnames == ["要点", "目标进展", "历史与预测", "本月情况", "区县排名"]
    year = demo_years()[-1]
    latest = Observation.objects.get(indicator__code="high_tech_enterprises", region__code="zibo", year=year).value
    expected = f"高新技术企业数量{year}年为{int(latest):,}家，距2027年目标（> 2000 家）尚差{2000 - int(latest)}家"
    sentences = [c.value for c in book["目标进展"]["J"] if c.value and "2027" in str(c.value)]
    # while the deadline is ahead of the data the sentence also gives the forecast interval and the growth needed
    ahead = ("80%区间", "需年均增长") if year < 2027 else ()
    assert any(expected in s and all(w in s for w in ahead) for s in sentences), sentences


def test_cockpit_cards(demo, client_as):
    html = client_as("leader").get("/").content.decode()
    assert "高新技术企业数量" in html and "/indicators/high_tech_enterprises/" in html


def test_detail_chart_has_the_shandong_comparison_line_from_published_figures(demo, client_as):
    """Real data (issue 4, item 8): the province's published figures are a comparison line with their source shown;
    the city's published figure is a real (final) observation with its source, not demo data."""
    response = client_as("bureau_staff").get(reverse("indicators:detail", args=["high_tech_enterprises"]))
    chart = response.context["chart"]
    assert chart["comparison"] == [[2021, 20412.0], [2023, 26700.0]]
    assert any("chinadaily" in s for s in chart["comparison_sources"])
    html = response.content.decode()
    assert 'data-testid="comparison-note"' in html and "chinadaily" in html
    # A partial-year provincial figure (first three quarters) is listed but never drawn.
    share = client_as("bureau_staff").get(reverse("indicators:detail", args=["high_tech_output_share"]))
    assert [year for year, _ in share.context["chart"]["comparison"]] == [2021]
    # The real GDP figure for 2015 replaced the generated one and names its source.
    gdp = Observation.objects.get(indicator__code="gdp", region__code="zibo", year=2015, quarter=0)
    assert not gdp.is_demo and gdp.status == "final" and "统计公报" in gdp.source


def test_detail_without_provincial_figures_has_no_comparison(demo, client_as):
    response = client_as("bureau_staff").get(
        reverse("indicators:detail", args=["innovation_platforms_provincial_plus"])
    )
    assert response.context["chart"]["comparison"] == []
    assert 'data-testid="comparison-note"' not in response.content.decode()


def test_dashboard_queries_do_not_grow_with_the_number_of_indicators(demo, client_as, city):
    """Issue 4: the dashboard stays under 30 SQL queries however many indicators — 40 more indicators, each with a
    target and 11 years of regional observations, add no query (bench/indicators.py measures 60 × 12 × 15)."""
    from datetime import date
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kechuang.core.models import OrgUnit
    from kechuang.indicators.models import Indicator
    from kechuang.policy.models import Policy, Target

    client = client_as("bureau_staff")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("indicators:dashboard"))
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode().count('data-testid="target-card"')

    before, cards_before = count()
    policy = Policy.objects.get()
    regions = list(OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.REGION, in_partition=True))
    rows = []
    for i in range(40):
        indicator = Indicator.objects.create(code=f"extra_{i}", name=f"附加指标{i}", unit="个")
        Target.objects.create(
            policy=policy,
            code=f"extra-{i}",
            indicator=indicator,
            comparator="ge",
            value=Decimal(1000),
            deadline=date(2027, 12, 31),
            description="附加",
            clause="附加",
            order=900 + i,
            task=first(policy.tasks.order_by("number")),
        )
        rows += [
            Observation(indicator=indicator, region=r, year=y, value=Decimal(10 + y - 2015), source="测试")
            for r in regions
            for y in range(2015, 2026)
        ]
    Observation.objects.bulk_create(rows)
    after, cards_after = count()
    assert cards_after == cards_before + 40
    assert after <= before < 30


@pytest.mark.parametrize(
    ("code", "year", "value"),
    [("rd_intensity", 2018, 2.15), ("rd_intensity", 2023, 2.59), ("tech_contract_turnover_output", 2023, 4554.6684)],
)
def test_rd_and_turnover_charts_have_shandongs_published_series_with_its_source(demo, client_as, code, year, value):
    """Issue 14 item 7: Shandong's rows of the provincial series (copied into data/province-series.csv) are the
    comparison line, labelled with the province and its source; the bulletin's row wins over a quoted figure."""
    response = client_as("bureau_staff").get(reverse("indicators:detail", args=[code]))
    chart = response.context["chart"]
    line = dict((y, v) for y, v in chart["comparison"])
    assert line[year] == pytest.approx(value)
    assert len(line) >= 13  # the whole series, one point a year
    assert "山东省" in chart["labels"]["comparison"]
    expected = "全国科技经费投入统计公报" if code == "rd_intensity" else "中国科技统计年鉴"
    assert expected in chart["comparison_source"] and expected in chart["labels"]["comparison"]
    html = response.content.decode()
    assert 'data-testid="comparison-sources"' in html and "huhuaping/techme" in html


def test_every_status_is_shown_with_the_clause_that_decided_it(demo, client_as, persona):
    """Issue 14 item 2: one rule, its clause in a sentence beside the status on the cockpit, the dashboard, the
    indicator page and the briefing; a cadence target's probability and growth are for its next due period."""
    from kechuang.indicators import briefing, selectors
    from kechuang.policy.selectors import default_policy

    client = client_as("leader")
    policy = default_policy()
    _ctx, _unit, cards = selectors.target_cards(persona("leader"), policy)
    with_data = [c for c in cards if c.assessment.latest_value is not None]
    assert with_data and all(c.assessment.rule for c in cards)
    for card in with_data:
        a = card.assessment
        if card.quota:
            assert a.basis == "quota" and a.due_year == a.latest_year + card.target.cadence_years
        else:
            assert a.due_year == card.target_year
            assert str(a.due_year) in a.rule
        if a.probability is not None:
            assert f"{round(a.probability * 100)}%" in a.rule
    dashboard = client.get(reverse("indicators:dashboard")).content.decode()
    assert dashboard.count('data-testid="status-rule-line"') == len(cards)
    cockpit = client.get("/").content.decode()
    for card in with_data:
        if not card.quota:
            assert card.assessment.rule in cockpit
    detail = client.get(reverse("indicators:detail", args=[with_data[0].indicator.code])).content.decode()
    assert with_data[0].assessment.rule in detail
    data = briefing.build(persona("leader"), policy, "quarterly")
    assert all(item.card.assessment.rule in item.sentence for item in data.items)


@pytest.mark.parametrize("who, all_linked", [("supporting_officer", False), ("bureau_staff", True)])
def test_the_catalogue_links_only_the_indicators_whose_page_opens(demo, client_as, who, all_linked):
    """The catalogue lists every indicator's definition (public); a department officer's indicator page opens only
    for its department's indicators, so only those are links — no link of the catalogue answers 404."""
    import re

    client = client_as(who)
    html = client.get(reverse("indicators:catalogue")).content.decode()
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td><td>(<a href=\"([^\"]+)\")?", html)
    assert len(rows) > 20
    links = [href for _code, _a, href in rows if href]
    assert links and (len(links) == len(rows)) == all_linked
    assert all(client.get(href).status_code == 200 for href in links)
