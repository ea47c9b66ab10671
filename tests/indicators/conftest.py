"""Fixtures for the indicator module: the catalogue, the demo data, small helpers."""

from __future__ import annotations

import pytest

from kechuang.core.models import OrgUnit


@pytest.fixture
def city(db) -> OrgUnit:
    return OrgUnit.objects.get(code="zibo", parent=None)


@pytest.fixture
def catalogue(city):
    from kechuang.indicators.catalogue import catalogue_load

    catalogue_load(actor=None, city=city)
    from kechuang.indicators.models import Indicator

    return {i.code: i for i in Indicator.objects.prefetch_related("departments")}


@pytest.fixture
def demo(city):
    from kechuang.indicators.demo import load_demo

    return load_demo(city)


def demo_register(city: OrgUnit) -> OrgUnit:
    """A demo-like register (the demo generator's seed, 600 firms with their history) with stored verdicts: for
    `tests.conftest.loaded_once`, once per module."""
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.services import ladder_evaluate_register

    load_population(city, 600, seed=2026, history=True)
    ladder_evaluate_register()
    return city
