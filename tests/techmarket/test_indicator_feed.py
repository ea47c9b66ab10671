"""Registered contract turnover feeds the indicator module: registering or cancelling a contract rewrites the
observations of the two fed indicators, by region and for the city, after commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from kechuang.core.models import OrgUnit
from kechuang.indicators.catalogue import catalogue_load
from kechuang.indicators.models import Observation
from kechuang.indicators.services import sync_feeds
from kechuang.techmarket import services
from kechuang.techmarket.feed import FEED_CODES, SOURCE
from kechuang.techmarket.models import Contract
from tests.techmarket import factories as f

OUTPUT, ABSORBED = FEED_CODES["output"], FEED_CODES["absorbed"]


@pytest.fixture
def catalogue(db):
    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))


def values(code: str, year: int) -> dict[str, D]:
    return {
        o.region.code: o.value
        for o in Observation.objects.filter(indicator__code=code, year=year, quarter=0).select_related("region")
    }


def register(staff, c: Contract, on: dt.date) -> None:
    services.contract_submit(actor=staff, contract=c, on=on)
    services.contract_accept(actor=staff, contract=c, on=on)
    services.contract_register(actor=staff, contract=c, technology_amount_wan=c.total_amount_wan, on=on)


def test_registering_and_cancelling_moves_the_indicator(catalogue, persona, django_capture_on_commit_callbacks):
    staff = persona("bureau_staff")
    year = dt.date.today().year
    on = dt.date(year, 1, 15)
    first = f.contract(seller="zhangdian", buyer="zichuan", signed_on=on)
    with django_capture_on_commit_callbacks(execute=True):
        register(staff, first, on)
    assert values(OUTPUT, year) == {"zhangdian": D("100"), "zibo": D("100")}
    assert values(ABSORBED, year) == {"zichuan": D("100"), "zibo": D("100")}
    obs = Observation.objects.get(indicator__code=OUTPUT, region__code="zibo", year=year)
    assert obs.source == SOURCE and obs.status == Observation.Status.PRELIMINARY and not obs.is_demo

    # a second contract between two districts of the city counts once for the city
    second = f.contract(seller="zichuan", buyer="zhangdian", signed_on=on, total_amount_wan=D("40"))
    with django_capture_on_commit_callbacks(execute=True):
        register(staff, second, on)
    assert values(OUTPUT, year) == {"zhangdian": D("100"), "zichuan": D("40"), "zibo": D("140")}

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_cancel(actor=staff, contract=first, note="合同解除", on=dt.date(year, 1, 20))
    assert values(OUTPUT, year) == {"zhangdian": D("0"), "zichuan": D("40"), "zibo": D("40")}
    revised = Observation.objects.get(indicator__code=OUTPUT, region__code="zhangdian", year=year)
    assert revised.revisions.get().value == D("100")  # the previous value is kept


def test_nothing_reaches_the_indicators_when_the_registration_rolls_back(catalogue, persona):
    staff = persona("bureau_staff")
    c = f.contract(signed_on=dt.date(2025, 3, 1))
    register(staff, c, dt.date(2025, 3, 20))  # no commit inside the test transaction: on_commit never runs
    assert values(OUTPUT, 2025) == {}


def test_sync_is_idempotent_and_marks_past_years_final(catalogue):
    f.contract(status=Contract.Status.REGISTERED, registered_on=dt.date(2024, 5, 1))
    assert sync_feeds() == 4  # output and absorbed, district and city
    assert sync_feeds() == 0
    assert sync_feeds([2023]) == 0
    assert set(Observation.objects.filter(source=SOURCE).values_list("status", flat=True)) == {"final"}
    assert values(OUTPUT, 2024) == {"zhangdian": D("100"), "zibo": D("100")}


def test_sync_command(catalogue, capsys):
    f.contract(status=Contract.Status.REGISTERED, registered_on=dt.date(2024, 5, 1))
    call_command("sync_indicator_feeds", "--year", "2024")
    assert "4 observations" in capsys.readouterr().out
