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
    "operating_revenue_wan": ("营业收入（万元）", "Operating revenue (万元)"),
    "main_business_revenue_wan": ("主营业务收入（万元）", "Main business revenue (万元)"),
    "rd_expense_wan": ("研发费用（万元）", "R&D expense (万元)"),
    "domestic_rd_expense_wan": ("境内研发费用（万元）", "R&D expense in China (万元)"),
    "cost_expense_total_wan": ("成本费用总额（万元）", "Total cost and expense (万元)"),
    "total_assets_wan": ("资产总额（万元）", "Total assets (万元)"),
    "total_liabilities_wan": ("负债总额（万元）", "Total liabilities (万元)"),
    "net_profit_wan": ("净利润（万元）", "Net profit (万元)"),
    "high_tech_income_wan": ("高新技术产品（服务）收入（万元）", "High-tech products and services income (万元)"),
    "total_income_wan": ("收入总额（万元）", "Total income (万元)"),
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
        "Equity financing from qualified investors, 3 years (万元)",
    ),
    "equity_financing_qualified_2y_wan": (
        "近两年合格机构股权融资（万元）",
        "Equity financing from qualified investors, 2 years (万元)",
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
