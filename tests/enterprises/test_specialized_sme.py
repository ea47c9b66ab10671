"""专精特新中小企业: the 2022 rules (63号 附件2) before 2026-04-01 and the 2026 rules (2号) from that day."""

from __future__ import annotations

from datetime import date

import pytest

from .helpers import BEFORE_2026, crit, record, tier

T = "specialized_sme"
V2022, V2026 = "specialized_sme/2022-63-annex2", "specialized_sme/2026-2"


@pytest.mark.parametrize(
    ("on", "version"),
    [(date(2022, 6, 1), V2022), (date(2026, 3, 31), V2022), (date(2026, 4, 1), V2026), (date(2027, 1, 1), V2026)],
)
def test_rule_version_switches_on_2026_04_01(on, version):
    r = tier(record({"assessment_date": on.isoformat()}), T)
    assert r.rule_version == version
    # as_of overrides the record's date
    assert tier(record({"assessment_date": "2020-01-01"}), T, on).rule_version == version


def test_before_the_2022_rules_there_is_no_version():
    r = tier(record({"assessment_date": "2022-05-31", "registration_date": "2010-01-01"}), T)
    assert (r.rule_version, r.status, r.criteria) == (None, "not_evaluable", [])


def test_base_is_eligible_under_both_versions():
    r = tier(record(), T, BEFORE_2026)
    assert (r.status, r.score, r.route) == ("eligible", 91, "score")
    r = tier(record(), T)
    assert (r.status, r.score, r.route) == ("eligible", None, "conditions")


# --- 2022 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "cid", "passed"),
    [
        ({"market_segment_years": 2}, "niche_years_2", True),
        ({"market_segment_years": 1.9}, "niche_years_2", False),
        ({"rd_expense_wan.2025": 100, "operating_revenue_wan.2025": 3000}, "rd_amount_100", True),
        ({"rd_expense_wan.2025": 99.99, "operating_revenue_wan.2025": 3000}, "rd_amount_100", False),
        ({"rd_expense_wan.2025": 360}, "rd_ratio_3pct", True),  # 360 / 12000 = 3%
        ({"rd_expense_wan.2025": 359.99}, "rd_ratio_3pct", False),
        ({"operating_revenue_wan.2025": 1000}, "revenue_or_financing", True),
        ({"operating_revenue_wan.2025": 999.99}, "revenue_or_financing", False),
        (
            {"operating_revenue_wan.2025": 999.99, "equity_financing_qualified_2y_wan": 2000},
            "revenue_or_financing",
            True,
        ),
        (
            {"operating_revenue_wan.2025": 999.99, "equity_financing_qualified_2y_wan": 1999.99},
            "revenue_or_financing",
            False,
        ),
        ({"holds_valid_innovative_sme_title": False}, "holds_innovative_sme_title", False),
    ],
)
def test_2022_conditions(changes, cid, passed):
    if "rd_expense_wan.2025" in changes:
        changes = {**changes, "domestic_rd_expense_wan.2025": 0}
    r = tier(record(changes), T, BEFORE_2026)
    assert r.criterion(cid).passed is passed
    if not passed:
        assert r.status == "not_eligible"


def test_2022_tech_sme_registration_alone_is_not_the_prerequisite():
    rec = record({"holds_valid_innovative_sme_title": False, "holds_valid_tech_sme_registration": True})
    assert tier(rec, T, BEFORE_2026).status == "not_eligible"
    assert tier(rec, T).status == "eligible"  # 2026: the merged first tier accepts either title


@pytest.mark.parametrize(
    ("mb", "points"),
    [
        ((10000, 11000, 12100), 10),  # 10% and 10% → 10%
        ((10000, 10800, 11880), 8),  # 8% / 10% → 9% → 8 points
        ((10000, 10000, 10800), 4),  # 0% / 8% → 4%
        ((10000, 10000, 10000), 2),  # 0% → the 0–4% band
        ((10000, 9000, 9100), 0),  # −10% / +1.1% → negative
        ((0, 9000, 12000), 0),  # zero base year → 0 (no high-tech style fallback here)
    ],
)
def test_2022_two_year_average_main_business_growth(mb, points):
    years = ("2023", "2024", "2025")
    rec = record(
        {
            "main_business_revenue_wan": dict(zip(years, mb, strict=True)),
            "operating_revenue_wan": dict(zip(years, (12100, 12100, 12100), strict=True)),
        }
    )
    c = crit(rec, T, "main_business_growth_2y_avg", BEFORE_2026)
    assert c.points == points
    assert c.unverified is True  # the averaging formula is marked [UNVERIFIED] in the reference


@pytest.mark.parametrize(("years", "points"), [(2, 1), (3.9, 1), (4, 2), (9.9, 4), (10, 5), (15, 5)])
def test_2022_niche_years_points(years, points):
    assert crit(record({"market_segment_years": years}), T, "niche_years_points", BEFORE_2026).points == points


@pytest.mark.parametrize(
    ("rd", "revenue", "points"),
    [
        (500, 12000, 10),  # amount ≥ 500 万
        (400, 12000, 8),  # amount 400–500; ratio 3.3% → 2: keep 8
        (150, 1000, 10),  # amount 2 points, ratio 15% → 10
        (100, 3000, 2),  # both 2 (100 万 / 3.3%)
        (99.99, 3500, 0),  # amount < 100 and ratio 2.86% < 3%
    ],
)
def test_2022_rd_points_take_the_better_table(rd, revenue, points):
    rec = record({"rd_expense_wan.2025": rd, "domestic_rd_expense_wan.2025": 0, "operating_revenue_wan.2025": revenue})
    assert crit(rec, T, "rd_investment", BEFORE_2026).points == points


@pytest.mark.parametrize(
    ("cid", "changes", "points"),
    [
        ("digital_level", {"digital_level": 2}, 3),
        ("digital_level", {"digital_level": 1}, 0),
        ("quality_management", {"quality_items_count": 1}, 3),
        ("quality_management", {"quality_items_count": 3}, 5),
        ("net_profit_margin", {"net_profit_wan.2025": 1199.99}, 8),
        ("net_profit_margin", {"net_profit_wan.2025": 240}, 2),
        ("net_profit_margin", {"net_profit_wan.2025": -100}, 0),
        ("debt_ratio", {"total_liabilities_wan.2025": 7500}, 5),  # 50%
        ("debt_ratio", {"total_liabilities_wan.2025": 9000}, 3),  # 60%
        ("debt_ratio", {"total_liabilities_wan.2025": 10500}, 1),  # 70%
        ("debt_ratio", {"total_liabilities_wan.2025": 10500.01}, 0),
        ("rd_staff_ratio", {"rd_staff": 40}, 5),  # 20% of 200
        ("rd_staff_ratio", {"rd_staff": 39}, 3),
        ("rd_staff_ratio", {"rd_staff": 10}, 1),
        ("rd_staff_ratio", {"rd_staff": 9}, 0),
        ("rd_institution_level", {"rd_institution_level": "national"}, 10),
        ("rd_institution_level", {"rd_institution_level": "below_municipal"}, 2),
        ("product_field", {"product_field_category_2022": "six_basics_or_time_honored_or_chain_leader"}, 3),
        ("ip", {"ip.class_I_high_value": 0}, 8),
        ("local_characteristic", {"local_characteristic_score": 7.5}, 7.5),
    ],
)
def test_2022_scoring_items(cid, changes, points):
    assert crit(record(changes), T, cid, BEFORE_2026).points == points


WEAK_2022 = {
    "rd_institution_level": "none",  # −8
    "product_field_category_2022": "other",  # −5
    "digital_level": 1,  # −5
    "quality_items_count": 0,  # −5 → 81 − 23 = 58 without the provincial points
}


@pytest.mark.parametrize(("local", "score", "status"), [(2, 60, "eligible"), (1, 59, "not_eligible")])
def test_2022_score_line(local, score, status):
    r = tier(record({**WEAK_2022, "local_characteristic_score": local}), T, BEFORE_2026)
    assert (r.score, r.status) == (score, status)


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"st_award_provincial_top3_or_national_within_3y": True}, "eligible"),
        ({"maker_china_top500_within_3y": True}, "eligible"),
        ({"equity_financing_qualified_2y_wan": 6000}, "eligible"),
        ({"equity_financing_qualified_2y_wan": 5999.99}, "not_eligible"),
        ({"rd_expense_wan.2025": 1000, "rd_expense_wan.2024": 1000}, "eligible"),  # 2-year mean 1000 万
        ({"rd_expense_wan.2025": 1000, "rd_expense_wan.2024": 999.99}, "not_eligible"),
    ],
)
def test_2022_direct_routes(changes, status):
    base = {**WEAK_2022, "local_characteristic_score": 0, "domestic_rd_expense_wan": {}}
    r = tier(record({**base, **changes}), T, BEFORE_2026)
    assert r.status == status
    assert (r.route or "").startswith("direct:") is (status == "eligible")


def test_2022_missing_local_score_is_not_evaluable_unless_route():
    r = tier(record(drop=["local_characteristic_score"]), T, BEFORE_2026)
    assert (r.status, r.score, r.missing) == ("not_evaluable", None, ["local_characteristic_score"])
    r = tier(record({"maker_china_top500_within_3y": True}, drop=["local_characteristic_score"]), T, BEFORE_2026)
    assert r.status == "eligible"


# --- 2026 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "cid", "passed"),
    [
        ({"market_segment_years": 3}, "niche_years_3", True),
        ({"market_segment_years": 2.9}, "niche_years_3", False),
        ({"operating_revenue_wan.2025": 1500, "rd_expense_wan.2025": 100}, "revenue_or_financing", True),
        ({"operating_revenue_wan.2025": 1499.99, "rd_expense_wan.2025": 100}, "revenue_or_financing", False),
        (
            {
                "operating_revenue_wan.2025": 1499.99,
                "rd_expense_wan.2025": 100,
                "equity_financing_qualified_2y_wan": 2000,
            },
            "revenue_or_financing",
            True,
        ),
        ({"main_business_revenue_wan.2025": 9600}, "main_business_share_80", True),
        ({"main_business_revenue_wan.2025": 9599.99}, "main_business_share_80", False),
        ({"total_liabilities_wan.2025": 12000}, "debt_ratio_max_80", True),
        ({"total_liabilities_wan.2025": 12000.01}, "debt_ratio_max_80", False),
        ({"rd_expense_wan.2025": 100, "operating_revenue_wan.2025": 3000}, "rd_amount_last_year", True),
        ({"rd_expense_wan.2025": 99.99, "operating_revenue_wan.2025": 3000}, "rd_amount_last_year", False),
        ({"rd_expense_wan.2025": 360}, "rd_ratio_last_year", True),
        ({"rd_expense_wan.2025": 359.99}, "rd_ratio_last_year", False),
        ({"rd_expense_wan.2024": 100, "operating_revenue_wan.2024": 3000}, "rd_amount_prior_year", True),
        ({"rd_expense_wan.2024": 99.99, "operating_revenue_wan.2024": 3000}, "rd_amount_prior_year", False),
        ({"rd_expense_wan.2024": 300}, "rd_ratio_prior_year", True),  # 300 / 10000 = 3%
        ({"rd_expense_wan.2024": 299.99}, "rd_ratio_prior_year", False),
        ({"ip": {"class_I": 0}}, "class_I_ip_or_exemption", False),
        ({"ip": {"class_I": 0}, "st_award_provincial_plus_top3_within_3y": True}, "class_I_ip_or_exemption", True),
        ({"ip": {"class_I": 0}, "provincial_ministerial_rd_institution": True}, "class_I_ip_or_exemption", True),
        ({"market_position_leading": False}, "market_position_leading", False),
        ({"specialized_platform_score": 50}, "platform_score_50", True),
        ({"specialized_platform_score": 49.9}, "platform_score_50", False),
        ({"holds_valid_innovative_sme_title": False}, "holds_first_tier_title", True),  # tech SME number held
        (
            {"holds_valid_innovative_sme_title": False, "holds_valid_tech_sme_registration": False},
            "holds_first_tier_title",
            False,
        ),
        ({"is_sme_per_2011_standard": False}, "sme", False),
    ],
)
def test_2026_conditions(changes, cid, passed):
    changes = {**changes, "domestic_rd_expense_wan": {}}
    r = tier(record(changes), T)
    assert r.rule_version == V2026
    assert r.criterion(cid).passed is passed
    assert r.status == ("eligible" if passed else "not_eligible")
    assert r.score is None  # the platform score is an input, not a local score


def test_2026_missing_platform_score():
    r = tier(record(drop=["specialized_platform_score"]), T)
    assert (r.status, r.missing) == ("not_evaluable", ["specialized_platform_score"])
    r = tier(record({"market_segment_years": 1}, drop=["specialized_platform_score"]), T)
    assert r.status == "not_eligible" and r.failed == 1
