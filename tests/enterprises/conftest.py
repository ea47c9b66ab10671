from __future__ import annotations

import datetime as dt

import pytest

from kechuang.core.models import OrgUnit


@pytest.fixture
def population(db):
    """A small generated register (80 enterprises) with stored verdicts."""
    from kechuang.enterprises.demo import load_population
    from kechuang.enterprises.services import ladder_evaluate_register

    city = OrgUnit.objects.get(code="zibo", parent=None)
    load_population(city, 80, seed=7)
    ladder_evaluate_register(as_of=dt.date.today())
    return city
