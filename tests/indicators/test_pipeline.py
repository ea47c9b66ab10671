"""The bottom-up projection on the indicator page, from the enterprise register's reserve pool (issue 10, defect 11):
counted from the real register through core.registry, never from firms that already hold the title."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.enterprises.models import LadderResult, Qualification
from kechuang.enterprises.selectors import reserve_pool
from tests.conftest import loaded_once
from tests.indicators.conftest import demo_register

register_once = loaded_once(demo_register)


@pytest.fixture
def register(register_once, db):
    """A demo-like register: the demo generator's seed, a few hundred firms, stored verdicts (once per module)."""
    return register_once


@pytest.mark.parametrize("tier,code", [("high_tech", "high_tech_enterprises"), ("tech_sme", "tech_smes")])
def test_projection_pool_leaves_out_firms_that_already_hold_the_title(register, persona, tier, code):
    from kechuang.indicators.selectors import pipeline_projection

    today = timezone.localdate()
    holders = Qualification.objects.filter(tier=tier, revoked=False, issue_date__lte=today, expiry_date__gte=today)
    near_holders = LadderResult.objects.filter(
        tier=tier, status="not_eligible", failed__in=(1, 2), enterprise__in=holders.values("enterprise")
    )
    assert near_holders.exists()  # precondition: the generator gives holders that fail today's rules
    staff = persona("bureau_staff")
    one = reserve_pool(staff, tier, max_failed=1).count()
    both = reserve_pool(staff, tier, max_failed=2).count()
    result = pipeline_projection(code, 2027, today.year)
    # the same pool as the reserve-pool page
    assert (result["one_away"], result["two_away"]) == (one, both - one)


def test_projection_on_the_indicator_page_from_the_register(register, client_as):
    response = client_as("bureau_staff").get(reverse("indicators:detail", args=["high_tech_enterprises"]))
    pipeline = response.context["pipeline"]
    assert pipeline["applicable"] and not pipeline["empty"]
    today = timezone.localdate()
    valid_today = (
        Qualification.objects.filter(
            tier="high_tech",
            revoked=False,
            issue_date__lte=today,
            expiry_date__gte=today,
            enterprise__status="active",
        )
        .values("enterprise")
        .distinct()
        .count()
    )
    assert pipeline["latest_year"] == today.year and pipeline["latest"] == valid_today  # the cockpit's count
    html = response.content.decode()
    assert 'data-testid="pipeline"' in html and f"{valid_today:,}" in html


def test_cockpit_one_away_is_the_reserve_pool(register, persona):
    """The enterprise cards' "one criterion away" beside the count is the same pool, not holders one short."""
    from kechuang.enterprises.selectors import cockpit_cards

    staff = persona("bureau_staff")
    cards = {c.title: c for c in cockpit_cards(staff)}
    high_tech = next(c for title, c in cards.items() if "高新" in str(title) or "High-tech" in str(title))
    assert f"{reserve_pool(staff, 'high_tech', max_failed=1).count():,}" in str(high_tech.detail)


def test_projection_adds_the_expected_conversions(register):
    from kechuang.core.registry import indicator_pipeline
    from kechuang.indicators.selectors import pipeline_projection

    year = timezone.localdate().year
    pipeline = indicator_pipeline("high_tech_enterprises")
    result = pipeline_projection("high_tech_enterprises", 2027, year)
    rates = result["rates"]
    expected = pipeline.counts[year] + pipeline.one_away * rates["one_away"] + pipeline.two_away * rates["two_away"]
    assert result["projected"] == pytest.approx(expected)
    assert result["secured"] == pipeline.counts.get(2027)
    assert indicator_pipeline("gdp") is None and pipeline_projection("gdp") == {"applicable": False}
