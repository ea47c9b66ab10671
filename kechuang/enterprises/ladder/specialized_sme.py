"""专精特新中小企业 (specialized SME), two versions gated on the assessment date.

* before 2026-04-01: 工信部企业〔2022〕63号 附件2 — four conditions, the last being score ≥ 60 (100-point
  table incl. 15 provincial 特色化 points, an input) or one of four direct routes (enterprise-tiers.md §5.3);
* from 2026-04-01: 工信部企业〔2026〕2号 — hard conditions only; the 专精特新发展评价得分 is computed by the MIIT
  platform and is an input (§5.2, built from secondary sources; clause numbers follow the reference's list).
"""

from __future__ import annotations

from datetime import date

from .expr import NULL, TRUE, Lit, When, floor, min2, to_int
from .measures import (
    debt_ratio,
    equity_financing_2y,
    main_business_revenue,
    main_business_share,
    net_profit_margin,
    niche_years,
    operating_revenue,
    rd_expense,
    rd_ratio,
    rd_staff_ratio,
)
from .rules import (
    Amount,
    AvgGrowth,
    Criterion,
    Ctx,
    Quantity,
    RuleSet,
    ScoreLine,
    banded,
    categorical,
    col,
    condition,
    either,
    first_match,
    flag_is,
    fmt_num,
    gap_data,
    ge_bands,
    input_points,
    le_bands,
    pct,
    register,
    route_flag,
)

DOC22 = "工信部企业〔2022〕63号 附件2"
DOC26 = "工信部企业〔2026〕2号"
SCORE22 = f"{DOC22} 专精特新中小企业认定标准·评分表"


# --- 2022 (63号 附件2) ------------------------------------------------------------------------------------


def _niche_years_points() -> Criterion:
    """1 point per full 2 years in the niche, at most 5."""
    points = When([(niche_years.is_null(), NULL)], to_int(min2(floor(niche_years / 2), Lit(5.0))))

    def gap(ctx: Ctx) -> dict | None:
        now, y = ctx(points), ctx(niche_years)
        if now is None or now >= 5:
            return None
        need = 2 * (now + 1)
        text = f"从事细分市场年限 {fmt_num(y)} 年 → {need} 年（{now} → {now + 1} 分）"
        return gap_data("market_segment_years", y, need, need - y, "年", text) | {
            "points_from": now,
            "points_to": now + 1,
        }

    return Criterion(
        "niche_years_points",
        "从事特定细分市场年限（每满2年得1分，最高5分）",
        SCORE22 + " 专业化 3",
        "score",
        value=niche_years,
        passed=points.gt(0),
        points=points,
        max_points=5,
        group="专业化",
        threshold="每满 2 年 1 分，最高 5 分",
        gap=gap,
    )


def _quality_points() -> Criterion:
    """3 points per quality item, at most 5."""
    n = col("quality_items_count")
    points = When([(n.is_null(), NULL)], min2(n * 3, Lit(5)))

    def gap(ctx: Ctx) -> dict | None:
        now, cur = ctx(points), ctx(n)
        if now is None or now >= 5:
            return None
        text = f"质量管理水平：{cur} 项 → {cur + 1} 项（{now} → {min(5, 3 * (cur + 1))} 分）"
        return gap_data("quality_items_count", cur, cur + 1, 1, "项", text)

    return Criterion(
        "quality_management",
        "质量管理水平（获省级以上质量奖、质量管理体系认证、自有品牌、参与标准制定，每项3分，最高5分）",
        SCORE22 + " 精细化 2",
        "score",
        value=n,
        passed=points.gt(0),
        points=points,
        max_points=5,
        group="精细化",
        threshold="每项 3 分，最高 5 分",
        gap=gap,
    )


def _rd_points() -> Criterion:
    """R&D (10): the better of the amount table and the ratio table ("≥500万 or ≥10% → 10" …)."""
    by_ratio = banded(
        "rd_by_ratio",
        "研发费用占比",
        SCORE22,
        "创新能力",
        rd_ratio(0, "研发费用占比"),
        ge_bands((pct(10), 10), (pct(8), 8), (pct(6), 6), (pct(4), 4), (pct(3), 2)),
    )
    by_amount = banded(
        "rd_by_amount",
        "研发费用总额",
        SCORE22,
        "创新能力",
        Amount(rd_expense[0], "上年度研发费用", lever=rd_expense[0]),
        ge_bands((500, 10), (400, 8), (300, 6), (200, 4), (100, 2)),
    )
    assert by_ratio.points is not None and by_amount.points is not None  # nosec B101  # invariant of the engine's own rule tables; ladder tests cover every rule
    pa, pr = by_amount.points, by_ratio.points
    # Either table at 10 settles it even if the other is unknown; otherwise the null-propagating maximum.
    points = When(
        [(pa.eq(10).is_true(), Lit(10)), (pr.eq(10).is_true(), Lit(10))],
        When([(pa.is_null() | pr.is_null(), NULL), (pa.ge(pr), pa)], pr),
    )

    def gap(ctx: Ctx) -> dict | None:
        now = ctx(points)
        if now is None or now >= 10:
            return None
        parts = [g for g in (by_amount.gap(ctx), by_ratio.gap(ctx)) if g]
        if not parts:
            return None
        best = min(parts, key=lambda g: g["change"] if g["change"] is not None else float("inf"))
        out = dict(best)
        out["text"] = "；或：".join(p["text"] for p in [best, *[p for p in parts if p is not best]])
        return out

    def threshold(ctx: Ctx) -> str | None:
        ta = by_amount.threshold(ctx) if callable(by_amount.threshold) else None
        tr = by_ratio.threshold(ctx) if callable(by_ratio.threshold) else None
        return f"金额 {ta}；占比 {tr}"

    return Criterion(
        "rd_investment",
        "研发投入（研发费用总额或占营业收入比重，取高）",
        SCORE22 + " 创新能力 2",
        "score",
        value=by_ratio.value,
        passed=points.gt(0),
        points=points,
        max_points=10,
        group="创新能力",
        threshold=threshold,
        gap=gap,
        annotate=lambda ctx: {
            "rd_expense_wan": ctx(by_amount.value),
            "points_by_amount": ctx(pa),
            "points_by_ratio": ctx(pr),
        },
    )


SPECIALIZED_SME_2022 = register(
    RuleSet(
        tier="specialized_sme",
        version="specialized_sme/2022-63-annex2",
        effective_from=date(2022, 6, 1),
        documents=(DOC22,),
        criteria=[
            flag_is(
                "holds_innovative_sme_title",
                "已认定为创新型中小企业（有效期内）",
                f"{DOC22} 认定条件（前提）",
                "holds_valid_innovative_sme_title",
                True,
                "须先取得有效期内的创新型中小企业称号",
            ),
            condition(
                "niche_years_2",
                "从事特定细分市场时间达到2年以上",
                f"{DOC22} 认定条件（一）",
                Quantity(niche_years, "从事细分市场年限", " 年", lever=niche_years),
                ">=",
                2,
            ),
            condition(
                "rd_amount_100",
                "上年度研发费用总额不低于100万元",
                f"{DOC22} 认定条件（二）",
                Amount(rd_expense[0], "上年度研发费用", lever=rd_expense[0]),
                ">=",
                100,
            ),
            condition(
                "rd_ratio_3pct",
                "上年度研发费用占营业收入总额比重不低于3%",
                f"{DOC22} 认定条件（二）",
                rd_ratio(0, "研发费用占比"),
                ">=",
                pct(3),
            ),
            either(
                "revenue_or_financing",
                "上年度营业收入总额1000万元以上，或近2年新增股权融资总额（合格机构投资者实缴）2000万元以上",
                f"{DOC22} 认定条件（三）",
                condition(
                    "revenue",
                    "上年度营业收入",
                    "",
                    Amount(operating_revenue[0], "上年度营业收入", lever=operating_revenue[0]),
                    ">=",
                    1000,
                ),
                condition(
                    "equity_2y",
                    "近2年新增股权融资",
                    "",
                    Amount(equity_financing_2y, "近2年新增股权融资", lever=equity_financing_2y),
                    ">=",
                    2000,
                ),
            ),
            banded(
                "main_business_share",
                "主营业务收入占营业收入比重",
                SCORE22 + " 专业化 1",
                "专业化",
                main_business_share(),
                ge_bands((pct(80), 5), (pct(70), 3), (pct(60), 1)),
            ),
            banded(
                "main_business_growth_2y_avg",
                "近2年主营业务收入平均增长率",
                SCORE22 + " 专业化 2",
                "专业化",
                AvgGrowth(
                    main_business_revenue[-2],
                    main_business_revenue[-1],
                    main_business_revenue[0],
                    "近2年主营业务收入平均增长率",
                    lever_label="上年度主营业务收入",
                    lever=main_business_revenue[0],
                ),
                ge_bands((pct(10), 10), (pct(8), 8), (pct(6), 6), (pct(4), 4), (0, 2)),
                unverified=True,
                note="formula not in the available sources: arithmetic mean of the two annual growth rates "
                "(enterprise-tiers.md §5.3 [UNVERIFIED])",
            ),
            _niche_years_points(),
            categorical(
                "product_field",
                "主导产品所属领域",
                SCORE22 + " 专业化 4",
                "专业化",
                col("product_field_category_2022"),
                [
                    ("key_link_breakthrough", 5, "在产业链关键环节补短板、锻长板、填空白取得实际成效"),
                    (
                        "six_basics_or_time_honored_or_chain_leader",
                        3,
                        "属于工业“六基”、中华老字号，或为重点产业链龙头企业配套",
                    ),
                    ("other", 0, "其他"),
                ],
            ),
            banded(
                "digital_level",
                "数字化水平",
                SCORE22 + " 精细化 1",
                "精细化",
                Quantity(col("digital_level"), "数字化水平", " 级", lever=col("digital_level")),
                ge_bands((3, 5), (2, 3)),
            ),
            _quality_points(),
            banded(
                "net_profit_margin",
                "上年度净利润率",
                SCORE22 + " 精细化 3",
                "精细化",
                net_profit_margin(),
                ge_bands((pct(10), 10), (pct(8), 8), (pct(6), 6), (pct(4), 4), (pct(2), 2)),
            ),
            banded(
                "debt_ratio",
                "上年末资产负债率",
                SCORE22 + " 精细化 4",
                "精细化",
                debt_ratio(),
                le_bands((pct(50), 5), (pct(60), 3), (pct(70), 1)),
            ),
            input_points(
                "local_characteristic",
                "特色化指标（由省级主管部门确定，输入值）",
                SCORE22 + " 特色化",
                "特色化",
                col("local_characteristic_score"),
                15,
                note="the province's 特色化 indicators were not found; its points are an input",
            ),
            first_match(
                "ip",
                "与主导产品相关的有效知识产权",
                SCORE22 + " 创新能力 1",
                "创新能力",
                [
                    ("class_I_high_value", col("ip.class_I_high_value").ge(1), 10, "≥1 项Ⅰ类高价值知识产权"),
                    ("class_I_self_developed", col("ip.class_I_self_developed").ge(1), 8, "≥1 项自主研发Ⅰ类知识产权"),
                    ("class_I", col("ip.class_I").ge(1), 6, "≥1 项Ⅰ类知识产权"),
                    ("class_II", col("ip.class_II_miit").ge(1), 2, "≥1 项Ⅱ类知识产权"),
                    ("none", TRUE, 0, "无"),
                ],
            ),
            _rd_points(),
            banded(
                "rd_staff_ratio",
                "研发人员占职工总数比重",
                SCORE22 + " 创新能力 3",
                "创新能力",
                rd_staff_ratio(),
                ge_bands((pct(20), 5), (pct(10), 3), (pct(5), 1)),
            ),
            categorical(
                "rd_institution_level",
                "建立研发机构级别",
                SCORE22 + " 创新能力 4",
                "创新能力",
                col("rd_institution_level"),
                [
                    ("national", 10, "国家级"),
                    ("provincial", 8, "省级"),
                    ("municipal", 4, "市级"),
                    ("below_municipal", 2, "市级以下"),
                    ("none", 0, "未建立"),
                ],
            ),
            route_flag(
                "st_award",
                "近三年获得过省级科技奖励并在获奖单位中排名前三，或获得国家级科技奖励",
                f"{DOC22} 认定条件（四）1",
                "st_award_provincial_top3_or_national_within_3y",
            ),
            condition(
                "rd_avg_2y_1000",
                "近两年研发费用总额均值在1000万元以上（两年合计 ≥ 2000 万元）",
                f"{DOC22} 认定条件（四）2",
                Amount(rd_expense[0] + rd_expense[-1], "近两年研发费用合计", lever=rd_expense[0]),
                ">=",
                2000,
                kind="route",
            ),
            condition(
                "equity_2y_6000",
                "近两年新增股权融资总额（合格机构投资者的实缴额）6000万元以上",
                f"{DOC22} 认定条件（四）3",
                Amount(equity_financing_2y, "近两年新增股权融资", lever=equity_financing_2y),
                ">=",
                6000,
                kind="route",
            ),
            route_flag(
                "maker_china_top500",
                "近三年进入“创客中国”中小企业创新创业大赛全国500强企业组名单",
                f"{DOC22} 认定条件（四）4",
                "maker_china_top500_within_3y",
            ),
        ],
        line=ScoreLine(
            pass_mark=60,
            clause=f"{DOC22} 认定条件（四）评价得分达到60分以上",
            description="评分表总分 ≥ 60（含省级特色化指标 15 分）",
        ),
    )
)


# --- 2026 (工信部企业〔2026〕2号) ------------------------------------------------------------------------------

SPECIALIZED_SME_2026 = register(
    RuleSet(
        tier="specialized_sme",
        version="specialized_sme/2026-2",
        effective_from=date(2026, 4, 1),
        documents=(DOC26, "工信厅企业〔2024〕75号（专精特新发展评价指标体系）"),
        criteria=[
            flag_is(
                "sme",
                "属于中小企业",
                f"{DOC26} 认定条件（一）",
                "is_sme_per_2011_standard",
                True,
                "须属于中小企业（工信部联企业〔2011〕300号）",
            ),
            flag_is(
                "not_on_abnormal_or_dishonesty_list",
                "申请期间未被列入经营异常名录或严重失信主体名单",
                f"{DOC26} 认定条件（一）",
                "abnormal_or_serious_dishonesty_list",
                False,
                "须移出经营异常名录和严重失信主体名单",
            ),
            flag_is(
                "no_major_incident_3y",
                "近三年未发生重大安全、质量、环境污染等风险事件",
                f"{DOC26} 认定条件（一）",
                "major_incident_or_violation_3y",
                False,
                "近三年内不得发生重大安全、质量、环境污染等风险事件",
            ),
            either(
                "holds_first_tier_title",
                "持有有效期内的科技和创新型中小企业称号（创新型中小企业或科技型中小企业）",
                f"{DOC26} 认定条件（二）",
                flag_is(
                    "innovative_sme_title",
                    "创新型中小企业称号",
                    "",
                    "holds_valid_innovative_sme_title",
                    True,
                    "须取得有效期内的创新型中小企业称号",
                ),
                flag_is(
                    "tech_sme_registration",
                    "科技型中小企业入库登记",
                    "",
                    "holds_valid_tech_sme_registration",
                    True,
                    "须取得当年有效的科技型中小企业入库登记编号",
                ),
            ),
            condition(
                "niche_years_3",
                "截至上年末从事特定细分市场时间达到3年以上",
                f"{DOC26} 认定条件（三）",
                Quantity(niche_years, "从事细分市场年限", " 年", lever=niche_years),
                ">=",
                3,
            ),
            either(
                "revenue_or_financing",
                "上年度营业收入1500万元以上，或近2年新增股权融资总额（合格机构投资者实缴）2000万元以上",
                f"{DOC26} 认定条件（四）",
                condition(
                    "revenue",
                    "上年度营业收入",
                    "",
                    Amount(operating_revenue[0], "上年度营业收入", lever=operating_revenue[0]),
                    ">=",
                    1500,
                ),
                condition(
                    "equity_2y",
                    "近2年新增股权融资",
                    "",
                    Amount(equity_financing_2y, "近2年新增股权融资", lever=equity_financing_2y),
                    ">=",
                    2000,
                ),
            ),
            condition(
                "main_business_share_80",
                "上年度主营业务收入占营业收入比重不低于80%",
                f"{DOC26} 认定条件（五）",
                main_business_share(),
                ">=",
                pct(80),
            ),
            condition(
                "debt_ratio_max_80",
                "上年末资产负债率不高于80%",
                f"{DOC26} 认定条件（六）",
                debt_ratio(),
                "<=",
                pct(80),
            ),
            condition(
                "rd_amount_last_year",
                "上年度研发费用不低于100万元",
                f"{DOC26} 认定条件（七）",
                Amount(rd_expense[0], "上年度研发费用", lever=rd_expense[0]),
                ">=",
                100,
            ),
            condition(
                "rd_ratio_last_year",
                "上年度研发费用占营业收入比重不低于3%",
                f"{DOC26} 认定条件（七）",
                rd_ratio(0, "上年度研发费用占比"),
                ">=",
                pct(3),
            ),
            condition(
                "rd_amount_prior_year",
                "前年度研发费用不低于100万元",
                f"{DOC26} 认定条件（七）",
                Amount(rd_expense[-1], "前年度研发费用", lever=rd_expense[-1]),
                ">=",
                100,
            ),
            condition(
                "rd_ratio_prior_year",
                "前年度研发费用占营业收入比重不低于3%",
                f"{DOC26} 认定条件（七）",
                rd_ratio(-1, "前年度研发费用占比"),
                ">=",
                pct(3),
            ),
            either(
                "class_I_ip_or_exemption",
                "拥有 ≥1 项与主导产品相关的Ⅰ类知识产权（省部级以上科技奖励前三名或省部级以上研发机构可豁免）",
                f"{DOC26} 认定条件（八）",
                condition(
                    "class_I",
                    "Ⅰ类知识产权",
                    "",
                    Quantity(col("ip.class_I"), "Ⅰ类知识产权", " 项", lever=col("ip.class_I")),
                    ">=",
                    1,
                ),
                flag_is(
                    "st_award_exemption",
                    "近三年省部级以上科技奖励（前三名）",
                    "",
                    "st_award_provincial_plus_top3_within_3y",
                    True,
                    "近三年获省部级以上科技奖励且排名前三",
                ),
                flag_is(
                    "rd_institution_exemption",
                    "省部级以上研发机构",
                    "",
                    "provincial_ministerial_rd_institution",
                    True,
                    "拥有经认定的省部级以上研发机构",
                ),
            ),
            flag_is(
                "market_position_leading",
                "主导产品细分市场占有率相对领先（人工审核）",
                f"{DOC26} 认定条件（九）",
                "market_position_leading",
                True,
                "主导产品在细分市场的占有率须相对领先",
            ),
            condition(
                "platform_score_50",
                "当年专精特新发展评价得分不低于50分（平台计算，输入值）",
                f"{DOC26} 认定条件（十）；工信厅企业〔2024〕75号",
                Quantity(
                    col("specialized_platform_score"),
                    "专精特新发展评价得分",
                    " 分",
                    lever=col("specialized_platform_score"),
                ),
                ">=",
                50,
            ),
        ],
        line=None,
        conditions_route="conditions",
        notes=(
            "2026 text not available; conditions from two agreeing secondary sources (enterprise-tiers.md §5.2).",
            "The platform score cannot be reproduced locally; it is an input. No local score is reported.",
        ),
    )
)
