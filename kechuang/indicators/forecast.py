"""Forecast engine for yearly indicator series (pure Python + NumPy/SciPy; no Django).

Given a yearly series ``[(year, value), ...]``, a target and a deadline year, :func:`forecast_series` projects the
series to the deadline with a prediction interval, estimates the probability of meeting the target, and computes the
compound annual growth the target requires.

Models (listed from simplest to most complex; this order breaks ties)
----------------------------------------------------------------------
``linear``
    OLS trend ``value = a + b·year`` on the actual years.  Prediction interval and probability come from the Student t
    distribution with ``n - 2`` degrees of freedom and the usual standard error of a new observation,
    ``s·sqrt(1 + 1/n + (x0 - x̄)² / Sxx)``.
``log_linear``
    Compound growth: the same OLS on ``log(value)``; only when every value is > 0.  The reported ``value`` is the median
    ``exp(centre)`` (so P(value ≥ reported value) = 0.5); bounds are the exponentiated t bounds.
``damped_trend``
    Additive-error damped-trend exponential smoothing, ETS(A,Ad,N), fitted by maximum likelihood — for additive
    Gaussian errors, least squares over all five parameters (alpha, beta, phi, initial level, initial trend) — by our
    own vectorised NumPy code (notes above ``_fit_damped``): the initial states are profiled out exactly, (alpha,
    beta/alpha, phi) are searched over a global grid and refined on shrinking local grids, within statsmodels' usual
    bounds (0 < beta < alpha < 1, 0.8 ≤ phi ≤ 0.98).  It reaches an SSE at least as low as statsmodels' ``ETSModel``
    from several starts (a test checks it) at ~1/20 of the cost.  Intervals and probabilities use the analytic
    forecast variance of that model (Hyndman & Athanasopoulos, *Forecasting: principles and practice*, 3rd ed.,
    table 9.8), so the result is deterministic (no simulation).  Small-sample correction: the one-step variance is
    SSE / (n - 5) (5 fitted parameters) and quantiles come from Student t with n - 5 df, instead of the MLE SSE / n
    with a normal distribution, which is far too narrow on 8-15 points.  Needs consecutive years (no gaps), a
    non-constant series, and at least ``DAMPED_MIN_TRAIN + DAMPED_MIN_BACKTEST`` = 8 observations.

``drift`` / ``log_drift``
    Random walk with drift (FPP3 §5.2): the last value plus the average change per year since the first value
    (``log_drift``: the average growth rate, on the log scale; positive series only).  Often the hardest baseline to
    beat on short official series, so it is a candidate, not only a benchmark.
``log_damped``
    The damped trend fitted to ``log(value)`` (damped compound growth: the growth rate fades out instead of the
    increment); positive, consecutive series of at least 8 values.

Calibrated intervals (issue 14)
-------------------------------
The fit's own variance assumes the model is right, and on real provincial series its 80 % intervals covered about
half of the outcomes.  So the forecast (the chosen model, or its average with the drift path) is refitted at every
backtest origin (on data up to that origin only) and its errors at every later observed year are kept by horizon.
For a positive series whose backtest paths all stay positive the errors are relative, log(actual / predicted), and
the interval is built on the log scale (so an amount never gets a negative bound); otherwise they are in model space.
The interval's radius at horizon h is the split-conformal one: the ceil((n + 1)·level)-th smallest |error| of the n
errors at h (the small-sample inflation of the plain level quantile; with fewer errors than that rank needs, their root
mean square, never below the largest |error| so that a higher level is never narrower), never below the pooled
one-step-equivalent spread × sqrt(h), never below the model's own interval (the
floor, all a short series gets), and never narrower a year later.  It is expressed as the scale of a Student t on
(one-step errors − 1) degrees of freedom (never more than the model's own), so the interval at ``level`` is exactly
that radius and the probability of meeting the target comes from the same distribution.  ``calibrate=False`` keeps the
model's own interval.  ``interval_source`` says which one was used, ``interval_scale`` whether it is on the log scale,
``calibration_errors`` how many one-step errors stand behind it.

Forecast combination (issue 14): when the backtest chose a model other than a drift, its path is averaged (equal
weights) with the drift path in the same model space: ``log_drift`` for the log models (a geometric mean), ``drift``
otherwise.  The average of a fitted model and the naive drift is a well-known robust forecast (Bates & Granger 1969;
FPP3 §13.4); on the real provincial backtest it cut the R&D-intensity MAPE from 8.4 % to 7.8 %.  The interval is
calibrated on the combination's own rolling-origin errors (the two paths averaged at every origin); the floor stays the
chosen model's own interval.  ``combined_with`` names the drift partner; not applied without a backtest (3 points),
when the partner is not a candidate (``methods``), or with ``combine=False``.  A weight on the drift chosen per series
by its own backtest (0, ¼, ½, ¾ or 1, scored 1–3 years ahead) was tried and did worse on the real R&D-intensity
backtest (MAPE 8.17 % against 7.81 %): the equal weights stay.

Structural-break guard: if the one-step error at one of the last two observations is an outlier against the earlier
ones (|error − median| > 3 robust s.d., the s.d. from the median absolute deviation), it is read as a level shift:
the earlier observations are moved by the shift before the final fit (so the jump is not extrapolated as a trend),
and the shift's size is added to the interval's variance (it may or may not persist).  ``level_shift_year`` names it.

Model selection rule (rolling-origin backtest)
----------------------------------------------
For every candidate model and every forecast origin ``k`` (the model is fitted on the first ``k`` observations and
predicts observation ``k + 1``, one step ahead, at its actual year), the absolute percentage error
``|actual - predicted| / |actual|`` is recorded.  Origins start at ``max(3, largest minimum training size among the
candidates)`` so that every candidate is scored on the same held-out points (linear and log-linear need 3, damped trend
needs 6).  Held-out points whose actual value is 0 are skipped (percentage error undefined).  ``backtest_mape`` is the
mean of those errors, as a fraction (0.05 = 5 %).  The candidate with the lowest MAPE wins; a more complex model must
beat a simpler one by more than ``1e-6`` relative (+ ``1e-12`` absolute), otherwise the simpler model is kept.  When no
error can be computed (3 observations, or every held-out value is 0) the linear model is used and ``backtest_mape`` is
null.  If the winning model's final forecast overflows, the next best is used (with a warning).

Edge cases (never a crash, NaN or inf in the output)
----------------------------------------------------
* Fewer than 3 observations: method ``insufficient_data``, empty ``forecast``, null probability and backtest, a warning;
  ``required_annual_growth`` is still given when it is defined (it needs only the last value).
* Exactly 3 observations: linear trend, no backtest (null MAPE, with a warning).
* Gaps in the years: the regressions use the actual years; damped trend is not considered; a warning lists the missing
  years.  Forecast rows are still every year after the last observation.  Unsorted input is sorted.
* Zeros or negative values: log-linear is not considered (warning); ``required_annual_growth`` is null with a reason
  when the last value is not positive.
* Constant series: the flat linear model, a zero-width interval, probability exactly 0 or 1, and a warning.
* A quantity that cannot be negative (``floor=0``: a count, an amount, a ratio of them): a declining trend's path and
  interval are cut at the floor instead of crossing it, and the probability is that of the value so cut (a target
  below the floor is then always exceeded, never undercut), with a warning.
* Deadline equal to or before the last observed year: no forecast rows and null ``required_annual_growth``; the
  probability is 1 or 0 from the observed value in the deadline year, or null when that year was not observed.
* Errors (:class:`SeriesError`, a ``ValueError``): duplicate years, non-numeric / non-finite values, non-integer years,
  values beyond ±1e15 (naming the row or CSV line and column).  Bad parameters (comparator, level, non-finite target,
  deadline more than 100 years ahead) raise ``ValueError``.

Performance: regressions take microseconds.  The damped trend's fits for every backtest origin and for the whole
series are one batch (one recursion over the series scores the global grid for every prefix), and the damped trend on
the values and on their logs share that batch (each problem keeps its own grid columns, so the fits are exactly those
of one series alone); the drifts' one-step backtest is one vectorised pass, and the backtest paths from every origin
are computed once per series and shared by the combination and the calibration; the fit's running sums are added one
row at a time (np.cumsum down axis 0 loops once per grid column).  720 bench series (``bench/indicators.py
--only-forecast``) cost about 4.2 s of CPU (4.9 s before the running sums, the same bits), twice the engine of issue 4
(one damped model, no calibration, 2.2 s): the log-scale damped trend's fitting is array work that the batch does not
remove.

``required_annual_growth`` is always the compound rate ``(target / last)^(1 / (deadline - last_year)) - 1``, also for
ratio indicators such as a share or R&D intensity (a fraction; 0.05 = 5 % a year).

:func:`annual_path` gives the planned yearly path from a baseline to a target: ``linear`` (equal additive steps) for
counts such as the number of high-tech enterprises, ``compound`` (equal growth rate) for ratios such as R&D intensity.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "COMPARATORS",
    "METHODS",
    "ForecastPoint",
    "ForecastResult",
    "SeriesError",
    "annual_path",
    "forecast_series",
    "read_series_csv",
    "required_annual_growth",
]

# simplest first: ties go to the earlier one
METHODS = ("linear", "log_linear", "drift", "log_drift", "damped_trend", "log_damped")
INSUFFICIENT_DATA = "insufficient_data"
COMPARATORS = ("ge", "gt", "le", "lt")
MIN_OBSERVATIONS = 3
MIN_BACKTEST_ORIGIN = 3
MIN_TRAIN = {"linear": 3, "log_linear": 3, "drift": 3, "log_drift": 3, "damped_trend": 6, "log_damped": 6}
LOG_METHODS = ("log_linear", "log_drift", "log_damped")
DRIFT_METHODS = ("drift", "log_drift")
DAMPED_METHODS = ("damped_trend", "log_damped")
# Models are chosen on one-step errors, as before issue 14. Scoring 1..3 years ahead was tried once on the real
# backtest and did worse; it was dropped, not tuned (so nothing here is fitted to the test years).
SELECTION_MAX_HORIZON = 1
# Forecast combination (issue 14): the chosen model's path is averaged with the drift path in the same model space
# (log_drift for the log models, drift otherwise).  A textbook robust choice (Bates & Granger 1969; FPP3 §13.4), not
# tuned: equal weights, no fitted weight.
COMBINE_WITH_DRIFT = True
CALIBRATE_ON_LOG = True  # a positive series is calibrated on relative (log-scale) errors
CONFORMAL = True  # the interval at h is the conformal radius of the errors at h (ceil((n + 1)·level)-th |error|)
CALIBRATION_MIN_ERRORS = 3  # backtest errors needed at a horizon before its own spread is used
BREAK_RATIO = 3.0  # a one-step error this many robust s.d. from the earlier ones is a level shift (set a priori)
BREAK_MIN_HISTORY = 4  # earlier one-step errors needed before a break can be told from noise
DAMPED_MIN_TRAIN = MIN_TRAIN["damped_trend"]
DAMPED_MIN_BACKTEST = 2
TIE_RELATIVE = 1e-6
TIE_ABSOLUTE = 1e-12
MAX_ABS_VALUE = 1e15
MAX_HORIZON = 100
YEAR_MIN, YEAR_MAX = 1, 9999

_LABELS = {
    "linear": "linear trend",
    "log_linear": "log-linear (compound growth)",
    "drift": "drift (the average yearly change since the first year)",
    "log_drift": "drift on the log scale (the average growth rate since the first year)",
    "damped_trend": "damped trend",
    "log_damped": "damped trend on the log scale (damped compound growth)",
}


class SeriesError(ValueError):
    """Bad input series.  ``line``/``column`` locate a CSV cell; ``row`` is the 1-based index in a list of points."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None, row: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        self.row = row
        where = []
        if line is not None:
            where.append(f"line {line}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class ForecastPoint:
    year: int
    value: float
    lower: float
    upper: float


@dataclass
class ForecastResult:
    method: str
    backtest_mape: float | None
    forecast: list[ForecastPoint]
    required_annual_growth: float | None
    probability_of_meeting_target: float | None
    n_observations: int
    warnings: list[str]
    target: float
    deadline: int
    comparator: str
    level: float
    last_year: int | None = None
    last_value: float | None = None
    backtest_points: int = 0
    candidate_mapes: dict[str, float | None] = field(default_factory=dict)
    interval_source: str = "model"  # "model" (the fit's own variance) or "backtest" (rolling-origin errors)
    calibration_errors: int = 0  # rolling-origin errors behind the calibrated interval
    level_shift_year: int | None = None  # a recent level shift the break guard found (interval widened)
    combined_with: str | None = None  # the drift model averaged with ``method`` (equal weights), if any
    interval_scale: str = "model"  # "log": the calibrated interval is on the log scale (relative errors)
    floor: float | None = None  # the least value the quantity can take (0 for counts and amounts), if any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; any non-finite float (there should be none) becomes None."""
        return _json_safe(asdict(self))


# ---------------------------------------------------------------------------------------------------------------------
# Input


def _check_value(value: Any, make_error) -> float:
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise make_error(f"value {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise make_error(f"value {value!r} is not a finite number")
    if abs(number) > MAX_ABS_VALUE:
        raise make_error(f"value {value!r} is outside the supported range ±{MAX_ABS_VALUE:g}")
    return number


def _validate_points(points: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    seen: dict[int, int] = {}
    rows: list[tuple[int, float]] = []
    for index, item in enumerate(points, start=1):
        try:
            year, value = item
        except (TypeError, ValueError):
            raise SeriesError(f"expected a (year, value) pair, got {item!r}", row=index) from None
        if isinstance(year, bool) or not isinstance(year, Integral):
            raise SeriesError(f"year {year!r} is not an integer", row=index, column="year")
        year = int(year)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise SeriesError(f"year {year} is out of range", row=index, column="year")
        number = _check_value(value, lambda msg, i=index: SeriesError(msg, row=i, column="value"))
        if year in seen:
            raise SeriesError(f"duplicate year {year} (also in row {seen[year]})", row=index, column="year")
        seen[year] = index
        rows.append((year, number))
    rows.sort()
    years = np.array([y for y, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=float)
    return years, values


_INT_RE = re.compile(r"^[+-]?\d+$")


def read_series_csv(path_or_text: str | os.PathLike | bytes) -> list[tuple[int, float]]:
    """Parse CSV with a header containing ``year`` and ``value`` (case-insensitive; other columns ignored).

    Accepts a path (``os.PathLike``, or a one-line string naming an existing file) or the CSV text itself.  Blank lines
    are skipped, a UTF-8 BOM is ignored, rows are returned sorted by year.  Raises :class:`SeriesError` naming the line
    and column of the first bad cell (non-integer year, missing / non-numeric / non-finite value, duplicate year).
    """
    if isinstance(path_or_text, bytes):
        text = _decode(path_or_text, "input")
    elif isinstance(path_or_text, os.PathLike):
        text = _read_file(Path(path_or_text))
    elif isinstance(path_or_text, str):
        single_line = "\n" not in path_or_text and "\r" not in path_or_text
        if single_line and path_or_text and os.path.isfile(path_or_text):
            text = _read_file(Path(path_or_text))
        elif single_line and path_or_text and "," not in path_or_text:
            raise SeriesError(f"file not found: {path_or_text}")
        else:
            text = path_or_text
    else:
        raise TypeError(f"expected a path or CSV text, got {type(path_or_text).__name__}")
    return _parse_csv(text.removeprefix("\ufeff"))


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeriesError(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SeriesError(f"file not found: {path}") from None
    except OSError as exc:
        raise SeriesError(f"cannot read {path}: {exc.strerror or exc}") from None
    return _decode(data, str(path))


def _parse_csv(text: str) -> list[tuple[int, float]]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    header_line = 1
    seen: dict[int, int] = {}
    rows: list[tuple[int, float]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                header_line = line
                if "year" not in header or "value" not in header:
                    raise SeriesError(
                        f"the header must contain the columns 'year' and 'value' (found {', '.join(cells)})", line=line
                    )
                year_col, value_col = header.index("year"), header.index("value")
                continue
            year_cell = cells[year_col].strip() if year_col < len(cells) else ""
            value_cell = cells[value_col].strip() if value_col < len(cells) else ""
            if not year_cell:
                raise SeriesError("missing year", line=line, column="year")
            if not _INT_RE.match(year_cell):
                raise SeriesError(f"year {year_cell!r} is not a whole number", line=line, column="year")
            year = int(year_cell)
            if not YEAR_MIN <= year <= YEAR_MAX:
                raise SeriesError(f"year {year} is out of range", line=line, column="year")
            if not value_cell:
                raise SeriesError("missing value", line=line, column="value")
            try:
                number = float(value_cell)
            except ValueError:
                raise SeriesError(f"value {value_cell!r} is not a number", line=line, column="value") from None
            number = _check_value(number, lambda msg, ln=line: SeriesError(msg, line=ln, column="value"))
            if year in seen:
                raise SeriesError(f"duplicate year {year} (already on line {seen[year]})", line=line, column="year")
            seen[year] = line
            rows.append((year, number))
    except csv.Error as exc:
        raise SeriesError(f"malformed CSV: {exc}", line=reader.line_num) from None
    if header is None:
        raise SeriesError("empty input: expected a header line 'year,value'", line=header_line)
    rows.sort()
    return rows


# ---------------------------------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class _Predictive:
    """Predictive distribution per forecast year, in model space: ``centre + scale·T`` (T ~ t(df) or N(0, 1))."""

    centre: np.ndarray
    scale: np.ndarray
    df: float | None
    log: bool  # model space is log(value)
    factor: float  # model space is value / factor (when not log)

    def _to_value(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) if self.log else z * self.factor

    def _bound(self, z: np.ndarray) -> np.ndarray:
        """An interval bound as a value: on the log scale capped below float overflow, so a wide calibrated
        interval stays finite (and wider at a higher level) instead of giving way to the model's narrower own."""
        return np.exp(np.minimum(z, _LOG_MAX)) if self.log else z * self.factor

    def quantile(self, level: float) -> float:
        if self.df is None:
            return _norm_quantile((1 + level) / 2)
        return _t_quantile((1 + level) / 2, self.df)

    def rows(self, years: Sequence[int], level: float, floor: float | None = None) -> list[ForecastPoint]:
        """The median and the interval at ``level`` per year; with a ``floor``, all three are cut there (the
        distribution is censored at the floor: a quantile below it is the floor itself)."""
        q = self.quantile(level)
        with np.errstate(all="ignore"):
            value = self._to_value(self.centre)
            lower = self._bound(self.centre - q * self.scale)
            upper = self._bound(self.centre + q * self.scale)
        if floor is not None:
            value, lower, upper = (np.maximum(a, floor) for a in (value, lower, upper))
        return [
            ForecastPoint(int(y), float(v), float(min(lo, v)), float(max(hi, v)))
            for y, v, lo, hi in zip(years, value, lower, upper, strict=True)
        ]

    def probability(self, target: float, comparator: str, index: int = -1, floor: float | None = None) -> float:
        """P(value ≥ / > / ≤ / < target) at forecast year ``index``; with a ``floor``, of the value censored there
        (the mass below the floor sits on it), so the probability agrees with the band of :meth:`rows`."""
        # Every censored value is ≥ the floor: a target below it is always exceeded, one at it always reached (and
        # never undercut); "above the floor" (gt, le at the floor) is the model's own probability.
        if floor is not None and (target < floor or (target == floor and comparator in ("ge", "lt"))):
            return 1.0 if comparator in ("ge", "gt") else 0.0
        centre, scale = float(self.centre[index]), float(self.scale[index])
        if self.log:
            if target <= 0:
                above = 1.0  # every value of a log model is > 0 ≥ target
                return above if comparator in ("ge", "gt") else 1.0 - above
            g = math.log(target)
        else:
            g = target / self.factor
        if scale == 0.0:
            return float(_compare(centre, g, comparator))
        z = (g - centre) / scale
        if self.df is None:
            above, below = stats.norm.sf(z), stats.norm.cdf(z)
        else:
            above, below = stats.t.sf(z, self.df), stats.t.cdf(z, self.df)
        p = float(above if comparator in ("ge", "gt") else below)
        return min(1.0, max(0.0, p))

    def finite(self, level: float) -> bool:
        """Are the centre, scale and interval bounds at ``level`` all finite?"""
        with np.errstate(all="ignore"):
            values = [self.centre, self.scale, self._to_value(self.centre)]
            q = self.quantile(level)
            values += [self._bound(self.centre - q * self.scale), self._bound(self.centre + q * self.scale)]
        return all(np.all(np.isfinite(v)) for v in values)


_LOG_MAX = math.log(np.finfo(np.float64).max) - 1.0  # exp of it is finite, with room for a factor


@functools.lru_cache(maxsize=4096)
def _t_quantile(p: float, df: float) -> float:
    """Student t quantile (cached: SciPy's ppf costs ~0.3 ms a call, and the same few (level, df) pairs recur)."""
    return float(stats.t.ppf(p, df))


@functools.lru_cache(maxsize=64)
def _norm_quantile(p: float) -> float:
    return float(stats.norm.ppf(p))


def _compare(value: float, target: float, comparator: str) -> bool:
    return {"ge": value >= target, "gt": value > target, "le": value <= target, "lt": value < target}[comparator]


def _scale_of(values: np.ndarray) -> float:
    peak = float(np.max(np.abs(values))) if len(values) else 0.0
    return peak if peak > 0 else 1.0


def _ols(x: np.ndarray, y: np.ndarray):
    """OLS of y on x (x centred); returns (intercept at mean x, slope, mean x, Sxx, residual s.d. or nan, n)."""
    n = len(x)
    xm = float(np.mean(x))
    dx = x - xm
    sxx = float(dx @ dx)
    ym = float(np.mean(y))
    slope = float(dx @ (y - ym)) / sxx
    resid = y - (ym + slope * dx)
    s = math.sqrt(float(resid @ resid) / (n - 2)) if n > 2 else math.nan
    return ym, slope, xm, sxx, s, n


def _regression_predictive(x: np.ndarray, y: np.ndarray, x_new: np.ndarray, *, log: bool, factor: float):
    intercept, slope, xm, sxx, s, n = _ols(x, y)
    d = x_new - xm
    centre = intercept + slope * d
    scale = s * np.sqrt(1.0 + 1.0 / n + d * d / sxx)
    return _Predictive(centre=centre, scale=scale, df=float(n - 2), log=log, factor=factor)


def _drift_predictive(x: np.ndarray, y: np.ndarray, x_new: np.ndarray, *, log: bool, factor: float) -> _Predictive:
    """Random walk with drift (FPP3 §5.2): the last value plus the average change per year since the first value.

    With gaps, each step's change is divided by its length in years; the step variance is estimated per year.  The
    forecast variance at h years is s²·h·(1 + h / span) (the drift's own uncertainty included)."""
    span = float(x[-1] - x[0])
    slope = float(y[-1] - y[0]) / span
    steps = np.diff(x)
    residual = np.diff(y) - slope * steps
    dof = len(steps) - 1
    s = math.sqrt(float(np.sum(residual * residual / steps)) / dof) if dof > 0 else math.nan
    h = x_new - x[-1]
    centre = y[-1] + slope * h
    scale = s * np.sqrt(h * (1.0 + h / span))
    return _Predictive(centre=centre, scale=scale, df=float(max(dof, 1)), log=log, factor=factor)


def _regression_point(x: np.ndarray, y: np.ndarray, x_new: float) -> float:
    intercept, slope, xm, _, _, _ = _ols(x, y)
    return intercept + slope * (x_new - xm)


# Damped trend ETS(A,Ad,N), fitted by least squares (= maximum likelihood for additive Gaussian errors), vectorised.
#
# For fixed smoothing parameters (alpha, beta, phi) the one-step errors are affine in the initial level and trend
# (l0, b0): e(l0, b0) = e_c + l0·e_u + b0·e_v, where e_c is the run from l0 = b0 = 0 and e_u, e_v are the runs of the
# homogeneous recursion (y = 0) from (1, 0) and (0, 1).  So the best (l0, b0) and the SSE for every prefix of the
# series come from cumulative sums of six products and a 2 × 2 solve — one recursion over the whole series scores a
# parameter grid for every backtest origin at once.  (alpha, beta/alpha, phi) are searched over a global grid, then
# refined by three rounds of shrinking local grids around each prefix's best point.  Bounds are statsmodels' "usual"
# ones: 1e-4 ≤ alpha ≤ 1 - 1e-4, 1e-4 ≤ beta/alpha ≤ 1 - 1e-4, 0.8 ≤ phi ≤ 0.98.

ALPHA_BOUNDS = (1e-4, 1 - 1e-4)
RATIO_BOUNDS = (1e-4, 1 - 1e-4)  # beta / alpha
PHI_BOUNDS = (0.8, 0.98)
_GRID_ALPHA = np.array([1e-4, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1 - 1e-4])
_GRID_RATIO = np.array([1e-4, 0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 1 - 1e-4])
_GRID_PHI = np.array([0.8, 0.84, 0.88, 0.92, 0.95, 0.98])
_GLOBAL_GRID = tuple(g.ravel() for g in np.meshgrid(_GRID_ALPHA, _GRID_RATIO, _GRID_PHI, indexing="ij"))
_GLOBAL_STEP = (0.1, 0.15, 0.04)  # about the global spacing: the first local round's step, halved each round
_LOCAL = np.array(list(itertools.product((-1, 0, 1), repeat=3)), dtype=float)  # 27 offsets
_REFINE_ROUNDS = 3


@dataclass(frozen=True)
class _DampedFit:
    alpha: float
    beta: float
    phi: float
    level0: float
    trend0: float
    sse: float
    level: float  # state after the last fitted observation
    trend: float

    def forecast(self, horizons: np.ndarray) -> np.ndarray:
        """Point forecasts l_n + (phi + … + phi^h)·b_n at the given horizons (h ≥ 1)."""
        h = horizons.astype(float)
        return self.level + self.phi * (1 - self.phi**h) / (1 - self.phi) * self.trend


def _damped_runs(y: np.ndarray, alpha: np.ndarray, beta: np.ndarray, phi: np.ndarray, *, states: bool = False):
    """The three linear runs over y for each parameter triple: errors (n, 3, G), and with ``states`` the level and
    trend after each step (n, 3, G) (else None)."""
    n, g = len(y), len(alpha)
    level = np.zeros((3, g))
    trend = np.zeros((3, g))
    level[1] = 1.0
    trend[2] = 1.0
    errors = np.empty((n, 3, g))
    levels = np.empty((n, 3, g)) if states else None
    trends = np.empty((n, 3, g)) if states else None
    for t in range(n):
        fitted = level + phi * trend
        e = errors[t]
        np.negative(fitted, out=e)
        e[0] += y[t]
        level = fitted + alpha * e
        trend = phi * trend + beta * e
        if states:
            levels[t] = level
            trends[t] = trend
    return errors, levels, trends


def _running_sum(products: np.ndarray) -> np.ndarray:
    """np.cumsum(products, 0), in place, one row at a time: the same sequential additions (so the same bits), but
    each NumPy call adds a whole row of grid columns, where cumsum down axis 0 runs one 15-step loop per column (the
    fit's largest cost: about 4× slower on the bench's 1,344-column grids)."""
    for t in range(1, len(products)):
        np.add(products[t - 1], products[t], out=products[t])
    return products


def _profile(errors: np.ndarray, rows: np.ndarray | None = None, *, at: np.ndarray | None = None):
    """Best (l0, b0) and SSE per prefix: arrays (n, G) for prefixes 1..n; (len(at), G) at prefixes ``at + 1`` only;
    or (G,) at prefix ``rows[g] + 1`` of each column g when ``rows`` is given."""
    c, u, v = errors[:, 0], errors[:, 1], errors[:, 2]
    sums = [_running_sum(a * b) for a, b in ((c, c), (c, u), (c, v), (u, u), (u, v), (v, v))]
    if rows is not None:
        columns = np.arange(errors.shape[2])
        sums = [a[rows, columns] for a in sums]
    elif at is not None:  # only the prefixes asked for: the solve below on those rows alone
        sums = [a[at] for a in sums]
    cc, cu, cv, uu, uv, vv = sums
    with np.errstate(all="ignore"):
        det = uu * vv - uv * uv
        l0 = (-cu * vv + cv * uv) / det
        b0 = (-cv * uu + cu * uv) / det
        sse = cc + l0 * cu + b0 * cv
        bad = ~(np.isfinite(sse) & (det > 1e-12 * uu * vv))
    sse = np.where(bad, np.inf, np.maximum(sse, 0.0))
    return l0, b0, sse


def _clip(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return np.clip(values, bounds[0], bounds[1])


def _fit_damped(y: np.ndarray, prefixes: Sequence[int]) -> list[_DampedFit]:
    """Least-squares ETS(A,Ad,N) fits on y[:k] for each k in ``prefixes`` (each k ≥ 3)."""
    (fits,) = _fit_damped_batch([y], prefixes)
    if isinstance(fits, Exception):
        raise fits
    return fits


def _fit_damped_batch(ys: Sequence[np.ndarray], prefixes: Sequence[int]) -> list[list[_DampedFit] | Exception]:
    """:func:`_fit_damped` for several series of the same length at once (the damped trend on the values and on their
    logs): one problem per (series, prefix), each with its own column of the parameter grids, so every problem's
    arithmetic is exactly what a fit of that series alone does — the batch only saves the Python loop overhead.
    A series whose fit fails gets its exception in place of its fits."""
    prefixes = [int(k) for k in prefixes]
    count_series, count_prefixes = len(ys), len(prefixes)
    problems = count_series * count_prefixes  # problem q = series q // P, prefix q % P
    Y = np.stack([np.asarray(y, dtype=float) for y in ys], axis=1)  # (n, S)
    rows = np.array(prefixes) - 1
    alpha, ratio, phi = _GLOBAL_GRID
    size = len(alpha)
    errors, _, _ = _damped_runs(
        np.repeat(Y, size, axis=1),
        np.tile(alpha, count_series),
        np.tile(alpha * ratio, count_series),
        np.tile(phi, count_series),
    )
    _, _, sse = _profile(errors, at=rows)
    blocks = sse.reshape(count_prefixes, count_series, size).transpose(1, 0, 2).reshape(problems, size)
    best = np.argmin(blocks, axis=1)  # (Q,)
    centre = np.stack([alpha[best], ratio[best], phi[best]], axis=1)  # (Q, 3)
    best_sse = blocks[np.arange(problems), best]
    series_of = np.repeat(np.arange(count_series), count_prefixes)  # (Q,)
    rows_of = np.tile(rows, count_series)  # (Q,)
    step = np.array(_GLOBAL_STEP)
    count = len(_LOCAL)
    head = Y[: max(prefixes)]
    columns = head[:, np.repeat(series_of, count)]  # each grid column's own series
    for _ in range(_REFINE_ROUNDS):
        grid = (centre[:, None, :] + _LOCAL[None, :, :] * step).reshape(-1, 3)
        a = _clip(grid[:, 0], ALPHA_BOUNDS)
        r = _clip(grid[:, 1], RATIO_BOUNDS)
        p = _clip(grid[:, 2], PHI_BOUNDS)
        errors, _, _ = _damped_runs(columns, a, a * r, p)
        _, _, sse = _profile(errors, np.repeat(rows_of, count))
        block_sse = sse.reshape(problems, count)
        pick = np.argmin(block_sse, axis=1)
        improved = block_sse[np.arange(problems), pick] < best_sse
        chosen = np.arange(problems) * count + pick
        new_centre = np.stack([a[chosen], r[chosen], p[chosen]], axis=1)
        centre = np.where(improved[:, None], new_centre, centre)
        best_sse = np.where(improved, block_sse[np.arange(problems), pick], best_sse)
        step = step / 2
    fits = _exact_fits(head[:, series_of], rows_of + 1, centre[:, 0], centre[:, 0] * centre[:, 1], centre[:, 2])
    out: list[list[_DampedFit] | Exception] = []
    for index in range(count_series):
        part = slice(index * count_prefixes, (index + 1) * count_prefixes)
        if not np.all(np.isfinite(best_sse[part])):
            out.append(ArithmeticError("the damped trend least-squares fit failed"))
        elif any(fit is None for fit in fits[part]):
            out.append(ArithmeticError("the damped trend initial states are not identifiable"))
        else:
            out.append(fits[part])
    return out


def _exact_fits(
    y: np.ndarray, prefixes: np.ndarray, alpha: np.ndarray, beta: np.ndarray, phi: np.ndarray
) -> list[_DampedFit | None]:
    """Best initial states for fixed (alpha, beta, phi) per problem j (its series in column j of ``y``, fitted on its
    first ``prefixes[j]`` values), then the SSE and final states from a direct run (no cancellation in the SSE, which
    sets the interval width).  None where the initial states are not identifiable."""
    errors, levels, trends = _damped_runs(y, alpha, beta, phi, states=True)
    l0, b0, _ = _profile(errors, np.asarray(prefixes) - 1)
    fits: list[_DampedFit | None] = []
    for j, k in enumerate(np.asarray(prefixes).tolist()):
        theta = np.array([1.0, float(l0[j]), float(b0[j])])
        if not np.all(np.isfinite(theta)):
            fits.append(None)
            continue
        e = errors[:k, :, j] @ theta
        fits.append(
            _DampedFit(
                alpha=float(alpha[j]),
                beta=float(beta[j]),
                phi=float(phi[j]),
                level0=float(theta[1]),
                trend0=float(theta[2]),
                sse=float(e @ e),
                level=float(levels[k - 1, :, j] @ theta),
                trend=float(trends[k - 1, :, j] @ theta),
            )
        )
    return fits


def _damped_relative_variance(alpha: float, beta: float, phi: float, h: np.ndarray) -> np.ndarray:
    """Forecast-error variance of ETS(A,Ad,N) at horizons h, relative to the one-step variance (FPP3 table 9.8)."""
    if phi > 1 - 1e-6:  # undamped limit, ETS(A,A,N)
        return 1 + (h - 1) * (alpha**2 + alpha * beta * h + beta**2 * h * (2 * h - 1) / 6)
    return (
        1
        + alpha**2 * (h - 1)
        + beta * phi * h / (1 - phi) ** 2 * (2 * alpha * (1 - phi) + beta * phi)
        - beta
        * phi
        * (1 - phi**h)
        / ((1 - phi) ** 2 * (1 - phi**2))
        * (2 * alpha * (1 - phi**2) + beta * phi * (1 + 2 * phi - phi**h))
    )


ETS_PARAMETERS = 5  # alpha, beta, phi, initial level, initial trend


def _damped_predictive(values: np.ndarray, horizons: np.ndarray, fit: _DampedFit | None = None) -> _Predictive:
    """ETS(A,Ad,N) forecast; variance = σ̂² × analytic relative variance, σ̂² = SSE / (n - 5), Student t with n - 5 df.

    statsmodels' own intervals use the MLE σ̂² = SSE / n and a normal distribution, which on 8-15 points (5 fitted
    parameters) are far too narrow; the degrees-of-freedom correction mirrors the regression models.
    """
    factor = _scale_of(values)
    dof = len(values) - ETS_PARAMETERS
    if dof < 1:
        raise ArithmeticError("too few observations for the damped trend model")
    if fit is None:
        (fit,) = _fit_damped(values / factor, [len(values)])
    with np.errstate(all="ignore"):
        mean = fit.forecast(horizons)
        relative = _damped_relative_variance(fit.alpha, fit.beta, fit.phi, horizons.astype(float))
        variance = fit.sse / dof * np.maximum(relative, 0.0)
    return _Predictive(centre=mean, scale=np.sqrt(variance), df=float(dof), log=False, factor=factor)


def _damped_one_step(
    values: np.ndarray, origins: Sequence[int], keep: dict[int, _DampedFit] | None = None
) -> tuple[list[float], _DampedFit]:
    """One-step forecasts of observation k + 1 from fits on the first k observations, for every origin k at once, and
    the fit on the whole series (same batch, for the final forecast).

    The series is divided by one factor for all origins; least squares is scale-invariant, so this changes nothing but
    rounding, and no origin's fit uses any later value.
    """
    (outcome,) = _damped_one_step_batch([values], origins, [keep])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _damped_one_step_batch(
    series: Sequence[np.ndarray], origins: Sequence[int], keeps: Sequence[dict[int, _DampedFit] | None]
) -> list[tuple[list[float], _DampedFit] | Exception]:
    """:func:`_damped_one_step` for several series of the same length in one batch of fits (each series divided by
    its own factor, as alone); a series whose fit fails gets its exception instead."""
    factors = [_scale_of(values) for values in series]
    batch = _fit_damped_batch([v / f for v, f in zip(series, factors, strict=True)], [*origins, len(series[0])])
    out: list[tuple[list[float], _DampedFit] | Exception] = []
    for fits, factor, keep in zip(batch, factors, keeps, strict=True):
        if isinstance(fits, Exception):
            out.append(fits)
            continue
        *at_origins, final = fits
        if keep is not None:  # the calibration reuses these fits (in units of the series / its scale)
            keep.update(zip(origins, at_origins, strict=True))
        out.append(([float(fit.forecast(np.array([1]))[0]) * factor for fit in at_origins], final))
    return out


def _one_step_many(method: str, years: np.ndarray, values: np.ndarray, origins: Sequence[int]) -> list[float]:
    """:func:`_one_step` at every origin; the drifts in one vectorised pass (the same arithmetic, element by element:
    the scale of the first k values is their running maximum)."""
    if method not in DRIFT_METHODS or not origins:
        return [_one_step(method, years, values, k) for k in origins]
    k = np.asarray(origins)
    x = years.astype(float)
    with np.errstate(all="ignore"):
        if method == "log_drift":
            last, first = np.log(values[k - 1]), np.log(values[0])
            factor = None
        else:
            peak = np.maximum.accumulate(np.abs(values))[k - 1]
            factor = np.where(peak > 0, peak, 1.0)
            last, first = values[k - 1] / factor, values[0] / factor
        centre = last + (last - first) / (x[k - 1] - x[0]) * (x[k] - x[k - 1])
    if factor is None:
        return [math.exp(min(float(c), 709.0)) for c in centre]
    return [float(c) * float(f) for c, f in zip(centre, factor, strict=True)]


def _one_step(method: str, years: np.ndarray, values: np.ndarray, k: int) -> float:
    """Fit on the first k observations and predict observation k + 1 (at its actual year)."""
    x = years[:k].astype(float)
    x_next = float(years[k])
    with np.errstate(all="ignore"):
        if method == "linear":
            factor = _scale_of(values[:k])
            return _regression_point(x, values[:k] / factor, x_next) * factor
        if method == "log_linear":
            return math.exp(min(_regression_point(x, np.log(values[:k]), x_next), 709.0))
        if method in DRIFT_METHODS:
            z, factor = _model_space(method, values[:k])
            centre = float(z[-1] + (z[-1] - z[0]) / (x[-1] - x[0]) * (x_next - x[-1]))
            return math.exp(min(centre, 709.0)) if method == "log_drift" else centre * factor
        if method == "log_damped":
            return math.exp(min(_damped_one_step(np.log(values), [k])[0][0], 709.0))
    return _damped_one_step(values, [k])[0][0]


def _predictive(
    method: str, years: np.ndarray, values: np.ndarray, target_years: np.ndarray, damped_fit: _DampedFit | None = None
) -> _Predictive:
    x = years.astype(float)
    x_new = target_years.astype(float)
    with np.errstate(all="ignore"):
        if method == "linear":
            factor = _scale_of(values)
            return _regression_predictive(x, values / factor, x_new, log=False, factor=factor)
        if method == "log_linear":
            return _regression_predictive(x, np.log(values), x_new, log=True, factor=1.0)
        if method in DRIFT_METHODS:
            z, factor = _model_space(method, values)
            return _drift_predictive(x, z, x_new, log=method == "log_drift", factor=factor)
    horizons = (target_years - years[-1]).astype(np.int64)
    if method == "log_damped":
        inner = _damped_predictive(np.log(values), horizons, damped_fit)
        return _Predictive(
            centre=inner.centre * inner.factor, scale=inner.scale * inner.factor, df=inner.df, log=True, factor=1.0
        )
    return _damped_predictive(values, horizons, damped_fit)


def _combine(chosen: _Predictive, drift: _Predictive) -> _Predictive:
    """Equal-weight average of two forecasts in the same model space (both log, or both value / factor).

    The scale stays the chosen model's own: it is only the floor under the calibrated interval, which the backtest
    errors of the average itself set.  (The average of the two scales, an upper bound on the average's s.d., was
    tried: it made the synthetic held-out 80 % intervals cover 0.91, too wide.)
    """
    if chosen.log != drift.log:
        raise ValueError("a combination needs both forecasts in the same model space")
    ratio = 1.0 if chosen.log else drift.factor / chosen.factor
    return _Predictive(
        centre=(chosen.centre + drift.centre * ratio) / 2,
        scale=chosen.scale,
        df=chosen.df,
        log=chosen.log,
        factor=chosen.factor,
    )


# ---------------------------------------------------------------------------------------------------------------------
# Calibration: intervals from the forecast's own rolling-origin errors, and the structural-break guard (the rules are
# in the module docstring, "Calibrated intervals").  The fit's residual variance assumes the model is right; on real
# series (revisions, policy pushes, census rebasing) it is not, and the 80 % intervals covered about half of the
# outcomes.


def _model_space(method: str, values: np.ndarray) -> tuple[np.ndarray, float]:
    """The series in the method's model space and the scale factor (1 for the log models)."""
    if method in LOG_METHODS:
        return np.log(values), 1.0
    factor = _scale_of(values)
    return values / factor, factor


def _origin_centres(
    method: str,
    years: np.ndarray,
    z: np.ndarray,
    origins: Sequence[int],
    known: dict[int, _DampedFit] | None = None,
) -> dict[int, np.ndarray]:
    """For each origin k: the model fitted on z[:k] only, predicting every later observed year (z[k:]).  ``known``:
    damped fits the selection's backtest already made at some origins (same data, same scale), reused."""
    x = years.astype(float)
    centres: dict[int, np.ndarray] = {}
    with np.errstate(all="ignore"):
        if method in DAMPED_METHODS:
            factor = _scale_of(z)
            known = known or {}
            missing = [k for k in origins if k not in known]
            fitted = dict(zip(missing, _fit_damped(z / factor, missing), strict=True)) if missing else {}
            for k in origins:
                fit = known.get(k) or fitted[k]
                horizons = np.arange(1, len(z) - k + 1)
                centres[k] = fit.forecast(horizons) * factor
        elif method in DRIFT_METHODS:
            for k in origins:
                centres[k] = z[k - 1] + (z[k - 1] - z[0]) / (x[k - 1] - x[0]) * (x[k:] - x[k - 1])
        else:
            for k in origins:
                intercept, slope, xm, _, _, _ = _ols(x[:k], z[:k])
                centres[k] = intercept + slope * (x[k:] - xm)
    return centres


def _robust_sd(errors: np.ndarray) -> float:
    median = float(np.median(errors))
    return 1.4826 * float(np.median(np.abs(errors - median)))


def _conformal_radius(errors: Sequence[float], level: float) -> float:
    """Split-conformal radius: the ceil((n + 1)·level)-th smallest |error| (the small-sample inflation of the plain
    level quantile), or inf when that rank is beyond n (too few errors for this level)."""
    n = len(errors)
    rank = math.ceil((n + 1) * level - 1e-9)
    if n == 0 or rank > n:
        return math.inf
    return float(np.sort(np.abs(np.asarray(errors, dtype=float)))[rank - 1])


def _calibrate(
    method: str,
    years: np.ndarray,
    values: np.ndarray,
    predictive: _Predictive,
    centres: dict[int, np.ndarray],
    level: float,
    refit=None,
) -> tuple[_Predictive, int, int | None]:
    """Widen ``predictive`` to the spread of the forecast's own rolling-origin errors; guard against a recent break.

    ``centres``: for each origin k, the forecast path fitted on the first k observations only (the chosen model, or
    its equal-weight average with the drift path), in the chosen model's space, at every later observed year.
    ``refit(values) -> _Predictive`` redoes the forecast on a level-shifted series.  Returns the calibrated
    predictive, the number of one-step errors behind it and the year of a level shift (or None).
    """
    origins = sorted(centres)
    if not origins:
        return predictive, 0, None
    z, factor = _model_space(method, values)
    model_log = method in LOG_METHODS
    # Relative (log-scale) errors for a positive series, when every backtest path stays positive; else model space.
    log_space = (
        CALIBRATE_ON_LOG and not model_log and bool(np.all(values > 0)) and all(np.all(centres[k] > 0) for k in origins)
    )
    by_horizon: dict[int, list[float]] = {}
    one_step: list[tuple[int, float, float]] = []  # (index predicted, model-space error, calibration-space error)
    with np.errstate(all="ignore"):
        for k in origins:
            model_errors = z[k:] - centres[k]
            errors = np.log(z[k:] / centres[k]) if log_space else model_errors
            for offset, (error, model_error) in enumerate(zip(errors.tolist(), model_errors.tolist(), strict=True)):
                if not math.isfinite(error):
                    continue
                horizon = int(years[k + offset] - years[k - 1])
                by_horizon.setdefault(horizon, []).append(error)
                if offset == 0:
                    one_step.append((k, model_error, error))
    if not one_step:
        return predictive, 0, None

    # Structural-break guard: a one-step error at one of the last two observations that is an outlier against the
    # earlier ones (more than BREAK_RATIO robust s.d. from their median, the s.d. from the MAD) is treated as a level
    # shift: the earlier observations are moved by the shift before the final fit, so the jump is not read as a
    # trend, and the shift's size is added to the interval's variance (it may or may not persist).
    shift, shift_size, shift_index = 0.0, 0.0, None
    for index, error, calibration_error in one_step[-2:]:  # the earlier first: a step then explains the last too
        history = np.array([e for i, e, _ in one_step if i < index])
        if len(history) < BREAK_MIN_HISTORY:
            continue
        spread = max(_robust_sd(history), 1e-9 * (1.0 + float(np.max(np.abs(z)))))
        if abs(error - float(np.median(history))) > BREAK_RATIO * spread:
            shift, shift_size, shift_index = error, calibration_error, index
            break
    centre = predictive.centre
    if shift_index is not None and refit is not None:
        adjusted = z.copy()
        adjusted[:shift_index] += shift
        adjusted_values = np.exp(adjusted) if model_log else adjusted * factor
        try:
            moved = refit(adjusted_values)
            rescaled = moved.centre if predictive.log else moved.centre * (moved.factor / predictive.factor)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            rescaled = None  # the refit failed on the adjusted series: the unadjusted centre, the widened interval
        if rescaled is not None and np.all(np.isfinite(rescaled)):
            centre = rescaled

    own_scale = predictive.scale
    if log_space:
        if not np.all(centre > 0):  # the final path reaches zero: relative errors cannot describe it
            log_space = False
            by_horizon = {}
            for k in origins:
                for offset, error in enumerate((z[k:] - centres[k]).tolist()):
                    if math.isfinite(error):
                        by_horizon.setdefault(int(years[k + offset] - years[k - 1]), []).append(error)
            shift_size = shift
        else:
            own_scale = predictive.scale / centre  # the model's own interval, as a relative (log) half-width
            centre = np.log(centre * predictive.factor)

    df = float(max(2, len(one_step) - 1))
    if predictive.df is not None:  # the smaller of the two: never surer than the model itself
        df = min(df, predictive.df)
    quantile = _t_quantile((1 + level) / 2, df)
    horizons = np.arange(1, len(centre) + 1)
    pooled = [e * e / h for h, errs in by_horizon.items() for e in errs]
    pooled_variance = float(np.mean(pooled)) if pooled else 0.0
    sigma = np.empty(len(horizons))
    for i, h in enumerate(horizons.tolist()):
        errs = by_horizon.get(h, [])
        own = 0.0
        if len(errs) >= CALIBRATION_MIN_ERRORS:
            radius = _conformal_radius(errs, level) if CONFORMAL else math.inf
            if math.isfinite(radius):
                own = radius / quantile
            else:  # too few errors for this level's rank: their root mean square, but never inside the largest
                # |error| (the radius of every lower level whose rank there are errors for: levels stay nested)
                largest = float(np.max(np.abs(errs)))
                own = max(math.sqrt(float(np.mean(np.square(errs)))), largest / quantile if CONFORMAL else 0.0)
        sigma[i] = max(own, math.sqrt(pooled_variance * h))
    # never narrower than the model's own interval, and never narrower a year later (a relative floor can shrink as
    # the path grows, so the running maximum is taken after the floor)
    sigma = np.maximum.accumulate(np.maximum(own_scale, sigma))
    scale = np.sqrt(sigma**2 + shift_size * shift_size)
    if log_space:
        calibrated = _Predictive(centre=centre, scale=scale, df=df, log=True, factor=1.0)
    else:
        calibrated = _Predictive(centre=centre, scale=scale, df=df, log=predictive.log, factor=predictive.factor)
    shift_year = int(years[shift_index]) if shift_index is not None else None
    return calibrated, len(one_step), shift_year


# ---------------------------------------------------------------------------------------------------------------------
# Public API


def required_annual_growth(last_value: float, target: float, years: int) -> tuple[float | None, str | None]:
    """``(rate, None)`` with the compound rate ``(target / last_value)^(1 / years) - 1``, or ``(None, reason)``."""
    if years <= 0:
        return None, "the deadline is not after the last observation"
    if not last_value > 0:
        return None, f"the last value ({last_value:g}) is not positive, so a compound growth rate is undefined"
    if not target > 0:
        return None, f"the target ({target:g}) is not positive, so a compound growth rate is undefined"
    exponent = (math.log(target) - math.log(last_value)) / years
    if exponent > 700:
        return None, "the required growth is too large to represent"
    return math.expm1(exponent), None


def forecast_series(
    points: Iterable[tuple[int, float]],
    target: float,
    deadline: int,
    comparator: str = "ge",
    level: float = 0.8,
    *,
    methods: Sequence[str] | None = None,
    calibrate: bool = True,
    combine: bool = COMBINE_WITH_DRIFT,
    floor: float | None = None,
) -> ForecastResult:
    """Project a yearly series to ``deadline`` and assess the target (see the module docstring for the rules).

    ``comparator`` says what meeting the target means: ``ge``/``gt`` (value ≥ / > target) or ``le``/``lt``.
    ``level`` is the central prediction-interval coverage (0.8 → 10 % and 90 % bounds).  ``methods`` restricts the
    candidate models (default: all of :data:`METHODS`).  ``calibrate=False`` keeps the model's own interval (the fit's
    variance) instead of widening it to the rolling-origin backtest errors and applying the break guard.
    ``combine=False`` keeps the chosen model's own path (no average with the drift path).  ``floor`` is the least
    value the quantity can take (0 for a count or an amount): the forecast and its interval are cut there and the
    probability is that of the value so cut.
    """
    if comparator not in COMPARATORS:
        raise ValueError(f"comparator must be one of {', '.join(COMPARATORS)}, not {comparator!r}")
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < float(level) < 1:
        raise ValueError(f"level must be a number strictly between 0 and 1, not {level!r}")
    level = float(level)
    if isinstance(target, bool) or not isinstance(target, Real | Decimal) or not math.isfinite(float(target)):
        raise ValueError(f"target must be a finite number, not {target!r}")
    target = float(target)
    if isinstance(deadline, bool) or not isinstance(deadline, Integral) or not YEAR_MIN <= deadline <= YEAR_MAX:
        raise ValueError(f"deadline must be a year (an integer), not {deadline!r}")
    deadline = int(deadline)
    if floor is not None:
        if isinstance(floor, bool) or not isinstance(floor, Real | Decimal) or not math.isfinite(float(floor)):
            raise ValueError(f"floor must be a finite number or None, not {floor!r}")
        floor = float(floor)
    allowed = list(METHODS) if methods is None else list(dict.fromkeys(methods))
    unknown = [m for m in allowed if m not in METHODS]
    if unknown or not allowed:
        raise ValueError(f"unknown method {unknown[0] if unknown else None!r}; choose from {', '.join(METHODS)}")

    years, values = _validate_points(points)
    n = len(years)
    if n and deadline - int(years[-1]) > MAX_HORIZON:
        raise ValueError(f"deadline {deadline} is more than {MAX_HORIZON} years after the last observation")

    result = ForecastResult(
        method=INSUFFICIENT_DATA,
        backtest_mape=None,
        forecast=[],
        required_annual_growth=None,
        probability_of_meeting_target=None,
        n_observations=n,
        warnings=[],
        target=target,
        deadline=deadline,
        comparator=comparator,
        level=level,
        floor=floor,
    )
    notes = result.warnings
    if n:
        result.last_year, result.last_value = int(years[-1]), float(values[-1])

    gaps = _missing_years(years)
    if gaps:
        shown = ", ".join(str(y) for y in gaps[:12]) + (", …" if len(gaps) > 12 else "")
        notes.append(
            f"years are not consecutive (missing {shown}); trend models use the actual years and the damped trend "
            "model is not considered"
        )
    constant = n >= MIN_OBSERVATIONS and bool(np.all(values == values[0]))
    if constant:
        notes.append(
            f"the series is constant at {values[0]:g}: the forecast is flat and its interval has zero width, "
            "since the data show no variation"
        )

    if n < MIN_OBSERVATIONS:
        notes.append(f"need at least {MIN_OBSERVATIONS} observations to forecast; got {n}")
    else:
        _choose_and_forecast(
            result, years, values, allowed, gaps=bool(gaps), constant=constant, calibrate=calibrate, combine=combine
        )

    if n:
        growth, reason = required_annual_growth(float(values[-1]), target, deadline - int(years[-1]))
        result.required_annual_growth = growth
        if reason and deadline > years[-1]:
            notes.append(f"required annual growth is undefined: {reason}")
        if deadline <= years[-1]:
            observed = dict(zip(years.tolist(), values.tolist(), strict=True)).get(deadline)
            message = f"the deadline {deadline} is not after the last observed year {int(years[-1])}, so nothing is "
            if observed is None:
                message += f"forecast; {deadline} was not observed, so the probability of meeting the target is unknown"
            else:
                result.probability_of_meeting_target = float(_compare(observed, target, comparator))
                message += f"forecast; the probability is decided by the value observed in {deadline} ({observed:g})"
            notes.append(message)
    return result


def _missing_years(years: np.ndarray) -> list[int]:
    if len(years) < 2:
        return []
    present = set(years.tolist())
    return [y for y in range(int(years[0]), int(years[-1]) + 1) if y not in present]


def _sort_key(mape: float | None) -> float:
    return math.inf if mape is None else mape


def _better(candidate: float, incumbent: float) -> bool:
    """Does the more complex candidate beat the simpler incumbent by more than the tie tolerance?"""
    return candidate < incumbent - (TIE_ABSOLUTE + TIE_RELATIVE * incumbent)


def _choose_and_forecast(
    result: ForecastResult,
    years: np.ndarray,
    values: np.ndarray,
    allowed: list[str],
    *,
    gaps: bool,
    constant: bool,
    calibrate: bool = True,
    combine: bool = True,
) -> None:
    n = len(years)
    notes = result.warnings
    candidates: list[str] = []
    for method in METHODS:
        if method not in allowed:
            continue
        if method in LOG_METHODS and not bool(np.all(values > 0)):
            if method == "log_linear":  # one note for both log models
                notes.append(
                    "the log-linear (compound growth) model is not considered: the series has zero or negative values"
                )
            continue
        if method in DAMPED_METHODS and (gaps or constant or n < DAMPED_MIN_TRAIN + DAMPED_MIN_BACKTEST):
            continue  # gaps and constancy are already explained; short series simply use the regressions
        candidates.append(method)
    if not candidates:
        notes.append("none of the requested models applies to this series; using the linear trend")
        candidates = ["linear"]

    # Rolling-origin backtest on common origins.
    start = max(MIN_BACKTEST_ORIGIN, *(MIN_TRAIN[m] for m in candidates))
    origins = [k for k in range(start, n) if values[k] != 0]
    skipped = sum(1 for k in range(start, n) if values[k] == 0)
    mapes: dict[str, float | None] = {}
    select_horizon = max(1, min(SELECTION_MAX_HORIZON, result.deadline - int(years[-1])))
    damped_fits: dict[str, _DampedFit] = {}  # each damped model's fit on the whole series, from the backtest's batch
    origin_fits: dict[str, dict[int, _DampedFit]] = {m: {} for m in DAMPED_METHODS}  # its fits at each origin
    # The damped trend on the values and on their logs: one batch of fits (the same fits as one at a time).
    damped = [m for m in candidates if m in DAMPED_METHODS]
    damped_outcomes: dict[str, Any] = {}
    if damped:
        try:
            with np.errstate(all="ignore"):
                spaces = [np.log(values) if m == "log_damped" else values for m in damped]
            outcomes = _damped_one_step_batch(spaces, origins, [origin_fits[m] for m in damped])
            damped_outcomes = dict(zip(damped, outcomes, strict=True))
        except Exception as exc:  # each damped model then drops out below, the others remain
            damped_outcomes = dict.fromkeys(damped, exc)
    for method in list(candidates):
        errors = []
        try:
            if method in DAMPED_METHODS:
                outcome = damped_outcomes[method]
                if isinstance(outcome, Exception):
                    raise outcome
                predictions, damped_fits[method] = outcome
                if method == "log_damped":
                    predictions = [math.exp(min(p, 709.0)) for p in predictions]
            else:
                predictions = _one_step_many(method, years, values, origins)
            for k, predicted in zip(origins, predictions, strict=True):
                with np.errstate(all="ignore"):
                    errors.append(abs(values[k] - predicted) / abs(values[k]))
            if select_horizon > 1 and origins:  # also score the horizons the forecast is for (up to 3 years)
                z, factor = _model_space(method, values)
                centres = _origin_centres(method, years, z, origins, origin_fits.get(method))
                with np.errstate(all="ignore"):
                    for k in origins:
                        for offset in range(1, min(select_horizon, n - k)):
                            j = k + offset
                            if values[j] != 0:
                                c = centres[k][offset]
                                predicted = math.exp(min(c, 709.0)) if method in LOG_METHODS else c * factor
                                errors.append(abs(values[j] - predicted) / abs(values[j]))
        except Exception:  # a model that cannot be fitted drops out; the others remain
            notes.append(f"the {_LABELS[method]} model could not be fitted during the backtest and is not considered")
            candidates.remove(method)
            continue
        with np.errstate(all="ignore"):
            mape = float(np.mean(errors)) if errors else None
        mapes[method] = math.inf if mape is not None and not math.isfinite(mape) else mape
    if not candidates:
        candidates, mapes = ["linear"], {"linear": None}
    result.backtest_points = len(origins)
    if skipped:
        notes.append(f"the backtest skipped {skipped} held-out year(s) with value 0 (percentage error undefined)")

    scored = [m for m in candidates if mapes.get(m) is not None]
    if not scored:
        chosen = candidates[0]
        if start >= n:
            notes.append(
                f"too few observations for a backtest (need at least {start + 1}); using the {_LABELS[chosen]} model"
            )
        else:
            notes.append(f"the backtest error cannot be computed; using the {_LABELS[chosen]} model")
        ranking = candidates
    else:
        chosen = scored[0]
        for method in scored[1:]:
            if _better(mapes[method], mapes[chosen]):
                chosen = method
        others = sorted((m for m in candidates if m != chosen), key=lambda m: _sort_key(mapes.get(m)))
        ranking = [chosen, *others]

    last_year = int(years[-1])
    future = np.arange(last_year + 1, max(result.deadline, last_year + 1) + 1, dtype=np.int64)
    predictive = None
    for method in [*ranking, "linear"]:
        try:
            candidate = _predictive(method, years, values, future, damped_fits.get(method))
        except Exception:
            candidate = None
        if candidate is not None and candidate.finite(result.level):
            predictive = candidate
            if method != chosen:
                notes.append(
                    f"the {_LABELS[chosen]} forecast is numerically unstable for this series; "
                    f"using the {_LABELS[method]} model instead"
                )
            chosen = method
            break
    if predictive is None:  # cannot happen for validated input, but never return nonsense
        notes.append("no model produced a finite forecast")
        result.candidate_mapes = {m: _finite_or_none(v) for m, v in mapes.items()}
        return

    # The chosen model's path from every backtest origin (first k observations only), in its model space: the
    # combination's and the calibrated interval's backtest both come from these.
    calibration_origins = list(range(start, n))
    centres: dict[int, np.ndarray] = {}
    if calibration_origins and (calibrate or combine) and not constant:
        try:
            z, _ = _model_space(chosen, values)
            centres = _origin_centres(chosen, years, z, calibration_origins, origin_fits.get(chosen))
        except Exception:  # no backtest paths: the model's own interval
            centres = {}
    partner = None
    if combine and scored and chosen not in DRIFT_METHODS:  # without a backtest the documented default stands
        option = "log_drift" if chosen in LOG_METHODS else "drift"
        if option in candidates:
            try:
                drift_centres = _origin_centres(option, years, z, calibration_origins) if centres else {}
                merged = _combine(predictive, _predictive(option, years, values, future))
            except Exception:  # the combination is an improvement, never a requirement
                merged = None
            if merged is not None and merged.finite(result.level):
                predictive, partner = merged, option
                if centres:
                    centres = {k: (centres[k] + drift_centres[k]) / 2 for k in centres}
    result.combined_with = partner

    def refit(adjusted: np.ndarray) -> _Predictive:
        moved = _predictive(chosen, years, adjusted, future)
        return _combine(moved, _predictive(partner, years, adjusted, future)) if partner else moved

    try:
        calibrated = None
        if calibrate and not constant and centres:
            calibrated, result.calibration_errors, result.level_shift_year = _calibrate(
                chosen, years, values, predictive, centres, result.level, refit
            )
    except Exception:  # calibration must never lose the forecast itself; the model's own interval remains
        calibrated = None
        notes.append("the interval could not be calibrated on the backtest; it is the model's own")
    if calibrated is not None and calibrated.finite(result.level) and result.calibration_errors:
        result.interval_scale = "log" if calibrated.log else "model"
        predictive = calibrated
        result.interval_source = "backtest"
        if result.calibration_errors < CALIBRATION_MIN_ERRORS + 2:
            notes.append(
                f"the interval rests on only {result.calibration_errors} backtest errors; it is at least as wide "
                "as the model's own"
            )
    if result.level_shift_year is not None:
        notes.append(
            f"a level shift in {result.level_shift_year} is treated as a step, not a trend: the forecast starts "
            "from the new level and the interval is widened by the size of the shift"
        )

    result.method = chosen
    result.candidate_mapes = {m: _finite_or_none(v) for m, v in mapes.items()}
    result.backtest_mape = _finite_or_none(mapes.get(chosen))
    if mapes.get(chosen) == math.inf:
        notes.append("the backtest error of the chosen model is too large to represent")
    if result.deadline > last_year:
        result.forecast = predictive.rows(future.tolist(), result.level, result.floor)
        result.probability_of_meeting_target = predictive.probability(
            result.target, result.comparator, floor=result.floor
        )
        if result.floor is not None and result.forecast != predictive.rows(future.tolist(), result.level):
            notes.append(
                f"the quantity cannot fall below {result.floor:g}: the forecast and its interval are cut there"
            )
        if float(predictive.scale[-1]) == 0.0 and not constant:
            notes.append("the model fits the observations exactly, so the prediction interval has zero width")


def annual_path(
    baseline_year: int, baseline_value: float, target_year: int, target_value: float, kind: str
) -> list[tuple[int, float]]:
    """Yearly planned path from the baseline to the target, both ends included: ``[(year, value), ...]``.

    ``kind="linear"``: equal additive steps, for counts (enterprises, platforms).
    ``kind="compound"``: equal growth rate ``(target / baseline)^(1 / years) - 1`` per year, for ratios and intensities
    (R&D intensity, high-tech output share); both values must be > 0.
    The first and last values are exactly the baseline and target.
    """
    if kind not in ("linear", "compound"):
        raise ValueError(f"kind must be 'linear' or 'compound', not {kind!r}")
    for name, year in (("baseline_year", baseline_year), ("target_year", target_year)):
        if isinstance(year, bool) or not isinstance(year, Integral):
            raise ValueError(f"{name} must be an integer year, not {year!r}")
    for name, value in (("baseline_value", baseline_value), ("target_value", target_value)):
        if isinstance(value, bool) or not isinstance(value, Real | Decimal) or not math.isfinite(float(value)):
            raise ValueError(f"{name} must be a finite number, not {value!r}")
    if target_year <= baseline_year:
        raise ValueError(f"target_year ({target_year}) must be after baseline_year ({baseline_year})")
    start, end = float(baseline_value), float(target_value)
    span = int(target_year) - int(baseline_year)
    if kind == "compound":
        if not (start > 0 and end > 0):
            raise ValueError("a compound path needs positive baseline and target values")
        log_ratio = math.log(end) - math.log(start)
        middle = [start * math.exp(log_ratio * i / span) for i in range(1, span)]
    else:
        middle = [start + (end - start) * i / span for i in range(1, span)]
    values = [start, *middle, end]
    return [(int(baseline_year) + i, v) for i, v in enumerate(values)]


# ---------------------------------------------------------------------------------------------------------------------
# Helpers


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Integral):
        return int(obj)
    if isinstance(obj, Real):
        number = float(obj)
        return number if math.isfinite(number) else None
    return obj
