"""Defect 14: the indicator catalogue showed its framework codes (`zibo_22;sd_225;sd_eval`)."""

from __future__ import annotations

import pytest

from kechuang.core.models import OrgUnit
from tests.visible_text import visible_text, visible_text_problems

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_catalogue_names_its_frameworks(client_as, language):
    from kechuang.indicators.catalogue import catalogue_load

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    client = client_as("bureau_staff")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    html = client.get("/indicators/catalogue/").content.decode()
    assert not visible_text_problems(html), visible_text_problems(html)
    assert ("淄科发〔2023〕22号" if language == "zh-hans" else "Zibo policy") in visible_text(html)
