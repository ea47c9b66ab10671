"""高新技术企业 (国科发火〔2016〕32号 + 195号 工作指引): hard conditions, bands, growth, score > 70."""

from __future__ import annotations

import pytest

from .helpers import crit, record, tier

T = "high_tech"


def test_base_is_eligible_with_conservative_score():
    r = tier(record(), T)
    assert (r.status, r.score, r.route) == ("eligible", 79, "score")
    assert r.score_breakdown == {"知识产权": 28, "科技成果转化能力": 25, "研究开发组织管理水平": 16, "企业成长性": 10}
    # band tops: IP 7+7+8+6+1 = 29, conversions 30, management 16, growth 6 + 6 → 87
    assert r.score_upper == 87


@pytest.mark.parametrize(
    ("registered", "days", "passed"),
    [("2025-10-01", 364, False), ("2025-09-30", 365, True), ("2025-09-29", 366, True)],
)
def test_registered_one_year_counts_calendar_days(registered, days, passed):
    c = crit(record({"registration_date": registered}), T, "registered_365_days")
    assert (c.value, c.passed) == (days, passed)


@pytest.mark.parametrize(
    ("revenue", "rd", "passed"),
    [
        # latest year ≤ 5000 万 → ≥ 5%
        ((5000, 5000, 5000), (250, 250, 250), True),
        ((5000, 5000, 5000), (250, 250, 249.99), False),
        # latest year 5000.01 万 → ≥ 4% (sum 15000 → 600)
        ((5000, 4999.99, 5000.01), (200, 200, 200), True),
        ((5000, 4999.99, 5000.01), (200, 200, 199.99), False),
        # latest year exactly 2亿 (含) → still 4%
        ((20000, 20000, 20000), (800, 800, 800), True),
        ((20000, 20000, 20000), (800, 800, 799.99), False),
        # above 2亿 → 3%
        ((20000, 20000, 20000.01), (600, 600, 600.01), True),
        ((20000, 20000, 20000.01), (600, 600, 600), False),
        # the band is chosen by the latest year only; the ratio uses the 3-year sums
        ((30000, 30000, 4000), (500, 500, 3200), True),  # 4200 / 64000 = 6.6% ≥ 5%
    ],
)
def test_rd_ratio_bands_by_latest_year_revenue(revenue, rd, passed):
    years = ("2023", "2024", "2025")
    rec = record(
        {
            "operating_revenue_wan": dict(zip(years, revenue, strict=True)),
            "rd_expense_wan": dict(zip(years, rd, strict=True)),
            "domestic_rd_expense_wan": dict(zip(years, rd, strict=True)),
        }
    )
    assert crit(rec, T, "rd_ratio_3y").passed is passed


def test_rd_ratio_is_exact_where_binary_floats_are_not():
    # 10.1 + 20.2 + 30.3 = 60.6 and 60.6 / 1212 = 5% exactly; naive float sums give 4.9999…%
    assert (10.1 + 20.2 + 30.3) / 1212 < 0.05
    years = ("2023", "2024", "2025")
    rec = record(
        {
            "operating_revenue_wan": dict(zip(years, (202, 404, 606), strict=True)),
            "rd_expense_wan": dict(zip(years, (10.1, 20.2, 30.3), strict=True)),
            "domestic_rd_expense_wan": dict(zip(years, (10.1, 20.2, 30.3), strict=True)),
        }
    )
    assert crit(rec, T, "rd_ratio_3y").passed is True


def test_rd_ratio_uses_actual_operating_years_for_young_firms():
    # registered 2024-06-01: only fiscal 2024 and 2025 count; 2023 figures are not needed
    rec = record(
        {
            "registration_date": "2024-06-01",
            "rd_expense_wan": {"2024": 500, "2025": 600},
            "domestic_rd_expense_wan": {"2024": 500, "2025": 600},
        }
    )
    c = crit(rec, T, "rd_ratio_3y")
    assert c.passed is True and c.value == pytest.approx(1100 / 22000) and c.missing == []


def test_rd_ratio_gap_sentence():
    rec = record(
        {
            "rd_expense_wan": {"2023": 300, "2024": 380, "2025": 408},
            "domestic_rd_expense_wan": {"2023": 300, "2024": 380, "2025": 408},
        }
    )
    c = crit(rec, T, "rd_ratio_3y")
    assert c.passed is False
    assert c.gap["change"] == 112  # 4% of 30000 = 1200; 1200 − 1088
    assert c.gap["text"].startswith("近三年研发费用占比 3.6% → 4.0%") and "112 万元" in c.gap["text"]


@pytest.mark.parametrize(
    ("path", "value", "cid", "passed"),
    [
        ("domestic_rd_expense_wan.2025", 0, "domestic_rd_60pct", True),  # 1080 / 1800 = 60%
        ("domestic_rd_expense_wan.2025", 0, "domestic_rd_60pct", True),
        ("st_staff", 20, "st_staff_ratio_10pct", True),  # 20 / 200 = 10% (不低于)
        ("st_staff", 19, "st_staff_ratio_10pct", False),
        ("high_tech_income_wan", 7200, "high_tech_income_60pct", True),  # 7200 / 12000
        ("high_tech_income_wan", 7199.99, "high_tech_income_60pct", False),
        ("tech_field_in_catalog", False, "tech_field_in_catalog", False),
        ("resident_enterprise_mainland", False, "resident_enterprise", False),
        ("major_incident_or_violation_recent", True, "no_major_incident_recent", False),
    ],
)
def test_hard_condition_edges(path, value, cid, passed):
    changes = {path: value, "rd_staff": 0}
    if path.startswith("domestic"):
        changes = {"domestic_rd_expense_wan": {"2023": 480, "2024": 600, "2025": 0}}  # 1080 / 1800
    r = tier(record(changes), T)
    assert r.criterion(cid).passed is passed
    assert (r.status == "not_eligible") is (not passed)


def test_domestic_rd_just_below_sixty_percent():
    rec = record({"domestic_rd_expense_wan": {"2023": 480, "2024": 599.99, "2025": 0}})
    assert crit(rec, T, "domestic_rd_60pct").passed is False


@pytest.mark.parametrize(
    ("ip", "core_ip", "quantity_points"),
    [
        ({"class_I": 1, "class_II": 0}, True, 7),
        ({"class_I": 0, "class_II": 6, "class_II_used_in_prior_hte": 1}, True, 5),  # 5 usable
        ({"class_I": 0, "class_II": 6, "class_II_used_in_prior_hte": 2}, True, 3),  # 4 usable
        ({"class_I": 0, "class_II": 3, "class_II_used_in_prior_hte": 1}, True, 1),
        ({"class_I": 0, "class_II": 3, "class_II_used_in_prior_hte": 3}, False, 0),  # all used before
    ],
)
def test_class_ii_ip_counts_only_once(ip, core_ip, quantity_points):
    r = tier(record({"ip": ip}), T)
    assert r.criterion("core_ip_owned").passed is core_ip
    assert r.criterion("ip_quantity").points == quantity_points


def test_ip_group_is_capped_at_30():
    rec = record(
        {
            "hte_expert_points": {
                "tech_advancement": 8,
                "core_support": 8,
                "ip_acquisition": 6,
                "standards_bonus": 2,
                "rd_management": 16,
            }
        }
    )
    assert tier(rec, T).score_breakdown["知识产权"] == 30  # 8 + 8 + 7 + 6 + 2 = 31


@pytest.mark.parametrize(
    ("conversions", "points", "estimate"),
    [
        (15, 25, False),
        (14, 19, False),
        (12, 19, False),
        (11, 13, False),
        (9, 13, False),
        (6, 7, False),
        (3, 1, False),
        (2, 1, True),
        (1, 1, True),
        (0, 0, False),
    ],
)
def test_conversion_bands(conversions, points, estimate):
    c = crit(record({"conversions_3y": conversions}), T, "conversions")
    assert c.points == points
    assert bool((c.detail or {}).get("estimate")) is estimate


def _net_assets(a, b, c):
    """Year-end net assets a, b, c (liabilities carry negative net assets)."""
    years = ("2023", "2024", "2025")
    assets = {y: max(v, 0) for y, v in zip(years, (a, b, c), strict=True)}
    liabilities = {y: max(-v, 0) for y, v in zip(years, (a, b, c), strict=True)}
    return {"total_assets_wan": assets, "total_liabilities_wan": liabilities}


@pytest.mark.parametrize(
    ("na", "points"),
    [
        ((10000, 13500, 18225), 9),  # exactly 35%
        ((10000, 13500, 18224.99), 7),
        ((10000, 12500, 15625), 7),  # exactly 25%
        ((10000, 11500, 13225), 5),  # exactly 15%
        ((10000, 10500, 11025), 3),  # exactly 5%
        ((10000, 10500, 11024.99), 1),
        ((10000, 10000, 10000.01), 1),  # > 0
        ((10000, 10000, 10000), 0),  # 0 → 0 points
        ((10000, 9000, 8000), 0),  # negative growth
        ((0, 10000, 13500), 9),  # year-1 net assets 0: computed from the last two years (35%)
        ((0, 10000, 13499.99), 7),
        ((10000, 0, 13500), 0),  # year-2 net assets 0 → 0 points
        ((-500, 10000, 20000), 0),  # negative base → 0 points
    ],
)
def test_net_asset_growth_bands(na, points):
    c = crit(record(_net_assets(*na)), T, "net_asset_growth")
    assert c.points == points


def test_net_asset_growth_formula_value():
    c = crit(record(), T, "net_asset_growth")
    assert c.value == pytest.approx(0.5 * (7000 / 6000 + 9000 / 7000) - 1)


@pytest.mark.parametrize(
    ("sales", "points"),
    [((8000, 10000, 12000), 5), ((10000, 13500, 18225), 9), ((0, 10000, 10500), 3), ((10000, 10000, 9000), 0)],
)
def test_sales_growth_bands(sales, points):
    rec = record({"operating_revenue_wan": dict(zip(("2023", "2024", "2025"), sales, strict=True))})
    assert crit(rec, T, "sales_growth").points == points


@pytest.mark.parametrize(("rd_management", "score", "status"), [(7, 70, "not_eligible"), (8, 71, "eligible")])
def test_score_must_exceed_70(rd_management, score, status):
    r = tier(record({"hte_expert_points.rd_management": rd_management}), T)
    assert (r.score, r.status) == (score, status)


def test_fewer_than_three_years_of_figures_makes_the_score_null_not_zero():
    r = tier(record(drop=["total_assets_wan.2023", "total_liabilities_wan.2023"]), T)
    assert r.criterion("net_asset_growth").points is None
    assert (r.status, r.score) == ("not_evaluable", None)
    assert r.missing == ["total_assets_wan.2023", "total_liabilities_wan.2023"]
    # ... unless a hard condition fails
    r = tier(record({"tech_field_in_catalog": False}, drop=["total_assets_wan.2023"]), T)
    assert (r.status, r.score) == ("not_eligible", None)


def test_score_fails_definitely_when_missing_items_at_maximum_cannot_reach_71():
    rec = record(
        {"hte_expert_points.rd_management": 0, "conversions_3y": 0},
        drop=["total_assets_wan.2023", "operating_revenue_wan.2023"],
    )
    r = tier(rec, T)  # 28 + 0 + 0 + 10 + 10 = 48 ≤ 70
    assert (r.status, r.score) == ("not_eligible", None)
    assert r.criterion("score_line").passed is False


def test_missing_expert_points_are_listed():
    r = tier(record(drop=["hte_expert_points.core_support"]), T)
    assert r.status == "not_evaluable" and r.missing == ["hte_expert_points.core_support"]


def test_firm_registered_in_the_assessment_year_fails_rather_than_lacks_data():
    # found by the property tests: no fiscal year before the assessment → the R&D ratio is not met
    r = tier(
        record(
            {"registration_date": "2026-01-10"},
            drop=["operating_revenue_wan", "rd_expense_wan", "domestic_rd_expense_wan"],
        ),
        T,
    )
    assert r.criterion("rd_ratio_3y").passed is False and r.status == "not_eligible"
