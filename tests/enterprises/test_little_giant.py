"""专精特新"小巨人": 2022 (63号 附件3) and 2026 (2号 附件2) conditions."""

from __future__ import annotations

import pytest

from .helpers import BEFORE_2026, crit, record, tier

T = "little_giant"


def test_base_is_eligible_under_both_versions():
    r = tier(record(), T)
    assert (r.status, r.rule_version, r.route, r.score) == (
        "eligible",
        "little_giant/2026-2-annex2",
        "conditions",
        None,
    )
    r = tier(record(), T, BEFORE_2026)
    assert (r.status, r.rule_version) == ("eligible", "little_giant/2022-63-annex3")


@pytest.mark.parametrize(("latest", "passed"), [(11025, True), (11024.99, False)])
def test_2026_revenue_cagr_is_exact(latest, passed):
    # √(11025 / 10000) − 1 = 5% exactly
    rec = record({"operating_revenue_wan": {"2023": 10000, "2024": 10500, "2025": latest}})
    assert crit(rec, T, "revenue_cagr_2y_5").passed is passed


@pytest.mark.parametrize(
    ("changes", "cid", "passed"),
    [
        ({"rd_expense_wan.2025": 600}, "rd_total_2y_1200", True),  # 600 + 600
        ({"rd_expense_wan.2025": 599.99}, "rd_total_2y_1200", False),
        ({"ip.class_I_self_developed": 3}, "class_I_ip_4_or_exemption", False),
        ({"ip.class_I_self_developed": 3, "national_st_award_top3_within_3y": True}, "class_I_ip_4_or_exemption", True),
        ({"niche_market_share_pct": 9.9, "niche_market_rank_national": 4}, "market_share_10_or_top3", False),
        ({"niche_market_share_pct": 9.9, "niche_market_rank_national": 3}, "market_share_10_or_top3", True),
        ({"main_business_revenue_wan.2025": 10800}, "main_business_share_90", True),
        ({"main_business_revenue_wan.2025": 10799.99}, "main_business_share_90", False),
        ({"total_liabilities_wan.2025": 11250}, "debt_ratio_max_75", True),
        ({"total_liabilities_wan.2025": 11250.01}, "debt_ratio_max_75", False),
        ({"operating_revenue_wan": {"2023": 4000, "2024": 4500, "2025": 5000}}, "revenue_5000", True),
        ({"operating_revenue_wan": {"2023": 4000, "2024": 4500, "2025": 4999.99}}, "revenue_5000", False),
        ({"specialized_platform_score": 59.9}, "platform_score_60", False),
        ({"excluded_single_champion_or_little_giant_affiliate": True}, "not_excluded", False),
        ({"holds_valid_specialized_sme_title": False}, "holds_specialized_sme_title", False),
    ],
)
def test_2026_conditions(changes, cid, passed):
    changes = {**changes, "domestic_rd_expense_wan": {}}
    r = tier(record(changes), T)
    assert r.criterion(cid).passed is passed
    assert (r.status == "not_eligible") is (not passed)


def test_2026_share_unknown_but_rank_top3_is_enough():
    r = tier(record({"niche_market_rank_national": 1}, drop=["niche_market_share_pct"]), T)
    assert r.status == "eligible" and r.missing == []
    r = tier(record({"niche_market_rank_national": 5}, drop=["niche_market_share_pct"]), T)
    assert (r.status, r.missing) == ("not_evaluable", ["niche_market_share_pct"])


@pytest.mark.parametrize(
    ("revenue", "rd", "passed"),
    [
        ((10000, 10000), (300, 300), True),  # ≥ 1亿: 3% each year
        ((10000, 10000), (300, 299.99), False),
        ((10000, 9999.99), (600, 600), True),  # 5000万–1亿: 6% each year
        ((10000, 9999.99), (600, 599.99), False),
        ((10000, 5000), (600, 300), True),  # 5000 万 exactly is in the 6% band
    ],
)
def test_2022_rd_intensity_by_revenue_band(revenue, rd, passed):
    rec = record(
        {
            "operating_revenue_wan": {"2024": revenue[0], "2025": revenue[1]},
            "rd_expense_wan": {"2024": rd[0], "2025": rd[1]},
            "domestic_rd_expense_wan": {},
        }
    )
    assert crit(rec, T, "rd_intensity_by_revenue", BEFORE_2026).passed is passed


@pytest.mark.parametrize(
    ("equity", "rd_staff", "passed"),
    [(8000, 100, True), (7999.99, 100, False), (8000, 99, False)],
)
def test_2022_small_revenue_band_needs_financing_rd_and_staff(equity, rd_staff, passed):
    rec = record(
        {
            "operating_revenue_wan": {"2024": 4000, "2025": 4999.99},
            "rd_expense_wan": {"2024": 1500, "2025": 1500},
            "domestic_rd_expense_wan": {},
            "equity_financing_qualified_2y_wan": equity,
            "rd_staff": rd_staff,
            "st_staff": 100,
        }
    )
    assert crit(rec, T, "rd_intensity_by_revenue", BEFORE_2026).passed is passed


@pytest.mark.parametrize(
    ("changes", "cid"),
    [
        ({"ip.class_I": 1, "ip.class_I_self_developed": 1, "ip.class_I_high_value": 0}, "class_I_ip_2"),
        ({"rd_institution_level": "none"}, "rd_institution"),
        ({"product_field_category_2022": "other"}, "chain_key_link"),
        ({"has_own_brand": False}, "own_brand"),
        ({"total_liabilities_wan.2025": 10500.01}, "debt_ratio_max_70"),
        ({"main_business_revenue_wan.2025": 8399.99}, "main_business_share_70"),
    ],
)
def test_2022_conditions_fail(changes, cid):
    r = tier(record(changes), T, BEFORE_2026)
    assert r.criterion(cid).passed is False and r.status == "not_eligible"


def test_extension_fields_missing_make_it_not_evaluable():
    r = tier(record(drop=["has_own_brand", "main_product_in_priority_field"]), T, BEFORE_2026)
    assert (r.status, r.missing) == ("not_evaluable", ["has_own_brand", "main_product_in_priority_field"])
