"""The capability-score engine: table cases, the explanation adds up, the batch path equals the per-record path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.finance.scoring.engine import SchemeError, measures_from_profile, parse_scheme, score, score_batch

SCHEME_FILE = Path(__file__).resolve().parents[2] / "kechuang" / "finance" / "data" / "score_scheme.yaml"
SCHEME = parse_scheme(yaml.safe_load(SCHEME_FILE.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        ({}, {"rd_intensity": 0, "ip": 0, "qualifications": 0, "platforms": 0, "talents": 0, "growth": 0}),
        ({"rd_intensity": 0.99}, {"rd_intensity": 0}),
        ({"rd_intensity": 1.0}, {"rd_intensity": 50}),
        ({"rd_intensity": 3.0}, {"rd_intensity": 150}),
        ({"rd_intensity": 40}, {"rd_intensity": 250}),
        ({"ip": {"class_i": 2, "class_ii": 3}}, {"ip": 110}),
        ({"ip": {"class_i": 9}}, {"ip": 200}),  # 36 capped at 20
        ({"qualifications": {"high_tech": 1, "tech_sme": 1, "eligible": 1}}, {"qualifications": 140}),
        ({"platforms": {"provincial": 1, "municipal": 2}}, {"platforms": 150}),  # 16 capped at 15
        ({"talents": 12.5}, {"talents": 50}),
        ({"growth": -3}, {"growth": 0}),
        ({"growth": 0}, {"growth": 20}),
    ],
)
def test_points_per_criterion(measures, expected):
    result = score(measures, SCHEME)
    got = {line.code: line.points for line in result.lines}
    for code, points in expected.items():
        assert got[code] == points, code


def test_grade_and_no_data():
    full = {
        "rd_intensity": 9,
        "ip": {"class_i": 5},
        "qualifications": {"high_tech": 1, "little_giant": 1, "tech_sme": 1},
        "platforms": {"national": 1},
        "talents": 35,
        "growth": 31,
    }
    result = score(full, SCHEME)
    assert result.total == 1000 and result.grade == "A"
    empty = score({"rd_intensity": None}, SCHEME)
    assert empty.total == 0 and empty.grade == "D"
    rd = empty.lines[0]
    assert rd.value is None and rd.band is None and rd.next_band == (1.0, 50)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": ""}, "version"),
        ({"criteria": []}, "criteria"),
        ({"criteria": [{"code": "x", "kind": "bands", "max": 5, "bands": [[2, 1], [1, 2]]}]}, "criteria[0].bands[1]"),
        ({"criteria": [{"code": "x", "kind": "bands", "max": 5, "bands": [[1, 6]]}]}, "criteria[0].bands[0]"),
        ({"criteria": [{"code": "x", "kind": "items", "max": -1, "items": {"a": 1}}]}, "criteria[0].max"),
        ({"criteria": [{"code": "x", "kind": "other", "max": 1}]}, "criteria[0].kind"),
        ({"criteria": [{"code": "x", "kind": "items", "max": 1, "items": {"a": 0.25}}]}, "criteria[0].items.a"),
        ({"grades": [[50]]}, "grades[0]"),
    ],
)
def test_bad_scheme_names_the_field(change, field):
    data = yaml.safe_load(SCHEME_FILE.read_text(encoding="utf-8")) | change
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data)
    assert caught.value.field == field


def test_profile_to_measures():
    profile = {
        "years": {
            2024: {"operating_revenue": 1000, "rd_expense": 40, "employees": 100, "rd_staff": 15},
            2025: {"operating_revenue": 1250, "rd_expense": 50, "employees": 100, "rd_staff": 20},
        },
        "ip": {"class_i": 2, "class_ii": 4},
        "tiers_held": {"tech_sme": "2025370303000123"},
        "tiers_eligible": ["tech_sme", "high_tech"],
        "institutions": {"municipal": 1},
    }
    m = measures_from_profile(profile)
    assert m["rd_intensity"] == 4.0 and m["talents"] == 20.0 and m["growth"] == 25.0
    assert m["qualifications"] == {"tech_sme": 1, "eligible": 1}
    # a gap year: no growth is measured across it
    gap = measures_from_profile({"years": {2022: {"operating_revenue": 1}, 2025: {"operating_revenue": 2}}})
    assert gap["growth"] is None and gap["rd_intensity"] is None


numbers = st.one_of(st.none(), st.floats(-50, 200, allow_nan=False), st.integers(-5, 60))
counts = st.dictionaries(
    st.sampled_from(
        [
            "class_i",
            "class_ii",
            "high_value",
            "high_tech",
            "tech_sme",
            "eligible",
            "national",
            "provincial",
            "municipal",
            "below_municipal",
            "little_giant",
            "unknown",
        ]
    ),
    st.integers(0, 12),
    max_size=6,
)
firm = st.fixed_dictionaries(
    {
        "rd_intensity": numbers,
        "ip": counts,
        "qualifications": counts,
        "platforms": counts,
        "talents": numbers,
        "growth": numbers,
    }
)


@settings(max_examples=200, deadline=None)
@given(firm)
def test_explanation_adds_up_to_the_score(measures):
    result = score(measures, SCHEME)
    assert sum(line.points for line in result.lines) == result.total
    assert 0 <= result.total <= SCHEME.max_total
    for line in result.lines:
        assert line.points == line.raw - line.cut and 0 <= line.points <= line.max_points
        if line.kind == "items":
            assert sum(p.subtotal for p in line.parts) == line.raw
            assert all(p.count * p.each == p.subtotal for p in line.parts)
        else:
            assert line.raw == (line.band[1] if line.band else 0) and line.cut == 0
            if line.band is not None:
                assert line.value >= line.band[0]
            if line.next_band is not None and line.value is not None:
                assert line.value < line.next_band[0]
    assert result.grade == SCHEME.grade(result.total)


@settings(max_examples=60, deadline=None)
@given(st.lists(firm, min_size=0, max_size=25))
def test_batch_equals_per_record(firms):
    batch = score_batch(firms, SCHEME)
    for i, measures in enumerate(firms):
        one = score(measures, SCHEME)
        assert batch.totals[i] == one.total
        assert batch.grades[i] == one.grade
        for line in one.lines:
            assert batch.points[line.code][i] == line.points
