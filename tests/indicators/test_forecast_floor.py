"""A count is never forecast below zero: a declining count's band stops at 0 on every page that shows the forecast
(the briefing's chart drew its axis down to −200 for a falling tech-SME count; the API, the detail page and the
platform board read the same forecast)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kechuang.core.models import OrgUnit
from kechuang.indicators import briefing
from kechuang.indicators.models import Indicator, Observation
from kechuang.policy.selectors import default_policy

pytestmark = pytest.mark.django_db

# A tech-SME count falling by about 110 a year: its trend crosses zero before the 2027 deadline.
FALLING = {2016: 1000, 2017: 905, 2018: 770, 2019: 690, 2020: 545, 2021: 470, 2022: 320, 2023: 250, 2024: 120, 2025: 60}


@pytest.fixture
def falling_count(db) -> Indicator:
    city = OrgUnit.objects.get(code="zibo", parent=None)
    indicator = Indicator.objects.get(code="tech_smes")
    assert indicator.floor == 0.0
    for year, value in FALLING.items():
        Observation.objects.create(indicator=indicator, region=city, year=year, value=Decimal(value), source="test")
    return indicator


def _tick_labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end" fill="#66737f">([^<]*)<', svg)


def test_the_briefing_chart_of_a_falling_count_stays_above_zero(falling_count, persona):
    data = briefing.build(persona("leader"), default_policy(), "quarterly")
    item = next(i for i in data.items if i.card.indicator.code == "tech_smes")
    rows = item.forecast["forecast"]
    assert rows and rows[-1]["year"] == 2027
    assert all(min(r["lower"], r["value"], r["upper"]) >= 0 for r in rows), rows
    assert rows[-1]["lower"] == 0.0  # the band reached the floor: the case this test is about
    ticks = _tick_labels(item.chart_svg)
    assert ticks and not any(t.startswith(("-", "−")) for t in ticks), ticks
    # the probability agrees with the cut band: "more than 3000" is as unlikely as before
    assert item.forecast["probability_of_meeting_target"] < 0.01


def test_the_api_forecast_of_a_falling_count_stays_above_zero(falling_count, client, token_for):
    found = client.get("/api/indicators/tech_smes/forecast", **token_for("bureau_staff")).json()
    assert found["floor"] == 0.0
    assert found["forecast"] and all(r["lower"] >= 0 and r["value"] >= 0 for r in found["forecast"])


def test_an_index_has_no_floor(db):
    rank = Indicator(code="x_rank", aggregation=Indicator.Aggregation.NOT_ADDITIVE)
    assert rank.floor is None
    share = Indicator(code="x_share", aggregation=Indicator.Aggregation.RATIO_OF_SUMS, formula="a / b * 100")
    assert share.floor == 0.0
