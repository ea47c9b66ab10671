"""The money and performance rules of 淄科发〔2023〕22号 tasks 5 and 22, on plain numbers.

Every rule whose value the reference marks UNVERIFIED (talent-platforms-projects.md §3.6, §3.4) takes its
parameters from the caller (the bureau's rule table, `RuleParameter`), never from a constant here; `DEFAULTS`
holds the reference's values, which the table starts from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Default:
    value: Decimal
    source: str
    verified: bool


# code → (value, where it comes from, verified?). The table `RuleParameter` is seeded from these.
DEFAULTS: dict[str, Default] = {
    # 财预〔2020〕10号 fiscal scale 90 优 / 80 良 / 60 中 / < 60 差 (§3.6: UNVERIFIED for the city's S&T grades)
    "grade_excellent": Default(Decimal("90"), "财预〔2020〕10号 (reference §3.6)", False),
    "grade_good": Default(Decimal("80"), "财预〔2020〕10号 (reference §3.6)", False),
    "grade_fair": Default(Decimal("60"), "财预〔2020〕10号 (reference §3.6)", False),
    # 后补助: a share of the verified R&D spending, capped (city rule not published: UNVERIFIED)
    "post_subsidy_rate": Default(Decimal("10"), "city rule not published (reference §3.4)", False),
    "post_subsidy_cap": Default(Decimal("500"), "city rule not published (reference §3.4)", False),
    # task 5: fewer evaluations, at most one mid-term check unless risk-flagged (the policy's own words)
    "max_mid_term_checks": Default(Decimal("1"), "淄科发〔2023〕22号 task 5 (reference §3.3)", True),
    # monitoring frequency and the deviation that raises a warning (§3.6: UNVERIFIED)
    "monitoring_months": Default(Decimal("6"), "reference §3.6 (frequency unverified)", False),
    "deviation_warning": Default(Decimal("20"), "reference §3.6 (threshold unverified)", False),
    # the time a correction order gives, when the bureau names no date (§3.6 names none: UNVERIFIED)
    "correction_days": Default(Decimal("30"), "reference §3.6 (time limit not given)", False),
    # 风险补偿: share of a defaulted principal the pool covers (鲁科贷 ratios: UNVERIFIED)
    "pool_coverage": Default(Decimal("50"), "鲁科字〔2023〕154号 (ratio unverified, reference §3.7)", False),
}


def params(overrides: Mapping[str, Decimal] | None = None) -> dict[str, Decimal]:
    """The defaults with the bureau's values over them."""
    found = {code: d.value for code, d in DEFAULTS.items()}
    found.update(overrides or {})
    return found


def num(value: Decimal) -> str:
    """A parameter as people write it: 90, 12.5 (not 90.0000)."""
    text = format(Decimal(value).normalize(), "f")
    return text


def q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------------ grades
EXCELLENT, GOOD, FAIR, POOR = "excellent", "good", "fair", "poor"


def grade(score: Decimal, p: Mapping[str, Decimal]) -> str:
    """优 ≥ grade_excellent, 良 ≥ grade_good, 中 ≥ grade_fair, else 差."""
    score = Decimal(score)
    if not Decimal(0) <= score <= Decimal(100):
        raise ValueError("score must be between 0 and 100")
    if score >= p["grade_excellent"]:
        return EXCELLENT
    if score >= p["grade_good"]:
        return GOOD
    if score >= p["grade_fair"]:
        return FAIR
    return POOR


def grade_rule_text(p: Mapping[str, Decimal]) -> str:
    return (
        f"优 ≥ {num(p['grade_excellent'])} · 良 ≥ {num(p['grade_good'])} · 中 ≥ {num(p['grade_fair'])} · "
        f"差 < {num(p['grade_fair'])}"
    )


# ------------------------------------------------------------------------------------------------ 后补助
@dataclass(frozen=True)
class PostSubsidy:
    spending: Decimal
    rate: Decimal  # %
    cap: Decimal
    uncapped: Decimal
    amount: Decimal

    @property
    def formula(self) -> str:
        capped = " (capped)" if self.amount < self.uncapped else ""
        return (
            f"min({self.spending:f} × {num(self.rate)}%, {num(self.cap)}) = min({self.uncapped:f}, {num(self.cap)}) = "
            f"{self.amount:f}{capped}"
        )


def post_subsidy(spending: Decimal, p: Mapping[str, Decimal]) -> PostSubsidy:
    """后补助 = min(verified R&D spending × rate, cap), in 万元, rounded to the cent."""
    spending = Decimal(spending)
    if spending < 0:
        raise ValueError("spending cannot be negative")
    rate, cap = q(Decimal(p["post_subsidy_rate"])), q(Decimal(p["post_subsidy_cap"]))
    uncapped = q(spending * rate / Decimal(100))
    return PostSubsidy(q(spending), rate, cap, uncapped, min(uncapped, cap))


# ------------------------------------------------------------------------------------------------ goals
@dataclass(frozen=True)
class GoalRow:
    indicator: str
    target: Decimal
    direction: str  # "ge" (more is better) or "le" (less is better)
    weight: Decimal
    actual: Decimal | None = None


def goal_points(row: GoalRow) -> Decimal:
    """The points of one goal: weight × attainment, attainment capped at 1 (no actual: 0)."""
    if row.actual is None:
        return Decimal(0)
    actual, target = Decimal(row.actual), Decimal(row.target)
    if row.direction == "le":
        ratio = Decimal(1) if actual <= target else (target / actual if actual else Decimal(1))
    else:
        ratio = Decimal(1) if target <= 0 else min(actual / target, Decimal(1))
    ratio = max(ratio, Decimal(0))
    return q(Decimal(row.weight) * ratio)


def goal_score(rows: Iterable[GoalRow]) -> Decimal:
    """Σ weight × attainment over the goal table (weights sum to 100)."""
    return q(sum((goal_points(r) for r in rows), Decimal(0)))


@dataclass(frozen=True)
class GoalTableProblem:
    """Why a goal table cannot be paid against: `code` is no_goals, no_output or weights (`total`: their sum). The
    engine says what is wrong; the services word it in the page's language."""

    code: str
    total: Decimal | None = None


def goal_table_problems(rows: Iterable[tuple[str, Decimal]]) -> list[GoalTableProblem]:
    """A goal table (level 1, weight) fit to pay against: 产出 present, weights summing to 100."""
    rows = list(rows)
    if not rows:
        return [GoalTableProblem("no_goals")]
    problems = []
    if not any(level == "output" for level, _w in rows):
        problems.append(GoalTableProblem("no_output"))
    total = sum((Decimal(w) for _l, w in rows), Decimal(0))
    if total != Decimal(100):
        problems.append(GoalTableProblem("weights", total))
    return problems


def deviation(actual_pct: Decimal, planned_pct: Decimal) -> Decimal:
    """Budget execution deviation in percentage points (actual − planned)."""
    return q(Decimal(actual_pct) - Decimal(planned_pct))


def is_warning(actual_pct: Decimal, planned_pct: Decimal, p: Mapping[str, Decimal]) -> bool:
    return abs(deviation(actual_pct, planned_pct)) >= Decimal(p["deviation_warning"])


# ------------------------------------------------------------------------------------------------ pool
def pool_claim(default_principal: Decimal, p: Mapping[str, Decimal]) -> Decimal:
    """The pool's share of a defaulted principal."""
    if Decimal(default_principal) < 0:
        raise ValueError("principal cannot be negative")
    return q(Decimal(default_principal) * Decimal(p["pool_coverage"]) / Decimal(100))


def pool_balance(capital: Decimal, paid: Iterable[Decimal]) -> Decimal:
    return q(Decimal(capital) - sum((Decimal(x) for x in paid), Decimal(0)))


# ------------------------------------------------------------------------------------------------ 包干制
def negative_list_hits(text: str, items: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """The negative-list items (code, keywords) whose keyword appears in a spending's category or description."""
    lowered = text.lower()
    return [code for code, words in items if any(w and w.lower() in lowered for w in words)]


def payment_shares_off(shares: Iterable[Decimal]) -> Decimal | None:
    """The milestones' payment shares' total when it is not 100 (%), else None."""
    total = sum((Decimal(s) for s in shares), Decimal(0))
    return None if total == Decimal(100) else total
