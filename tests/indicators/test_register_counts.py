"""Counts the enterprise register can make are counted from it (issue 10, defect 9).

The cockpit showed 科技型中小企业 2,481 (the indicator's demo series) beside 1,042 (the register) with no word on
why. The register's counts now feed their indicators through core.registry (by district and for the city, with
revisions and the provenance 本平台企业库统计); an official figure entered by a person is never overwritten, and the
pages show both, labelled; the demo series agree with the demo register."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import OrgUnit
from kechuang.enterprises.models import Enterprise, Qualification
from kechuang.indicators.models import Observation
from kechuang.indicators.services import observation_save, sync_feeds
from tests.conftest import loaded_once
from tests.indicators.conftest import demo_register

REGISTER_SOURCE = "本平台企业库统计"
TIERS = {"tech_sme": "tech_smes", "high_tech": "high_tech_enterprises"}


def _register_and_catalogue(city: OrgUnit) -> OrgUnit:
    from kechuang.indicators.catalogue import catalogue_load

    catalogue_load(actor=None, city=city)
    return demo_register(city)


register_once = loaded_once(_register_and_catalogue)


@pytest.fixture
def register(register_once, db):
    """A demo-like register (the demo generator's seed) with stored verdicts, and the catalogue (once per module)."""
    return register_once


def held_today(tier: str, **where) -> int:
    today = timezone.localdate()
    return (
        Qualification.objects.filter(
            tier=tier,
            revoked=False,
            issue_date__lte=today,
            expiry_date__gte=today,
            enterprise__status=Enterprise.Status.ACTIVE,
            **{f"enterprise__{k}": v for k, v in where.items()},
        )
        .values("enterprise")
        .distinct()
        .count()
    )


def city_value(code: str, year: int) -> Observation | None:
    return Observation.objects.filter(indicator__code=code, region__code="zibo", year=year, quarter=0).first()


COUNTED = {**TIERS, "specialized_sme": "specialized_smes", "little_giant": "little_giants"}  # issue 14, item 3


@pytest.mark.parametrize("tier", COUNTED)
def test_register_counts_feed_their_indicator(register, tier):
    code, year = COUNTED[tier], timezone.localdate().year
    assert held_today(tier) > 0  # precondition
    sync_feeds()
    obs = city_value(code, year)
    assert obs is not None and obs.value == held_today(tier) and obs.source == REGISTER_SOURCE and not obs.is_demo
    for region in OrgUnit.objects.regions():  # per region × year: every region the register has holders in
        held = held_today(tier, region=region)
        found = Observation.objects.filter(indicator__code=code, region=region, year=year, quarter=0).first()
        assert (found.value if found else 0) == held
    assert not Observation.objects.filter(indicator__code=code, year__gt=year).exists()  # no future "observation"


def test_a_closed_firm_revises_the_count_after_commit(register, persona, django_capture_on_commit_callbacks):
    from kechuang.enterprises.services import enterprise_set_status

    year = timezone.localdate().year
    sync_feeds()
    before = city_value("high_tech_enterprises", year).value
    today = timezone.localdate()
    holder = (
        Qualification.objects.filter(tier="high_tech", revoked=False, issue_date__lte=today, expiry_date__gte=today)
        .first()
        .enterprise
    )
    with django_capture_on_commit_callbacks(execute=True):
        enterprise_set_status(actor=persona("bureau_staff"), enterprise=holder, status="closed", reason="注销")
    obs = city_value("high_tech_enterprises", year)
    assert obs.value == before - 1 and obs.revisions.get().value == before  # the previous count is kept


def test_an_official_figure_is_kept_and_shown_beside_the_register_count(register, persona, client_as):
    year = timezone.localdate().year - 1
    sync_feeds()
    counted = city_value("tech_smes", year).value
    official = Decimal(2481)
    observation_save(
        actor=persona("bureau_staff"),
        indicator=city_value("tech_smes", year).indicator,
        region=register,
        year=year,
        value=official,
        status=Observation.Status.FINAL,
        source="山东省科技厅公布（入库名单）",
        reason="省厅公布数",
    )
    assert sync_feeds() == 0 or city_value("tech_smes", year).value == official  # never overwritten by the feed
    assert city_value("tech_smes", year).value == official
    html = client_as("bureau_staff").get(reverse("indicators:detail", args=["tech_smes"])).content.decode()
    assert 'data-testid="register-vs-official"' in html
    assert "山东省科技厅公布" in html and REGISTER_SOURCE in html
    assert f"{official:,.0f}" in html and f"{counted:,.0f}" in html


def test_cockpit_headline_is_the_register_count_with_its_provenance(register, client_as):
    from kechuang.indicators.demo import load_demo

    load_demo(register)
    html = client_as("leader").get("/").content.decode()
    count = f"{held_today('tech_sme'):,}"
    assert f"{count} 家" in html  # the headline target's latest value …
    assert html.count(count) >= 2  # … and the register's card agree
    assert REGISTER_SOURCE in html


def test_demo_series_agree_with_the_demo_register(register):
    from kechuang.indicators.demo import DEMO_SOURCE, demo_years, load_demo

    load_demo(register)
    for tier, code in TIERS.items():
        fed = Observation.objects.filter(indicator__code=code, quarter=0, source=REGISTER_SOURCE)
        assert fed.exists()
        first = min(fed.values_list("year", flat=True))
        # counted, never typed (issue 14): no generated value in any year, before the register's first either
        assert not Observation.objects.filter(indicator__code=code, source=DEMO_SOURCE).exists()
        assert not Observation.objects.filter(indicator__code=code, is_demo=True).exists()
        this_year = timezone.localdate().year
        assert city_value(code, this_year).value == held_today(tier)
        # the register's history is long enough for a trend forecast to the deadline (tech SMEs from 2017)
        assert first <= demo_years()[0] + 2, (code, first)
    # the demo register keeps its certificates' history: the count grows year by year, with no jump where the
    # register's memory would start
    counts = [
        o.value
        for o in Observation.objects.filter(
            indicator__code="high_tech_enterprises",
            region__code="zibo",
            quarter=0,
            source=REGISTER_SOURCE,
            year__gte=demo_years()[0],
        ).order_by("year")
    ]
    assert len(counts) >= 5 and all(b <= a * Decimal("1.6") for a, b in itertools.pairwise(counts))


def test_register_feeds_nothing_for_years_before_it_holds_titles(register):
    sync_feeds()
    first_issue = min(Qualification.objects.values_list("issue_date", flat=True))
    assert not Observation.objects.filter(source=REGISTER_SOURCE, year__lt=first_issue.year).exists()


def _card(html: str, name: str) -> str:
    """The cockpit's headline card of `name` (its HTML)."""
    return next(part for part in html.split("<article")[1:] if name in part.split("</article>")[0]).split("</article>")[
        0
    ]


@pytest.mark.parametrize("persona_name", ["leader", "zhangdian_officer"])
def test_cockpit_count_is_the_list_its_provenance_opens(register, client_as, persona_name):
    """Issue 14, item 3: read as a user reads it — the headline's latest value, then one click on its provenance,
    then the register list's own count ("共 N 条"). No selector is shared between the two numbers."""
    import re

    from kechuang.indicators.demo import load_demo

    load_demo(register)
    client = client_as(persona_name)
    card = _card(client.get("/").content.decode(), "科技型中小企业数量")
    shown = int(re.search(r"最新 <a[^>]*>([\d,]+)", card).group(1).replace(",", ""))
    link = re.search(r'href="([^"]+)" data-testid="provenance-link"', card).group(1).replace("&amp;", "&")
    assert "held=tech_sme" in link
    listed = client.get(link).content.decode()
    assert int(re.search(r"共 ([\d,]+) 条", listed).group(1).replace(",", "")) == shown
    # the indicator page names the register, its rule and when it counted, with the same link
    detail = client.get("/indicators/tech_smes/").content.decode()
    assert REGISTER_SOURCE in detail and "持有有效资质" in detail and link.replace("&", "&amp;") in detail
