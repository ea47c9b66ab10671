"""Shared builders for the ladder tests: a fully specified base record and dotted-path edits.

BASE (assessed 2026-09-30, so L = 2025) is eligible for every tier; hand-computed:
* tech SME: S&T staff 60/200 = 30% → 20; R&D 720/12000 = 6% → 50; Ⅰ类 IP → 30; total 100.
* high-tech: IP 7+7+7+6+1 = 28; conversions 15/3 = 5 → 25; R&D management 16;
  net assets 6000 → 7000 → 9000: ½(7000/6000 + 9000/7000) − 1 = 22.6% → 5; sales 8000 → 10000 → 12000:
  ½(1.25 + 1.2) − 1 = 22.5% → 5; total 79 (> 70). 3-year R&D 1800/30000 = 6% ≥ 4% (latest revenue 12000).
* innovative SME: 20 + 20 + 20 (main business 9500 → 11400 = +20%) + 10 (debt 40%) + 10 + 20 (95%) = 100.
* specialized SME 2022 (assessed 2026-03-31): 5+10+3+5 + 5+5+10+5 + 10 + 10+10+5+8 = 91; 2026: all conditions hold.
* little giant 2022 / 2026: all conditions hold.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from kechuang.enterprises.ladder import evaluate
from kechuang.enterprises.ladder.engine import CriterionResult, TierResult

BASE: dict[str, Any] = {
    "credit_code": "91370300TEST00001X",
    "name": "淄博测试科技有限公司",
    "assessment_date": "2026-09-30",
    "registration_date": "2015-05-01",
    "resident_enterprise_mainland": True,
    "is_sme_per_2011_standard": True,
    "industry": "C3562",
    "employees_total": 200,
    "st_staff": 60,
    "rd_staff": 50,
    "operating_revenue_wan": {"2023": 8000, "2024": 10000, "2025": 12000},
    "main_business_revenue_wan": {"2023": 7600, "2024": 9500, "2025": 11400},
    "rd_expense_wan": {"2023": 480, "2024": 600, "2025": 720},
    "domestic_rd_expense_wan": {"2023": 480, "2024": 600, "2025": 720},
    "total_assets_wan": {"2023": 10000, "2024": 12000, "2025": 15000},
    "total_liabilities_wan": {"2023": 4000, "2024": 5000, "2025": 6000},
    "net_profit_wan": {"2025": 1200},
    "high_tech_income_wan": 9000,
    "total_income_wan": 12000,
    "tech_field": "八、先进制造与自动化 / （五）新型机械",
    "tech_field_in_catalog": True,
    "ip": {"class_I": 6, "class_I_self_developed": 4, "class_I_high_value": 1, "class_II": 10, "class_II_miit": 6},
    "conversions_3y": 15,
    "hte_expert_points": {
        "tech_advancement": 7,
        "core_support": 7,
        "ip_acquisition": 6,
        "standards_bonus": 1,
        "rd_management": 16,
    },
    "holds_valid_tech_sme_registration": True,
    "holds_valid_innovative_sme_title": True,
    "holds_valid_specialized_sme_title": True,
    "prohibited_or_restricted_product": False,
    "rd_deduction_negative_list_industry": False,
    "major_incident_or_violation_recent": False,
    "major_incident_or_violation_3y": False,
    "abnormal_or_serious_dishonesty_list": False,
    "strategic_emerging_industry": True,
    "market_segment_years": 6,
    "market_position_leading": True,
    "specialized_platform_score": 70,
    "digital_level": 3,
    "quality_items_count": 2,
    "product_field_category_2022": "key_link_breakthrough",
    "rd_institution_level": "provincial",
    "local_characteristic_score": 10,
    "niche_market_share_pct": 15,
    "niche_market_rank_national": 2,
    "has_own_brand": True,
    "main_product_in_priority_field": True,
}

BEFORE_2026 = date(2026, 3, 31)  # 2022 MIIT rules, still L = 2025


def record(changes: dict[str, Any] | None = None, drop: tuple[str, ...] | list[str] = (), base=None) -> dict:
    """A copy of BASE with dotted-path edits ("ip.class_I", "rd_expense_wan.2025") and removals."""
    rec = copy.deepcopy(BASE if base is None else base)
    for path, value in (changes or {}).items():
        *parents, leaf = path.split(".")
        node = rec
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    for path in drop:
        *parents, leaf = path.split(".")
        node = rec
        for p in parents:
            node = node[p]
        node.pop(leaf, None)
    return rec


def tier(rec: dict, name: str, as_of: date | None = None) -> TierResult:
    return next(r for r in evaluate(rec, as_of) if r.tier == name)


def crit(rec: dict, tier_name: str, cid: str, as_of: date | None = None) -> CriterionResult:
    return tier(rec, tier_name, as_of).criterion(cid)
