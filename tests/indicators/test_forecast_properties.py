"""Hypothesis properties of the forecast engine: finite output whatever the (finite) input."""

from __future__ import annotations

import itertools
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.indicators.forecast import annual_path, forecast_series, read_series_csv

VALUES = st.one_of(
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-1000, max_value=1000).map(float),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 5e-324, 1e-300, 3.0, 60.0]),
)


@st.composite
def series(draw, max_size: int = 15):
    """Yearly series of length 0-15: mostly consecutive years, sometimes with gaps, any finite values."""
    n = draw(st.integers(min_value=0, max_value=max_size))
    year = draw(st.integers(min_value=1990, max_value=2024))
    points = []
    for _ in range(n):
        points.append((year, draw(VALUES)))
        year += draw(st.sampled_from([1, 1, 1, 1, 1, 2, 3]))
    if draw(st.booleans()):
        points.reverse()
    return points


def last_year(points) -> int:
    return max((y for y, _ in points), default=2024)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    points=series(),
    target=st.floats(min_value=-1e16, max_value=1e16, allow_nan=False),
    horizon=st.integers(min_value=-3, max_value=12),
    comparator=st.sampled_from(["ge", "gt", "le", "lt"]),
    level=st.sampled_from([0.5, 0.8, 0.95]),
)
def test_output_is_always_finite_and_consistent(points, target, horizon, comparator, level):
    deadline = last_year(points) + horizon
    result = forecast_series(points, target=target, deadline=deadline, comparator=comparator, level=level)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["n_observations"] == len(points)
    probability = data["probability_of_meeting_target"]
    assert probability is None or 0.0 <= probability <= 1.0
    assert data["backtest_mape"] is None or (math.isfinite(data["backtest_mape"]) and data["backtest_mape"] >= 0)
    growth = data["required_annual_growth"]
    assert growth is None or (math.isfinite(growth) and growth >= -1.0)
    expected_years = list(range(last_year(points) + 1, deadline + 1)) if len(points) >= 3 else []
    assert [row["year"] for row in data["forecast"]] == expected_years
    for row in data["forecast"]:
        assert row["lower"] <= row["value"] <= row["upper"]
    if len(points) >= 3 and horizon > 0:
        assert probability is not None


@SETTINGS
@given(
    points=series(),
    targets=st.lists(st.floats(min_value=-1e16, max_value=1e16, allow_nan=False), min_size=2, max_size=2),
    horizon=st.integers(min_value=-2, max_value=8),
)
def test_raising_the_target_never_raises_the_probability_for_ge(points, targets, horizon):
    low, high = sorted(targets)
    deadline = last_year(points) + horizon
    p_low = forecast_series(points, target=low, deadline=deadline, comparator="ge").probability_of_meeting_target
    p_high = forecast_series(points, target=high, deadline=deadline, comparator="ge").probability_of_meeting_target
    if p_low is None or p_high is None:
        assert p_low is None and p_high is None
    else:
        assert p_high <= p_low + 1e-12  # equal up to floating-point rounding of the same CDF


@settings(max_examples=100, deadline=None)
@given(points=series(max_size=12))
def test_csv_round_trip(points):
    text = "year,value\n" + "".join(f"{y},{v!r}\n" for y, v in points)
    assert read_series_csv(text) == sorted(points)


@settings(max_examples=200, deadline=None)
@given(
    baseline=st.floats(min_value=1e-6, max_value=1e12),
    target=st.floats(min_value=1e-6, max_value=1e12),
    years=st.integers(min_value=1, max_value=30),
    kind=st.sampled_from(["linear", "compound"]),
)
def test_annual_path_is_monotone_between_its_endpoints(baseline, target, years, kind):
    path = annual_path(2023, baseline, 2023 + years, target, kind)
    assert [y for y, _ in path] == list(range(2023, 2024 + years))
    values = [v for _, v in path]
    assert values[0] == baseline and values[-1] == target
    assert all(math.isfinite(v) for v in values)
    lo, hi = min(baseline, target), max(baseline, target)
    assert all(lo * (1 - 1e-12) <= v <= hi * (1 + 1e-12) for v in values)
    steps = [b - a for a, b in itertools.pairwise(values)]
    tolerance = 1e-9 * hi
    assert all(s >= -tolerance for s in steps) or all(s <= tolerance for s in steps)
