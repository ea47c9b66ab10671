"""Defect 14: raw codes and machine number formats on screen (ISO durations, 1.6E+2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from kechuang.core.numbers import plain_decimal
from kechuang.policy.models import Target
from tests.visible_text import visible_text_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator_demo(db):
    from kechuang.core.models import OrgUnit
    from kechuang.indicators.demo import load_demo

    return load_demo(OrgUnit.objects.get(code="zibo", parent=None))


@pytest.mark.parametrize(
    ("stored", "shown"),
    [(Decimal("160.0000"), "160"), (Decimal("20"), "20"), (Decimal("2E+1"), "20"), (Decimal("0.0500"), "0.05")],
)
def test_decimal_is_shown_without_scientific_notation(stored, shown):
    assert plain_decimal(stored) == shown


def test_cadence_is_shown_in_words_not_p1y():
    with translation.override("zh-hans"):
        assert Target(cadence="P1Y").cadence_label == "每年"
        assert Target(cadence="P2Y").cadence_label == "每 2 年"
    with translation.override("en"):
        assert Target(cadence="P5Y").cadence_label == "every 5 years"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_targets_page_shows_no_iso_duration(indicator_demo, client_as, language):
    response = client_as("bureau_staff").get("/indicators/targets/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    problems = [p for p in visible_text_problems(response.content.decode()) if "duration" in p or "scientific" in p]
    assert not problems, problems


def test_district_target_form_shows_plain_numbers(indicator_demo, client_as):
    target = Target.objects.filter(allocations__isnull=False).first()
    assert target is not None, "the indicator demo sets district targets"
    allocation = target.allocations.first()
    allocation.value = Decimal("160.0000")
    allocation.save()
    html = client_as("bureau_staff").get(f"/indicators/targets/{target.pk}/districts/").content.decode()
    assert 'value="160"' in html and "E+" not in html
