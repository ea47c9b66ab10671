"""专精特新"小巨人" (little giant), two versions gated on the assessment date (2026-04-01).

* 2022: 工信部企业〔2022〕63号 附件3 (enterprise-tiers.md §6.2, "from recall; medium"): six groups, no score;
  the qualitative items (digitalisation, quality certification) are not modelled.
* 2026: 工信部企业〔2026〕2号 附件2 (§6.1, one secondary source): seven groups, all required; the 专精特新发展
  评价得分 (≥ 60) is a platform input.

The contract (ladder-facts-format.md) has no fields for several 小巨人 conditions; they use the optional
extension fields documented in facts.py. Approximation: the 2026 "≥ 4 Ⅰ类 IP, not transferred in, enterprise
among the first three right-holders" is read from `ip.class_I_self_developed`.
"""

from __future__ import annotations

from datetime import date

from .expr import NULL, When, all_of
from .measures import (
    debt_ratio,
    equity_financing_2y,
    main_business_revenue,
    main_business_share,
    niche_share_pct,
    niche_years,
    operating_revenue,
    rd_expense,
    rd_ratio,
    rd_staff_ratio,
)
from .rules import (
    Amount,
    AvgGrowth,
    Cagr,
    Criterion,
    Ctx,
    Quantity,
    Ratio,
    RuleSet,
    col,
    condition,
    either,
    flag_is,
    gap_data,
    pct,
    register,
)

DOC22 = "工信部企业〔2022〕63号 附件3"
DOC26 = "工信部企业〔2026〕2号 附件2"


def _niche(n: int, clause: str) -> Criterion:
    return condition(
        f"niche_years_{n}",
        f"从事特定细分市场时间达到{n}年以上",
        clause,
        Quantity(niche_years, "从事细分市场年限", " 年", lever=niche_years),
        ">=",
        n,
    )


def _title(clause: str) -> Criterion:
    return flag_is(
        "holds_specialized_sme_title",
        "已认定为专精特新中小企业（有效期内）",
        clause,
        "holds_valid_specialized_sme_title",
        True,
        "须先取得有效期内的专精特新中小企业称号",
    )


def _rd_intensity_2022() -> Criterion:
    """Innovation requirement by revenue band (63号 附件3): ≥ 1亿 → each of 2 years ≥ 3%; 5000万–1亿 → each ≥ 6%;
    < 5000万 → 2-year equity ≥ 8000万, 2-year R&D ≥ 3000万 and R&D staff ≥ 50%."""
    r0, r1 = rd_ratio(0, "上年度研发费用占比"), rd_ratio(-1, "前年度研发费用占比")

    def ratio_ok(r: Ratio, rate) -> Criterion:
        return condition("x", "", "", r, ">=", rate)

    big = [ratio_ok(r0, pct(3)), ratio_ok(r1, pct(3))]
    mid = [ratio_ok(r0, pct(6)), ratio_ok(r1, pct(6))]
    small = [
        condition("x", "", "", Amount(equity_financing_2y, "近2年新增股权融资", lever=equity_financing_2y), ">=", 8000),
        condition(
            "x", "", "", Amount(rd_expense[0] + rd_expense[-1], "近2年研发费用合计", lever=rd_expense[0]), ">=", 3000
        ),
        condition(
            "x",
            "",
            "",
            rd_staff_ratio(),
            ">=",
            pct(50),
        ),
    ]
    rev0 = operating_revenue[0]
    big_rev, mid_rev = rev0.ge(10000 * 1_000_000), rev0.ge(5000 * 1_000_000)
    passed = When(
        [
            (rev0.is_null(), NULL),
            (big_rev, all_of([c.passed for c in big])),
            (mid_rev, all_of([c.passed for c in mid])),
        ],
        all_of([c.passed for c in small]),
    )

    def band(ctx: Ctx) -> tuple[str, list[Criterion]] | None:
        if ctx(rev0) is None:
            return None
        if ctx(big_rev):
            return "营业收入 ≥ 1亿元：近2年研发费用占比均 ≥ 3%", big
        if ctx(mid_rev):
            return "营业收入 5000万–1亿元：近2年研发费用占比均 ≥ 6%", mid
        return "营业收入 < 5000万元：近2年新增股权融资 ≥ 8000万元、研发费用合计 ≥ 3000万元、研发人员占比 ≥ 50%", small

    def threshold(ctx: Ctx) -> str | None:
        b = band(ctx)
        return b[0] if b else "按上年度营业收入分档"

    def gap(ctx: Ctx) -> dict | None:
        b = band(ctx)
        if b is None:
            return None
        gaps = [c.gap(ctx) for c in b[1] if ctx(c.passed) is False and c.gap]
        gaps = [g for g in gaps if g]
        if not gaps:
            return None
        out = dict(gaps[0])
        out["text"] = "；".join(g["text"] for g in gaps)
        return out

    return Criterion(
        "rd_intensity_by_revenue",
        "研发投入按营业收入分档达标",
        f"{DOC22} 创新能力",
        "hard",
        value=r0.value,
        passed=passed,
        threshold=threshold,
        gap=gap,
    )


def _has_rd_institution() -> Criterion:
    lvl = col("rd_institution_level")
    return Criterion(
        "rd_institution",
        "企业自建或与高校、科研机构联合建立研发机构",
        f"{DOC22} 创新能力",
        "hard",
        value=lvl,
        passed=When([(lvl.is_null(), NULL)], lvl.ne("none")),
        threshold="≠ none",
        gap=lambda ctx: gap_data(
            "rd_institution_level", ctx(lvl), "municipal", None, None, "须自建或联合建立研发机构", relative=1.0
        ),
    )


def _key_link() -> Criterion:
    cat = col("product_field_category_2022")
    return Criterion(
        "chain_key_link",
        "在产业链关键环节补短板、锻长板、填空白",
        f"{DOC22} 产业链配套",
        "hard",
        value=cat,
        passed=When([(cat.is_null(), NULL)], cat.eq("key_link_breakthrough")),
        threshold="= key_link_breakthrough",
        gap=lambda ctx: gap_data(
            "product_field_category_2022",
            ctx(cat),
            "key_link_breakthrough",
            None,
            None,
            "主导产品须在产业链关键环节补短板、锻长板、填空白并取得实际成效",
            relative=1.0,
        ),
    )


LITTLE_GIANT_2022 = register(
    RuleSet(
        tier="little_giant",
        version="little_giant/2022-63-annex3",
        effective_from=date(2022, 6, 1),
        documents=(DOC22,),
        criteria=[
            _title(f"{DOC22}（前提）"),
            _niche(3, f"{DOC22} 专业化"),
            condition(
                "main_business_share_70",
                "主营业务收入占营业收入比重不低于70%",
                f"{DOC22} 专业化",
                main_business_share(),
                ">=",
                pct(70),
            ),
            condition(
                "main_business_growth_2y_avg_5",
                "近2年主营业务收入平均增长率不低于5%",
                f"{DOC22} 专业化",
                AvgGrowth(
                    main_business_revenue[-2],
                    main_business_revenue[-1],
                    main_business_revenue[0],
                    "近2年主营业务收入平均增长率",
                    lever_label="上年度主营业务收入",
                    lever=main_business_revenue[0],
                ),
                ">=",
                pct(5),
                unverified=True,
                note="2-year average growth formula not in the sources: mean of the two annual growth rates",
            ),
            condition("debt_ratio_max_70", "资产负债率不高于70%", f"{DOC22} 精细化", debt_ratio(), "<=", pct(70)),
            condition(
                "market_share_10",
                "主导产品在全国细分市场占有率达到10%以上",
                f"{DOC22} 特色化",
                Quantity(niche_share_pct, "细分市场占有率", "%", lever=niche_share_pct),
                ">=",
                10,
            ),
            flag_is("own_brand", "拥有自主品牌", f"{DOC22} 特色化", "has_own_brand", True, "须拥有自主品牌"),
            _rd_intensity_2022(),
            _has_rd_institution(),
            condition(
                "class_I_ip_2",
                "拥有2项以上与主导产品相关的Ⅰ类知识产权",
                f"{DOC22} 创新能力",
                Quantity(col("ip.class_I"), "Ⅰ类知识产权", " 项", lever=col("ip.class_I")),
                ">=",
                2,
            ),
            _key_link(),
            flag_is(
                "priority_field",
                "主导产品属于工业“六基”、制造强国战略十大重点产业领域或网络强国建设重点领域",
                f"{DOC22} 主导产品所属领域",
                "main_product_in_priority_field",
                True,
                "主导产品须属于工业“六基”、制造强国十大重点产业领域或网络强国重点领域",
            ),
        ],
        line=None,
        conditions_route="conditions",
        notes=(
            "63号 附件3 recalled (medium confidence); qualitative 精细化 items (digitalisation, quality "
            "certification) are not modelled.",
        ),
    )
)

LITTLE_GIANT_2026 = register(
    RuleSet(
        tier="little_giant",
        version="little_giant/2026-2-annex2",
        effective_from=date(2026, 4, 1),
        documents=(DOC26, "工信厅企业函〔2026〕117号（年度通知）"),
        criteria=[
            _title(f"{DOC26}（前提）"),
            flag_is(
                "not_excluded",
                "不属于已认定的制造业单项冠军，且非已认定“小巨人”企业控股或同集团同类产品企业",
                f"{DOC26}（排除情形）",
                "excluded_single_champion_or_little_giant_affiliate",
                False,
                "已认定为制造业单项冠军或属已认定“小巨人”企业关联企业的不得申请",
            ),
            _niche(3, f"{DOC26} 专业化"),
            condition(
                "revenue_5000",
                "上年度营业收入不低于5000万元",
                f"{DOC26} 专业化",
                Amount(operating_revenue[0], "上年度营业收入", lever=operating_revenue[0]),
                ">=",
                5000,
            ),
            condition(
                "main_business_share_90",
                "主营业务收入占营业收入比重不低于90%",
                f"{DOC26} 专业化",
                main_business_share(),
                ">=",
                pct(90),
            ),
            condition(
                "revenue_cagr_2y_5",
                "近2年营业收入复合增长率不低于5%",
                f"{DOC26} 成长性",
                Cagr(
                    operating_revenue[-2],
                    operating_revenue[0],
                    "近2年营业收入复合增长率",
                    lever_label="上年度营业收入",
                    lever=operating_revenue[0],
                ),
                ">=",
                pct(5),
            ),
            condition("debt_ratio_max_75", "上年末资产负债率不高于75%", f"{DOC26} 精细化", debt_ratio(), "<=", pct(75)),
            condition(
                "rd_total_2y_1200",
                "近2年研发费用总额不低于1200万元",
                f"{DOC26} 创新能力",
                Amount(rd_expense[0] + rd_expense[-1], "近2年研发费用合计", lever=rd_expense[0]),
                ">=",
                1200,
            ),
            condition(
                "rd_ratio_last_year",
                "上年度研发费用占营业收入比重不低于3%",
                f"{DOC26} 创新能力",
                rd_ratio(0, "上年度研发费用占比"),
                ">=",
                pct(3),
            ),
            condition(
                "rd_ratio_prior_year",
                "前年度研发费用占营业收入比重不低于3%",
                f"{DOC26} 创新能力",
                rd_ratio(-1, "前年度研发费用占比"),
                ">=",
                pct(3),
            ),
            either(
                "class_I_ip_4_or_exemption",
                "拥有4项以上非受让、排名前三权利人的Ⅰ类知识产权（近三年国家级科技奖励前三名可豁免）",
                f"{DOC26} 创新能力",
                condition(
                    "class_I_own",
                    "自主Ⅰ类知识产权",
                    "",
                    Quantity(
                        col("ip.class_I_self_developed"),
                        "自主研发Ⅰ类知识产权",
                        " 项",
                        lever=col("ip.class_I_self_developed"),
                    ),
                    ">=",
                    4,
                ),
                flag_is(
                    "national_award_exemption",
                    "近三年国家级科技奖励（前三名）",
                    "",
                    "national_st_award_top3_within_3y",
                    True,
                    "近三年获国家级科技奖励且排名前三",
                ),
                note="non-transferred / first-three-right-holder IP approximated by ip.class_I_self_developed",
            ),
            either(
                "market_share_10_or_top3",
                "主导产品细分市场占有率10%以上或全国前三",
                f"{DOC26} 特色化",
                condition(
                    "share",
                    "细分市场占有率",
                    "",
                    Quantity(niche_share_pct, "细分市场占有率", "%", lever=niche_share_pct),
                    ">=",
                    10,
                ),
                condition(
                    "rank",
                    "全国细分市场排名",
                    "",
                    Quantity(
                        col("niche_market_rank_national"),
                        "全国细分市场排名",
                        " 名",
                        lever=col("niche_market_rank_national"),
                    ),
                    "<=",
                    3,
                ),
            ),
            flag_is(
                "priority_field",
                "主导产品属于“六基”领域或产业链关键环节（含传统产业改造、新兴产业、未来产业）",
                f"{DOC26} 产业链",
                "main_product_in_priority_field",
                True,
                "主导产品须属于工业“六基”领域或重点产业链关键环节",
            ),
            condition(
                "platform_score_60",
                "专精特新发展评价得分不低于60分（平台计算，输入值）",
                f"{DOC26}；工信厅企业〔2024〕75号",
                Quantity(
                    col("specialized_platform_score"),
                    "专精特新发展评价得分",
                    " 分",
                    lever=col("specialized_platform_score"),
                ),
                ">=",
                60,
            ),
        ],
        line=None,
        conditions_route="conditions",
        notes=("2026 附件2 from one secondary source (ZCT tool); review cases (复核) not modelled.",),
    )
)
