"""创新型中小企业 (innovative SME): 工信部企业〔2022〕63号 附件1《创新型中小企业评价标准》.

Reference: enterprise-tiers.md §4. Under 工信部企业〔2026〕2号 the tier is 科技和创新型中小企业 but the 63号
附件1 standard is still applied until a merged standard is published (ladder-facts-format.md: "Innovative
SME uses 63号 附件1 in both periods"), so one version covers both periods. A future merged standard is
registered as a new RuleSet with its own effective date.
"""

from __future__ import annotations

from datetime import date

from .expr import TRUE
from .measures import debt_ratio, main_business_revenue, main_business_share, rd_ratio
from .rules import (
    Amount,
    Growth,
    RuleSet,
    ScoreLine,
    banded,
    categorical,
    col,
    condition,
    first_match,
    flag_is,
    ge_bands,
    le_bands,
    pct,
    register,
    route_flag,
)

DOC = "工信部企业〔2022〕63号 附件1"
BASIC = f"{DOC} 一、评价条件（基本条件）"
SCORE = f"{DOC} 二、评价指标"
ROUTES = f"{DOC} 三、直通条件"


INNOVATIVE_SME_2022 = register(
    RuleSet(
        tier="innovative_sme",
        version="innovative_sme/2022-63-annex1",
        effective_from=date(2022, 6, 1),
        documents=(DOC, "工信部企业〔2026〕2号（第一梯度更名为科技和创新型中小企业，评价标准沿用63号附件1）"),
        criteria=[
            flag_is(
                "resident_enterprise",
                "在中华人民共和国境内注册并具有独立法人资格",
                BASIC,
                "resident_enterprise_mainland",
                True,
                "须在中华人民共和国境内注册、具有独立法人资格",
            ),
            flag_is(
                "sme",
                "符合《中小企业划型标准规定》（工信部联企业〔2011〕300号）",
                BASIC,
                "is_sme_per_2011_standard",
                True,
                "须属于中小企业（工信部联企业〔2011〕300号）",
            ),
            flag_is(
                "not_on_abnormal_or_dishonesty_list",
                "未被列入经营异常名录或严重失信主体名单",
                BASIC,
                "abnormal_or_serious_dishonesty_list",
                False,
                "须移出经营异常名录和严重失信主体名单",
            ),
            flag_is(
                "not_prohibited_product",
                "提供的产品（服务）不属于国家禁止、限制或淘汰类",
                BASIC,
                "prohibited_or_restricted_product",
                False,
                "产品（服务）须不属于国家禁止、限制或淘汰类",
            ),
            flag_is(
                "no_major_incident_3y",
                "近三年未发生重大安全（含网络安全、数据安全）、质量、环境污染等事故以及偷漏税等违法违规行为",
                BASIC,
                "major_incident_or_violation_3y",
                False,
                "近三年内不得发生重大安全、质量、环境污染事故或偷漏税等违法违规行为",
            ),
            first_match(
                "ip",
                "与主导产品相关的有效知识产权",
                SCORE + "（一）创新能力 1",
                "创新能力",
                [
                    ("class_I_high_value", col("ip.class_I_high_value").ge(1), 20, "≥1 项Ⅰ类高价值知识产权"),
                    ("class_I_self_developed", col("ip.class_I_self_developed").ge(1), 15, "≥1 项自主研发Ⅰ类知识产权"),
                    ("class_I", col("ip.class_I").ge(1), 10, "≥1 项Ⅰ类知识产权"),
                    ("class_II", col("ip.class_II_miit").ge(1), 5, "≥1 项Ⅱ类知识产权"),
                    ("none", TRUE, 0, "无"),
                ],
            ),
            banded(
                "rd_ratio",
                "上年度研发费用占营业收入比重",
                SCORE + "（一）创新能力 2",
                "创新能力",
                rd_ratio(),
                ge_bands((pct(5), 20), (pct(3), 15), (pct(2), 10), (pct(1), 5)),
            ),
            banded(
                "main_business_growth",
                "上年度主营业务收入增长率",
                SCORE + "（二）成长性 3",
                "成长性",
                Growth(
                    main_business_revenue[-1],
                    main_business_revenue[0],
                    "主营业务收入增长率",
                    lever_label="上年度主营业务收入",
                    lever=main_business_revenue[0],
                ),
                ge_bands((pct(15), 20), (pct(10), 15), (pct(5), 10), (0, 5)),
            ),
            banded(
                "debt_ratio",
                "上年末资产负债率",
                SCORE + "（二）成长性 4",
                "成长性",
                debt_ratio(),
                le_bands((pct(55), 10), (pct(75), 5)),
            ),
            categorical(
                "strategic_emerging",
                "主导产品所属领域",
                SCORE + "（三）专业化 5",
                "专业化",
                col("strategic_emerging_industry"),
                [(True, 10, "属于《战略性新兴产业分类》"), (False, 5, "属于其他领域")],
            ),
            banded(
                "main_business_share",
                "上年度主营业务收入占营业收入比重",
                SCORE + "（三）专业化 6",
                "专业化",
                main_business_share(),
                ge_bands((pct(70), 20), (pct(60), 15), (pct(55), 10), (pct(50), 5)),
            ),
            route_flag(
                "st_award",
                "近三年内获得国家级、省级科技奖励",
                ROUTES + "（一）",
                "st_award_national_or_provincial_within_3y",
            ),
            route_flag(
                "hte_certificate", "获得高新技术企业（有效期内）", ROUTES + "（二）", "has_valid_hte_certificate"
            ),
            route_flag(
                "other_honor",
                "获得国家级技术创新示范企业、知识产权优势企业、知识产权示范企业等荣誉（有效期内）",
                ROUTES + "（二）",
                "other_valid_honor_tech_innovation_demo_or_ip_advantage",
            ),
            route_flag(
                "provincial_ministerial_rd_institution",
                "拥有经认定的省部级以上研发机构",
                ROUTES + "（三）",
                "provincial_ministerial_rd_institution",
            ),
            condition(
                "equity_financing_3y_500",
                "近三年新增股权融资总额（合格机构投资者的实缴额）500万元以上",
                ROUTES + "（四）",
                Amount(
                    col("equity_financing_qualified_3y_wan"),
                    "近三年新增股权融资",
                    lever=col("equity_financing_qualified_3y_wan"),
                ),
                ">=",
                500,
                kind="route",
            ),
        ],
        line=ScoreLine(
            pass_mark=60,
            clause=f"{DOC} 二、评价指标（评价得分达到60分以上，其中创新能力≥20、成长性≥15、专业化≥15）",
            group_minimums={"创新能力": 20, "成长性": 15, "专业化": 15},
            description="总分 ≥ 60，且创新能力 ≥ 20、成长性 ≥ 15、专业化 ≥ 15",
        ),
    )
)
