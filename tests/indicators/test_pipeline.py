"""The bottom-up projection on the indicator page, from the enterprise register's reserve pool (issue 10, defect 11):
counted from the real register through core.registry, never from firms that already hold the title."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.enterprises.models import LadderResult, Qualification
from kechuang.enterprises.selectors import reserve_pool


@pytest.fixture
def register(db):
    """A demo-like register: the demo generator's seed, a few hundred firms, stored verdicts."""
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.services import ladder_evaluate_register

    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, 600, seed=2026, history=True)
    ladder_evaluate_register()
    return city


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
    assert pipeline["applicable"] and not pipeline.get("empty")
    today = timezone.localdate()
    valid = (
        Qualification.objects.filter(
            tier="high_tech", revoked=False, issue_date__lte=dt.date(today.year, 12, 31), expiry_date__gte=today
        )
        .values("enterprise")
        .distinct()
        .count()
    )
    assert pipeline["latest"] <= valid
    assert 'data-testid="pipeline"' in response.content.decode()
