"""高新技术企业 (high-tech enterprise): 国科发火〔2016〕32号 认定管理办法 + 国科发火〔2016〕195号 工作指引.

Reference: enterprise-tiers.md §3. Hard conditions are 32号 第十一条 (一)–(八) plus the resident-enterprise
definition (第二条). The innovation-capability score is a conservative pre-assessment (format contract):
each banded item at the bottom of its band plus the expert points supplied; eligible needs every hard
condition and this lower bound > 70. `score_upper` reports the band tops for the same inputs.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from .expr import TRUE, Col, DaysBetween, FDiv, Lit, Node, When
from .measures import (
    domestic_rd_expense,
    ip_class_I,
    ip_class_II,
    net_assets,
    operating_revenue,
    rd_expense,
    st_staff_ratio,
)
from .rules import (
    LATEST_YEAR,
    NULL,
    OP_TEXT,
    REGISTRATION_YEAR,
    AvgGrowth,
    Criterion,
    Ctx,
    Measure,
    Quantity,
    Ratio,
    RuleSet,
    ScoreLine,
    banded,
    col,
    condition,
    either,
    first_match,
    flag_is,
    fmt_num,
    gap_data,
    input_points,
    pct,
    register,
)

DOC = "国科发火〔2016〕32号"
GUIDE = "国科发火〔2016〕195号"
SCORE_CLAUSE = f"{GUIDE} 四、（二）企业创新能力评价"

class_II_usable = ip_class_II - col("ip.class_II_used_in_prior_hte")


def operated_in(offset: int) -> Node:
    """Fiscal year L+offset counts for the 3-year R&D ratio: registered by then (or date unknown)."""
    return REGISTRATION_YEAR.is_null() | REGISTRATION_YEAR.le(LATEST_YEAR + offset)


def _three_year_sum(cols: dict[int, Col]) -> Node:
    return (
        When([(operated_in(0), cols[0])], Lit(0))
        + When([(operated_in(-1), cols[-1])], Lit(0))
        + When([(operated_in(-2), cols[-2])], Lit(0))
    )


def _missing_in_operating_years(*groups: dict[int, Col]):
    def missing(ctx: Ctx) -> list[str]:
        out = []
        for k in (-2, -1, 0):
            if ctx(operated_in(k)) is not True:
                continue
            for g in groups:
                if ctx(g[k]) is None:
                    out.append(g[k].facts_path(ctx.latest_year))
        return [p for p in out if p]

    return missing


rd_sum, revenue_sum, domestic_sum = (
    _three_year_sum(rd_expense),
    _three_year_sum(operating_revenue),
    _three_year_sum(domestic_rd_expense),
)
RD_RATIO = Ratio(
    rd_sum, revenue_sum, "近三年研发费用占比", num_label="研发费用", den_label="近三年销售收入合计", lever=rd_expense[0]
)
DOMESTIC = Ratio(
    domestic_sum,
    rd_sum,
    "境内研发费用占比",
    num_label="境内研发费用",
    den_label="近三年研发费用总额",
    lever=domestic_rd_expense[0],
)
BANDS = ((5000, pct(5)), (20000, pct(4)))  # latest-year revenue ≤ 5000 万 → 5%; ≤ 2亿 → 4%; above → 3%
TOP_RATE = pct(3)


def _rd_ratio_criterion() -> Criterion:
    rev0 = operating_revenue[0]
    # Registered after year L: no fiscal year at all, the sums are 0 and the ratio is not met (not unknown).
    unknown = RD_RATIO.unknown | (operated_in(0) & rev0.is_null())
    cases: list[tuple[Node, Any]] = [(unknown, NULL), (RD_RATIO.valid.is_false(), Lit(False))]
    for limit, rate in BANDS:
        cases.append((rev0.le(limit * 1_000_000), RD_RATIO.cmp(">=", rate)))
    passed = When(cases, RD_RATIO.cmp(">=", TOP_RATE))

    def required(ctx: Ctx) -> Fraction | None:
        r = ctx(rev0)
        if r is None:
            return None
        return next((rate for limit, rate in BANDS if r <= limit * 1_000_000), TOP_RATE)

    def threshold(ctx: Ctx) -> str | None:
        rate = required(ctx)
        if rate is None:
            return "≥ 0.05 / 0.04 / 0.03（按最近一年销售收入 ≤5000万 / ≤2亿 / >2亿）"
        return f"≥ {float(rate):g}（最近一年销售收入 {fmt_num(ctx(rev0) / 1_000_000)} 万元）"

    def gap(ctx: Ctx) -> dict | None:
        rate = required(ctx)
        return None if rate is None else RD_RATIO.target(ctx, ">=", rate)

    return Criterion(
        "rd_ratio_3y",
        "近三个会计年度研发费用总额占同期销售收入总额比例符合要求",
        f"{DOC} 第十一条（五）",
        "hard",
        value=RD_RATIO.value,
        passed=passed,
        threshold=threshold,
        gap=gap,
        missing_fn=_missing_in_operating_years(rd_expense, operating_revenue),
    )


class PerYear(Measure):
    """Annual average of a 3-year count (conversions_3y ÷ 3), compared exactly as count ⋛ 3·t."""

    def __init__(self, q: Col, label: str):
        self.q, self.label = q, label
        self.value = FDiv(q, Lit(3))
        self.unknown = q.is_null()
        self.valid = TRUE

    def cmp(self, op: str, t: Any) -> Node:
        lit = Lit(int(Fraction(t) * 3)) if (Fraction(t) * 3).denominator == 1 else Lit(float(t) * 3)
        return {">=": self.q.ge, ">": self.q.gt, "<=": self.q.le, "<": self.q.lt}[op](lit)

    def threshold_text(self, op: str, t: Any) -> str:
        return f"{OP_TEXT[op]} {fmt_num(Fraction(t))} 项/年（近三年 {OP_TEXT[op]} {fmt_num(Fraction(t) * 3)} 项）"

    def target(self, ctx: Ctx, op: str, t: Any) -> dict | None:
        cur = ctx(self.q)
        if cur is None:
            return None
        need = int(Fraction(t) * 3) + (1 if op == ">" else 0)
        text = f"{self.label}：近三年 {cur} 项 → {need} 项，需再转化 {need - cur} 项"
        return gap_data(self.q.path, cur, need, need - cur, "项", text)


def _conversions() -> Criterion:
    c = banded(
        "conversions",
        "科技成果转化能力（近三年年均转化数）",
        SCORE_CLAUSE + " 2. 科技成果转化能力",
        "科技成果转化能力",
        PerYear(col("conversions_3y"), "科技成果转化"),
        [(">=", 5, 25), (">=", 4, 19), (">=", 3, 13), (">=", 2, 7), (">=", 1, 1), (">", 0, 1)],
        band_width=5,
    )

    def annotate(ctx: Ctx) -> dict:
        n = ctx(col("conversions_3y"))
        if n is not None and 0 < n < 3:
            return {
                "estimate": True,
                "estimate_note": "年均转化数在 0–1 之间，表中未覆盖；按最低非零档下限（1 分）估计",
            }
        return {}

    c.annotate = annotate
    return c


GROWTH_BANDS = [(">=", pct(35), 9), (">=", pct(25), 7), (">=", pct(15), 5), (">=", pct(5), 3), (">", 0, 1)]

HIGH_TECH_2016 = register(
    RuleSet(
        tier="high_tech",
        version="high_tech/2016-32",
        effective_from=date(2016, 1, 1),
        documents=(DOC, GUIDE, "《国家重点支持的高新技术领域》"),
        criteria=[
            flag_is(
                "resident_enterprise",
                "在中国境内（不含港、澳、台）注册的居民企业",
                f"{DOC} 第二条",
                "resident_enterprise_mainland",
                True,
                "须为在中国境内（不含港、澳、台地区）注册的居民企业",
            ),
            condition(
                "registered_365_days",
                "申请认定时须注册成立一年以上（≥ 365 个日历天）",
                f"{DOC} 第十一条（一）；{GUIDE}",
                Quantity(
                    DaysBetween(Col("assessment_date", path="assessment_date"), col("registration_date")),
                    "注册成立天数",
                    " 天",
                    lever=col("registration_date"),
                ),
                ">=",
                365,
            ),
            either(
                "core_ip_owned",
                "拥有对主要产品（服务）在技术上发挥核心支持作用的知识产权",
                f"{DOC} 第十一条（二）",
                condition("class_I", "Ⅰ类知识产权", "", Quantity(ip_class_I, "Ⅰ类知识产权", " 项"), ">=", 1),
                condition(
                    "class_II_usable",
                    "未用于以往认定的Ⅱ类知识产权",
                    "",
                    Quantity(class_II_usable, "未用于以往认定的Ⅱ类知识产权", " 项"),
                    ">=",
                    1,
                ),
            ),
            flag_is(
                "tech_field_in_catalog",
                "核心技术属于《国家重点支持的高新技术领域》",
                f"{DOC} 第十一条（三）",
                "tech_field_in_catalog",
                True,
                "主要产品（服务）的核心技术须属于《国家重点支持的高新技术领域》",
            ),
            condition(
                "st_staff_ratio_10pct",
                "科技人员占当年职工总数的比例不低于10%",
                f"{DOC} 第十一条（四）",
                st_staff_ratio(),
                ">=",
                pct(10),
            ),
            _rd_ratio_criterion(),
            Criterion(
                "domestic_rd_60pct",
                "境内研发费用占全部研发费用比例不低于60%",
                f"{DOC} 第十一条（五）",
                "hard",
                value=DOMESTIC.value,
                passed=When(
                    [(DOMESTIC.unknown, NULL), (DOMESTIC.valid.is_false(), Lit(False))], DOMESTIC.cmp(">=", pct(60))
                ),
                threshold="≥ 0.6",
                gap=lambda ctx: DOMESTIC.target(ctx, ">=", pct(60)),
                missing_fn=_missing_in_operating_years(domestic_rd_expense, rd_expense),
            ),
            condition(
                "high_tech_income_60pct",
                "近一年高新技术产品（服务）收入占同期总收入的比例不低于60%",
                f"{DOC} 第十一条（六）",
                Ratio(
                    col("high_tech_income_wan"),
                    col("total_income_wan"),
                    "高新技术产品（服务）收入占比",
                    num_label="高新技术产品（服务）收入",
                    den_label="总收入",
                    lever=col("high_tech_income_wan"),
                ),
                ">=",
                pct(60),
            ),
            flag_is(
                "no_major_incident_recent",
                "申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为",
                f"{DOC} 第十一条（八）",
                "major_incident_or_violation_recent",
                False,
                "申请认定前一年内不得发生重大安全、重大质量事故或严重环境违法行为",
            ),
            input_points(
                "ip_tech_advancement",
                "知识产权·技术的先进程度（专家评分）",
                SCORE_CLAUSE + " 1.(1)",
                "知识产权",
                col("hte_expert_points.tech_advancement"),
                8,
            ),
            input_points(
                "ip_core_support",
                "知识产权·对主要产品（服务）的核心支持作用（专家评分）",
                SCORE_CLAUSE + " 1.(2)",
                "知识产权",
                col("hte_expert_points.core_support"),
                8,
            ),
            first_match(
                "ip_quantity",
                "知识产权·知识产权数量",
                SCORE_CLAUSE + " 1.(3)",
                "知识产权",
                [
                    ("class_I", ip_class_I.ge(1), 7, "≥1 项Ⅰ类（7–8 分）"),
                    ("class_II_5", class_II_usable.ge(5), 5, "≥5 项可用Ⅱ类（5–6 分）"),
                    ("class_II_3", class_II_usable.ge(3), 3, "3–4 项可用Ⅱ类（3–4 分）"),
                    ("class_II_1", class_II_usable.ge(1), 1, "1–2 项可用Ⅱ类（1–2 分）"),
                    ("none", TRUE, 0, "0 项（0 分）"),
                ],
                band_width=1,
            ),
            input_points(
                "ip_acquisition",
                "知识产权·获得方式（专家评分）",
                SCORE_CLAUSE + " 1.(4)",
                "知识产权",
                col("hte_expert_points.ip_acquisition"),
                6,
            ),
            input_points(
                "ip_standards_bonus",
                "知识产权·参与标准制定（加分，专家评分）",
                SCORE_CLAUSE + " 1.(5)",
                "知识产权",
                col("hte_expert_points.standards_bonus"),
                2,
            ),
            _conversions(),
            input_points(
                "rd_management",
                "研究开发组织管理水平（专家评分）",
                SCORE_CLAUSE + " 3.",
                "研究开发组织管理水平",
                col("hte_expert_points.rd_management"),
                20,
            ),
            banded(
                "net_asset_growth",
                "企业成长性·净资产增长率",
                SCORE_CLAUSE + " 4.",
                "企业成长性",
                AvgGrowth(
                    net_assets[-2],
                    net_assets[-1],
                    net_assets[0],
                    "净资产增长率",
                    lever_label="最近一年末净资产",
                    lever=None,
                    zero_first_year_rule=True,
                ),
                GROWTH_BANDS,
                band_width=1,
            ),
            banded(
                "sales_growth",
                "企业成长性·销售收入增长率",
                SCORE_CLAUSE + " 4.",
                "企业成长性",
                AvgGrowth(
                    operating_revenue[-2],
                    operating_revenue[-1],
                    operating_revenue[0],
                    "销售收入增长率",
                    lever_label="最近一年销售收入",
                    lever=operating_revenue[0],
                    zero_first_year_rule=True,
                ),
                GROWTH_BANDS,
                band_width=1,
            ),
        ],
        line=ScoreLine(
            pass_mark=70,
            strict=True,
            clause=f"{DOC} 第十一条（七）；{SCORE_CLAUSE}",
            group_caps={"知识产权": 30},
            name="创新能力评价（保守预评分）",
            description="各分档项取档位下限 + 专家评分，须 > 70 分（即 ≥ 71）",
        ),
        notes=(
            "Growth items need year-end figures for L−2, L−1 and L; with fewer the score is null (not 0).",
            "Conversions per year = achievements converted in 3 years ÷ 3; averages in (0, 1) score 1 point, flagged "
            "as an estimate.",
        ),
    )
)
