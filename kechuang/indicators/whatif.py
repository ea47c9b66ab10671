"""What-if for a ladder-backed count target (plain Python, no Django): support N reserve-pool firms, see the count.

Inputs are plain data: the trend forecast at the deadline (point, interval, its probability of meeting the target),
the reserve pool (each firm one or two criteria short of the tier), a support programme (how many firms, optionally
only one region or one technical field) and the yearly conversion rates the enterprise register measures by
back-testing the ladder (enterprises.services.ladder_conversion_rates: of the firms one (two) criteria away on
1 January, the share that obtained the title during the year).

The model, stated on the page:

* The programme picks the closest firms first (fewer failed criteria, then the smaller relative shortfall, then the
  higher score): the reserve pool's own order.
* A supported firm one (two) criteria away obtains the title by the deadline with probability
  q = 1 − (1 − p)^years, p its distance's yearly rate, years the time left to the deadline's 31 December.
* Those conversions come on top of the trend (the trend carries the register's growth without the programme);
  the gain S is the sum of independent Bernoulli(q) draws (a Poisson-binomial, computed exactly).
* Projected count = trend point + E[S]; its interval widens each side of the trend's interval by the gain's own
  spread (root of the summed squares), so zero firms give back the trend's interval exactly.
* Probability of meeting the target: the trend's distribution at the deadline is taken as normal with the spread of
  its interval, placed so that it reproduces the trend's own probability; adding S (never negative) can only raise
  it. Zero firms give back the trend's probability.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

COMPARATORS = ("ge", "gt")  # a count target to reach; "at most" targets have no support programme
MAX_FIRMS = 100_000
_EPSILON = 1e-12
_STANDARD = NormalDist()


class WhatIfError(ValueError):
    """Bad input (names the parameter)."""

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


@dataclass(frozen=True)
class Candidate:
    """A reserve-pool firm: `failed` criteria away from the tier (1 or 2)."""

    key: str  # the firm's identifier (credit code)
    failed: int
    shortfall: float = 0.0  # relative shortfall on its failed criteria (smaller is closer)
    score: float = 0.0
    region: str = ""
    field: str = ""


@dataclass(frozen=True)
class Trend:
    """The trend forecast at the deadline year: point, interval at `level`, probability of meeting the target."""

    value: float
    lower: float
    upper: float
    level: float = 0.8
    probability: float | None = None


@dataclass(frozen=True)
class Programme:
    firms: int
    region: str = ""  # only firms of this region ("" = every region)
    field: str = ""  # only firms of this technical field ("" = every field)


@dataclass
class WhatIf:
    trend: Trend
    chosen: list[Candidate]
    conversion: dict[int, float]  # failed criteria → probability of obtaining the title by the deadline
    expected_gain: float
    gain_lower: float
    gain_upper: float
    projected: float
    lower: float
    upper: float
    probability: float | None
    available: int  # firms in the pool that match the programme's region and field
    by_distance: dict[int, int] = field(default_factory=dict)  # failed criteria → firms chosen


def order_key(candidate: Candidate) -> tuple:
    """Closest first: the reserve pool's order (fewer failed criteria, smaller shortfall, higher score); the sort is
    stable, so ties keep the order the module listed them in (the register's: by name)."""
    return (candidate.failed, candidate.shortfall, -candidate.score)


def choose(candidates: Iterable[Candidate], programme: Programme) -> tuple[list[Candidate], int]:
    """The programme's firms (closest first) and how many firms matched its region and field."""
    if programme.firms < 0 or programme.firms > MAX_FIRMS:
        raise WhatIfError("firms", f"must be between 0 and {MAX_FIRMS}")
    matching = [
        c
        for c in candidates
        if c.failed in (1, 2)
        and (not programme.region or c.region == programme.region)
        and (not programme.field or c.field == programme.field)
    ]
    matching.sort(key=order_key)
    return matching[: programme.firms], len(matching)


def conversion_by_deadline(rate_per_year: float, years: float) -> float:
    """Probability of converting within `years` at a constant yearly rate."""
    if not 0.0 <= rate_per_year <= 1.0:
        raise WhatIfError("rates", f"a yearly rate must be in [0, 1], not {rate_per_year}")
    return 1.0 - (1.0 - rate_per_year) ** max(0.0, years)


def gain_distribution(probabilities: Iterable[float]) -> np.ndarray:
    """P(S = k) for k = 0..n, S the number of successes of independent Bernoulli trials: firms sharing a probability
    form a binomial, and the binomials are convolved (exact; two distances give two binomials)."""
    from scipy.stats import binom

    groups: dict[float, int] = {}
    for q in probabilities:
        groups[q] = groups.get(q, 0) + 1
    dist = np.ones(1)
    for q, n in sorted(groups.items()):
        dist = np.convolve(dist, binom.pmf(np.arange(n + 1), n, q))
    return dist


def _quantile(dist: np.ndarray, p: float) -> float:
    cumulative = np.cumsum(dist)
    return float(np.searchsorted(cumulative, p - _EPSILON))


def _probability(trend: Trend, target: float, comparator: str, dist: np.ndarray) -> float | None:
    p0 = trend.probability
    if p0 is None:
        return None
    if dist.size == 1 or p0 >= 1.0:
        return p0
    k = np.arange(dist.size, dtype=float)
    z = _STANDARD.inv_cdf(0.5 + trend.level / 2)
    spread = (trend.upper - trend.lower) / (2 * z) if z > 0 else 0.0
    if spread <= 0:  # a point forecast: the target is met when the gain closes the gap
        gap = target - trend.value
        met = k > gap if comparator == "gt" else k >= gap
        found = float(dist[met].sum())
    else:
        p = min(max(p0, 1e-9), 1 - 1e-9)
        centre = target - spread * _STANDARD.inv_cdf(1.0 - p)  # the normal that reproduces the trend's probability
        from scipy.stats import norm

        survival = norm.sf((target - k - centre) / spread)
        found = float((dist * survival).sum())
    # mathematically never below the trend's (S ≥ 0); round-off must not make it so
    return min(1.0, max(p0, found))


def what_if(
    *,
    trend: Trend,
    target: float,
    comparator: str,
    candidates: Iterable[Candidate],
    programme: Programme,
    rates: Mapping[int, float],
    years: float,
) -> WhatIf:
    """The count by the deadline if `programme` supports its firms (see the module's docstring for the model)."""
    if comparator not in COMPARATORS:
        raise WhatIfError("comparator", "a support programme applies to a count to reach (≥ or >)")
    if not trend.lower <= trend.value <= trend.upper:
        raise WhatIfError("trend", "the point forecast must lie inside its interval")
    if not 0 < trend.level < 1:
        raise WhatIfError("trend", "the interval level must be in (0, 1)")
    if years < 0:
        raise WhatIfError("years", "must not be negative")
    chosen, available = choose(candidates, programme)
    conversion = {d: conversion_by_deadline(float(rates.get(d, 0.0)), years) for d in (1, 2)}
    qs = [conversion[c.failed] for c in chosen]
    dist = gain_distribution(qs)
    expected = float(sum(qs))
    tail = (1 - trend.level) / 2
    gain_lower, gain_upper = _quantile(dist, tail), _quantile(dist, 1 - tail)
    low_spread = float(np.hypot(trend.value - trend.lower, max(0.0, expected - gain_lower)))
    high_spread = float(np.hypot(trend.upper - trend.value, max(0.0, gain_upper - expected)))
    by_distance: dict[int, int] = {}
    for c in chosen:
        by_distance[c.failed] = by_distance.get(c.failed, 0) + 1
    return WhatIf(
        trend=trend,
        chosen=chosen,
        conversion=conversion,
        expected_gain=expected,
        gain_lower=gain_lower,
        gain_upper=gain_upper,
        projected=trend.value + expected,
        lower=trend.value + expected - low_spread,
        upper=trend.value + expected + high_spread,
        probability=_probability(trend, target, comparator, dist),
        available=available,
        by_distance=by_distance,
    )


def years_left(today: dt.date, deadline_year: int) -> float:
    """Years from `today` to 31 December of the deadline year (the day the deadline year's count is taken)."""
    return max(0.0, (dt.date(deadline_year, 12, 31) - today).days / 365.25)
