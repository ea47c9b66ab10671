"""The pure rules: grade bands (table from the module's defaults), candidate readiness, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.outreach import rules

C, CF = rules.COMMISSIONER_BANDS, rules.COMMISSIONER_FAIL
B, BF = rules.BASE_BANDS, rules.BASE_FAIL


@pytest.mark.parametrize(
    ("score", "bands", "fail", "expected"),
    [
        (100, C, CF, "优秀"),
        (90, C, CF, "优秀"),
        (89.9, C, CF, "良好"),
        (75, C, CF, "良好"),
        (74.9, C, CF, "合格"),
        (60, C, CF, "合格"),
        (59.9, C, CF, "不合格"),
        (0, C, CF, "不合格"),
        (85, B, BF, "优秀"),
        (84.9, B, BF, "合格"),
        (60, B, BF, "合格"),
        (59, B, BF, "不合格"),
    ],
)
def test_grade_bands(score, bands, fail, expected):
    assert rules.grade(score, bands, fail) == expected


@pytest.mark.parametrize("score", [-0.1, 100.1, 1000])
def test_grade_refuses_scores_outside_0_100(score):
    with pytest.raises(ValueError):
        rules.grade(score, C, CF)


@given(st.decimals(0, 100, places=1), st.decimals(0, 100, places=1))
def test_a_higher_score_never_gets_a_lower_grade(a, b):
    order = [CF, *[name for _f, name in sorted(C)]]  # 不合格 < 合格 < 良好 < 优秀
    low, high = sorted((a, b))
    assert order.index(rules.grade(low, C, CF)) <= order.index(rules.grade(high, C, CF))


def test_bands_text_states_every_band():
    assert rules.bands_text(C, CF) == "≥ 90 优秀；≥ 75 良好；≥ 60 合格；其余 不合格"


@pytest.mark.parametrize(
    ("scores", "run", "gap", "ready"),
    [
        ({}, 0, Decimal(85), False),
        ({2025: Decimal(90)}, 1, Decimal(0), False),
        ({2024: Decimal(86), 2025: Decimal(90)}, 2, Decimal(0), True),
        ({2024: Decimal(80), 2025: Decimal(90)}, 1, Decimal(0), False),
        ({2023: Decimal(90), 2025: Decimal(90)}, 1, Decimal(0), False),  # a missing year breaks the run
        ({2024: Decimal(90), 2025: Decimal(81)}, 0, Decimal(4), False),
    ],
)
def test_readiness(scores, run, gap, ready):
    r = rules.readiness(scores, threshold=Decimal(85), years=2)
    assert (r.years_at_threshold, r.gap, r.ready) == (run, gap, ready)


def test_totals_count_places_and_commissioners_once():
    fact = rules.LogFact(1, "r", "镇", "村", "村", 10, 1, Decimal(2))
    other = rules.LogFact(2, "r", "镇", "村", "村", 5, 0, Decimal(0))
    totals = rules.totals_by([fact, fact, other], key=lambda f: f.region)
    assert totals["r"].visits == 3 and len(totals["r"].commissioners) == 2 and len(totals["r"].places) == 1
    assert totals[None].people_trained == 25 and totals[None].income_wan == Decimal(4)
