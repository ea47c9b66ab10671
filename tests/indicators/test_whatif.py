"""The what-if engine (indicators/whatif.py): table-driven cases, then hypothesis invariants."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.indicators.whatif import (
    Candidate,
    Programme,
    Trend,
    WhatIfError,
    choose,
    conversion_by_deadline,
    gain_distribution,
    what_if,
    years_left,
)

TREND = Trend(value=1800.0, lower=1700.0, upper=1900.0, level=0.8, probability=0.02)


def pool(n1: int, n2: int = 0, region: str = "r1", field: str = "f1") -> list[Candidate]:
    ones = [Candidate(f"a{i:05d}", 1, shortfall=i / 1000, region=region, field=field) for i in range(n1)]
    twos = [Candidate(f"b{i:05d}", 2, shortfall=i / 1000, region=region, field=field) for i in range(n2)]
    return ones + twos


def run(candidates, firms, *, trend=TREND, target=2000.0, comparator="gt", rates=None, years=1.0, **kw):
    return what_if(
        trend=trend,
        target=target,
        comparator=comparator,
        candidates=candidates,
        programme=Programme(firms, **kw),
        rates=rates or {1: 0.5, 2: 0.25},
        years=years,
    )


@pytest.mark.parametrize(
    ("n1", "n2", "firms", "rates", "years", "gain"),
    [
        (0, 0, 200, {1: 0.5, 2: 0.25}, 1.0, 0.0),  # an empty pool gains nothing
        (300, 0, 0, {1: 0.5, 2: 0.25}, 1.0, 0.0),  # zero firms: the trend
        (300, 0, 200, {1: 0.5, 2: 0.25}, 1.0, 100.0),  # 200 one-away firms at 50 % a year, one year
        (300, 0, 200, {1: 0.5, 2: 0.25}, 2.0, 150.0),  # two years: 1 − 0.5² = 75 %
        (100, 300, 200, {1: 0.5, 2: 0.25}, 1.0, 75.0),  # closest first: 100 one-away (50) + 100 two-away (25)
        (50, 0, 200, {1: 0.4, 2: 0.25}, 1.0, 20.0),  # fewer firms than asked: all of them
        (300, 0, 200, {1: 0.0, 2: 0.0}, 3.0, 0.0),  # a tier that never converted gains nothing
        (300, 0, 200, {1: 1.0, 2: 1.0}, 0.5, 200.0),  # certain conversion
        (300, 0, 200, {1: 0.5, 2: 0.25}, 0.0, 0.0),  # the deadline has passed
    ],
)
def test_expected_gain(n1, n2, firms, rates, years, gain):
    result = run(pool(n1, n2), firms, rates=rates, years=years)
    assert result.expected_gain == pytest.approx(gain)
    assert result.projected == pytest.approx(TREND.value + gain)
    assert len(result.chosen) == min(firms, n1 + n2)


def test_closest_first_then_region_and_field():
    candidates = [
        Candidate("far", 2, shortfall=0.0, region="r1", field="f1"),
        Candidate("near-big-gap", 1, shortfall=0.9, region="r1", field="f1"),
        Candidate("near-small-gap", 1, shortfall=0.1, region="r2", field="f2"),
        Candidate("near-high-score", 1, shortfall=0.1, score=90, region="r1", field="f2"),
    ]
    chosen, available = choose(candidates, Programme(3))
    assert [c.key for c in chosen] == ["near-high-score", "near-small-gap", "near-big-gap"]
    assert available == 4
    chosen, available = choose(candidates, Programme(5, region="r1"))
    assert [c.key for c in chosen] == ["near-high-score", "near-big-gap", "far"]
    assert available == 3
    chosen, _ = choose(candidates, Programme(5, field="f2"))
    assert [c.key for c in chosen] == ["near-high-score", "near-small-gap"]
    chosen, available = choose(candidates, Programme(5, region="r2", field="f1"))
    assert chosen == [] and available == 0


def test_zero_firms_give_back_the_trend():
    result = run(pool(500), 0)
    assert (result.projected, result.lower, result.upper) == (TREND.value, TREND.lower, TREND.upper)
    assert result.probability == TREND.probability


@pytest.mark.parametrize(
    ("trend", "target", "comparator", "firms", "expected"),
    [
        # a point forecast: the target is met when the certain gain closes the gap
        (Trend(1900, 1900, 1900, 0.8, 0.0), 2000, "ge", 100, 1.0),
        (Trend(1900, 1900, 1900, 0.8, 0.0), 2000, "gt", 100, 0.0),
        (Trend(1900, 1900, 1900, 0.8, 0.0), 2000, "gt", 101, 1.0),
        # a trend already sure of the target stays sure
        (Trend(2500, 2400, 2600, 0.8, 1.0), 2000, "gt", 50, 1.0),
        # no trend probability (too short a series): none with the programme either
        (Trend(1900, 1800, 2000, 0.8, None), 2000, "gt", 50, None),
    ],
)
def test_probability_cases(trend, target, comparator, firms, expected):
    result = run(pool(500), firms, trend=trend, target=target, comparator=comparator, rates={1: 1.0, 2: 1.0})
    assert result.probability == expected


def test_probability_rises_to_near_certain_when_the_gain_closes_the_gap():
    # trend 1800 ± 100 (80 %), P = 2 %; 400 certain conversions put the centre at 2200: well above 2000
    result = run(pool(500), 400, rates={1: 1.0, 2: 1.0})
    assert result.probability > 0.99
    assert result.projected == pytest.approx(2200)


def test_gain_interval_and_distribution():
    dist = gain_distribution([0.5] * 4 + [1.0])
    assert dist.sum() == pytest.approx(1.0)
    assert dist[0] == pytest.approx(0.0) and dist[1] == pytest.approx(1 / 16) and dist[5] == pytest.approx(1 / 16)
    result = run(pool(400), 400, rates={1: 0.5, 2: 0.25})
    assert result.gain_lower < result.expected_gain < result.gain_upper
    assert result.lower < TREND.lower + result.expected_gain  # the interval widens by the gain's spread
    assert result.upper > TREND.upper + result.expected_gain


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"comparator": "le"}, "comparator"),
        ({"trend": Trend(2100, 1700, 1900, 0.8, 0.1)}, "trend"),
        ({"trend": Trend(1800, 1700, 1900, 1.2, 0.1)}, "trend"),
        ({"years": -1.0}, "years"),
        ({"rates": {1: 1.5}}, "rates"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, parameter):
    with pytest.raises(WhatIfError) as caught:
        run(pool(10), 5, **kwargs)
    assert caught.value.parameter == parameter
    with pytest.raises(WhatIfError) as caught:
        choose(pool(1), Programme(-1))
    assert caught.value.parameter == "firms"


def test_years_left_and_conversion():
    assert years_left(dt.date(2026, 12, 31), 2027) == pytest.approx(365 / 365.25)
    assert years_left(dt.date(2028, 1, 1), 2027) == 0.0
    assert conversion_by_deadline(0.2, 2) == pytest.approx(0.36)


# ---------------------------------------------------------------------------------------------------------------------
# Invariants

rate = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def trends(draw):
    value = draw(st.floats(min_value=0, max_value=5000))
    low = draw(st.floats(min_value=0, max_value=1000))
    high = draw(st.floats(min_value=0, max_value=1000))
    p = draw(st.one_of(st.none(), st.floats(min_value=0.0, max_value=1.0)))
    level = draw(st.sampled_from([0.5, 0.8, 0.9, 0.95]))
    return Trend(value, value - low, value + high, level, p)


@st.composite
def candidates(draw):
    n = draw(st.integers(min_value=0, max_value=60))
    return [
        Candidate(
            f"c{i}",
            draw(st.sampled_from([1, 2])),
            shortfall=draw(st.floats(min_value=0, max_value=1)),
            region=draw(st.sampled_from(["r1", "r2"])),
        )
        for i in range(n)
    ]


@settings(max_examples=150, deadline=None)
@given(
    trend=trends(),
    pool_=candidates(),
    a=st.integers(min_value=0, max_value=70),
    b=st.integers(min_value=0, max_value=70),
    r1=rate,
    r2=rate,
    years=st.floats(min_value=0, max_value=6),
    target=st.floats(min_value=0, max_value=8000),
    comparator=st.sampled_from(["ge", "gt"]),
    region=st.sampled_from(["", "r1"]),
)
def test_invariants(trend, pool_, a, b, r1, r2, years, target, comparator, region):
    fewer, more = sorted((a, b))
    kwargs = {"trend": trend, "target": target, "comparator": comparator, "rates": {1: r1, 2: r2}, "years": years}
    small = run(pool_, fewer, region=region, **kwargs)
    large = run(pool_, more, region=region, **kwargs)
    zero = run(pool_, 0, region=region, **kwargs)
    # more supported firms never lower the projection (nor the probability)
    assert large.projected >= small.projected - 1e-9
    assert large.expected_gain >= small.expected_gain - 1e-9
    if trend.probability is None:
        assert small.probability is None and large.probability is None
    else:
        assert 0.0 <= small.probability <= 1.0 and 0.0 <= large.probability <= 1.0
        assert large.probability >= small.probability - 1e-9
        assert zero.probability == trend.probability
    # zero firms = the trend
    assert (zero.projected, zero.lower, zero.upper) == (trend.value, trend.lower, trend.upper)
    for result in (small, large):
        assert result.lower <= result.projected <= result.upper
        assert all(math.isfinite(x) for x in (result.projected, result.lower, result.upper))
        assert len(result.chosen) <= min(len(pool_), max(a, b))
