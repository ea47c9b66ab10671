"""科技型中小企业 (tech-based SME): 《科技型中小企业评价办法》国科发政〔2017〕115号.

Reference: enterprise-tiers.md §2. Data year: the last fiscal year L. Article numbers follow the 办法
(第六条 conditions (一)–(五), 第七条 direct routes (一)–(四)); the 2022 服务工作指引 (国科火字〔2022〕67号)
adds the R&D super-deduction negative list.
"""

from __future__ import annotations

from datetime import date

from .expr import TRUE, When, max2
from .measures import (
    cost_expense_total,
    employees,
    ip_class_I,
    ip_class_II,
    operating_revenue,
    rd_cost_ratio,
    rd_ratio,
    st_staff_ratio,
    total_assets,
)
from .rules import (
    Amount,
    Criterion,
    Ctx,
    Quantity,
    RuleSet,
    ScoreLine,
    banded,
    condition,
    first_match,
    flag_is,
    ge_bands,
    pct,
    register,
    route_flag,
)

DOC = "国科发政〔2017〕115号"
GUIDE = "国科火字〔2022〕67号"
INDICATORS = f"{DOC} 第八条 科技型中小企业评价指标"


def _rd_input() -> Criterion:
    """R&D input (50): score R&D ÷ sales revenue (A) and R&D ÷ total cost & expense (B), keep the higher.
    Without cost data only A is scored (enterprise-tiers.md §2.3)."""
    a = banded(
        "rd_ratio_revenue",
        "研发投入（占销售收入）",
        INDICATORS,
        "研发投入",
        rd_ratio(),
        ge_bands((pct(6), 50), (pct(5), 40), (pct(4), 30), (pct(3), 20), (pct(2), 10)),
    )
    b = banded(
        "rd_ratio_cost",
        "研发投入（占成本费用）",
        INDICATORS,
        "研发投入",
        rd_cost_ratio(),
        ge_bands((pct(30), 50), (pct(25), 40), (pct(20), 30), (pct(15), 20), (pct(10), 10)),
    )
    assert a.points is not None and b.points is not None  # nosec B101  # invariant of the engine's own rule tables; ladder tests cover every rule
    use_b = cost_expense_total[0].is_null().is_false() & b.points.gt(a.points)
    points = When([(cost_expense_total[0].is_null(), a.points)], max2(a.points, b.points))
    value = When([(use_b, b.value)], a.value)

    def chosen(ctx: Ctx) -> Criterion:
        return b if ctx(use_b) is True else a

    def threshold(ctx: Ctx) -> str | None:
        c = chosen(ctx)
        t = c.threshold(ctx) if callable(c.threshold) else c.threshold
        return None if t is None else f"{t}（{c.name}）"

    def gap(ctx: Ctx) -> dict | None:
        now = ctx(points)
        if now is None or now >= 50:
            return None
        c = chosen(ctx)
        return c.gap(ctx) if c.gap else None

    def detail(ctx: Ctx) -> dict:
        return {
            "ratio_to_revenue": ctx(a.value),
            "points_by_revenue": ctx(a.points),
            "ratio_to_cost_expense": ctx(b.value),
            "points_by_cost_expense": ctx(b.points) if ctx(cost_expense_total[0]) is not None else None,
        }

    return Criterion(
        "rd_input",
        "研发投入指标",
        INDICATORS + "（二）研发投入，企业从两项比例中任选其一",
        "score",
        value=value,
        passed=points.gt(0),
        points=points,
        max_points=50,
        group="研发投入",
        threshold=threshold,
        gap=gap,
        optional=frozenset({cost_expense_total[0].name}),
        annotate=detail,
    )


TECH_SME_2017 = register(
    RuleSet(
        tier="tech_sme",
        version="tech_sme/2017-115",
        effective_from=date(2017, 5, 3),
        documents=(DOC, GUIDE, "年度评价工作通知（2026：工企业函〔2026〕160号）"),
        criteria=[
            flag_is(
                "resident_enterprise",
                "在中国境内（不含港、澳、台）注册的居民企业",
                f"{DOC} 第六条（一）",
                "resident_enterprise_mainland",
                True,
                "须为在中国境内（不含港、澳、台地区）注册的居民企业",
            ),
            condition(
                "employees_max_500",
                "职工总数不超过500人",
                f"{DOC} 第六条（二）",
                Quantity(employees, "职工总数", " 人", lever=employees),
                "<=",
                500,
            ),
            condition(
                "revenue_max_20000",
                "年销售收入不超过2亿元",
                f"{DOC} 第六条（二）",
                Amount(operating_revenue[0], "年销售收入", lever=operating_revenue[0]),
                "<=",
                20000,
            ),
            condition(
                "assets_max_20000",
                "资产总额不超过2亿元",
                f"{DOC} 第六条（二）",
                Amount(total_assets[0], "资产总额", lever=total_assets[0]),
                "<=",
                20000,
            ),
            flag_is(
                "not_prohibited_product",
                "产品和服务不属于国家规定的禁止、限制和淘汰类",
                f"{DOC} 第六条（三）",
                "prohibited_or_restricted_product",
                False,
                "产品和服务须不属于国家规定的禁止、限制和淘汰类",
            ),
            flag_is(
                "not_rd_deduction_negative_list",
                "不属于不适用研发费用税前加计扣除政策的行业",
                f"{GUIDE}（据省级通知转引）；财税〔2015〕119号",
                "rd_deduction_negative_list_industry",
                False,
                "所属行业须适用研发费用税前加计扣除政策（烟草制造、住宿餐饮、批发零售、房地产、租赁和商务服务、娱乐业除外）",
                note="negative list recalled from 财税〔2015〕119号; medium confidence",
            ),
            flag_is(
                "no_major_incident_recent",
                "上一年及当年内未发生重大安全、重大质量事故和严重环境违法、科研严重失信行为",
                f"{DOC} 第六条（四）",
                "major_incident_or_violation_recent",
                False,
                "上一年及当年内不得发生重大安全、重大质量事故和严重环境违法、科研严重失信行为",
            ),
            flag_is(
                "not_on_abnormal_or_dishonesty_list",
                "未列入经营异常名录和严重违法失信企业名单",
                f"{DOC} 第六条（四）",
                "abnormal_or_serious_dishonesty_list",
                False,
                "须移出经营异常名录和严重违法失信企业名单",
            ),
            banded(
                "st_staff_ratio",
                "科技人员指标",
                INDICATORS + "（一）科技人员",
                "科技人员",
                st_staff_ratio(),
                ge_bands((pct(30), 20), (pct(25), 16), (pct(20), 12), (pct(15), 8), (pct(10), 4)),
            ),
            _rd_input(),
            first_match(
                "st_achievements",
                "科技成果指标",
                INDICATORS + "（三）科技成果",
                "科技成果",
                [
                    ("class_I", ip_class_I.ge(1), 30, "拥有 ≥1 项Ⅰ类知识产权"),
                    ("class_II_4", ip_class_II.ge(4), 24, "拥有 ≥4 项Ⅱ类知识产权"),
                    ("class_II_3", ip_class_II.ge(3), 18, "拥有 3 项Ⅱ类知识产权"),
                    ("class_II_2", ip_class_II.ge(2), 12, "拥有 2 项Ⅱ类知识产权"),
                    ("class_II_1", ip_class_II.ge(1), 6, "拥有 1 项Ⅱ类知识产权"),
                    ("none", TRUE, 0, "没有知识产权"),
                ],
            ),
            route_flag(
                "hte_certificate",
                "拥有有效期内高新技术企业资格证书",
                f"{DOC} 第七条（一）",
                "has_valid_hte_certificate",
            ),
            route_flag(
                "national_st_award_top3",
                "近五年内获得过国家级科技奖励，并在获奖单位中排在前三名",
                f"{DOC} 第七条（二）",
                "national_st_award_top3_within_5y",
            ),
            route_flag(
                "provincial_ministerial_rd_institution",
                "拥有经认定的省部级以上研发机构",
                f"{DOC} 第七条（三）",
                "provincial_ministerial_rd_institution",
            ),
            route_flag(
                "led_standard",
                "近五年内主导制定过国际标准、国家标准或行业标准",
                f"{DOC} 第七条（四）",
                "led_standard_within_5y",
                unverified=True,
                note="'主导制定' ranking rule (PRD: top 5 drafting units) not confirmed in an official text; "
                "the flag is taken as asserted",
            ),
        ],
        line=ScoreLine(
            pass_mark=60,
            clause=f"{DOC} 第六条（五）",
            nonzero=("st_staff_ratio",),
            description="综合评价得分不低于60分，且科技人员指标得分不得为0分",
        ),
    )
)
