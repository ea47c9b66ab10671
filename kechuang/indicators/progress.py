"""Progress against a target and the on track / at risk / off track rule (plain Python, no Django).

One rule, chosen by what the policy file says of the target (issue #10, defect 10); its words are
`selectors.status_rule_lines()`, shown on every page that shows a status:

1. No observation → no data.
2. A target with a deadline (到2027年…): the probability P that the indicator meets the target in the deadline year,
   from the trend forecast shown beside the status (``forecast.forecast_series``): P ≥ 80 % → on track; P ≥ 50 % →
   at risk; else → off track (more likely missed than met). So the status never contradicts the probability.
3. With fewer than three yearly values there is no forecast: the latest value V (year y) against the planned annual
   path P(y) from the baseline B to the target (``assess``): V meets the target or V ≥ P(y) → on track;
   V ≥ B + 50 % × (P(y) − B) → at risk; else → off track ("lower is better" mirrored).
4. A target with a cadence (每年 / 每两年 / 每五年, P1Y/P2Y/P5Y in the policy file), whether a count per period or a
   level to hold (R&D intensity ≥ 3 % every year): the latest period's value against the target: met → on track;
   ≥ 80 % of it → at risk; else → off track (``assess_quota``). Its probability and required growth are for the
   next period it falls due (latest period + cadence), shown beside the status but not deciding it.

Every assessment carries ``rule``, one short sentence saying which clause decided it, with its numbers
(``selectors.rule_sentence``); every page shows it where it shows the status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kechuang.indicators.forecast import annual_path

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on_track", "at_risk", "off_track", "none"
HALF = 0.5
QUOTA_AT_RISK = 0.8
PROBABILITY_ON_TRACK = 0.8
PROBABILITY_AT_RISK = 0.5


@dataclass
class Assessment:
    status: str
    latest_year: int | None = None
    latest_value: float | None = None
    baseline_year: int | None = None
    baseline_value: float | None = None
    planned_value: float | None = None  # the path value in the latest year
    percent_of_target: float | None = None  # latest / target × 100, capped to 0..100 for the progress bar
    gap: float | None = None  # how far the latest value is from the target (0 when met)
    path: list[tuple[int, float]] | None = None
    path_kind: str = ""
    basis: str = ""  # what decided the status: "probability", "path" or "quota"
    probability: float | None = None  # of meeting a deadline target (the forecast shown beside the status)
    forecast: dict | None = None  # the forecast that gave the probability (ForecastResult.to_dict())
    due_year: int | None = None  # the year the probability and required growth are for: the deadline, or the
    # next period a cadence target falls due (latest period + cadence)
    required_growth: float | None = None  # compound yearly growth from the latest value to the target by due_year
    rule: str = ""  # the rule that decided this status, in one short sentence (shown beside the status)


def status_from_probability(probability: float) -> str:
    """Rule 2: the status of a deadline target from its probability of being met."""
    if probability >= PROBABILITY_ON_TRACK:
        return ON_TRACK
    if probability >= PROBABILITY_AT_RISK:
        return AT_RISK
    return OFF_TRACK


def meets(value: float, target: float, comparator: str) -> bool:
    return {
        "ge": value >= target,
        "gt": value > target,
        "le": value <= target,
        "lt": value < target,
        "eq": math.isclose(value, target),
        "approx": value >= target * 0.95,
    }.get(comparator, value >= target)


def path_kind(aggregation: str, derived: bool) -> str:
    """Linear for counts and sums, compound for ratios (derived or ratio-of-sums indicators)."""
    return "compound" if derived or aggregation == "ratio_of_sums" else "linear"


def assess(
    series: list[tuple[int, float]],
    *,
    target: float,
    target_year: int,
    comparator: str,
    baseline_year: int,
    kind: str,
    lower_is_better: bool = False,
) -> Assessment:
    """Status of a deadline target from a yearly series (sorted or not)."""
    if not series:
        return Assessment(NO_DATA)
    series = sorted(series)
    latest_year, latest = series[-1]
    sign = -1.0 if lower_is_better else 1.0
    base = _baseline(series, baseline_year)
    b_year, b_value = base
    result = Assessment(
        NO_DATA,
        latest_year=latest_year,
        latest_value=latest,
        baseline_year=b_year,
        baseline_value=b_value,
        path_kind=kind,
        basis="path",
    )
    result.gap = 0.0 if meets(latest, target, comparator) else abs(target - latest)
    if target:
        result.percent_of_target = max(0.0, min(100.0, latest / target * 100 if not lower_is_better else 100.0))
    if target_year > b_year:
        usable_kind = kind if (kind == "linear" or (b_value > 0 and target > 0)) else "linear"
        result.path = annual_path(b_year, b_value, target_year, target, usable_kind)
        result.path_kind = usable_kind
        planned = dict(result.path).get(latest_year, b_value if latest_year <= b_year else target)
    else:
        planned = target
    result.planned_value = planned
    if meets(latest, target, comparator) or sign * latest >= sign * planned:
        result.status = ON_TRACK
    elif sign * latest >= sign * (b_value + HALF * (planned - b_value)):
        result.status = AT_RISK
    else:
        result.status = OFF_TRACK
    return result


def assess_quota(series: list[tuple[int, float]], *, quota: float, comparator: str) -> Assessment:
    """Status of a recurring quota from the latest period's value."""
    if not series:
        return Assessment(NO_DATA)
    latest_year, latest = sorted(series)[-1]
    result = Assessment(NO_DATA, latest_year=latest_year, latest_value=latest, path_kind="quota", basis="quota")
    result.percent_of_target = max(0.0, min(100.0, latest / quota * 100)) if quota else None
    result.gap = 0.0 if meets(latest, quota, comparator) else max(0.0, quota - latest)
    result.planned_value = quota
    if meets(latest, quota, comparator):
        result.status = ON_TRACK
    elif latest >= QUOTA_AT_RISK * quota:
        result.status = AT_RISK
    else:
        result.status = OFF_TRACK
    return result


def _baseline(series: list[tuple[int, float]], baseline_year: int) -> tuple[int, float]:
    """The value in the baseline year; else the last one before it; else the first observation."""
    before = [(y, v) for y, v in series if y <= baseline_year]
    return before[-1] if before else series[0]
