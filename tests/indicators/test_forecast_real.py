"""`manage.py forecast` on the real published figures in kechuang/indicators/data/zibo-published-figures.csv, with the
last year held out.

What exists: the only real series with more than two years are Zibo's GDP (2006, 2011, 2015 — three gapped points
from the statistical bulletins) and Shandong's high-tech enterprise count (2021 and 2023, two points).  Holding out
the last year leaves two points, below the engine's three-point minimum, so the honest answer is
``insufficient_data`` — and the check is that the command says so instead of inventing a forecast, while the required
growth it still reports equals the growth that actually happened (the held-out value used as the target).  The full
three-point GDP series then exercises the gapped-years path against a hand-computed regression.  Longer real series
(e.g. the bureau's own 2015–2025 figures) are not public, so the demo series are generated and marked as such.
"""

from __future__ import annotations

import csv
import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

DATA = Path(__file__).resolve().parents[2] / "kechuang" / "indicators" / "data" / "zibo-published-figures.csv"


def published(indicator: str, region: str) -> list[tuple[int, float]]:
    with DATA.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator"] == indicator and r["region"] == region]
    return sorted((int(r["year"]), float(r["value"])) for r in rows)


def forecast(tmp_path: Path, points: list[tuple[int, float]], target: float, deadline: int) -> dict:
    path = tmp_path / "series.csv"
    path.write_text("year,value\n" + "".join(f"{y},{v}\n" for y, v in points), encoding="utf-8")
    out = StringIO()
    call_command("forecast", "--series", str(path), "--target", str(target), "--deadline", str(deadline), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("indicator", "region", "expected_years"),
    [("gdp", "淄博市", [2006, 2011, 2015]), ("high_tech_enterprises", "山东省", [2021, 2023])],
)
def test_held_out_last_year_of_a_real_series(tmp_path, indicator, region, expected_years):
    series = published(indicator, region)
    assert [y for y, _ in series] == expected_years  # the file still holds what this test documents
    train, (held_year, held_value) = series[:-1], series[-1]
    data = forecast(tmp_path, train, target=held_value, deadline=held_year)
    assert data["method"] == "insufficient_data" and data["forecast"] == []
    assert any("at least 3 observations" in w for w in data["warnings"])
    last_year, last_value = train[-1]
    realised = (held_value / last_value) ** (1 / (held_year - last_year)) - 1
    assert data["required_annual_growth"] == pytest.approx(realised, rel=1e-12)
    json.dumps(data, allow_nan=False)


def test_real_gdp_series_with_gaps_uses_the_actual_years(tmp_path):
    series = published("gdp", "淄博市")  # 2006, 2011, 2015
    data = forecast(tmp_path, series, target=4500.0, deadline=2016)
    assert data["method"] == "linear" and data["backtest_mape"] is None
    assert any("not consecutive" in w for w in data["warnings"])
    # Hand-computed OLS on the actual years: x̄ = 2010.667, slope = Sxy / Sxx.
    xs, ys = [y for y, _ in series], [v for _, v in series]
    xm, ym = sum(xs) / 3, sum(ys) / 3
    sxx = sum((x - xm) ** 2 for x in xs)
    slope = sum((x - xm) * (v - ym) for x, v in zip(xs, ys, strict=True)) / sxx
    (point,) = data["forecast"]
    assert point["year"] == 2016
    assert point["value"] == pytest.approx(ym + slope * (2016 - xm), rel=1e-9)
    assert point["lower"] < point["value"] < point["upper"]
    assert math.isfinite(data["probability_of_meeting_target"])
