"""Indicator monitoring in a real browser: dashboard → detail chart, district ranking, briefing download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kechuang.core.models import OrgUnit


@pytest.fixture
def indicator_site(site):
    from kechuang.indicators.demo import load_demo

    load_demo(OrgUnit.objects.get(code="zibo", parent=None))
    return site


def test_dashboard_to_detail_chart(login, indicator_site, shot):
    page = login("leader")
    page.goto(f"{indicator_site}/indicators/")
    expect(page.get_by_test_id("demo-banner")).to_be_visible()
    cards = page.get_by_test_id("target-card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 5
    expect(page.locator('[data-status="off_track"]').first).to_be_visible()
    shot("indicators-dashboard")
    page.locator('[data-testid="target-card"][data-indicator="high_tech_enterprises"]').click()
    page.wait_for_url(f"{indicator_site}/indicators/high_tech_enterprises/")
    chart = page.get_by_test_id("indicator-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("sentence")).to_contain_text("距2027年目标")
    expect(page.get_by_test_id("region-table")).to_contain_text("张店区")
    shot("indicators-detail")


def test_district_ranking_chart(login, indicator_site, shot):
    page = login("bureau_staff")
    page.goto(f"{indicator_site}/indicators/districts/?indicator=rd_intensity")
    expect(page.get_by_test_id("region-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("region-table").locator("tbody tr")).to_have_count(9)  # 8 regions + the city
    shot("indicators-districts")


def test_briefing_download(login, indicator_site, shot, tmp_path):
    page = login("leader")
    page.goto(f"{indicator_site}/indicators/briefing/")
    shot("indicators-briefing")
    with page.expect_download() as info:
        page.get_by_test_id("briefing-pdf-quarterly").click()
    path = tmp_path / "briefing.pdf"
    info.value.save_as(path)
    assert path.read_bytes()[:4] == b"%PDF"
    with page.expect_download() as info:
        page.get_by_test_id("briefing-xlsx-monthly").click()
    assert info.value.suggested_filename.endswith(".xlsx")


def test_district_officer_dashboard_is_their_region(login, indicator_site, shot):
    page = login("zhangdian_officer")
    page.goto(f"{indicator_site}/indicators/")
    expect(page.locator(".page-head")).to_contain_text("张店区")
    shot("indicators-dashboard-zhangdian")


def test_detail_chart_shows_the_shandong_comparison_line(login, indicator_site, shot):
    """Real data (issue 4, item 8): Shandong's published high-tech enterprise counts are a comparison line on the
    detail chart (right-hand axis: the province counts ~15× the city), with the source under the chart."""
    page = login("bureau_staff")
    page.goto(f"{indicator_site}/indicators/high_tech_enterprises/")
    chart = page.get_by_test_id("indicator-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    option = page.evaluate(
        """() => {
            const o = echarts.getInstanceByDom(document.getElementById('indicator-chart')).getOption();
            return { series: o.series.map((s) => ({ name: s.name, axis: s.yAxisIndex || 0,
                                                    points: s.data.filter((v) => v !== null && v !== undefined) })),
                     axes: o.yAxis.length, legend: o.legend[0].data };
        }"""
    )
    line = next(s for s in option["series"] if s["name"].startswith("山东省（公开数据"))
    assert line["points"] == [20412, 26700]
    assert line["axis"] == 1 and option["axes"] == 2
    assert line["name"] in option["legend"]
    expect(page.get_by_test_id("comparison-note")).to_contain_text("China Daily")
    expect(page.get_by_test_id("published")).to_contain_text("山东省")
    shot("indicators-detail-shandong")


@pytest.mark.parametrize(
    ("code", "source", "language"),
    [
        ("rd_intensity", "全国科技经费投入统计公报", "zh-CN"),
        ("tech_contract_turnover_output", "中国科技统计年鉴", "zh-CN"),
        ("rd_intensity", "全国科技经费投入统计公报", "en"),
    ],
)
def test_rd_and_turnover_charts_compare_with_shandongs_series(login, indicator_site, shot, code, source, language):
    """Issue 14 items 2 and 7: Shandong's published series (2011–2023) is a labelled comparison line with its source
    on the R&D intensity and technology-contract turnover charts; the status has the clause that decided it."""
    page = login("leader")
    page.goto(f"{indicator_site}/indicators/{code}/")
    if language == "en":
        page.locator('.lang-switch button[value="en"]').click()
        page.wait_for_load_state()
    chart = page.get_by_test_id("indicator-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    option = page.evaluate(
        """() => {
            const o = echarts.getInstanceByDom(document.getElementById('indicator-chart')).getOption();
            return o.series.map((s) => ({ name: s.name, points: s.data.filter((v) => v !== null && v !== undefined) }));
        }"""
    )
    line = next(s for s in option if source in s["name"])
    assert len(line["points"]) >= 9  # every year the chart shows (the province published 2011–2023)
    expect(page.get_by_test_id("comparison-note")).to_contain_text(source)
    if code == "rd_intensity":  # the turnover has no policy target, so no status
        expect(page.get_by_test_id("status-rule-line").first).to_be_visible()
    shot(f"indicators-detail-{code}-{language}")


def test_cockpit_and_dashboard_show_the_rule_beside_the_status(login, indicator_site, shot):
    page = login("leader")
    expect(page.get_by_test_id("headline-target").first).to_contain_text("2027")
    shot("cockpit-status-rule")
    page.goto(f"{indicator_site}/indicators/")
    expect(page.get_by_test_id("status-rule-line").first).to_be_visible()
    shot("indicators-dashboard-status-rule")


@pytest.fixture
def register_site(site):
    """The demo register (600 firms, evaluated) and the indicators' demo, which counts from it."""
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.services import ladder_evaluate_register
    from kechuang.indicators.demo import load_demo

    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, 600, seed=2026, history=True)
    ladder_evaluate_register()
    load_demo(city)
    return site


def test_what_if_from_the_cockpit_and_provenance_one_click_away(login, register_site, shot):
    page = login("leader")
    page.goto(f"{register_site}/")
    tech_sme = page.get_by_test_id("headline-target").filter(has_text="科技型中小企业数量")
    shown = tech_sme.locator(".status-line a").first.inner_text()
    shot("cockpit-provenance")
    tech_sme.get_by_test_id("provenance-link").click()
    page.wait_for_url("**/enterprises/?held=tech_sme*")
    expect(page.locator("main")).to_contain_text(f"共 {shown.split()[0]} 条")
    page.goto(f"{register_site}/")
    page.get_by_test_id("headline-target").filter(has_text="高新技术企业数量").get_by_test_id("what-if-link").click()
    page.wait_for_url("**/indicators/high_tech_enterprises/what-if/")
    expect(page.get_by_test_id("what-if-gain")).to_contain_text("200")
    expect(page.get_by_test_id("what-if-probability")).to_contain_text("2000")
    expect(page.get_by_test_id("what-if-firms").locator("tbody tr")).to_have_count(25)
    shot("indicators-what-if")
    page.get_by_label("区县/功能区").select_option(label="张店区")
    page.get_by_role("button", name="测算").click()
    expect(page.get_by_test_id("what-if-firms")).to_contain_text("张店区")
    with page.expect_download() as info:
        page.get_by_test_id("what-if-export").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    page.goto(f"{register_site}/indicators/tech_smes/")
    expect(page.get_by_test_id("counted-provenance")).to_contain_text("本平台企业库统计")
    shot("indicators-provenance")
