"""Synthetic but plausible facts records (fixed seed) for demos, benchmarks and randomized tests.

Not real enterprises. Money in 万元 with two decimals; a small share of fields is left out on purpose so
that every status (eligible / not_eligible / not_evaluable) occurs.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

_DATES = [date(2025, 9, 30), date(2026, 3, 31), date(2026, 4, 1), date(2026, 6, 30), date(2026, 9, 30)]
_CATEGORIES = ["key_link_breakthrough", "six_basics_or_time_honored_or_chain_leader", "other"]
_LEVELS = ["national", "provincial", "municipal", "below_municipal", "none"]
_COMPLIANCE = (
    "prohibited_or_restricted_product",
    "rd_deduction_negative_list_industry",
    "major_incident_or_violation_recent",
    "major_incident_or_violation_3y",
    "abnormal_or_serious_dishonesty_list",
)
_ROUTES = (
    "has_valid_hte_certificate",
    "national_st_award_top3_within_5y",
    "provincial_ministerial_rd_institution",
    "led_standard_within_5y",
    "st_award_national_or_provincial_within_3y",
    "st_award_provincial_plus_top3_within_3y",
    "st_award_provincial_top3_or_national_within_3y",
    "maker_china_top500_within_3y",
    "other_valid_honor_tech_innovation_demo_or_ip_advantage",
    "national_st_award_top3_within_3y",
)
_TITLES = ("holds_valid_tech_sme_registration", "holds_valid_innovative_sme_title", "holds_valid_specialized_sme_title")


def _money(x: float) -> float:
    return round(max(x, 0.0), 2)


def random_record(
    rng: random.Random, index: int = 0, drop_rate: float = 0.03, strong_rate: float = 0.25
) -> dict[str, Any]:
    """One plausible facts record."""
    on = rng.choice(_DATES) if rng.random() < 0.7 else date(2024, 1, 1) + timedelta(days=rng.randrange(4 * 365))
    latest = on.year - 1
    age_years = rng.choice([0.5, 1, 2, 3, 5, 8, 12, 20]) + rng.random()
    reg = on - timedelta(days=int(age_years * 365))
    revenue_l = 10 ** rng.uniform(1.5, 5.0)  # 30 万元 … 10 亿元
    growth = [rng.uniform(-0.2, 0.6) for _ in range(2)]
    revenue = {latest: revenue_l}
    revenue[latest - 1] = revenue_l / (1 + growth[1])
    revenue[latest - 2] = revenue[latest - 1] / (1 + growth[0])
    years = [y for y in (latest - 2, latest - 1, latest) if y >= reg.year]
    rd_rate = rng.choice([0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.1]) * rng.uniform(0.8, 1.25)
    share = rng.uniform(0.4, 1.0)
    rec: dict[str, Any] = {
        "credit_code": f"91000000SYN{index:07d}",
        "name": f"合成企业{index}",
        "assessment_date": on.isoformat(),
        "registration_date": reg.isoformat(),
        "resident_enterprise_mainland": rng.random() < 0.98,
        "is_sme_per_2011_standard": revenue_l < 40000 and rng.random() < 0.97,
        "operating_revenue_wan": {str(y): _money(revenue[y]) for y in years},
        "main_business_revenue_wan": {str(y): _money(revenue[y] * share * rng.uniform(0.95, 1.05)) for y in years},
        "cost_expense_total_wan": {str(y): _money(revenue[y] * rng.uniform(0.7, 1.05)) for y in years},
        "net_profit_wan": {str(y): round(revenue[y] * rng.uniform(-0.05, 0.2), 2) for y in years},
        "tech_field_in_catalog": rng.random() < 0.7,
        "strategic_emerging_industry": rng.random() < 0.5,
        "market_segment_years": round(min(age_years, rng.uniform(0, 15)), 1),
        "market_position_leading": rng.random() < 0.4,
        "specialized_platform_score": round(rng.uniform(30, 90), 1),
        "local_characteristic_score": rng.randint(0, 15),
        "digital_level": rng.randint(1, 4),
        "quality_items_count": rng.randint(0, 3),
        "product_field_category_2022": rng.choice(_CATEGORIES),
        "rd_institution_level": rng.choice(_LEVELS),
        "niche_market_share_pct": round(rng.uniform(0, 30), 1),
        "niche_market_rank_national": rng.randint(1, 20),
        "has_own_brand": rng.random() < 0.6,
        "main_product_in_priority_field": rng.random() < 0.5,
        "conversions_3y": rng.randint(0, 20),
        "equity_financing_qualified_3y_wan": _money(
            rng.choice([0, 0, 0, 300, 500, 2500, 9000]) * rng.uniform(0.8, 1.2)
        ),
        "equity_financing_qualified_2y_wan": _money(rng.choice([0, 0, 0, 1000, 2000, 6500]) * rng.uniform(0.8, 1.2)),
        "hte_expert_points": {
            "tech_advancement": rng.randint(2, 8),
            "core_support": rng.randint(2, 8),
            "ip_acquisition": rng.randint(1, 6),
            "standards_bonus": rng.randint(0, 2),
            "rd_management": rng.randint(6, 20),
        },
    }
    rd = {y: revenue[y] * rd_rate * rng.uniform(0.9, 1.1) for y in years}
    rec["rd_expense_wan"] = {str(y): _money(rd[y]) for y in years}
    rec["domestic_rd_expense_wan"] = {str(y): _money(rd[y] * rng.uniform(0.5, 1.0)) for y in years}
    assets = {y: revenue[y] * rng.uniform(0.6, 2.0) for y in years}
    rec["total_assets_wan"] = {str(y): _money(assets[y]) for y in years}
    rec["total_liabilities_wan"] = {str(y): _money(assets[y] * rng.uniform(0.2, 0.95)) for y in years}
    rec["high_tech_income_wan"] = _money(revenue_l * rng.uniform(0.3, 0.95))
    rec["total_income_wan"] = _money(revenue_l * rng.uniform(1.0, 1.1))
    employees = max(3, int(revenue_l / rng.uniform(30, 150)))
    st_staff = int(employees * rng.uniform(0.02, 0.6))
    rec.update(employees_total=employees, st_staff=st_staff, rd_staff=int(st_staff * rng.uniform(0.5, 1.0)))
    class_i = rng.choice([0, 0, 1, 2, 4, 6])
    class_ii = rng.choice([0, 1, 2, 3, 4, 6, 12])
    rec["ip"] = {
        "class_I": class_i,
        "class_I_self_developed": rng.randint(0, class_i),
        "class_I_high_value": rng.randint(0, class_i) if rng.random() < 0.2 else 0,
        "class_II": class_ii,
        "class_II_miit": rng.randint(0, class_ii),
        "class_II_used_in_prior_hte": rng.randint(0, class_ii) if rng.random() < 0.3 else 0,
    }
    for name in _COMPLIANCE:
        rec[name] = rng.random() < 0.03
    for name in _ROUTES:
        rec[name] = rng.random() < 0.08
    for name in _TITLES:
        rec[name] = rng.random() < 0.4
    if rng.random() < strong_rate:
        _strengthen(rng, rec, latest, years)
    # leave some data out so that `not_evaluable` occurs
    for name in list(rec):
        if name not in ("credit_code", "name", "assessment_date") and rng.random() < drop_rate:
            del rec[name]
    return rec


def _strengthen(rng: random.Random, rec: dict[str, Any], latest: int, years: list[int]) -> None:
    """A well-run, growing, R&D-heavy enterprise: most tiers' conditions hold (some still fail)."""
    base = 10 ** rng.uniform(3.6, 4.6)  # 4000 万 … 4 亿
    rate = rng.uniform(1.06, 1.4)
    rev = {y: base / rate ** (latest - y) for y in years}
    rec["operating_revenue_wan"] = {str(y): _money(v) for y, v in rev.items()}
    rec["main_business_revenue_wan"] = {str(y): _money(v * rng.uniform(0.9, 1.0)) for y, v in rev.items()}
    rd = {y: v * rng.uniform(0.045, 0.09) for y, v in rev.items()}
    rec["rd_expense_wan"] = {str(y): _money(v) for y, v in rd.items()}
    rec["domestic_rd_expense_wan"] = {str(y): _money(v * rng.uniform(0.8, 1.0)) for y, v in rd.items()}
    assets = {y: v * 1.2 * rng.uniform(0.97, 1.03) for y, v in rev.items()}
    rec["total_assets_wan"] = {str(y): _money(v) for y, v in assets.items()}
    rec["total_liabilities_wan"] = {str(y): _money(v * rng.uniform(0.3, 0.6)) for y, v in assets.items()}
    rec["high_tech_income_wan"] = _money(base * rng.uniform(0.62, 0.9))
    rec["total_income_wan"] = _money(base)
    employees = max(20, int(base / rng.uniform(60, 150)))
    rec.update(employees_total=employees, st_staff=int(employees * rng.uniform(0.2, 0.5)))
    rec["rd_staff"] = int(rec["st_staff"] * 0.8)
    rec["ip"] = {"class_I": 6, "class_I_self_developed": rng.choice([3, 4, 5]), "class_II": 8, "class_II_miit": 5}
    rec["hte_expert_points"] = {
        "tech_advancement": 7,
        "core_support": 7,
        "ip_acquisition": 6,
        "standards_bonus": 1,
        "rd_management": rng.randint(14, 19),
    }
    rec["conversions_3y"] = rng.randint(9, 18)
    rec.update(
        resident_enterprise_mainland=True,
        is_sme_per_2011_standard=True,
        tech_field_in_catalog=True,
        market_segment_years=round(rng.uniform(2.5, 12), 1),
        market_position_leading=True,
        specialized_platform_score=round(rng.uniform(45, 85), 1),
        niche_market_share_pct=round(rng.uniform(5, 30), 1),
        niche_market_rank_national=rng.randint(1, 6),
        has_own_brand=True,
        main_product_in_priority_field=True,
        product_field_category_2022="key_link_breakthrough",
        rd_institution_level=rng.choice(_LEVELS[:3]),
        holds_valid_innovative_sme_title=True,
        holds_valid_specialized_sme_title=rng.random() < 0.7,
    )
    for name in _COMPLIANCE:
        rec[name] = False


def random_records(
    n: int, seed: int = 20261127, drop_rate: float = 0.03, strong_rate: float = 0.25
) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # nosec B311  # seeded pseudo-random draws for demo/sample data and evaluation, never for secrets
    return [random_record(rng, i, drop_rate, strong_rate) for i in range(n)]
