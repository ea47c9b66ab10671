"""创新型中小企业 (工信部企业〔2022〕63号 附件1): bands (shared edge → higher band), group minimums, routes."""

from __future__ import annotations

from datetime import date

import pytest

from .helpers import crit, record, tier

T = "innovative_sme"


def test_base_is_eligible_with_full_marks_in_both_periods():
    for on in (date(2026, 3, 31), date(2026, 9, 30)):  # 63号 附件1 is used under the 2026 办法 too
        r = tier(record(), T, on)
        assert (r.status, r.score, r.rule_version) == ("eligible", 100, "innovative_sme/2022-63-annex1")
    assert tier(record(), T).score_breakdown == {"创新能力": 40, "成长性": 30, "专业化": 30}


@pytest.mark.parametrize(
    ("rd", "points"),
    [(600, 20), (599.99, 15), (360, 15), (359.99, 10), (240, 10), (120, 5), (119.99, 0), (0, 0)],
)
def test_rd_ratio_bands(rd, points):
    """Revenue 12000: 5% = 600 (→ 20), 3% = 360 (shared edge of 3–5% and 2–3%: the higher band)."""
    rec = record({"rd_expense_wan.2025": rd, "domestic_rd_expense_wan.2025": rd})
    assert crit(rec, T, "rd_ratio").points == points


@pytest.mark.parametrize(
    ("current", "points"),
    [(11500, 20), (11499.99, 15), (11000, 15), (10500, 10), (10499.99, 5), (10000, 5), (9999.99, 0)],
)
def test_main_business_growth_bands(current, points):
    rec = record(
        {
            "main_business_revenue_wan.2024": 10000,
            "main_business_revenue_wan.2025": current,
            "operating_revenue_wan.2025": 12000,
        }
    )
    assert crit(rec, T, "main_business_growth").points == points


def test_growth_from_a_zero_base_scores_zero_and_is_not_missing():
    c = crit(record({"main_business_revenue_wan.2024": 0}), T, "main_business_growth")
    assert (c.points, c.value, c.missing) == (0, None, [])


@pytest.mark.parametrize(
    ("liabilities", "points"),
    [(8250, 10), (8250.01, 5), (11250, 5), (11250.01, 0), (15000, 0)],
)
def test_debt_ratio_bands(liabilities, points):
    """Assets 15000: 55% = 8250 (→ 10, the 55%以下 band), 75% = 11250 (→ 5)."""
    assert crit(record({"total_liabilities_wan.2025": liabilities}), T, "debt_ratio").points == points


def test_debt_ratio_with_zero_assets_has_no_value():
    c = crit(record({"total_assets_wan.2025": 0, "total_liabilities_wan.2025": 10}), T, "debt_ratio")
    assert (c.points, c.value) == (0, None)


@pytest.mark.parametrize(
    ("main", "points"),
    [(8400, 20), (8399.99, 15), (7200, 15), (6600, 10), (6000, 5), (5999.99, 0)],
)
def test_main_business_share_bands(main, points):
    rec = record({"main_business_revenue_wan.2025": main, "main_business_revenue_wan.2024": 5000})
    assert crit(rec, T, "main_business_share").points == points


@pytest.mark.parametrize(
    ("ip", "points"),
    [
        ({"class_I": 2, "class_I_high_value": 1, "class_I_self_developed": 1, "class_II_miit": 0}, 20),
        ({"class_I": 2, "class_I_self_developed": 1, "class_II_miit": 0}, 15),
        ({"class_I": 2, "class_II_miit": 3}, 10),
        ({"class_I": 0, "class_II_miit": 1}, 5),
        ({"class_I": 0, "class_II_miit": 0}, 0),
        ({"class_I_high_value": 1}, 20),  # class_I unknown but a high-value one is declared
        ({"class_II_miit": 3}, None),  # class_I unknown: could be 10
    ],
)
def test_ip_table(ip, points):
    c = crit(record({"ip": ip}), T, "ip")
    assert c.points == points
    if points is None:
        assert c.missing == ["ip.class_I"]


def test_category_field_scores():
    assert crit(record({"strategic_emerging_industry": False}), T, "strategic_emerging").points == 5
    r = tier(record(drop=["strategic_emerging_industry"]), T)
    assert r.status == "not_evaluable" and r.missing == ["strategic_emerging_industry"]


def test_group_minimums_apply_even_when_total_reaches_60():
    # 创新能力: IP 0 + R&D 3% (15) = 15 < 20; total 15 + 30 + 30 = 75
    rec = record(
        {"ip": {"class_I": 0, "class_II_miit": 0}, "rd_expense_wan.2025": 360, "domestic_rd_expense_wan.2025": 360}
    )
    r = tier(rec, T)
    assert (r.score, r.status) == (75, "not_eligible")
    assert r.criterion("score_line").passed is False
    # a direct route overrides the score line
    r = tier(
        record(
            {
                "ip": {"class_I": 0, "class_II_miit": 0},
                "rd_expense_wan.2025": 360,
                "domestic_rd_expense_wan.2025": 360,
                "provincial_ministerial_rd_institution": True,
            }
        ),
        T,
    )
    assert (r.status, r.route) == ("eligible", "direct:provincial_ministerial_rd_institution")


def test_growth_group_minimum():
    # main business shrinks (0) + debt 40% (10) = 10 < 15
    r = tier(record({"main_business_revenue_wan.2024": 12000}), T)
    assert r.score_breakdown["成长性"] == 10 and r.status == "not_eligible"


@pytest.mark.parametrize(("equity", "status"), [(500, "eligible"), (499.99, "not_eligible")])
def test_equity_financing_route(equity, status):
    weak = {"ip": {"class_I": 0, "class_II_miit": 0}, "rd_expense_wan.2025": 0, "domestic_rd_expense_wan.2025": 0}
    r = tier(record({**weak, "equity_financing_qualified_3y_wan": equity}), T)
    assert r.status == status
    if status == "eligible":
        assert r.route == "direct:equity_financing_3y_500"


@pytest.mark.parametrize(
    "route",
    [
        "st_award_national_or_provincial_within_3y",
        "has_valid_hte_certificate",
        "other_valid_honor_tech_innovation_demo_or_ip_advantage",
        "provincial_ministerial_rd_institution",
    ],
)
def test_flag_routes_and_hard_conditions(route):
    weak = {"ip": {"class_I": 0, "class_II_miit": 0}, "rd_expense_wan.2025": 0, "domestic_rd_expense_wan.2025": 0}
    assert tier(record(weak), T).status == "not_eligible"
    assert tier(record({**weak, route: True}), T).status == "eligible"
    assert tier(record({**weak, route: True, "is_sme_per_2011_standard": False}), T).status == "not_eligible"
    assert tier(record({**weak, route: True}, drop=["major_incident_or_violation_3y"]), T).status == "not_evaluable"
