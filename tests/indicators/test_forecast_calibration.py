"""Calibrated intervals (issue 14 item 1): the interval comes from the chosen model's rolling-origin errors, with the
model's own interval as the floor; a recent level shift widens the interval and is not extrapolated; no forecast made
at origin T uses a value after T."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.forecast import DEV_ORIGINS, HORIZONS, ORIGINS, drift_forecast, real_backtest
from kechuang.indicators.forecast import forecast_series

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def trend(n: int = 12, start: int = 2012, noise: float = 0.0, seed: int = 0) -> list[tuple[int, float]]:
    rng = np.random.default_rng(seed)
    return [(start + i, 100.0 + 5.0 * i + float(rng.normal(0, noise))) for i in range(n)]


def width(result, index: int = -1) -> float:
    point = result.forecast[index]
    return point.upper - point.lower


@pytest.mark.parametrize(
    ("name", "points", "source", "shift_year"),
    [
        ("three points: no backtest, the model's own interval", trend(3, noise=1.0), "model", None),
        ("noisy trend: the backtest errors set the interval", trend(12, noise=3.0, seed=1), "backtest", None),
        (
            "a step down in the last year is a level shift",
            [*trend(11, noise=0.5, seed=2), (2023, 80.0)],
            "backtest",
            2023,
        ),
        (
            "a step up in the year before last is a level shift",
            [*trend(10, noise=0.5, seed=3), (2022, 220.0), (2023, 226.0)],
            "backtest",
            2022,
        ),
    ],
)
def test_interval_source_and_break_guard(name, points, source, shift_year):
    result = forecast_series(points, target=150.0, deadline=2026)
    assert result.interval_source == source, name
    assert result.level_shift_year == shift_year, name


def test_calibrated_interval_is_never_narrower_than_the_models_own():
    points = trend(12, noise=3.0, seed=4)
    own = forecast_series(points, target=170.0, deadline=2027, calibrate=False)
    calibrated = forecast_series(points, target=170.0, deadline=2027)
    assert own.method == calibrated.method
    for a, b in zip(own.forecast, calibrated.forecast, strict=True):
        assert b.value == pytest.approx(a.value)
        assert b.upper - b.lower >= (a.upper - a.lower) * (1 - 1e-9)


def test_a_level_shift_is_not_extrapolated_as_a_trend():
    """A one-off drop of 30 on a +5/year trend: the forecast continues the trend from the new level (about 80 + 5h),
    instead of a trend bent down by the drop, and the interval is wider than without the drop."""
    base = trend(11, noise=0.5, seed=2)
    shifted = forecast_series([*base, (2023, 80.0)], target=150.0, deadline=2026)
    assert shifted.level_shift_year == 2023
    assert shifted.forecast[0].value == pytest.approx(85.0, abs=4.0)
    assert shifted.forecast[-1].value > shifted.forecast[0].value  # the trend goes on
    smooth = forecast_series([*base, (2023, 155.0)], target=150.0, deadline=2026)
    assert smooth.level_shift_year is None
    assert width(shifted) > 2 * width(smooth)


positive_series = st.lists(st.floats(min_value=1.0, max_value=1e4), min_size=3, max_size=15).map(
    lambda values: [(2010 + i, v) for i, v in enumerate(values)]
)


@SETTINGS
@given(points=positive_series, horizon=st.integers(min_value=1, max_value=6))
def test_intervals_are_nested_by_level_widen_with_horizon_and_contain_the_point(points, horizon):
    deadline = points[-1][0] + horizon
    by_level = [forecast_series(points, target=points[-1][1], deadline=deadline, level=lv) for lv in (0.5, 0.8, 0.95)]
    for narrow, wide in itertools.pairwise(by_level):
        for a, b in zip(narrow.forecast, wide.forecast, strict=True):
            assert b.lower <= a.lower * (1 + 1e-9) + 1e-9 and a.upper <= b.upper * (1 + 1e-9) + 1e-9
    for result in by_level:
        rows = result.forecast
        for p in rows:
            assert p.lower <= p.value <= p.upper
        if result.interval_scale == "model" and result.method in ("linear", "drift", "damped_trend"):
            widths = [p.upper - p.lower for p in rows]  # additive intervals: the width grows with the horizon
        else:  # log models, and intervals calibrated on relative errors: the log-width grows with the horizon
            widths = [math.log(p.upper) - math.log(p.lower) if p.lower > 0 else math.inf for p in rows]
        assert all(b >= a * (1 - 1e-9) - 1e-12 for a, b in itertools.pairwise(widths))


def test_a_higher_level_is_never_narrower_when_its_conformal_rank_runs_out():
    """Found by the property above: 7 one-step errors give the 80 % radius (the 7th smallest |error|, the largest)
    but no 95 % one (rank 8 > 7); the fallback (their root mean square × the t quantile) was narrower than the 80 %
    radius, so the 95 % interval sat inside the 80 % one. The fallback now never goes below the largest |error|."""
    values = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 1.0, 2.0, 2.0]
    points = [(2010 + i, v) for i, v in enumerate(values)]
    at_80, at_95 = (forecast_series(points, target=2.0, deadline=2023, level=lv).forecast[-1] for lv in (0.8, 0.95))
    assert at_95.lower <= at_80.lower and at_80.upper <= at_95.upper


@SETTINGS
@given(points=positive_series, target=st.floats(min_value=1.0, max_value=2e4))
def test_probability_agrees_with_the_interval(points, target):
    """The probability comes from the same calibrated distribution: a target below the 10 % bound is met with
    probability ≥ 0.9, one above the 90 % bound with probability ≤ 0.1."""
    deadline = points[-1][0] + 3
    result = forecast_series(points, target=target, deadline=deadline)
    last = result.forecast[-1]
    p = result.probability_of_meeting_target
    if target < last.lower:
        assert p >= 0.9 - 1e-9
    if target > last.upper:
        assert p <= 0.1 + 1e-9


def test_the_real_backtest_uses_no_value_after_its_origin():
    """Leak guard: change every value after the origin and the forecasts made at that origin do not move."""
    points = [(2011 + i, 2.0 + 0.1 * i + 0.03 * math.sin(i)) for i in range(13)]
    altered = [(y, v if y <= 2018 else v * 3) for y, v in points]
    first = real_backtest({("rd_intensity", "A"): points})
    second = real_backtest({("rd_intensity", "A"): altered})
    for a, b in zip(first["rows"], second["rows"], strict=True):
        if a["origin"] == 2018:
            assert a["engine"] == b["engine"] and a["drift"] == b["drift"] and a["p_engine"] == b["p_engine"]


def test_the_development_window_sees_no_test_outcome():
    """`--dev-window`: every outcome it scores precedes the first test origin, and the test years' values (here
    multiplied by 3) change nothing in it; a rule compared there has seen no test outcome."""
    assert max(DEV_ORIGINS) + max(HORIZONS) <= min(ORIGINS)
    points = [(2011 + i, 2.0 + 0.1 * i + 0.03 * math.sin(i)) for i in range(13)]
    altered = [(y, v if y <= min(ORIGINS) else v * 3) for y, v in points]
    first = real_backtest({("rd_intensity", "A"): points}, origins=DEV_ORIGINS)
    second = real_backtest({("rd_intensity", "A"): altered}, origins=DEV_ORIGINS)
    assert {r["origin"] for r in first["rows"]} == set(DEV_ORIGINS)
    assert all(r["origin"] + r["horizon"] <= min(ORIGINS) for r in first["rows"])
    assert first["rows"] == second["rows"]


def test_the_engine_calibration_uses_no_value_after_the_last_one_it_is_given():
    """The engine itself: a series cut at T gives the same forecast whatever came after T in the full series."""
    full = trend(12, noise=2.0, seed=5)
    cut = full[:8]
    again = forecast_series(list(cut), target=140.0, deadline=2022)
    assert forecast_series(cut, target=140.0, deadline=2022).forecast == again.forecast


@pytest.mark.parametrize(
    ("points", "horizon", "log", "expected"),
    [
        ([(2010, 1.0), (2011, 2.2), (2012, 3.0)], 2, False, 5.0),  # +1 a year on average
        ([(2010, 100.0), (2012, 120.0), (2013, 133.1)], 1, True, 146.41),  # +10 % a year on average, a gap
    ],
)
def test_drift_baseline_table(points, horizon, log, expected):
    point, lower, upper, probability = drift_forecast(points, horizon, log)
    assert point == pytest.approx(expected, rel=1e-9)
    assert lower <= point <= upper
    assert probability(point) == pytest.approx(0.5, abs=1e-9)


def noisy(values_at, n: int, seed: int, noise: float, start: int = 2010) -> list[tuple[int, float]]:
    rng = np.random.default_rng(seed)
    return [(start + i, values_at(i) + float(rng.normal(0, noise))) for i in range(n)]


COMPOUND = [(2010 + i, 50 * 1.08**i * math.exp(e)) for i, e in enumerate(np.random.default_rng(2).normal(0, 0.01, 14))]
SATURATING = noisy(lambda i: 40 + 30 * (1 - 0.75**i), 14, seed=3, noise=0.2)


@pytest.mark.parametrize(
    ("name", "points", "methods", "chosen", "partner", "log"),
    [
        ("linear trend: averaged with drift", trend(12, noise=3.0, seed=1), ["linear", "drift"], "linear", "drift", 0),
        ("compound: log_drift, a geometric mean", COMPOUND, ["log_linear", "log_drift"], "log_linear", "log_drift", 1),
        ("saturating: damped with drift", SATURATING, ["damped_trend", "drift"], "damped_trend", "drift", 0),
    ],
)
def test_the_forecast_is_the_average_of_the_chosen_path_and_the_drift_path(name, points, methods, chosen, partner, log):
    deadline = points[-1][0] + 3
    result = forecast_series(points, target=1.0, deadline=deadline, methods=methods)
    assert (result.method, result.combined_with) == (chosen, partner), name
    alone = forecast_series(points, target=1.0, deadline=deadline, methods=[chosen])
    drift = forecast_series(points, target=1.0, deadline=deadline, methods=[partner])
    assert alone.combined_with is None and drift.combined_with is None
    for mixed, a, b in zip(result.forecast, alone.forecast, drift.forecast, strict=True):
        expected = math.sqrt(a.value * b.value) if log else (a.value + b.value) / 2
        assert mixed.value == pytest.approx(expected, rel=1e-9), name
        assert mixed.lower <= mixed.value <= mixed.upper
    # the interval is the combination's own backtest errors (or the chosen model's interval, whichever is wider)
    assert result.interval_source == "backtest"
    own = forecast_series(points, target=1.0, deadline=deadline, methods=methods, calibrate=False)
    for a, b in zip(own.forecast, result.forecast, strict=True):
        assert b.value == pytest.approx(a.value) and b.upper - b.lower >= (a.upper - a.lower) * (1 - 1e-9)


@pytest.mark.parametrize(
    ("name", "points", "kwargs"),
    [
        ("drift chosen: nothing to average", trend(12, noise=3.0, seed=1), {"methods": ["drift"]}),
        ("the drift partner is not a candidate", trend(12, noise=3.0, seed=1), {"methods": ["linear", "log_drift"]}),
        ("three points: no backtest, the documented linear default", trend(3, noise=1.0), {}),
        ("switched off", trend(12, noise=3.0, seed=1), {"combine": False}),
    ],
)
def test_no_combination(name, points, kwargs):
    result = forecast_series(points, target=1.0, deadline=points[-1][0] + 2, **kwargs)
    assert result.combined_with is None, name
    alone = forecast_series(points, target=1.0, deadline=points[-1][0] + 2, methods=[result.method])
    assert [p.value for p in result.forecast] == pytest.approx([p.value for p in alone.forecast], rel=1e-12), name


@pytest.mark.parametrize("method", ["linear", "drift", "damped_trend", "log_drift", "log_damped"])
def test_backtest_paths_at_origin_k_use_no_later_value(method):
    """Leak guard for the calibration of the combination: the path from origin k (of the chosen model and of its drift
    partner alike) does not move when every value after k changes."""
    from kechuang.indicators.forecast import _model_space, _origin_centres

    years = np.arange(2010, 2024)
    values = np.array([v for _, v in trend(14, noise=2.0, seed=6)])
    for k in range(6, 14):
        altered = values.copy()
        altered[k:] *= 3
        z, _ = _model_space(method, values)
        z_altered, _ = _model_space(method, altered)
        if method not in ("log_drift", "log_damped"):
            z_altered = z_altered * (np.max(np.abs(altered)) / np.max(np.abs(values)))  # same units as z
        first = _origin_centres(method, years, z, [k])[k]
        second = _origin_centres(method, years, z_altered, [k])[k]
        assert first == pytest.approx(second, rel=1e-9, abs=1e-12), (method, k)


@pytest.mark.parametrize(
    ("forecast", "language", "expected"),
    [
        ({"method": "damped_trend", "combined_with": "drift"}, "en", "damped trend (exponential smoothing), averaged "),
        ({"method": "log_linear", "combined_with": "log_drift"}, "zh-hans", "，与对数漂移（以往年均增速外推）取平均"),
        ({"method": "linear", "combined_with": None}, "en", "linear trend"),
        ({"method": "linear"}, "en", "linear trend"),  # a forecast stored before the combination existed
        (None, "en", ""),
    ],
)
def test_the_detail_page_names_the_combination(forecast, language, expected):
    from django.utils import translation

    from kechuang.indicators.views import method_label

    with translation.override(language):
        label = method_label(forecast)
    assert expected in label if expected else label == ""
    if forecast and not forecast.get("combined_with"):
        assert label == expected


@pytest.mark.parametrize(
    ("errors", "level", "expected"),
    [
        ([0.1, -0.2, 0.3, -0.4], 0.8, 0.4),  # rank ceil(5 × 0.8) = 4: the largest |error|
        ([0.1, -0.2, 0.3], 0.8, math.inf),  # rank 4 > 3 errors: too few for an 80 % radius
        ([0.5, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], 0.8, 0.8),  # rank ceil(8) = 8, not the plain 80 % quantile
        ([0.5, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], 0.5, 0.5),  # rank ceil(5) = 5
        ([], 0.8, math.inf),
    ],
)
def test_conformal_radius_table(errors, level, expected):
    from kechuang.indicators.forecast import _conformal_radius

    assert _conformal_radius(errors, level) == pytest.approx(expected)


def drift_one_step_errors(points: list[tuple[int, float]], log: bool, start: int = 3) -> list[float]:
    """The drift's one-step errors (on the log scale, or in value units), computed here from the definition: the
    forecast from the first k values is the last one plus the average change since the first."""
    values = [v for _, v in points]
    errors = []
    for k in range(start, len(values)):
        predicted = values[k - 1] + (values[k - 1] - values[0]) / (k - 1)
        errors.append(math.log(values[k] / predicted) if log else values[k] - predicted)
    return errors


@SETTINGS
@given(
    points=st.lists(st.floats(min_value=50.0, max_value=150.0), min_size=8, max_size=15).map(
        lambda values: [(2010 + i, v) for i, v in enumerate(values)]
    )
)
def test_the_one_step_interval_covers_its_own_backtest_errors_at_the_level(points):
    """The conformal guarantee, in sample: the calibrated 80 % interval one year ahead is at least as wide as the
    ceil((n + 1) × 0.8)-th smallest of the series' own one-step errors, so it covers at least that many of them.
    (On the log scale; in value units when a backtest path of the drift fell to zero.)"""
    assume(len({v for _, v in points}) > 1)  # a constant series has no interval to calibrate
    result = forecast_series(points, target=100.0, deadline=points[-1][0] + 1, methods=["drift"])
    assert result.interval_source == "backtest"
    log = result.interval_scale == "log"
    errors = drift_one_step_errors(points, log)
    (point,) = result.forecast
    if log:
        half = min(math.log(point.upper / point.value), math.log(point.value / point.lower))
    else:
        half = min(point.upper - point.value, point.value - point.lower)
    covered = sum(abs(e) <= half * (1 + 1e-9) for e in errors)
    assert covered >= min(len(errors), math.ceil((len(errors) + 1) * 0.8))


def test_amounts_never_get_a_negative_lower_bound(monkeypatch):
    """An erratic positive series (a provincial contract turnover with a collapse and a rebound): the linear trend
    calibrated on additive errors puts the 10 % bound below zero; calibrated on relative errors it stays positive."""
    import kechuang.indicators.forecast as engine

    points = [(2012 + i, v) for i, v in enumerate([54.0, 90.3, 156.2, 57.2, 147.2, 51.4, 188.4, 56.7, 117.8])]
    with monkeypatch.context() as patched:
        patched.setattr(engine, "CALIBRATE_ON_LOG", False)
        additive = forecast_series(points, target=150.0, deadline=2023, methods=["linear"])
    assert additive.interval_scale == "model" and any(p.lower < 0 for p in additive.forecast)
    result = forecast_series(points, target=150.0, deadline=2023, methods=["linear"])
    assert result.interval_scale == "log"
    assert all(0 < p.lower <= p.value <= p.upper for p in result.forecast)
    assert 0 < result.probability_of_meeting_target < 1


def test_a_series_with_zeros_is_calibrated_in_model_space():
    points = [(2010 + i, float(v)) for i, v in enumerate([0, 3, 5, 4, 8, 9, 12, 11, 15, 16])]
    result = forecast_series(points, target=20.0, deadline=2022)
    assert result.interval_source == "backtest" and result.interval_scale == "model"


def test_reliability_table_verdict():
    """The bench's reliability verdict: outcomes drawn with the predicted probabilities are calibrated; the same
    probabilities against outcomes that all fell above (every target met) are not."""
    from bench.forecast import reliability_table

    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 1300)
    clusters = [f"province {i % 13}" for i in range(len(p))]
    honest = (rng.uniform(0, 1, len(p)) < p).tolist()
    table, verdict = reliability_table(p.tolist(), honest, clusters)
    assert verdict["calibrated"] and verdict["max_gap"] < 0.05
    assert sum(b["n"] for b in table) == len(p)
    table, verdict = reliability_table(p.tolist(), [True] * len(p), clusters)
    assert not verdict["calibrated"] and verdict["in_the_large"]["observed"] == 1.0


def test_levels_stay_nested_when_the_wider_calibrated_interval_would_overflow():
    """Found by the property above: on 1, 144, 1, 1 the 95 % interval on the log scale overflowed, so the engine
    fell back to the model's own additive interval (about ±710), inside the 80 % one (about 6e−136 to 1.7e135).
    A log-scale bound is now capped below overflow: the calibrated interval stays, and stays the wider."""
    points = [(2010, 1.0), (2011, 144.0), (2012, 1.0), (2013, 1.0)]
    at_80, at_95 = (forecast_series(points, target=1.0, deadline=2014, level=lv) for lv in (0.8, 0.95))
    assert at_80.interval_source == at_95.interval_source == "backtest"
    a, b = at_80.forecast[-1], at_95.forecast[-1]
    assert b.lower <= a.lower and a.upper <= b.upper and math.isfinite(b.upper)
