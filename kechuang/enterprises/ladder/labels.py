"""What each facts field is called, in Chinese and in English: the one label table of the ladder.

The missing-data list on an enterprise's page, the gaps and the import template's column headers all name a
facts field through `fact_label`, so a reader never sees `niche_market_share_pct`. Plain Python (no Django):
the caller passes the language ("zh" or "en"; Django's "zh-hans" works too).
"""

from __future__ import annotations

import re

# field → (中文, English)
FACT_LABELS: dict[str, tuple[str, str]] = {
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "name": ("企业名称", "Enterprise name"),
    "assessment_date": ("评价日期", "Assessment date"),
    "registration_date": ("成立日期", "Date of registration"),
    "resident_enterprise_mainland": ("境内注册居民企业", "Resident enterprise registered in mainland China"),
    "is_sme_per_2011_standard": ("属于中小企业", "SME under the 2011 standard"),
    "industry": ("国民经济行业", "Industry"),
    "tech_field": ("高新技术领域", "High-tech field"),
    "employees_total": ("职工总数", "Employees"),
    "st_staff": ("科技人员数", "S&T staff"),
    "rd_staff": ("研发人员数", "R&D staff"),
    "operating_revenue_wan": ("营业收入（万元）", "Operating revenue (10k yuan)"),
    "main_business_revenue_wan": ("主营业务收入（万元）", "Main business revenue (10k yuan)"),
    "rd_expense_wan": ("研发费用（万元）", "R&D expense (10k yuan)"),
    "domestic_rd_expense_wan": ("境内研发费用（万元）", "R&D expense in China (10k yuan)"),
    "cost_expense_total_wan": ("成本费用总额（万元）", "Total cost and expense (10k yuan)"),
    "total_assets_wan": ("资产总额（万元）", "Total assets (10k yuan)"),
    "total_liabilities_wan": ("负债总额（万元）", "Total liabilities (10k yuan)"),
    "net_profit_wan": ("净利润（万元）", "Net profit (10k yuan)"),
    "high_tech_income_wan": ("高新技术产品（服务）收入（万元）", "High-tech products and services income (10k yuan)"),
    "total_income_wan": ("收入总额（万元）", "Total income (10k yuan)"),
    "tech_field_in_catalog": ("核心技术属于重点支持领域", "Core technology in the supported high-tech fields"),
    "ip": ("知识产权", "Intellectual property"),
    "ip.class_I": ("Ⅰ类知识产权数", "Class I IP items"),
    "ip.class_I_self_developed": ("自主研发Ⅰ类知识产权数", "Self-developed class I IP items"),
    "ip.class_I_high_value": ("Ⅰ类高价值知识产权数", "High-value class I IP items"),
    "ip.class_II": ("Ⅱ类知识产权数", "Class II IP items"),
    "ip.class_II_miit": ("Ⅱ类知识产权数（工信部口径）", "Class II IP items (MIIT)"),
    "ip.class_II_used_in_prior_hte": (
        "已用于以往高企认定的Ⅱ类知识产权数",
        "Class II IP items used in a prior recognition",
    ),
    "conversions_3y": ("近三年成果转化数", "Achievements converted in 3 years"),
    "hte_expert_points": ("高企专家评分", "High-tech expert points"),
    "hte_expert_points.tech_advancement": (
        "专家评分：技术先进程度（0–8）",
        "Expert points: technical advancement (0–8)",
    ),
    "hte_expert_points.core_support": ("专家评分：核心支持作用（0–8）", "Expert points: core support (0–8)"),
    "hte_expert_points.ip_acquisition": ("专家评分：知识产权获得方式（0–6）", "Expert points: IP acquisition (0–6)"),
    "hte_expert_points.standards_bonus": ("专家评分：参与标准制定（0–2）", "Expert points: standards (0–2)"),
    "hte_expert_points.rd_management": ("专家评分：研发组织管理水平（0–20）", "Expert points: R&D management (0–20)"),
    "has_valid_hte_certificate": ("持有有效高新技术企业证书", "Holds a valid high-tech enterprise certificate"),
    "holds_valid_tech_sme_registration": ("持有有效科技型中小企业入库登记编号", "Holds a valid tech SME registration"),
    "holds_valid_innovative_sme_title": ("持有有效创新型中小企业称号", "Holds a valid innovative SME title"),
    "holds_valid_specialized_sme_title": ("持有有效专精特新中小企业称号", "Holds a valid specialized SME title"),
    "national_st_award_top3_within_5y": ("近五年获国家科技奖励（前三名）", "National S&T award (top 3) within 5 years"),
    "national_st_award_top3_within_3y": ("近三年获国家科技奖励（前三名）", "National S&T award (top 3) within 3 years"),
    "provincial_ministerial_rd_institution": ("拥有省部级以上研发机构", "Provincial or ministerial R&D institution"),
    "led_standard_within_5y": ("近五年主导制定国际、国家或行业标准", "Led a standard within 5 years"),
    "st_award_national_or_provincial_within_3y": (
        "近三年获国家级或省级科技奖励",
        "National or provincial S&T award within 3 years",
    ),
    "st_award_provincial_plus_top3_within_3y": (
        "近三年获省级以上科技奖励（前三名）",
        "Provincial or higher S&T award (top 3) within 3 years",
    ),
    "st_award_provincial_top3_or_national_within_3y": (
        "近三年获国家级科技奖励或省级科技奖励前三名",
        "National S&T award or provincial top 3 within 3 years",
    ),
    "maker_china_top500_within_3y": ("近三年进入“创客中国”500强", "Maker China top 500 within 3 years"),
    "other_valid_honor_tech_innovation_demo_or_ip_advantage": (
        "其他有效的技术创新示范或知识产权优势企业称号",
        "Other valid innovation-demonstration or IP-advantage honour",
    ),
    "excluded_single_champion_or_little_giant_affiliate": (
        "属单项冠军或“小巨人”企业的关联企业",
        "Affiliate of a single champion or little giant",
    ),
    "equity_financing_qualified_3y_wan": (
        "近三年合格机构股权融资（万元）",
        "Equity financing from qualified investors, 3 years (10k yuan)",
    ),
    "equity_financing_qualified_2y_wan": (
        "近两年合格机构股权融资（万元）",
        "Equity financing from qualified investors, 2 years (10k yuan)",
    ),
    "prohibited_or_restricted_product": ("产品属禁止限制淘汰类", "Product in a prohibited or restricted catalogue"),
    "rd_deduction_negative_list_industry": (
        "属研发费用加计扣除负面清单行业",
        "Industry excluded from the R&D super-deduction",
    ),
    "major_incident_or_violation_recent": ("近一年重大事故或违法", "Major accident or violation this or last year"),
    "major_incident_or_violation_3y": ("近三年重大事故或违法", "Major accident or violation within 3 years"),
    "abnormal_or_serious_dishonesty_list": (
        "列入经营异常或严重失信名单",
        "On the abnormal-operation or serious-dishonesty list",
    ),
    "strategic_emerging_industry": ("主导产品属战略性新兴产业", "Main product in a strategic emerging industry"),
    "market_segment_years": ("从事细分市场年限", "Years in the niche market"),
    "market_position_leading": ("细分市场占有率领先", "Leading market share in the niche"),
    "niche_market_share_pct": ("细分市场占有率（%）", "Niche market share (%)"),
    "niche_market_rank_national": ("细分市场全国排名", "National rank in the niche"),
    "has_own_brand": ("拥有自主品牌", "Has its own brand"),
    "main_product_in_priority_field": ("主导产品属重点领域", "Main product in a priority field"),
    "specialized_platform_score": ("专精特新发展评价得分", "MIIT platform score"),
    "digital_level": ("数字化水平等级", "Digitalisation level"),
    "quality_items_count": ("质量管理认证项数", "Quality items held"),
    "product_field_category_2022": ("主导产品所属领域（2022年评分表）", "Product field (2022 table)"),
    "rd_institution_level": ("研发机构级别", "R&D institution level"),
    "local_characteristic_score": ("省级特色化指标得分", "Provincial characteristic points"),
}

TIER_NAMES_EN = {
    "tech_sme": "Tech-based SME",
    "high_tech": "High-tech enterprise",
    "innovative_sme": "Innovative SME",
    "specialized_sme": "Specialized and sophisticated SME",
    "little_giant": "Specialized and sophisticated 'little giant'",
}

_YEAR_SUFFIX = re.compile(r"^(?P<field>.+)\.(?P<year>(19|20|21)\d\d)$")


def english(language: str | None) -> bool:
    return bool(language) and language.lower().startswith("en")


def fact_label(path: str, language: str | None = "zh") -> str:
    """`niche_market_share_pct` → 细分市场占有率（%）; `rd_expense_wan.2025` → 研发费用（万元）（2025年）."""
    year = None
    match = _YEAR_SUFFIX.match(path)
    if match:
        path, year = match["field"], match["year"]
    pair = FACT_LABELS.get(path)
    if pair is None:
        return path
    text = pair[1] if english(language) else pair[0]
    if year:
        text += f" ({year})" if english(language) else f"（{year}年）"
    return text


# (tier, criterion id) → English name; the Chinese name is the criterion's own (rules.Criterion.name).
CRITERION_NAMES_EN: dict[tuple[str, str], str] = {
    ("tech_sme", "resident_enterprise"): "Resident enterprise registered in mainland China",
    ("tech_sme", "employees_max_500"): "No more than 500 employees",
    ("tech_sme", "revenue_max_20000"): "Annual sales revenue of no more than 200 million yuan",
    ("tech_sme", "assets_max_20000"): "Total assets of no more than 200 million yuan",
    ("tech_sme", "not_prohibited_product"): "Products and services not prohibited, restricted or obsolete",
    ("tech_sme", "not_rd_deduction_negative_list"): "Industry eligible for the R&D super-deduction",
    ("tech_sme", "no_major_incident_recent"): "No major accident or serious violation this or last year",
    ("tech_sme", "not_on_abnormal_or_dishonesty_list"): "Not on the abnormal-operation or serious-dishonesty list",
    ("tech_sme", "st_staff_ratio"): "S&T staff",
    ("tech_sme", "rd_input"): "R&D input",
    ("tech_sme", "st_achievements"): "S&T achievements",
    ("tech_sme", "hte_certificate"): "Valid high-tech enterprise certificate",
    ("tech_sme", "national_st_award_top3"): "National S&T award (top 3 units) within 5 years",
    ("tech_sme", "provincial_ministerial_rd_institution"): "Recognised provincial or ministerial R&D institution",
    ("tech_sme", "led_standard"): "Led an international, national or industry standard within 5 years",
    ("tech_sme", "score_line"): "Overall score",
    ("high_tech", "resident_enterprise"): "Resident enterprise registered in mainland China",
    ("high_tech", "registered_365_days"): "Registered for at least one year (365 days)",
    ("high_tech", "core_ip_owned"): "Owns IP giving core technical support to the main products",
    ("high_tech", "tech_field_in_catalog"): "Core technology in the supported high-tech fields",
    ("high_tech", "st_staff_ratio_10pct"): "S&T staff at least 10% of employees",
    ("high_tech", "rd_ratio_3y"): "R&D expense over 3 years at the required share of sales",
    ("high_tech", "domestic_rd_60pct"): "R&D spent in China at least 60% of all R&D",
    ("high_tech", "high_tech_income_60pct"): "High-tech income at least 60% of total income",
    ("high_tech", "no_major_incident_recent"): "No major accident or serious violation in the past year",
    ("high_tech", "ip_tech_advancement"): "IP: technical advancement (expert points)",
    ("high_tech", "ip_core_support"): "IP: core support to the main products (expert points)",
    ("high_tech", "ip_quantity"): "IP: number of items",
    ("high_tech", "ip_acquisition"): "IP: how acquired (expert points)",
    ("high_tech", "ip_standards_bonus"): "IP: standards (bonus, expert points)",
    ("high_tech", "conversions"): "Conversion of achievements (yearly average over 3 years)",
    ("high_tech", "rd_management"): "R&D management (expert points)",
    ("high_tech", "net_asset_growth"): "Growth: net assets",
    ("high_tech", "sales_growth"): "Growth: sales revenue",
    ("high_tech", "score_line"): "Innovation capability (conservative pre-score)",
    ("innovative_sme", "resident_enterprise"): "Registered in China as an independent legal person",
    ("innovative_sme", "sme"): "SME under the 2011 classification standard",
    (
        "innovative_sme",
        "not_on_abnormal_or_dishonesty_list",
    ): "Not on the abnormal-operation or serious-dishonesty list",
    ("innovative_sme", "not_prohibited_product"): "Products not prohibited, restricted or obsolete",
    ("innovative_sme", "no_major_incident_3y"): "No major accident or violation within 3 years",
    ("innovative_sme", "ip"): "Valid IP related to the main product",
    ("innovative_sme", "rd_ratio"): "Last year's R&D expense as a share of operating revenue",
    ("innovative_sme", "main_business_growth"): "Last year's growth of main business revenue",
    ("innovative_sme", "debt_ratio"): "Debt ratio at last year end",
    ("innovative_sme", "strategic_emerging"): "Field of the main product",
    ("innovative_sme", "main_business_share"): "Main business revenue as a share of operating revenue",
    ("innovative_sme", "st_award"): "National or provincial S&T award within 3 years",
    ("innovative_sme", "hte_certificate"): "Valid high-tech enterprise certificate",
    ("innovative_sme", "other_honor"): "National innovation-demonstration or IP-advantage honour",
    ("innovative_sme", "provincial_ministerial_rd_institution"): "Recognised provincial or ministerial R&D institution",
    ("innovative_sme", "equity_financing_3y_500"): "Equity financing of 5 million yuan or more within 3 years",
    ("innovative_sme", "score_line"): "Overall score",
    ("specialized_sme", "holds_innovative_sme_title"): "Holds a valid innovative SME title",
    ("specialized_sme", "niche_years_2"): "At least 2 years in the niche market",
    ("specialized_sme", "rd_amount_100"): "Last year's R&D expense of at least 1 million yuan",
    ("specialized_sme", "rd_ratio_3pct"): "Last year's R&D expense at least 3% of operating revenue",
    ("specialized_sme", "revenue_or_financing"): "Revenue of 10 million yuan or equity financing of 20 million yuan",
    ("specialized_sme", "main_business_share"): "Main business revenue as a share of operating revenue",
    ("specialized_sme", "main_business_growth_2y_avg"): "Average growth of main business revenue over 2 years",
    ("specialized_sme", "niche_years_points"): "Years in the niche market",
    ("specialized_sme", "product_field"): "Field of the main product",
    ("specialized_sme", "digital_level"): "Digitalisation level",
    ("specialized_sme", "quality_management"): "Quality management",
    ("specialized_sme", "net_profit_margin"): "Last year's net profit margin",
    ("specialized_sme", "debt_ratio"): "Debt ratio at last year end",
    ("specialized_sme", "local_characteristic"): "Provincial characteristic points (input)",
    ("specialized_sme", "ip"): "Valid IP related to the main product",
    ("specialized_sme", "rd_investment"): "R&D investment (amount or share, the higher)",
    ("specialized_sme", "rd_staff_ratio"): "R&D staff as a share of employees",
    ("specialized_sme", "rd_institution_level"): "Level of the R&D institution",
    ("specialized_sme", "st_award"): "Provincial S&T award (top 3) or national award within 3 years",
    ("specialized_sme", "rd_avg_2y_1000"): "Average R&D expense of 10 million yuan over 2 years",
    ("specialized_sme", "equity_2y_6000"): "Equity financing of 60 million yuan within 2 years",
    ("specialized_sme", "maker_china_top500"): "Maker China top 500 within 3 years",
    ("specialized_sme", "score_line"): "Overall score",
    ("specialized_sme", "sme"): "SME",
    (
        "specialized_sme",
        "not_on_abnormal_or_dishonesty_list",
    ): "Not on the abnormal-operation or serious-dishonesty list",
    ("specialized_sme", "no_major_incident_3y"): "No major safety, quality or environmental incident within 3 years",
    ("specialized_sme", "holds_first_tier_title"): "Holds a valid innovative SME or tech SME title",
    ("specialized_sme", "niche_years_3"): "At least 3 years in the niche market by last year end",
    ("specialized_sme", "main_business_share_80"): "Main business revenue at least 80% of operating revenue",
    ("specialized_sme", "debt_ratio_max_80"): "Debt ratio of no more than 80%",
    ("specialized_sme", "rd_amount_last_year"): "Last year's R&D expense of at least 1 million yuan",
    ("specialized_sme", "rd_ratio_last_year"): "Last year's R&D expense at least 3% of operating revenue",
    ("specialized_sme", "rd_amount_prior_year"): "The year before's R&D expense of at least 1 million yuan",
    ("specialized_sme", "rd_ratio_prior_year"): "The year before's R&D expense at least 3% of operating revenue",
    ("specialized_sme", "class_I_ip_or_exemption"): "At least 1 class I IP item (or an exemption)",
    ("specialized_sme", "market_position_leading"): "Leading share of the niche market (manual review)",
    ("specialized_sme", "platform_score_50"): "Platform score of at least 50 (input)",
    ("little_giant", "holds_specialized_sme_title"): "Holds a valid specialized SME title",
    ("little_giant", "niche_years_3"): "At least 3 years in the niche market",
    ("little_giant", "main_business_share_70"): "Main business revenue at least 70% of operating revenue",
    ("little_giant", "main_business_growth_2y_avg_5"): "Average growth of main business revenue of at least 5%",
    ("little_giant", "debt_ratio_max_70"): "Debt ratio of no more than 70%",
    ("little_giant", "market_share_10"): "National niche market share of at least 10%",
    ("little_giant", "own_brand"): "Has its own brand",
    ("little_giant", "rd_intensity_by_revenue"): "R&D intensity meets the band for its revenue",
    ("little_giant", "rd_institution"): "Own or joint R&D institution",
    ("little_giant", "class_I_ip_2"): "At least 2 class I IP items related to the main product",
    ("little_giant", "chain_key_link"): "Fills a gap in a key link of the industrial chain",
    ("little_giant", "priority_field"): "Main product in a priority field",
    ("little_giant", "not_excluded"): "Not a single champion or a little giant's affiliate",
    ("little_giant", "revenue_5000"): "Last year's operating revenue of at least 50 million yuan",
    ("little_giant", "main_business_share_90"): "Main business revenue at least 90% of operating revenue",
    ("little_giant", "revenue_cagr_2y_5"): "Compound revenue growth of at least 5% over 2 years",
    ("little_giant", "debt_ratio_max_75"): "Debt ratio of no more than 75% at last year end",
    ("little_giant", "rd_total_2y_1200"): "R&D expense of at least 12 million yuan over 2 years",
    ("little_giant", "rd_ratio_last_year"): "Last year's R&D expense at least 3% of operating revenue",
    ("little_giant", "rd_ratio_prior_year"): "The year before's R&D expense at least 3% of operating revenue",
    ("little_giant", "class_I_ip_4_or_exemption"): "At least 4 own class I IP items (or an exemption)",
    ("little_giant", "market_share_10_or_top3"): "Niche market share of 10% or national top 3",
    ("little_giant", "platform_score_60"): "Platform score of at least 60 (input)",
}
_UNITS_EN = {"万元": " (10k yuan)", "人": " people", "项": " items", "分": " points", "天": " days", "年": " years"}


def criterion_name(tier: str, cid: str, chinese: str, language: str | None) -> str:
    """The criterion's name in the reader's language (the rule modules hold the Chinese one)."""
    return CRITERION_NAMES_EN.get((tier, cid), chinese) if english(language) else chinese


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def gap_sentence(gap: dict | None, name: str, language: str | None) -> str | None:
    """The gap in the reader's language: the engine's Chinese sentence, or an English one built from the gap's
    structured data (what must change: field, current → target, change, unit, points)."""
    if not gap:
        return None
    if not english(language):
        return gap["text"]
    unit = gap.get("unit")
    suffix = _UNITS_EN.get(unit, f" {unit}") if unit else ""
    subject = fact_label(gap["field"], "en") if gap.get("field") in FACT_LABELS else name
    current, target, change = gap.get("current"), gap.get("target"), gap.get("change")
    if isinstance(current, int | float) and isinstance(target, int | float):
        text = f"{subject}: {_number(current)} → {_number(target)}{suffix}"
        if isinstance(change, int | float) and change:
            text += f" ({'+' if change > 0 else '−'}{_number(abs(change))})"
    else:
        text = f"{name}: not met"
    if gap.get("points_from") is not None and gap.get("points_to") is not None:
        text += f" ({gap['points_from']} → {gap['points_to']} points)"
    return text
