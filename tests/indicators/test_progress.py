"""Status rules: on track / at risk / off track against the annual path (documented in progress.py)."""

from __future__ import annotations

import pytest

from kechuang.indicators.progress import AT_RISK, NO_DATA, OFF_TRACK, ON_TRACK, assess, assess_quota


def _assess(series, **kw):
    args = dict(target=2000, target_year=2027, comparator="gt", baseline_year=2023, kind="linear")
    return assess(series, **{**args, **kw})


def test_no_data():
    assert _assess([]).status == NO_DATA


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        (1600, ON_TRACK),  # path 2025: 1200 + 2 × 200 = 1600
        (1601, ON_TRACK),
        (1400, AT_RISK),  # exactly half the planned progress (1200 + 0.5 × 400)
        (1399, OFF_TRACK),
        (1100, OFF_TRACK),
    ],
)
def test_linear_path_rule(latest, status):
    result = _assess([(2023, 1200), (2024, 1300), (2025, latest)])
    assert result.planned_value == pytest.approx(1600)
    assert result.status == status


def test_met_target_is_on_track_and_progress_is_capped():
    result = _assess([(2023, 1200), (2025, 2100)])
    assert result.status == ON_TRACK and result.gap == 0 and result.percent_of_target == 100


def test_compound_path_for_ratios():
    result = assess(
        [(2023, 2.4), (2024, 2.5), (2025, 2.6)],
        target=3.0,
        target_year=2027,
        comparator="ge",
        baseline_year=2023,
        kind="compound",
    )
    planned = 2.4 * (3.0 / 2.4) ** (2 / 4)
    assert result.planned_value == pytest.approx(planned)
    assert result.status == AT_RISK  # 2.6 < 2.683 but above 2.4 + 0.5 × (2.683 - 2.4)
    assert result.path[0] == (2023, 2.4) and result.path[-1] == (2027, 3.0)


def test_lower_is_better_is_mirrored():
    result = assess(
        [(2023, 100.0), (2025, 80.0)],
        target=60.0,
        target_year=2027,
        comparator="le",
        baseline_year=2023,
        kind="linear",
        lower_is_better=True,
    )
    assert result.planned_value == pytest.approx(80.0)
    assert result.status == ON_TRACK


def test_baseline_falls_back_to_the_last_value_before_the_baseline_year():
    result = _assess([(2020, 1000), (2022, 1100), (2025, 1500)])
    assert (result.baseline_year, result.baseline_value) == (2022, 1100)


@pytest.mark.parametrize(("value", "status"), [(30, ON_TRACK), (24, AT_RISK), (23, OFF_TRACK)])
def test_recurring_quota(value, status):
    assert assess_quota([(2024, 40), (2025, value)], quota=30, comparator="ge").status == status
